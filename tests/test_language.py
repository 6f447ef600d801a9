"""A listing mostly not in English: a clear warning, nothing guessed by the English-only extractor."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer import language
from analyzer.extract.heuristic import HeuristicExtractor
from analyzer.fetch.parse import build_listing
from analyzer.language import LANGUAGE_NAMES, detect_language, foreign_language_warning
from analyzer.pipeline import analyze
from analyzer.report import render

CHINESE_APP = """# 小助手

小助手是一个开源的人工智能助手应用，可以在浏览器中与多种大语言模型对话。

它支持知识库问答、联网搜索和插件，并会在多次会话之间记住你的偏好。

- 支持本地部署和云端部署
- 提供网页界面和桌面客户端
- 可以连接多种模型服务

| Benchmark | Score |
|---|---|
| MMLU | 71.2 |
"""

CHINESE_CARD = "---\npipeline_tag: text-generation\nlicense: apache-2.0\n---\n" + CHINESE_APP

# One sentence of the kind a listing has (a piece of advice, not the benchmark's phrases) in every
# language the detector names.
SENTENCES = {
 "en": "Tinker is an open-source coding agent that edits files in your repository and runs the tests.",
 "de": "Wir empfehlen, den Assistenten nur in einer isolierten Umgebung zu starten, weil er ohne Rückfrage auf das Netzwerk zugreifen darf.",
 "fr": "Nous vous conseillons de lancer l'assistant dans un conteneur isolé, car il peut accéder au réseau sans vous demander votre accord.",
 "es": "Te recomendamos ejecutar el asistente dentro de un contenedor aislado, porque puede acceder a la red sin pedirte permiso.",
 "pt": "Recomendamos executar o assistente dentro de um contêiner isolado, porque ele pode acessar a rede sem pedir a sua permissão.",
 "it": "Ti consigliamo di avviare l'assistente in un container isolato, perché può accedere alla rete senza chiederti il permesso.",
 "nl": "We raden aan de assistent in een afgeschermde container te starten, omdat hij zonder toestemming het netwerk op kan gaan.",
 "pl": "Zalecamy uruchamianie asystenta w odizolowanym kontenerze, ponieważ może on łączyć się z siecią bez pytania o zgodę.",
 "tr": "Asistanı yalıtılmış bir kapsayıcıda çalıştırmanızı öneririz, çünkü izin istemeden ağa erişebilir.",
 "vi": "Chúng tôi khuyên bạn nên chạy trợ lý trong một vùng chứa biệt lập, vì nó có thể truy cập mạng mà không hỏi ý kiến bạn.",
 "id": "Kami menyarankan agar asisten dijalankan di dalam kontainer yang terisolasi, karena ia dapat mengakses jaringan tanpa meminta izin.",
 "cs": "Doporučujeme spouštět asistenta v izolovaném kontejneru, protože může bez ptaní přistupovat k síti.",
 "sv": "Vi rekommenderar att du kör assistenten i en isolerad behållare, eftersom den kan nå nätverket utan att fråga dig först.",
 "da": "Vi anbefaler, at du kører assistenten i en isoleret container, fordi den kan tilgå netværket uden at spørge dig først.",
 "no": "Vi anbefaler at du kjører assistenten i en isolert beholder, fordi den kan nå nettverket uten å spørre deg først.",
 "fi": "Suosittelemme, että ajat avustajaa eristetyssä säiliössä, koska se voi käyttää verkkoa kysymättä sinulta lupaa.",
 "ro": "Vă recomandăm să rulați asistentul într-un container izolat, deoarece poate accesa rețeaua fără să vă ceară permisiunea.",
 "hu": "Azt javasoljuk, hogy az asszisztenst elszigetelt konténerben futtasd, mert engedély kérése nélkül is eléri a hálózatot.",
 "zh": "我们建议在隔离的容器中运行该助手，因为它可以在不询问你的情况下访问网络。",
 "ja": "このアシスタントは確認なしでネットワークにアクセスできるため、隔離されたコンテナで実行することをお勧めします。",
 "ko": "이 어시스턴트는 묻지 않고 네트워크에 접근할 수 있으므로 격리된 컨테이너에서 실행하는 것을 권장합니다.",
 "ru": "Мы рекомендуем запускать ассистента в изолированном контейнере, потому что он может обращаться к сети без вашего разрешения.",
 "uk": "Ми радимо запускати асистента в ізольованому контейнері, бо він може звертатися до мережі без вашого дозволу.",
 "bg": "Препоръчваме да стартирате асистента в изолиран контейнер, защото той може да достъпва мрежата без вашето разрешение.",
 "sr": "Препоручујемо да асистента покрећете у изолованом контејнеру, јер може да приступа мрежи без вашег одобрења.",
 "mk": "Препорачуваме асистентот да го стартувате во изолиран контејнер, бидејќи може да пристапува до мрежата без ваша дозвола.",
 "be": "Мы раім запускаць асістэнта ў ізаляваным кантэйнеры, бо ён можа звяртацца да сеткі без вашага дазволу.",
 "kk": "Көмекшіні оқшауланған контейнерде іске қосуды ұсынамыз, себебі ол рұқсат сұрамай желіге қосыла алады.",
 "el": "Σας συνιστούμε να εκτελείτε τον βοηθό σε απομονωμένο κοντέινερ, επειδή μπορεί να συνδεθεί στο δίκτυο χωρίς να σας ρωτήσει.",
 "he": "אנו ממליצים להריץ את העוזר במכולה מבודדת, כי הוא יכול לגשת לרשת בלי לבקש רשות.",
 "ar": "نوصي بتشغيل المساعد داخل حاوية معزولة، لأنه يستطيع الوصول إلى الشبكة دون أن يطلب إذنك.",
 "fa": "پیشنهاد می‌کنیم دستیار را در یک کانتینر جداشده اجرا کنید، چون می‌تواند بدون پرسیدن از شما به شبکه دسترسی پیدا کند.",
 "ur": "ہم تجویز کرتے ہیں کہ اسسٹنٹ کو الگ کنٹینر میں چلائیں، کیونکہ یہ اجازت مانگے بغیر نیٹ ورک تک پہنچ سکتا ہے۔",
 "hi": "हम सुझाव देते हैं कि सहायक को अलग कंटेनर में चलाएँ, क्योंकि यह बिना पूछे नेटवर्क तक पहुँच सकता है।",
 "bn": "আমরা সহকারীটিকে একটি আলাদা কন্টেইনারে চালানোর পরামর্শ দিই, কারণ এটি অনুমতি ছাড়াই নেটওয়ার্কে যেতে পারে।",
 "pa": "ਅਸੀਂ ਸਹਾਇਕ ਨੂੰ ਵੱਖਰੇ ਕੰਟੇਨਰ ਵਿੱਚ ਚਲਾਉਣ ਦੀ ਸਲਾਹ ਦਿੰਦੇ ਹਾਂ, ਕਿਉਂਕਿ ਇਹ ਬਿਨਾਂ ਪੁੱਛੇ ਨੈੱਟਵਰਕ ਤੱਕ ਪਹੁੰਚ ਸਕਦਾ ਹੈ।",
 "gu": "અમે સહાયકને અલગ કન્ટેનરમાં ચલાવવાની ભલામણ કરીએ છીએ, કારણ કે તે પૂછ્યા વિના નેટવર્ક સુધી પહોંચી શકે છે.",
 "or": "ଆମେ ସହାୟକକୁ ଏକ ଅଲଗା କଣ୍ଟେନରରେ ଚଲାଇବାକୁ ପରାମର୍ଶ ଦେଉଛୁ, କାରଣ ଏହା ନପଚାରି ନେଟୱାର୍କକୁ ଯାଇପାରେ।",
 "ta": "உதவியாளரைத் தனி கொள்கலனில் இயக்குமாறு பரிந்துரைக்கிறோம், ஏனெனில் அது அனுமதி கேட்காமல் வலையமைப்பை அணுகலாம்.",
 "te": "సహాయకుడిని వేరే కంటైనర్‌లో నడపమని సిఫార్సు చేస్తున్నాము, ఎందుకంటే అది అనుమతి అడగకుండా నెట్‌వర్క్‌ను చేరుకోగలదు.",
 "kn": "ಸಹಾಯಕವನ್ನು ಪ್ರತ್ಯೇಕ ಕಂಟೇನರ್‌ನಲ್ಲಿ ಚಲಾಯಿಸಲು ನಾವು ಶಿಫಾರಸು ಮಾಡುತ್ತೇವೆ, ಏಕೆಂದರೆ ಅದು ಅನುಮತಿ ಕೇಳದೆ ನೆಟ್‌ವರ್ಕ್ ತಲುಪಬಹುದು.",
 "ml": "സഹായിയെ ഒരു വേർതിരിച്ച കണ്ടെയ്‌നറിൽ പ്രവർത്തിപ്പിക്കാൻ ഞങ്ങൾ ശുപാർശ ചെയ്യുന്നു, കാരണം അതിന് അനുമതി ചോദിക്കാതെ നെറ്റ്‌വർക്കിൽ എത്താൻ കഴിയും.",
 "si": "සහායකයා වෙනම බහාලුමක ධාවනය කිරීමට අපි නිර්දේශ කරමු, මන්ද එයට අවසර නොඅසා ජාලයට පිවිසිය හැකි බැවිනි.",
 "th": "เราแนะนำให้รันผู้ช่วยในคอนเทนเนอร์ที่แยกออกมา เพราะมันสามารถเข้าถึงเครือข่ายได้โดยไม่ต้องถามคุณก่อน",
}
FRENCH = "Cet agent lit vos fichiers et exécute des commandes dans votre terminal. Il garde une mémoire de vos projets entre les sessions."


def _listing(text: str):  # type: ignore[no-untyped-def]
    return build_listing(text, source="card.md", source_type="file", name_hint="card.md")


def test_detects_the_main_language_of_prose() -> None:
    report = detect_language(CHINESE_APP)
    assert report.language == "zh" and report.mostly_foreign and report.name == "Chinese"
    assert detect_language(FRENCH).language == "fr"


def test_an_english_listing_never_runs_the_language_profiles() -> None:
    language._latin_profiles.cache_clear()
    language._script_profiles.cache_clear()
    report = detect_language(
        "# Tinker\n\nTinker is an open-source coding agent. It edits files in your repository and runs the tests.\n\n"
        "Set OPENAI_API_KEY or ANTHROPIC_API_KEY before the first run.\n"
    )
    assert report.language == "en" and report.english_share == 1.0 and not report.mostly_foreign
    assert language._latin_profiles.cache_info().currsize == 0 and language._script_profiles.cache_info().currsize == 0
    detect_language(FRENCH)  # while a French one does
    assert language._latin_profiles.cache_info().currsize == 1


def test_every_named_language_has_a_test_sentence() -> None:
    assert set(SENTENCES) == set(LANGUAGE_NAMES)


@pytest.mark.parametrize("code", sorted(SENTENCES))
def test_a_sentence_in_each_supported_language_is_detected(code: str) -> None:
    report = detect_language(SENTENCES[code] + "\n")
    assert (report.language, report.mostly_foreign) == (code, code != "en")
    assert report.sampled_chars == len(SENTENCES[code])


def test_a_mixed_listing_gets_the_share_of_each_language() -> None:
    english = [SENTENCES["en"], "It keeps a memory of your projects between sessions and can open pull requests for you."]
    others = [SENTENCES["de"], SENTENCES["zh"], SENTENCES["ru"]]
    mostly_english = "\n\n".join([*english, english[0], others[1]]) + "\n"
    report = detect_language(mostly_english)
    english_chars = 2 * len(english[0]) + len(english[1])
    assert report.language == "en" and not report.mostly_foreign
    assert report.english_share == round(english_chars / (english_chars + len(others[1])), 3)
    mostly_other = "\n\n".join([english[1], *others, others[0]]) + "\n"
    report = detect_language(mostly_other)
    other_chars = sum(map(len, others)) + len(others[0])
    assert report.language == "de" and report.mostly_foreign and report.name == "German"
    assert report.english_share == round(len(english[1]) / (len(english[1]) + other_chars), 3)
    assert "mostly in German" in foreign_language_warning(report).message


def test_what_is_not_prose_is_left_out_of_the_share() -> None:
    names = (
        "Maintainers: Ana de la Fuente, Luis de las Casas, Marie de Villiers, Jan van der Berg, Piotr Nowak, "
        "Giulia Rossi, Ahmet Yilmaz, Nguyen Van An, Erik Lindqvist and Jean-Luc Picard."
    )
    badge = "Docs: <img src=\"https://example.test/badge.svg?logo=data:image/svg%2bxml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAyNCAyNCI+PC9zdmc+\"> for the project."
    for text in (names, badge, "Supports Python, JavaScript, TypeScript, Go, Rust, Java."):
        assert language._sentence_language(text) == "und", text
    report = detect_language("\n\n".join([names, SENTENCES["fr"]]) + "\n")
    assert report.language == "fr" and report.english_share == 0.0 and report.sampled_chars == len(SENTENCES["fr"])


def test_scripts_shared_by_several_languages_are_told_apart_by_their_letters() -> None:
    assert language._sentence_language("Модель поддерживает длинный контекст и работает локально.") == "ru"
    assert language._sentence_language("Модель підтримує довгий контекст і працює локально.") == "uk"
    assert language._sentence_language("Моделът поддържа дълъг контекст и работи локално.") == "bg"
    assert language._sentence_language("این مدل متن‌های طولانی را پشتیبانی می‌کند.") == "fa"
    assert language._sentence_language("يدعم هذا النموذج النصوص الطويلة ويعمل محليا.") == "ar"
    assert language._sentence_language("この模型は長い文脈を扱えます。") == "ja"
    assert language._sentence_language("该模型支持长上下文并在本地运行。") == "zh"


_PIECES = st.sampled_from(
    [*SENTENCES["fr"].split(), *SENTENCES["pl"].split(), *SENTENCES["en"].split(), *SENTENCES["ru"].split(), "的", "は", "이",
     "\n", "\n\n", "# ", "| a | b |", "- ", "```", "`x`", "OPENAI_API_KEY", "e\u0301", "ł", "ß", "де", "de", "la", ".", "!", "?",
     "https://example.test/a?b=c", "v1.2.3", "\u200b", "İ", "ǅ"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=400), st.lists(_PIECES, max_size=120).map(" ".join)))
def test_any_text_gives_a_report_in_bounds(text: str) -> None:
    report = detect_language(text)
    assert 0.0 <= report.english_share <= 1.0 and report.sampled_chars >= 0
    assert (report.language == "und") == (report.sampled_chars == 0)
    assert report.mostly_foreign == (report.sampled_chars > 0 and report.english_share < language.MOSTLY_FOREIGN)
    assert isinstance(report.name, str) and foreign_language_warning(report).code == "non_english_listing"


def test_a_chinese_listing_of_unknown_kind_is_unknown_not_guessed() -> None:
    analysis = analyze(_listing(CHINESE_APP), extractor=HeuristicExtractor())
    assert analysis.failed and analysis.aivss.score is None
    assert "mostly in Chinese" in (analysis.extraction.error or "") and "--provider openai" in (analysis.extraction.error or "")
    assert [w.code for w in analysis.warnings] == ["non_english_listing"]
    md = render(analysis, "md")
    assert "AIVSS Unknown" in md and "mostly in Chinese" in md and "LLM provider" in md


def test_a_chinese_card_with_a_pipeline_tag_keeps_its_kind_and_marks_floors_not_read() -> None:
    result = HeuristicExtractor().extract(_listing(CHINESE_CARD))
    assert result.profile is not None
    assert result.profile.system.kind.value == "text-llm"
    assert any(w.code == "non_english_listing" for w in result.warnings)
    floors = [f for f in result.profile.factors if f.floor_applied]
    assert floors and all(f.rationale.startswith("Not read: the listing is mostly in Chinese") for f in floors)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0xFFFF, exclude_categories=["Cs"]), max_size=60))
def test_script_counts_are_the_code_point_ranges(text: str) -> None:
    other = re.compile(
        "[\u0370-\u03ff\u0400-\u052f\u0590-\u05ff\u0600-\u06ff\u0900-\u0dff\u0e00-\u0e7f\u1100-\u11ff"
        "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]"
    )
    cjk = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
    edges = "\u036f\u0370\u03ff\u0400\u052f\u0530\u11ff\u1200\u9fff\ua000\ud7af\ud7b0"
    for sample in (text, edges + text):
        assert language._count_in(sample, language._OTHER_SCRIPT) == len(other.findall(sample))
        assert language._count_in(sample, language._CJK) == len(cjk.findall(sample))
