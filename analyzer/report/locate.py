"""Where a verified quote sits in the listing's source: line numbers for SARIF regions and diffs.

Quotes are verified (analyzer/extract/grounding.py) on normalised text — case, punctuation, Markdown
markup and whitespace ignored, small typos tolerated — so a quote is searched for the same way here,
on a normalised copy that remembers, for every character, where it came from in the original.

The text searched is the listing file itself when the listing is a local file that still yields the
analysed text (so line numbers are the file's, front matter included); otherwise the analysed text
(for URLs: the page reduced to Markdown), and `SourceText.exact_file` says which.
"""

from __future__ import annotations

import bisect
import html
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz

from analyzer.errors import AnalyzerError
# The grounding module's own normalisation pieces, so a quote is found here exactly when it verified there.
from analyzer.extract.grounding import ELLIPSIS, FUZZY_THRESHOLD, MARKUP_STEPS, MIN_FUZZY_CHARS, TRANSLATE, normalise
from analyzer.models import Listing

_WORD = re.compile(r"\w")
# html.unescape also decodes the legacy forms without a semicolon ("&nbsp"), so these take it as optional.
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?")


def _substitute(pattern: re.Pattern[str], group: int | None, pad: str, text: str, origin: list[int]) -> tuple[str, list[int]]:
    """`pattern.sub` that keeps, for every output character, the offset in the original text it came from."""
    chars: list[str] = []
    where: list[int] = []
    last = 0
    for m in pattern.finditer(text):
        chars.append(text[last : m.start()])
        where.extend(origin[last : m.start()])
        if group is None:
            chars.append(pad)
            where.extend([origin[m.start()]] * len(pad))
        else:
            g0, g1 = m.span(group)
            chars.append(pad + text[g0:g1] + pad)
            where.extend([origin[m.start()]] * len(pad) + origin[g0:g1] + [origin[m.end() - 1]] * len(pad))
        last = m.end()
    chars.append(text[last:])
    where.extend(origin[last:])
    return "".join(chars), where


def _unescape(text: str, origin: list[int]) -> tuple[str, list[int]]:
    chars: list[str] = []
    where: list[int] = []
    last = 0
    for m in _ENTITY.finditer(text):
        chars.append(text[last : m.start()])
        where.extend(origin[last : m.start()])
        decoded = html.unescape(m.group(0))
        chars.append(decoded)
        where.extend([origin[m.start()]] * len(decoded))
        last = m.end()
    chars.append(text[last:])
    where.extend(origin[last:])
    return "".join(chars), where


def strip_markup_tracked(text: str) -> tuple[str, list[int]]:
    """grounding.strip_markup, plus each output character's offset in `text`."""
    origin = list(range(len(text)))
    for pattern, group, pad in MARKUP_STEPS:
        text, origin = _substitute(pattern, group, pad, text, origin)
    return _unescape(text, origin)


@dataclass(frozen=True)
class Span:
    """1-based, inclusive line numbers and the located text as it appears in the source."""

    start_line: int
    end_line: int
    text: str
    start: int = 0  # [start, end): character offsets of `text` in the searched text (the web app highlights them)
    end: int = 0


@dataclass(frozen=True)
class SourceText:
    text: str
    exact_file: bool  # True: `text` is the listing file's content; False: the analysed text


class QuoteLocator:
    """Finds quotes in one text. Build once per listing; `find` is cheap for exact matches."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._norm, self._origin = _normalised(*strip_markup_tracked(text))
        self._raw: tuple[str, list[int]] | None = None  # built on first need: see find()
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def find(self, quote: str) -> Span | None:
        """The lines of the quote (all of its '…'-separated parts, in order), or None if not found.

        Searched in the text as a reader sees it (grounding's markup stripping) and, failing that, in the
        text with its markup: a quote that starts inside a link keeps the URL, which the reader form drops.
        """
        parts = [p for p in (normalise(part) for part in ELLIPSIS.split(quote)) if p]
        if not parts:
            return None
        found = self._find_parts(parts, self._norm, self._origin, fuzzy=False)
        if found is None:
            if self._raw is None:
                self._raw = _normalised(self.text, list(range(len(self.text))))
            found = self._find_parts(parts, *self._raw, fuzzy=False)
        if found is None:  # small typos, as grounding tolerates them: only after both exact searches
            found = self._find_parts(parts, self._norm, self._origin, fuzzy=True)
        if found is None:
            return None
        start, end = found
        return Span(self._line(start), self._line(max(start, end - 1)), self.text[start:end], start, end)

    def _find_parts(self, parts: list[str], norm: str, origin: list[int], *, fuzzy: bool) -> tuple[int, int] | None:
        spans: list[tuple[int, int]] = []
        cursor = 0
        for part in parts:
            hit = _search(norm, part, cursor, fuzzy=fuzzy)
            if hit is None:
                return None
            spans.append(hit)
            cursor = hit[1]
        return origin[min(s for s, _ in spans)], origin[max(e for _, e in spans) - 1] + 1

    def _line(self, offset: int) -> int:
        return bisect.bisect_right(self._line_starts, offset)


def _normalised(text: str, origin: list[int]) -> tuple[str, list[int]]:
    """grounding.normalise's character rules applied one character at a time, keeping each one's origin."""
    chars: list[str] = []
    where: list[int] = []
    for ch, index in zip(text, origin, strict=True):
        for out in unicodedata.normalize("NFKC", ch).translate(TRANSLATE).casefold():
            if _WORD.match(out) and out != "_":
                chars.append(out)
                where.append(index)
            elif chars and chars[-1] != " ":
                chars.append(" ")
                where.append(index)
    return "".join(chars), where


def _search(norm: str, part: str, cursor: int, *, fuzzy: bool) -> tuple[int, int] | None:
    """[start, end) of `part` in a normalised text: exact at a word start (after the cursor first), or fuzzy."""
    for begin in (cursor, 0):
        at = norm.find(part, begin)
        # "cat" should not be placed inside "concatenate" when the quote also occurs as a word.
        while at >= 0 and not (at == 0 or norm[at - 1] == " " or not norm[at].isalnum()):
            at = norm.find(part, at + 1)
        if at >= 0:
            return at, at + len(part)
    if not fuzzy or len(part) < MIN_FUZZY_CHARS:
        return None
    match = fuzz.partial_ratio_alignment(part, norm, score_cutoff=FUZZY_THRESHOLD)
    if match is None or match.dest_end <= match.dest_start:
        return None
    return match.dest_start, match.dest_end


def source_text(listing: Listing) -> SourceText:
    """The listing file's own text when it still parses to the analysed text; else the analysed text."""
    if listing.source_type == "file" and listing.text:
        raw = _file_text(listing)
        if raw is not None:
            return SourceText(raw, exact_file=True)
    return SourceText(listing.text, exact_file=False)


def _file_text(listing: Listing) -> str | None:
    from analyzer.fetch.local import MAX_LISTING_BYTES, decode_listing_bytes
    from analyzer.fetch.parse import build_listing

    path = Path(listing.source)
    try:
        if not path.is_file() or path.stat().st_size > MAX_LISTING_BYTES:
            return None
        raw = decode_listing_bytes(path.read_bytes(), listing.source)
        again = build_listing(raw, source=listing.source, source_type="file", name_hint=path.name)
    except (OSError, AnalyzerError):
        return None
    # The file may have been edited since the analysis (a re-scored saved JSON): its lines would lie.
    return raw if again.content_hash == listing.content_hash else None


__all__ = ["QuoteLocator", "SourceText", "Span", "source_text"]
