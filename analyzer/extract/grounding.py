"""Quote verification: is an evidence quote really in the listing, substantial, and not injected text?

Both sides go through the same `normalise`: Markdown links and images are reduced to their text (a model
copies the words a reader sees, not `[text](url)`), HTML tags dropped and entities decoded, then Unicode
NFKC, case folding, typographic quotes and dashes unified, emphasis / code marks and other punctuation
turned into spaces, whitespace collapsed. The normalised quote must then occur exactly, or — for quotes
long enough that a chance match is implausible — nearly exactly (rapidfuzz partial ratio ≥
FUZZY_THRESHOLD: tolerates a dropped word, a typo, a changed inflection). A quote joined with an
ellipsis ("runs tests … opens a PR") is verified part by part. Paraphrase fails: reworded text is
neither a substring nor within a few edits of one.

Two more rules make a verified quote mean something:
- substance: a quote of fewer than MIN_QUOTE_WORDS words or MIN_QUOTE_CHARS characters, or one that is
  only a licence name ("MIT", "Apache-2.0") or a single term ("RBAC"), proves nothing about a
  capability, unless it is a whole metadata value (`pipeline_tag: text-generation`);
- injection: a quote taken from a passage detected as prompt injection (text addressed to AI readers)
  never counts as evidence, however verbatim it is.

Every pattern here is linear-time on listing text: bracket and paren runs exclude their own delimiters,
so no scan restarts over the same characters.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from rapidfuzz import fuzz

from analyzer.markup import AUTOLINK, IMAGE, LINK, TAG
from analyzer.models import Evidence, Listing

FUZZY_THRESHOLD = 90.0
MIN_FUZZY_CHARS = 24  # shorter quotes must match exactly: fuzzy matching of short strings finds anything
MIN_QUOTE_CHARS = 12
MIN_QUOTE_WORDS = 3
INJECTION_OVERLAP = 90.0  # partial ratio at which a quote counts as taken from an injection passage

TRANSLATE = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u00a0": " ", "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "",
})
_NON_WORD = re.compile(r"[^\w]+")
ELLIPSIS = re.compile(r"\.\.\.+|\u2026|\[\s*\.\.\.\s*\]")
# Words a bare licence name is made of: "MIT", "Apache License 2.0", "CC-BY-NC-4.0", "BSD 3-Clause".
_LICENCE_WORDS = frozenset(
    "mit apache license licence licensed bsd gpl lgpl agpl mpl cc by sa nc nd epl isc unlicense zlib "
    "openrail openrail++ m rail creative commons attribution sharealike noncommercial version v clause "
    "under released available is the public general lesser affero mozilla eclipse community llama llama2 llama3 gemma".split()
)


# strip_markup's steps, in order: (pattern, group kept or None to drop the match, padding on each side).
# The report's quote locator replays the same steps while tracking offsets, so both read one list.
MARKUP_STEPS: tuple[tuple[re.Pattern[str], int | None, str], ...] = (
    (IMAGE, 1, " "),
    (LINK, 1, ""),
    (LINK, 1, ""),  # a link around an image: [![badge](img)](url) -> [badge](url) -> badge
    (AUTOLINK, 1, ""),
    (TAG, None, " "),
)
_REPLACEMENTS = tuple((pattern, pad if group is None else f"{pad}\\{group}{pad}") for pattern, group, pad in MARKUP_STEPS)


def strip_markup(text: str) -> str:
    """The words a reader sees: link and image text without URLs, no HTML tags, entities decoded."""
    for pattern, replacement in _REPLACEMENTS:
        text = pattern.sub(replacement, text)
    return html.unescape(text)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", strip_markup(text)).translate(TRANSLATE).casefold()
    return " ".join(_NON_WORD.sub(" ", text).replace("_", " ").split())


class Rejection(str, Enum):
    """Why a quote did not verify (shown in the ungrounded-quote warning)."""

    NOT_FOUND = "not found in the listing"
    TOO_SHORT = "too short to be evidence"
    INJECTION = "taken from text addressed to AI readers"


@dataclass(frozen=True)
class _Source:
    location: str
    text: str  # normalised


class Grounder:
    """Verifies quotes against one listing. Build once per listing; `verify` is the schema.Verifier.

    `injection_passages` are the passages the injection detector quoted; quotes from them are refused.
    """

    def __init__(self, listing: Listing, injection_passages: Iterable[str] = ()) -> None:
        self._sources: list[_Source] = []
        for section in listing.sections:
            body = normalise(f"{section.heading}\n{section.text}")
            if body:
                self._sources.append(_Source(section.heading or "(preamble)", body))
        self._metadata_values: set[str] = set()
        for meta in listing.metadata:
            self._sources.append(_Source(f"metadata:{meta.key}", normalise(f"{meta.key} {meta.value}")))
            self._metadata_values.update({normalise(meta.value), normalise(f"{meta.key} {meta.value}")})
        self._metadata_values.discard("")
        title = normalise(listing.title)
        if title:
            self._sources.append(_Source("title", title))
        # The whole text too: a quote may span two sections, or the sections may be missing.
        self._full = normalise(listing.text)
        self._injected = [p for p in (normalise(x) for x in injection_passages) if len(p) >= MIN_QUOTE_CHARS]
        self.rejections: list[tuple[str, Rejection]] = []

    def check(self, quote: str) -> tuple[str | None, Rejection | None]:
        """(where the quote is, None) when it verifies, else (None, why not)."""
        parts = [normalise(p) for p in ELLIPSIS.split(quote)]
        parts = [p for p in parts if p]
        whole = " ".join(parts)
        if not parts:
            return None, Rejection.NOT_FOUND
        if whole not in self._metadata_values and not _substantial(whole):
            return None, Rejection.TOO_SHORT
        if self._from_injection(whole, parts):
            return None, Rejection.INJECTION
        where: str | None = None
        for part in parts:
            found = self._find(part)
            if found is None:
                return None, Rejection.NOT_FOUND
            where = where or found
        return where, None

    def locate(self, quote: str) -> str | None:
        """Where the quote is (section heading / 'metadata:<key>' / 'text'), or None if it does not verify."""
        return self.check(quote)[0]

    def _from_injection(self, whole: str, parts: list[str]) -> bool:
        for passage in self._injected:
            for piece in (whole, *(p for p in parts if len(p) >= MIN_QUOTE_CHARS)):
                if piece in passage or passage in piece:
                    return True
                shorter, longer = sorted((piece, passage), key=len)
                if len(shorter) >= MIN_FUZZY_CHARS and fuzz.partial_ratio(shorter, longer, score_cutoff=INJECTION_OVERLAP):
                    return True
        return False

    def _find(self, part: str) -> str | None:
        for source in self._sources:
            if part in source.text:
                return source.location
        if part in self._full:
            return "text"
        if len(part) < MIN_FUZZY_CHARS:
            return None
        best: tuple[float, str] | None = None
        for source in self._sources:
            if len(source.text) < len(part) * 0.8:
                continue
            score = fuzz.partial_ratio(part, source.text, score_cutoff=FUZZY_THRESHOLD)
            if score and (best is None or score > best[0]):
                best = (score, source.location)
        return best[1] if best else None

    def verify(self, quote: str, location: str = "") -> Evidence | None:
        found, why = self.check(quote)
        if found is None:
            self.rejections.append((quote, why or Rejection.NOT_FOUND))
            return None
        if found == "text":
            found = location.strip() or "text"
        return Evidence(quote=quote.strip()[:600], location=found[:200], verified=True)


def _substantial(normalised: str) -> bool:
    words = normalised.split()
    if len(words) < MIN_QUOTE_WORDS or len(normalised) < MIN_QUOTE_CHARS:
        return False
    return not all(w in _LICENCE_WORDS or w.replace(".", "").isdigit() for w in words)


__all__ = ["Grounder", "Rejection", "normalise", "strip_markup"]
