"""Quote verification: is an evidence quote really in the listing text or its metadata?

Both sides are normalised (Unicode NFKC, case-folded, typographic quotes and dashes unified, Markdown
markup and punctuation turned into spaces, whitespace collapsed), then the quote must occur exactly, or
— for quotes long enough that a chance match is implausible — nearly exactly (rapidfuzz partial ratio
≥ FUZZY_THRESHOLD: tolerates a dropped word, a typo, a changed inflection). A quote joined with an
ellipsis ("runs tests … opens a PR") is verified part by part.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz

from analyzer.models import Evidence, Listing

FUZZY_THRESHOLD = 90.0
MIN_FUZZY_CHARS = 24  # shorter quotes must match exactly: fuzzy matching of short strings finds anything
MIN_QUOTE_CHARS = 3

_TRANSLATE = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-", "\u00a0": " "})
_NON_WORD = re.compile(r"[^\w]+")
_ELLIPSIS = re.compile(r"\.\.\.+|\u2026|\[\s*\.\.\.\s*\]")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE).casefold()
    return " ".join(_NON_WORD.sub(" ", text).replace("_", " ").split())


@dataclass(frozen=True)
class _Source:
    location: str
    text: str  # normalised


class Grounder:
    """Verifies quotes against one listing. Build once per listing; `verify` is the schema.Verifier."""

    def __init__(self, listing: Listing) -> None:
        self._sources: list[_Source] = []
        for section in listing.sections:
            body = normalise(f"{section.heading}\n{section.text}")
            if body:
                self._sources.append(_Source(section.heading or "(preamble)", body))
        for meta in listing.metadata:
            self._sources.append(_Source(f"metadata:{meta.key}", normalise(f"{meta.key} {meta.value}")))
        title = normalise(listing.title)
        if title:
            self._sources.append(_Source("title", title))
        # The whole text too: a quote may span two sections, or the sections may be missing.
        self._full = normalise(listing.text)

    def locate(self, quote: str) -> str | None:
        """Where the quote is (section heading / 'metadata:<key>' / 'text'), or None if not grounded."""
        parts = [normalise(p) for p in _ELLIPSIS.split(quote)]
        parts = [p for p in parts if p]
        if not parts or sum(len(p) for p in parts) < MIN_QUOTE_CHARS:
            return None
        where: str | None = None
        for part in parts:
            found = self._find(part)
            if found is None:
                return None
            where = where or found
        return where

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

    def verify(self, quote: str, location: str) -> Evidence | None:
        found = self.locate(quote)
        if found is None:
            return None
        if found == "text":
            found = location.strip() or "text"
        return Evidence(quote=quote.strip()[:600], location=found[:200], verified=True)
