"""Which language a listing is written in, so an English-only reader can say what it could not read.

The offline extractor's phrase rules are English. A card written mostly in Chinese (many real ones are)
would otherwise be scored from its few English fragments as if they were the whole listing.

Detection is plain Python, sentence by sentence, in three steps that each look at every character once:
- a sentence mostly in another script than Latin is named by its script (Han with kana is Japanese, Han
  alone Chinese, Hangul Korean, Devanagari Hindi, Thai, Greek, Hebrew ...); where several languages share
  a script (Cyrillic, Arabic) their distinctive letters and function words decide;
- a Latin-script sentence whose words are mostly common English function words is English, and an English
  listing never goes further;
- any other Latin-script sentence is matched against the function words and the accented letters of each
  common Latin-script language (analyzer/language_profiles.py); only a clear winner (several hits, well
  ahead of the runner-up) counts, the rest (a name list, a command, a run of product names) is left out.
No model to load and no numpy: the statistical detector used before (py3langid) pulled numpy, a third of
a fresh install, for a verdict that function words and scripts give as well on prose
(benchmarks/bench_language.py measures the agreement).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from functools import cache
from typing import NamedTuple

from analyzer import regexcache
from analyzer.models import AnalysisWarning, Severity
from analyzer.sentences import display_quote, split_units

MAX_UNITS = 80  # sentences sampled, from the top
MIN_WORDS = 4
MOSTLY_FOREIGN = 0.5  # below this share of English prose the listing is "mostly not English"
_WORD = regexcache.compile(r"[^\W\d_]+", re.UNICODE)
_IDENTIFIER = regexcache.compile(r"\b(?:\w+_\w*|[A-Z][A-Z0-9]+)\b")
# Scripts other than Latin that a language is written in (full-width Latin letters are still Latin), with
# the language a sentence in each is, or the key of the languages that share it (SCRIPT_LANGUAGES).
_SCRIPTS = (
    (0x0370, 0x0400, "el"), (0x0400, 0x0530, "cyrillic"), (0x0590, 0x0600, "he"), (0x0600, 0x0700, "arabic"),
    (0x0900, 0x0980, "hi"), (0x0980, 0x0A00, "bn"), (0x0A00, 0x0A80, "pa"), (0x0A80, 0x0B00, "gu"),
    (0x0B00, 0x0B80, "or"), (0x0B80, 0x0C00, "ta"), (0x0C00, 0x0C80, "te"), (0x0C80, 0x0D00, "kn"),
    (0x0D00, 0x0D80, "ml"), (0x0D80, 0x0E00, "si"), (0x0E00, 0x0E80, "th"), (0x1100, 0x1200, "hangul"),
    (0x3040, 0x3100, "kana"), (0x3400, 0x4DC0, "han"), (0x4E00, 0xA000, "han"), (0xAC00, 0xD7B0, "hangul"),
)  # fmt: skip
# The same ranges as bounds (start, end, start, end ...; end excluded) tested per character with bisect,
# and the CJK ones. A regex class over them costs ~6 ms to compile (re maps all 64K code points), more
# than every sentence's test.
_OTHER_SCRIPT = tuple(bound for start, end, _ in _SCRIPTS for bound in (start, end))
_SCRIPT_OF = tuple(script for _, _, script in _SCRIPTS)
_CJK = (0x3040, 0x3100, 0x3400, 0x4DC0, 0x4E00, 0xA000, 0xAC00, 0xD7B0)
# Scripts written without spaces between words: a sentence in them is sampled by its letters, not words.
_UNSPACED = (0x0E00, 0x0E80, *_CJK)


def _count_in(text: str, bounds: tuple[int, ...]) -> int:
    """How many characters of `text` fall in one of the ranges [start, end) listed in order in `bounds`."""
    lowest = chr(bounds[0])
    return sum(1 for c in text if c >= lowest and bisect.bisect_right(bounds, ord(c)) % 2)


_ENGLISH = frozenset(
    "the a an and or of to in on for with by from is are be can it its this that these as at you your we our "
    "not no more use uses using model models agent data which will was were has have into any all".split()
)
LANGUAGE_NAMES = {
    "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "ru": "Russian", "de": "German", "fr": "French", "es": "Spanish",
    "pt": "Portuguese", "it": "Italian", "nl": "Dutch", "pl": "Polish", "tr": "Turkish", "ar": "Arabic", "fa": "Persian",
    "hi": "Hindi", "vi": "Vietnamese", "id": "Indonesian", "uk": "Ukrainian", "cs": "Czech", "sv": "Swedish", "th": "Thai",
    "da": "Danish", "no": "Norwegian", "fi": "Finnish", "ro": "Romanian", "hu": "Hungarian", "bg": "Bulgarian",
    "sr": "Serbian", "mk": "Macedonian", "be": "Belarusian", "kk": "Kazakh", "el": "Greek", "he": "Hebrew", "ur": "Urdu",
    "bn": "Bengali", "pa": "Punjabi", "gu": "Gujarati", "or": "Odia", "ta": "Tamil", "te": "Telugu", "kn": "Kannada",
    "ml": "Malayalam", "si": "Sinhala", "en": "English",
}  # fmt: skip
# A Latin-script sentence's language counts only when its best profile has this many hits (function words,
# accented letters, endings), at least MIN_DENSITY hits per word (a long list of names with a few "de" and
# "la" in it is no Spanish prose), and scores at least LEAD times the runner-up and MARGIN more than it.
MIN_HITS = 3
MIN_DENSITY = 0.2
LEAD = 1.3
MARGIN = 0.5
LETTER_WEIGHT = 0.5  # an accented letter or a typical ending is weaker evidence than a function word ...
ENDING_WEIGHT = 0.5
MAX_LETTER_SCORE = 2.0  # ... and a language's letters together count at most this much
_EDGES = regexcache.compile(r"^\W+|\W+$")
_PROSE_WORD = regexcache.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_JOINERS = regexcache.compile(r"['’-]")


class LanguageReport(NamedTuple):
    language: str  # ISO 639-1 code of the main language ("en", "zh", ...; "und" when no prose)
    english_share: float  # share of the sampled prose (by characters) that is English
    sampled_chars: int

    @property
    def mostly_foreign(self) -> bool:
        return self.sampled_chars > 0 and self.english_share < MOSTLY_FOREIGN

    @property
    def name(self) -> str:
        return LANGUAGE_NAMES.get(self.language, self.language)


class _Profiles(NamedTuple):
    """Which languages list each function word and each letter (a word listed by several counts for each)."""

    words: dict[str, tuple[str, ...]]
    letters: dict[str, tuple[str, ...]]
    endings: dict[str, tuple[str, ...]]
    letter_weight: float = LETTER_WEIGHT

    def rank(self, words: list[str], text: str) -> list[tuple[float, int, str]]:
        """(score, hits, language) for every language with a hit, best first."""
        score: dict[str, float] = {}
        hits: dict[str, int] = {}
        for word in words:
            for language in self.words.get(word, ()):
                score[language] = score.get(language, 0.0) + 1 / len(self.words[word])
                hits[language] = hits.get(language, 0) + 1
            if self.endings:
                for language, weight in self._ending_languages(word).items():
                    score[language] = score.get(language, 0.0) + weight
                    hits[language] = hits.get(language, 0) + 1
        letter_score: dict[str, float] = {}
        for char in text:
            for language in self.letters.get(char, ()):
                letter_score[language] = letter_score.get(language, 0.0) + self.letter_weight / len(self.letters[char])
                hits[language] = hits.get(language, 0) + 1
        for language, value in letter_score.items():
            score[language] = score.get(language, 0.0) + min(value, MAX_LETTER_SCORE)
        return sorted(((score[k], hits[k], k) for k in score), reverse=True)

    def _ending_languages(self, word: str) -> dict[str, float]:
        """The languages one of whose endings `word` has (one hit per language, however many match)."""
        found: dict[str, float] = {}
        for size in range(2, min(len(word) - 2, 7) + 1):
            for language in self.endings.get(word[-size:], ()):
                found[language] = max(found.get(language, 0.0), ENDING_WEIGHT / len(self.endings[word[-size:]]))
        return found


def _index(table: dict[str, str], *, letters: bool = False) -> dict[str, tuple[str, ...]]:
    """{language: "space-separated words"} (or "letters") inverted: each word or letter to its languages."""
    index: dict[str, list[str]] = {}
    for language, entries in table.items():
        for entry in sorted(set(entries) if letters else set(entries.split())):
            index.setdefault(entry, []).append(language)
    return {entry: tuple(languages) for entry, languages in index.items()}


@cache
def _latin_profiles() -> _Profiles:
    # Imported and indexed on first need: an English listing never gets here.
    from analyzer import language_profiles as data

    return _Profiles(_index(data.LATIN_WORDS), _index(data.LATIN_LETTERS, letters=True), _index(data.LATIN_ENDINGS))


@cache
def _script_profiles() -> _Profiles:
    from analyzer import language_profiles as data

    # Within one script the distinctive letters are the main evidence (Ukrainian є ї ґ, Persian پ چ ژ گ).
    return _Profiles(_index(data.SCRIPT_WORDS), _index(data.SCRIPT_LETTERS, letters=True), {}, letter_weight=1.0)


def _script_language(sentence: str) -> str:
    """The language of a sentence mostly in another script than Latin: the script with most letters decides."""
    counts: dict[str, int] = {}
    lowest = chr(_OTHER_SCRIPT[0])
    for char in sentence:
        if char >= lowest:
            position = bisect.bisect_right(_OTHER_SCRIPT, ord(char))
            if position % 2:
                script = _SCRIPT_OF[position // 2]
                counts[script] = counts.get(script, 0) + 1
    script = max(counts, key=lambda k: counts[k])
    if script in ("han", "kana", "hangul"):
        han, kana, hangul = counts.get("han", 0), counts.get("kana", 0), counts.get("hangul", 0)
        cjk = han + kana + hangul
        if hangul >= kana and hangul * 10 >= cjk:
            return "ko"
        # Japanese writes Han with kana; a sentence with a twentieth or more of kana is Japanese.
        return "ja" if kana * 20 >= cjk else "zh"
    from analyzer.language_profiles import SCRIPT_LANGUAGES

    candidates = SCRIPT_LANGUAGES.get(script)
    if candidates is None:
        return script
    words = [w.lower() for w in _WORD.findall(sentence)]
    scores = {language: value for value, _, language in _script_profiles().rank(words, sentence.lower())}
    # The script is sure, only the language among its users is not: the first listed wins ties and no-evidence.
    return max(candidates, key=lambda k: (scores.get(k, 0.0), -candidates.index(k)))


def _latin_language(words: list[str]) -> str:
    """A Latin-script sentence's language by its function words, letters and endings, or 'und' with no clear winner."""
    ranked = _latin_profiles().rank(words, "".join(words))
    if not ranked:
        return "und"
    best, hits, language = ranked[0]
    runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
    if hits >= MIN_HITS and hits >= MIN_DENSITY * len(words) and best >= LEAD * runner_up and best - runner_up >= MARGIN:
        return language
    return "und"


