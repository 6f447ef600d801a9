"""Where an evidence quote sits in the listing text, so the page can highlight it.

The search is the report's QuoteLocator (the grounding's normalisation: case, punctuation, Markdown
markup and small typos ignored). Offsets are in UTF-16 code units of `page_text(text)` — what
JavaScript's string indices and DOM Range offsets count — so the browser selects exactly that span.
"""

from __future__ import annotations

import re
from functools import lru_cache

from analyzer.report import escape
from analyzer.report.locate import QuoteLocator

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def page_text(text: str) -> str:
    """The listing text as the page shows it: cleaned as every output is (control and bidi characters
    removed, CR LF as LF), so offsets computed here are offsets in what the browser holds."""
    return escape.clean(text.replace("\r\n", "\n").replace("\r", "\n"))


@lru_cache(maxsize=4)
def _locator(text: str) -> QuoteLocator:
    # Built once per listing text: a draft is re-rendered after every edit.
    return QuoteLocator(text)


def find_quote(text: str, quote: str) -> tuple[int, int] | None:
    """(start, end) of `quote` in `text` in UTF-16 code units, or None when it is not there."""
    span = _locator(text).find(quote)
    if span is None or span.end <= span.start:
        return None
    return _utf16(text, span.start), _utf16(text, span.end)


def _utf16(text: str, index: int) -> int:
    if not _ASTRAL.search(text, 0, index):  # no surrogate pairs before it: code points are code units
        return index
    return len(text[:index].encode("utf-16-le")) // 2
