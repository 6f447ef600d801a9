"""Where an evidence quote sits in the listing text, so the page can highlight it.

Offsets are in UTF-16 code units of `page_text(listing)` — what JavaScript's string indices and DOM
Range offsets count — so the browser can select exactly the quoted span.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+")
MAX_WORDS = 80


def page_text(text: str) -> str:
    """The listing text as the browser will hold it: an HTML parser turns CR LF and CR into LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def find_quote(text: str, quote: str) -> tuple[int, int] | None:
    """(start, end) of `quote` in `text`, exact or ignoring case, punctuation and Markdown markup between words."""
    start = text.find(quote)
    if start >= 0 and quote:
        return _utf16(text, start), _utf16(text, start + len(quote))
    words = _WORD.findall(quote)[:MAX_WORDS]
    if not words:
        return None
    # Words separated by anything that is not a word character: **bold**, `code`, line breaks, typographic quotes.
    pattern = re.compile(r"\W+".join(re.escape(w) for w in words), re.IGNORECASE)
    match = pattern.search(text)
    if match is None:
        return None
    return _utf16(text, match.start()), _utf16(text, match.end())


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _utf16(text: str, index: int) -> int:
    if not _ASTRAL.search(text, 0, index):  # no surrogate pairs before it: code points are code units
        return index
    return len(text[:index].encode("utf-16-le")) // 2
