"""Fast case-insensitive phrase patterns.

Python's `re` only uses its fast literal-prefix scan for case-sensitive patterns that do not start with
`\\b`. Rule patterns are written naturally (`\\bMCP server\\b`, case-insensitive); this module lower-cases
them, strips a leading `\\b` from every top-level branch and re-checks that word boundary after a match,
and searches a lower-cased copy of the text of the same length. Results are identical, 5-50x faster.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_FLAGS = re.MULTILINE


def lower_same_length(text: str) -> str:
    """`text.lower()` with every offset preserved (characters whose lower case is longer stay as is)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _lower_pattern(source: str) -> str:
    """Lower-case the literal characters of a pattern; escapes (\\S, \\W, \\B ...) keep their case."""
    out: list[str] = []
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "\\" and i + 1 < len(source):
            out.append(source[i : i + 2])
            i += 2
            continue
        out.append(ch.lower())
        i += 1
    return "".join(out)


def _top_level_branches(source: str) -> list[str]:
    """Split a pattern on `|` outside groups and character classes."""
    branches, depth, in_class, start, i = [], 0, False, 0, 0
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if source[i + 1 : i + 2] == "]":  # a literal ']' first in a class
                i += 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            branches.append(source[start:i])
            start = i + 1
        i += 1
    branches.append(source[start:])
    return branches


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


class FastPattern:
    """A case-insensitive pattern that searches lower-cased text (see `lower_same_length`)."""

    __slots__ = ("boundary", "regex", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        branches = _top_level_branches(source)
        self.boundary = all(b.startswith("\\b") for b in branches)
        if self.boundary:
            branches = [b[2:] for b in branches]
        body = branches[0] if len(branches) == 1 else "|".join(f"(?:{b})" for b in branches)
        self.regex = re.compile(_lower_pattern(body), _FLAGS)

    def spans(self, lowered: str, start: int = 0, end: int | None = None, limit: int = 1_000_000) -> Iterator[tuple[int, int]]:
        """Match spans in already lower-cased text, in order, non-overlapping."""
        stop = len(lowered) if end is None else end
        pos = start
        found = 0
        while pos <= stop and found < limit:
            m = self.regex.search(lowered, pos, stop)
            if m is None:
                return
            s, e = m.span()
            if self.boundary and s > 0 and s < len(lowered) and _is_word(lowered[s - 1]) == _is_word(lowered[s]):
                pos = s + 1  # not at a word boundary: look again from the next character
                continue
            if self.boundary and s == len(lowered):
                return
            yield s, e
            found += 1
            pos = e if e > s else e + 1

    def search(self, text: str) -> tuple[int, int] | None:
        """First match span in any text (lower-cased here)."""
        return next(self.spans(lower_same_length(text)), None)

    def __repr__(self) -> str:
        return f"FastPattern({self.source!r})"
