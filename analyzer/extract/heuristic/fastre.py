"""Fast, linear-time case-insensitive phrase patterns.

Python's `re` only uses its fast literal-prefix scan for case-sensitive patterns that do not start with
`\\b`. Rule patterns are written naturally (`\\bMCP server\\b`, case-insensitive); this module lower-cases
them and searches a lower-cased copy of the text of the same length.

Where every top-level branch starts with a literal word (`\\bMCP server`), candidates are found with
`str.find` on those literals, the word boundary is checked in Python, and the pattern is only *matched*
at a candidate. A position inside a word is rejected in O(1), so a run such as "1111…" or
"traintrain…" costs linear time (searching without the `\\b` made every start inside the run rescan it:
quadratic). Other patterns keep their `\\b` and run as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_FLAGS = re.MULTILINE
_META = set("\\.^$*+?{}[]()|")
_QUANTIFIERS = set("?*+{")


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


def _structure(source: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """(index, character, group depth after it) for each character of the pattern's own structure:
    escaped characters and the insides of character classes are skipped."""
    depth, in_class, i = 0, False, start
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
        else:
            depth += (ch == "(") - (ch == ")")
            yield i, ch, depth
        i += 1


def _top_level_branches(source: str) -> list[str]:
    """Split a pattern on `|` outside groups and character classes."""
    branches, start = [], 0
    for i, ch, depth in _structure(source):
        if ch == "|" and depth == 0:
            branches.append(source[start:i])
            start = i + 1
    branches.append(source[start:])
    return branches


def literal_prefixes(branch: str) -> list[str]:
    """Literals one of which every match of `branch` starts with; [] when there is no such set.

    A branch that opens with a group of alternatives, "(?:GPT|Claude|Llama) models", gives one literal
    per alternative (recursively), provided the group is not optional or repeated.
    """
    i = 2 if branch.startswith("\\b") else 0
    if branch.startswith("(?:", i):
        close = _closing_paren(branch, i)
        if close < 0 or branch[close + 1 : close + 2] in _QUANTIFIERS:
            return []
        found: list[str] = []
        for alternative in _top_level_branches(branch[i + 3 : close]):
            literals = literal_prefixes(alternative)
            if not literals:
                return []
            found.extend(literals)
        return found
    literal = literal_prefix(branch)
    return [literal] if literal else []


def _closing_paren(source: str, open_at: int) -> int:
    for i, ch, depth in _structure(source, open_at):
        if ch == ")" and depth == 0:
            return i
    return -1


def literal_prefix(branch: str) -> str:
    """The literal text every match of `branch` starts with ('' when it starts with a class or group)."""
    out: list[str] = []
    i = 2 if branch.startswith("\\b") else 0
    while i < len(branch):
        ch = branch[i]
        if ch == "\\":
            nxt = branch[i + 1 : i + 2]
            if not nxt or nxt.isalnum():  # \d, \s, \b ...: not a literal
                break
            out.append(nxt)
            i += 2
        elif ch in _META:
            break
        else:
            out.append(ch)
            i += 1
        if i < len(branch) and branch[i] in _QUANTIFIERS:  # "agents?": the 's' is optional
            out.pop()
            break
    return "".join(out)


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


class FastPattern:
    """A case-insensitive pattern that searches lower-cased text (see `lower_same_length`)."""

    __slots__ = ("_body", "_regex", "boundary", "literals", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        branches = [_lower_pattern(b) for b in _top_level_branches(source)]
        per_branch = [literal_prefixes(b) for b in branches]
        self.literals: tuple[str, ...] = tuple(dict.fromkeys(lit for lits in per_branch for lit in lits)) if all(per_branch) else ()
        self.boundary = bool(self.literals) and all(b.startswith("\\b") for b in branches)
        if self.boundary:
            branches = [b[2:] for b in branches]
        body = branches[0] if len(branches) == 1 else "|".join(f"(?:{b})" for b in branches)
        self._body = body
        # A pattern with literals is compiled when one of them first occurs in a text: most never occur in
        # a given listing, and compiling all ~300 rule patterns up front was ~45 ms of every start-up.
        self._regex: re.Pattern[str] | None = None if self.literals else re.compile(body, _FLAGS)

    @property
    def regex(self) -> re.Pattern[str]:
        if self._regex is None:
            self._regex = re.compile(self._body, _FLAGS)  # a race only compiles it twice
        return self._regex

    def spans(self, lowered: str, start: int = 0, end: int | None = None, limit: int = 1_000_000) -> Iterator[tuple[int, int]]:
        """Match spans in already lower-cased text, in order, non-overlapping."""
        stop = len(lowered) if end is None else min(end, len(lowered))
        if not self.literals:
            yield from self._search_spans(lowered, start, stop, limit)
            return
        literals = self.literals
        nexts = [lowered.find(lit, start, stop) for lit in literals]
        found = 0
        pos = start
        while found < limit:
            live = [n for n in nexts if n >= 0]
            if not live:
                return
            at = min(live)
            m = None
            if not (self.boundary and at > 0 and _is_word(lowered[at - 1]) == _is_word(lowered[at])):
                m = self.regex.match(lowered, at, stop)
            if m is not None:
                s, e = m.span()
                yield s, e
                found += 1
                pos = e if e > s else e + 1
            else:
                pos = at + 1
            nexts = [n if n >= pos or n < 0 else lowered.find(lit, pos, stop) for n, lit in zip(nexts, literals, strict=True)]

    def _search_spans(self, lowered: str, pos: int, stop: int, limit: int) -> Iterator[tuple[int, int]]:
        found = 0
        while pos <= stop and found < limit:
            m = self.regex.search(lowered, pos, stop)
            if m is None:
                return
            s, e = m.span()
            yield s, e
            found += 1
            pos = e if e > s else e + 1

    def search(self, text: str) -> tuple[int, int] | None:
        """First match span in any text (lower-cased here)."""
        return next(self.spans(lower_same_length(text)), None)

    def __repr__(self) -> str:
        return f"FastPattern({self.source!r})"