def _sentence_language(sentence: str) -> str:
    """'en', another ISO code, or 'und' when a Latin-script sentence cannot be told apart from technical English."""
    letters = sum(1 for c in sentence if c.isalpha())
    if not letters:
        return "und"
    if _count_in(sentence, _OTHER_SCRIPT) / letters >= 0.5:  # mostly Chinese, Japanese, Cyrillic, Arabic ...
        return _script_language(sentence)
    # Identifiers (OPENAI_API_KEY, snake_case, acronyms) are no language: left out, a sentence like "Set
    # OPENAI_API_KEY or ANTHROPIC_API_KEY." is judged by "Set ... or" and is English at once.
    words = [w.lower() for w in _WORD.findall(_IDENTIFIER.sub(" ", sentence))]
    if words and sum(w in _ENGLISH for w in words) / len(words) >= 0.2:
        return "en"
    # A Latin-script sentence with few English function words: a name list, a command, or another
    # language. Only a clear call for a language counts; the rest is left out of the share.
    return _latin_language(_prose_words(sentence))


def _prose_words(sentence: str) -> list[str]:
    """The words of a sentence as prose has them, lowercased: whitespace-separated tokens of letters only
    (apostrophes and hyphens split them: "l'agent", "API-et"), so a URL, a base64 blob, a version or an
    identifier gives no words. NFC first: a decomposed "é" is two characters no word list would match."""
    if not sentence.isascii():
        sentence = unicodedata.normalize("NFC", sentence)
    words: list[str] = []
    for token in _IDENTIFIER.sub(" ", sentence).split():
        token = _EDGES.sub("", token)
        if _PROSE_WORD.fullmatch(token):
            words.extend(part for part in _JOINERS.split(token.lower()) if part)
    return words


