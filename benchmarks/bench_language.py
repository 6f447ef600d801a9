"""Language detection: accuracy on generated sentences, agreement with py3langid, and speed.

    python benchmarks/bench_language.py [--listings DIR]

1. Generated set: short technical sentences of the kind a model card has, in 30 of the languages the
   detector names (tests/test_language.py has a sentence for each of the rest), composed here from
   subject, predicate and ending phrases written for this benchmark. Prints per language how many the
   detector gets right, how many it leaves undecided ("und", left out of a listing's share), and, where
   py3langid is installed, py3langid's accuracy and the two detectors' agreement. This set is in-sample:
   its phrases and the detector's word lists were written together.
2. Listings: the prose sentences of the shared listings (../shared/listings/*.md, read in place), each
   classified by both; and the listing-level verdict (mostly_foreign and main language) of both. Real
   listings are the check that matters.
3. Time per listing of detect_language, interleaved with the previous detector's.

py3langid is no dependency any more; where it is not installed parts 1 and 2 print this detector's figures
alone. "py3langid" below is the previous detector exactly: the English function-word test first, then
py3langid, whose call on a Latin-script sentence counted only at 0.95 confidence or more.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analyzer import language  # noqa: E402
from analyzer.pipeline import load_listing  # noqa: E402
from analyzer.sentences import display_quote, split_units  # noqa: E402

PER_LANGUAGE = 24  # sentences per language (the first of the subject x predicate x ending combinations)

# language: (subjects, predicates, endings). Every combination is a grammatical sentence.
PHRASES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "en": (
        ("The model", "This agent", "Our assistant", "The server"),
        ("reads the files in your project", "can run shell commands on your machine", "keeps a memory of past sessions", "answers questions about the documents"),
        (".", " and sends the results to the API.", " when you ask it to."),
    ),
    "de": (
        ("Das Modell", "Dieser Agent", "Unser Assistent", "Der Server"),
        ("liest die Dateien in deinem Projekt", "kann Befehle in der Shell ausführen", "speichert eine Erinnerung an frühere Sitzungen", "beantwortet Fragen zu den Dokumenten"),
        (".", " und schickt die Ergebnisse an die API.", ", wenn du es möchtest."),
    ),
    "fr": (
        ("Le modèle", "Cet agent", "Notre assistant", "Le serveur"),
        ("lit les fichiers de votre projet", "peut exécuter des commandes sur votre machine", "garde une mémoire des sessions passées", "répond aux questions sur les documents"),
        (".", " et envoie les résultats à l'API.", " quand vous le lui demandez."),
    ),
    "es": (
        ("El modelo", "Este agente", "Nuestro asistente", "El servidor"),
        ("lee los archivos de tu proyecto", "puede ejecutar comandos en tu máquina", "guarda una memoria de las sesiones anteriores", "responde preguntas sobre los documentos"),
        (".", " y envía los resultados a la API.", " cuando se lo pides."),
    ),
    "pt": (
        ("O modelo", "Este agente", "O nosso assistente", "O servidor"),
        ("lê os arquivos do seu projeto", "pode executar comandos na sua máquina", "guarda uma memória das sessões anteriores", "responde a perguntas sobre os documentos"),
        (".", " e envia os resultados para a API.", " quando você pede."),
    ),
    "it": (
        ("Il modello", "Questo agente", "Il nostro assistente", "Il server"),
        ("legge i file del tuo progetto", "può eseguire comandi sulla tua macchina", "conserva una memoria delle sessioni precedenti", "risponde alle domande sui documenti"),
        (".", " e invia i risultati all'API.", " quando glielo chiedi."),
    ),
    "nl": (
        ("Het model", "Deze agent", "Onze assistent", "De server"),
        ("leest de bestanden in je project", "kan opdrachten op je computer uitvoeren", "houdt een geheugen van eerdere sessies bij", "beantwoordt vragen over de documenten"),
        (".", " en stuurt de resultaten naar de API.", " als je erom vraagt."),
    ),
    "pl": (
        ("Model", "Ten agent", "Nasz asystent", "Serwer"),
        ("czyta pliki w twoim projekcie", "może uruchamiać polecenia na twoim komputerze", "przechowuje pamięć poprzednich sesji", "odpowiada na pytania o dokumenty"),
        (".", " i wysyła wyniki do API.", ", kiedy go o to poprosisz."),
    ),
    "tr": (
        ("Model", "Bu ajan", "Asistanımız", "Sunucu"),
        ("projenizdeki dosyaları okur", "bilgisayarınızda komut çalıştırabilir", "önceki oturumların bir hafızasını tutar", "belgeler hakkındaki soruları yanıtlar"),
        (".", " ve sonuçları API üzerinden gönderir.", ", siz istediğinizde."),
    ),
    "vi": (
        ("Mô hình này", "Tác tử này", "Trợ lý của chúng tôi", "Máy chủ"),
        ("đọc các tệp trong dự án của bạn", "có thể chạy lệnh trên máy của bạn", "lưu lại bộ nhớ của các phiên trước", "trả lời câu hỏi về các tài liệu"),
        (".", " và gửi kết quả đến API.", " khi bạn yêu cầu."),
    ),
    "id": (
        ("Model ini", "Agen ini", "Asisten kami", "Server"),
        ("membaca berkas dalam proyek Anda", "dapat menjalankan perintah di komputer Anda", "menyimpan ingatan dari sesi sebelumnya", "menjawab pertanyaan tentang dokumen"),
        (".", " dan mengirim hasilnya ke API.", " jika Anda memintanya."),
    ),
    "cs": (
        ("Model", "Tento agent", "Náš asistent", "Server"),
        ("čte soubory ve vašem projektu", "může spouštět příkazy na vašem počítači", "uchovává paměť předchozích relací", "odpovídá na otázky o dokumentech"),
        (".", " a posílá výsledky do API.", ", když ho o to požádáte."),
    ),
    "sv": (
        ("Modellen", "Den här agenten", "Vår assistent", "Servern"),
        ("läser filerna i ditt projekt", "kan köra kommandon på din dator", "sparar ett minne av tidigare sessioner", "svarar på frågor om dokumenten"),
        (".", " och skickar resultaten till API:et.", " när du ber om det."),
    ),
    "da": (
        ("Modellen", "Denne agent", "Vores assistent", "Serveren"),
        ("læser filerne i dit projekt", "kan køre kommandoer på din computer", "gemmer en hukommelse af tidligere sessioner", "besvarer spørgsmål om dokumenterne"),
        (".", " og sender resultaterne til API'et.", ", når du beder om det."),
    ),
    "no": (
        ("Modellen", "Denne agenten", "Assistenten vår", "Serveren"),
        ("leser filene i prosjektet ditt", "kan kjøre kommandoer på datamaskinen din", "lagrer et minne av tidligere økter", "svarer på spørsmål om dokumentene"),
        (".", " og sender resultatene til API-et.", " når du ber om det."),
    ),
    "fi": (
        ("Malli", "Tämä agentti", "Avustajamme", "Palvelin"),
        ("lukee projektisi tiedostot", "voi ajaa komentoja koneellasi", "muistaa aiemmat istunnot", "vastaa kysymyksiin asiakirjoista"),
        (".", " ja lähettää tulokset rajapintaan.", ", kun pyydät sitä."),
    ),
    "ro": (
        ("Modelul", "Acest agent", "Asistentul nostru", "Serverul"),
        ("citește fișierele din proiectul tău", "poate rula comenzi pe calculatorul tău", "păstrează o memorie a sesiunilor anterioare", "răspunde la întrebări despre documente"),
        (".", " și trimite rezultatele către API.", " când îi ceri asta."),
    ),
    "hu": (
        ("A modell", "Ez az ügynök", "Az asszisztensünk", "A szerver"),
        ("beolvassa a projekted fájljait", "parancsokat futtathat a gépeden", "megőrzi a korábbi munkamenetek emlékét", "válaszol a dokumentumokkal kapcsolatos kérdésekre"),
        (".", " és elküldi az eredményeket az API-nak.", ", ha megkéred rá."),
    ),
    "zh": (
        ("这个模型", "该智能体", "我们的助手", "服务器"),
        ("可以读取你项目中的文件", "能够在你的电脑上执行命令", "会记住之前会话的内容", "回答关于文档的问题"),
        ("。", "，并把结果发送到接口。", "，只要你提出请求。"),
    ),
    "ja": (
        ("このモデルは", "このエージェントは", "私たちのアシスタントは", "サーバーは"),
        ("プロジェクトのファイルを読み込みます", "あなたのマシンでコマンドを実行できます", "以前のセッションの記憶を保持します", "文書についての質問に答えます"),
        ("。", "。結果はAPIに送信されます。", "。必要なときに使ってください。"),
    ),
    "ko": (
        ("이 모델은", "이 에이전트는", "우리 어시스턴트는", "서버는"),
        ("프로젝트의 파일을 읽습니다", "컴퓨터에서 명령을 실행할 수 있습니다", "이전 세션의 기억을 유지합니다", "문서에 대한 질문에 답합니다"),
        (".", ". 결과는 API로 전송됩니다.", ". 필요할 때 요청하세요."),
    ),
    "ru": (
        ("Модель", "Этот агент", "Наш ассистент", "Сервер"),
        ("читает файлы в вашем проекте", "может выполнять команды на вашем компьютере", "хранит память о прошлых сессиях", "отвечает на вопросы о документах"),
        (".", " и отправляет результаты в API.", ", когда вы его попросите."),
    ),
    "uk": (
        ("Модель", "Цей агент", "Наш асистент", "Сервер"),
        ("читає файли у вашому проєкті", "може виконувати команди на вашому комп'ютері", "зберігає пам'ять про попередні сесії", "відповідає на питання про документи"),
        (".", " і надсилає результати до API.", ", коли ви його попросите."),
    ),
    "bg": (
        ("Моделът", "Този агент", "Нашият асистент", "Сървърът"),
        ("чете файловете във вашия проект", "може да изпълнява команди на вашия компютър", "пази памет за предишните сесии", "отговаря на въпроси за документите"),
        (".", " и изпраща резултатите към API.", ", когато го помолите."),
    ),
    "el": (
        ("Το μοντέλο", "Αυτός ο πράκτορας", "Ο βοηθός μας", "Ο διακομιστής"),
        ("διαβάζει τα αρχεία του έργου σας", "μπορεί να εκτελεί εντολές στον υπολογιστή σας", "κρατά μνήμη από προηγούμενες συνεδρίες", "απαντά σε ερωτήσεις για τα έγγραφα"),
        (".", " και στέλνει τα αποτελέσματα στο API.", " όταν του το ζητήσετε."),
    ),
    "he": (
        ("המודל", "הסוכן הזה", "העוזר שלנו", "השרת"),
        ("קורא את הקבצים בפרויקט שלך", "יכול להריץ פקודות במחשב שלך", "שומר זיכרון של שיחות קודמות", "עונה על שאלות על המסמכים"),
        (".", " ושולח את התוצאות ל-API.", " כשאתה מבקש."),
    ),
    "ar": (
        ("النموذج", "هذا الوكيل", "مساعدنا", "الخادم"),
        ("يقرأ الملفات في مشروعك", "يمكنه تنفيذ الأوامر على جهازك", "يحتفظ بذاكرة الجلسات السابقة", "يجيب عن الأسئلة حول المستندات"),
        (".", " ويرسل النتائج إلى الواجهة البرمجية.", " عندما تطلب منه ذلك."),
    ),
    "fa": (
        ("این مدل", "این عامل", "دستیار ما", "سرور"),
        ("فایل‌های پروژه شما را می‌خواند", "می‌تواند دستورها را روی رایانه شما اجرا کند", "حافظه‌ای از گفتگوهای پیشین نگه می‌دارد", "به پرسش‌ها درباره اسناد پاسخ می‌دهد"),
        (".", " و نتیجه را به رابط برنامه‌نویسی می‌فرستد.", " وقتی شما بخواهید."),
    ),
    "hi": (
        ("यह मॉडल", "यह एजेंट", "हमारा सहायक", "सर्वर"),
        ("आपके प्रोजेक्ट की फ़ाइलें पढ़ता है", "आपके कंप्यूटर पर कमांड चला सकता है", "पिछले सत्रों की याद रखता है", "दस्तावेज़ों के बारे में सवालों के जवाब देता है"),
        ("।", " और परिणाम API को भेजता है।", " जब आप कहते हैं।"),
    ),
    "th": (
        ("โมเดลนี้", "เอเจนต์นี้", "ผู้ช่วยของเรา", "เซิร์ฟเวอร์"),
        ("อ่านไฟล์ในโปรเจกต์ของคุณ", "สามารถรันคำสั่งบนเครื่องของคุณได้", "จดจำเนื้อหาของเซสชันก่อนหน้า", "ตอบคำถามเกี่ยวกับเอกสาร"),
        ("", " และส่งผลลัพธ์ไปยัง API", " เมื่อคุณขอ"),
    ),
}


def generated() -> dict[str, list[str]]:
    """PER_LANGUAGE sentences per language, varied in subject, predicate and ending."""
    out: dict[str, list[str]] = {}
    for code, (subjects, predicates, endings) in PHRASES.items():
        combos = itertools.product(endings, predicates, subjects)
        out[code] = [f"{s} {p}{e}" for e, p, s in itertools.islice(combos, PER_LANGUAGE)]
    return out


def previous_detector() -> Callable[[str], str] | None:
    """The detector before this one: the English function-word test, then py3langid (None when not installed)."""
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier
    except ImportError:
        return None
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)

    def known(found: str) -> str:
        return "und" if found == "zxx" else found  # the previous detect_language left "zxx" (no language) out

    def classify(sentence: str) -> str:
        letters = sum(1 for c in sentence if c.isalpha())
        if not letters:
            return "und"
        if language._count_in(sentence, language._OTHER_SCRIPT) / letters >= 0.5:
            return known(identifier.classify(sentence)[0])
        words = [w.lower() for w in language._WORD.findall(language._IDENTIFIER.sub(" ", sentence))]
        if words and sum(w in language._ENGLISH for w in words) / len(words) >= 0.2:
            return "en"
        found, confidence = identifier.classify(sentence)
        return known(found) if found == "en" or confidence >= 0.95 else "und"

    return classify


def prose_sentences(text: str) -> list[str]:
    """The sentences detect_language samples, with the same filters."""
    out = []
    for unit in split_units(text):
        if unit.kind not in ("sentence", "item", "quote"):
            continue
        sentence = display_quote(text[unit.start : unit.end])
        if len(sentence.split()) < language.MIN_WORDS and language._count_in(sentence, language._UNSPACED) < 8:
            continue
        out.append(sentence)
    return out[: language.MAX_UNITS * 2]


def with_detector(detector: Callable[[str], str], text: str) -> language.LanguageReport:
    original = language._sentence_language
    language._sentence_language = detector
    try:
        return language.detect_language(text)
    finally:
        language._sentence_language = original


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", default=str(ROOT.parent / "shared" / "listings"), help="folder of listing .md files")
    args = parser.parse_args()
    previous = previous_detector()
    if previous is None:
        print("py3langid is not installed: agreement with it is skipped (pip install py3langid to compare)")

    print(f"\n1. generated sentences ({PER_LANGUAGE} per language)")
    compared = f"   {'py3langid':>9} {'agree':>6}" if previous else ""
    print(f"{'lang':5} {'right':>6} {'und':>4} {'wrong':>6}{compared}   wrong calls")
    right_total = und_total = total = agree_total = prev_right_total = 0
    for code, sentences in generated().items():
        got = [language._sentence_language(s) for s in sentences]
        right, und = sum(g == code for g in got), sum(g == "und" for g in got)
        wrong = sorted({g for g in got if g not in (code, "und")})
        right_total, und_total, total = right_total + right, und_total + und, total + len(got)
        line = f"{code:5} {right:>3}/{len(got):<2} {und:>4} {len(got) - right - und:>6}"
        if previous:
            old = [previous(s) for s in sentences]
            prev_right = sum(o == code for o in old)
            agree = sum(o == g for o, g in zip(old, got, strict=True))
            prev_right_total, agree_total = prev_right_total + prev_right, agree_total + agree
            line += f"   {prev_right:>6}/{len(got):<2} {agree:>3}/{len(got):<2}"
        print(line + ("   " + ", ".join(wrong) if wrong else ""))
    summary = f"all   {right_total}/{total} right ({right_total / total:.1%}), {und_total} und ({und_total / total:.1%}), {total - right_total - und_total} wrong"
    if previous:
        summary += f"; py3langid {prev_right_total}/{total} right ({prev_right_total / total:.1%}); agreement {agree_total}/{total} ({agree_total / total:.1%})"
    print(summary)

    paths = sorted(Path(args.listings).glob("*.md"))
    print(f"\n2. listings ({len(paths)} in {args.listings})")
    texts = {p.name: load_listing(str(p), use_cache=False).text for p in paths}
    if previous and texts:
        sentence_total = sentence_agree = 0
        disagreements: dict[tuple[str, str], int] = {}
        for text in texts.values():
            for sentence in prose_sentences(text):
                old, new = previous(sentence), language._sentence_language(sentence)
                sentence_total += 1
                sentence_agree += old == new
                if old != new:
                    disagreements[(old, new)] = disagreements.get((old, new), 0) + 1
        print(f"prose sentences: {sentence_agree}/{sentence_total} same call ({sentence_agree / max(sentence_total, 1):.1%})")
        for (old, new), count in sorted(disagreements.items(), key=lambda kv: -kv[1])[:8]:
            print(f"  py3langid {old:>4} -> now {new:>4}: {count}")
        verdicts = same_main = 0
        for name, text in texts.items():
            old_report, new_report = with_detector(previous, text), language.detect_language(text)
            verdicts += old_report.mostly_foreign == new_report.mostly_foreign
            same_main += old_report.language == new_report.language
            if old_report.language != new_report.language or abs(old_report.english_share - new_report.english_share) > 0.05:
                print(f"  {name}: py3langid {old_report.language} {old_report.english_share:.3f}, now {new_report.language} {new_report.english_share:.3f}")
        print(f"listing verdicts: mostly_foreign same on {verdicts}/{len(texts)}, main language same on {same_main}/{len(texts)}")
    foreign = [n for n, t in texts.items() if language.detect_language(t).mostly_foreign]
    print(f"mostly foreign now: {len(foreign)} ({', '.join(foreign) or 'none'})")

    print("\n3. speed")
    samples = list(texts.values()) + ["\n\n".join(s) for s in generated().values()]
    language._latin_profiles.cache_clear()
    started = time.perf_counter()
    language._latin_profiles()
    print(f"indexing the Latin profiles (once per process, on the first non-English sentence): {(time.perf_counter() - started) * 1000:.2f} ms")
    load = 0.0
    if previous:
        started = time.perf_counter()
        previous_detector()
        load = time.perf_counter() - started
    # Interleaved, text by text, so that the load of a shared machine falls on both alike.
    times: list[float] = []
    old_times: list[float] = []
    for text in samples:
        started = time.perf_counter()
        language.detect_language(text)
        times.append(time.perf_counter() - started)
        if previous:
            started = time.perf_counter()
            with_detector(previous, text)
            old_times.append(time.perf_counter() - started)
    print(f"detect_language over {len(samples)} texts (listings + one text per generated language): median {statistics.median(times) * 1000:.2f} ms, max {max(times) * 1000:.2f} ms, total {sum(times) * 1000:.0f} ms")
    if previous:
        print(f"previous detector (py3langid) on the same texts: model load {load * 1000:.0f} ms, then median {statistics.median(old_times) * 1000:.2f} ms, max {max(old_times) * 1000:.2f} ms, total {sum(old_times) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
