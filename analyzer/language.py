"""Which language a listing is written in, so an English-only reader can say what it could not read.

The offline extractor's phrase rules are English. A card written mostly in Chinese (many real ones are)
would otherwise be scored from its few English fragments as if they were the whole listing. Detection
uses py3langid (a maintained fork of langid.py that ships its model inside the package: offline, no
download, 4.5 MB), and only where a cheap check is unsure: a sentence whose words are mostly common
English function words is English without consulting the model, so an English listing never loads it.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache

from analyzer.models import AnalysisWarning, Severity
from analyzer.sentences import display_quote, split_units

MAX_UNITS = 80  # sentences sampled, from the top
MIN_WORDS = 4
MOSTLY_FOREIGN = 0.5  # below this share of English prose the listing is "mostly not English"
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_IDENTIFIER = re.compile(r"\b(?:\w+_\w*|[A-Z][A-Z0-9]+)\b")
# Scripts other than Latin that a language is written in (full-width Latin letters are still Latin), and
# the CJK ones: code point ranges (start, end, start, end ...; end excluded) tested per character. A regex
# class over them costs ~6 ms to compile (re maps all 64K code points), more than every sentence's test.
_OTHER_SCRIPT = (
    0x0370, 0x0400, 0x0400, 0x0530, 0x0590, 0x0600, 0x0600, 0x0700, 0x0900, 0x0E00, 0x0E00, 0x0E80,
    0x1100, 0x1200, 0x3040, 0x3100, 0x3400, 0x4DC0, 0x4E00, 0xA000, 0xAC00, 0xD7B0,
)  # fmt: skip
_CJK = (0x3040, 0x3100, 0x3400, 0x4DC0, 0x4E00, 0xA000, 0xAC00, 0xD7B0)


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
}  # fmt: skip


@dataclass(frozen=True)
class LanguageReport:
    language: str  # ISO 639-1 code of the main language ("en", "zh", ...; "und" when no prose)
    english_share: float  # share of the sampled prose (by characters) that is English
    sampled_chars: int

    @property
    def mostly_foreign(self) -> bool:
        return self.sampled_chars > 0 and self.english_share < MOSTLY_FOREIGN

    @property
    def name(self) -> str:
        return LANGUAGE_NAMES.get(self.language, self.language)


@cache
def _identifier():  # type: ignore[no-untyped-def]
    # Imported and loaded on first need (about 2 s to unpack the model): English listings never pay it.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _sentence_language(sentence: str) -> str:
    """'en', another ISO code, or 'und' when a Latin-script sentence cannot be told apart from technical English."""
    letters = sum(1 for c in sentence if c.isalpha())
    if not letters:
        return "und"
    if _count_in(sentence, _OTHER_SCRIPT) / letters >= 0.5:  # mostly Chinese, Japanese, Cyrillic, Arabic ...
        return _identifier().classify(sentence)[0]
    # Identifiers (OPENAI_API_KEY, snake_case, acronyms) are no language: left out, a sentence like "Set
    # OPENAI_API_KEY or ANTHROPIC_API_KEY." is judged by "Set ... or" and never loads the model.
    words = [w.lower() for w in _WORD.findall(_IDENTIFIER.sub(" ", sentence))]
    if words and sum(w in _ENGLISH for w in words) / len(words) >= 0.2:
        return "en"
    # A Latin-script sentence with few English function words: a name list, a command, or another
    # language. Only a confident call for a language counts; the rest is left out of the share.
    language, confidence = _identifier().classify(sentence)
    return language if language == "en" or confidence >= 0.95 else "und"


def detect_language(text: str) -> LanguageReport:
    """The main language of `text` (Markdown prose; code, tables and headings are not sampled)."""
    counts: dict[str, int] = {}
    total = sampled = 0
    for unit in split_units(text):
        if unit.kind not in ("sentence", "item", "quote"):
            continue
        sentence = display_quote(text[unit.start : unit.end])
        if len(sentence.split()) < MIN_WORDS and _count_in(sentence, _CJK) < 8:
            continue  # a label, a badge row, a command
        language = _sentence_language(sentence)
        if language in ("und", "zxx"):
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