def detect_language(text: str) -> LanguageReport:
    """The main language of `text` (Markdown prose; code, tables and headings are not sampled)."""
    counts: dict[str, int] = {}
    total = sampled = 0
    for unit in split_units(text):
        if unit.kind not in ("sentence", "item", "quote"):
            continue
        sentence = display_quote(text[unit.start : unit.end])
        if len(sentence.split()) < MIN_WORDS and _count_in(sentence, _UNSPACED) < 8:
            continue  # a label, a badge row, a command
        language = _sentence_language(sentence)
        if language == "und":
            continue
        counts[language] = counts.get(language, 0) + len(sentence)
        total += len(sentence)
        sampled += 1
        if sampled >= MAX_UNITS:
            break
    if not total:
        return LanguageReport("und", 1.0, 0)
    english = counts.get("en", 0)
    main = max(counts, key=lambda k: counts[k])
    return LanguageReport(main, round(english / total, 3), total)


LLM_ADVICE = "run it with an LLM provider, which reads any language (--provider openai with OPENAI_API_KEY, or --base-url for a local OpenAI-compatible server)"


def foreign_language_warning(report: LanguageReport) -> AnalysisWarning:
    share = round((1 - report.english_share) * 100)
    return AnalysisWarning(
        code="non_english_listing",
        severity=Severity.WARNING,
        message=(
            f"The listing is mostly in {report.name} (about {share}% of its prose); the offline extractor reads English "
            f"phrases only, so what it could not read is marked as not read, not guessed. For a full analysis, {LLM_ADVICE}."
        ),
        detail=None,
    )


__all__ = ["LANGUAGE_NAMES", "LLM_ADVICE", "LanguageReport", "detect_language", "foreign_language_warning"]
