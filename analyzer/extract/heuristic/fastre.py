"""Fast, linear-time case-insensitive phrase patterns.

Python's `re` only uses its fast literal-prefix scan for case-sensitive patterns that do not start with
`\\b`. Rule patterns are written naturally (`\\bMCP server\\b`, case-insensitive); this module lower-cases
them and searches a lower-cased copy of the text of the same length.

Where every top-level branch starts with a literal word (`\\bMCP server`), candidates are found with
`str.find` on those literals and each branch is tried at a candidate in order: its word boundary is checked
in Python, a branch that is only a literal is compared as a string (no regex at all), any other branch is
*matched* there by its own regex, compiled the first time its literal occurs. A position inside a word is
rejected in O(1), so a run such as "1111…" or "traintrain…" costs linear time (searching without the `\\b`
made every start inside the run rescan it: quadratic). Other patterns keep their `\\b` and run as written.
The matches are exactly `re`'s (tests/test_fastre.py compares them on generated patterns and texts).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from heapq import heapify, heappop, heappush
from re import _constants as _c  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

from analyzer import regexcache
from analyzer.derived import DerivedTable, source_digest

_FLAGS = re.MULTILINE
_QUANTIFIERS = set("?*+{")


def lower_same_length(text: str) -> str:
    """`text.lower()` with every offset preserved (characters whose lower case is longer stay as is)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


# Pattern analysis runs for every rule pattern at start-up, so it scans with `re` (C) rather than a
# Python loop per character.
_ESCAPE_OR_RUN = regexcache.compile(r"\\.?|[^\\]+", re.DOTALL)
# What _structure yields: the next group bracket or branch bar, after stepping over escapes, whole
# character classes (a ']' first in one is literal; an unclosed one runs to the end) and other characters.
# Atomic groups and a possessive run: a class is read one way only, as `re` reads it, and a tail with no
# bracket or bar fails in linear time (a run that could split would backtrack exponentially).
_STRUCTURE = regexcache.compile(r"(?:\\(?:.|\Z)|(?>\[\]?(?:\\(?:.|\Z)|[^\]\\])*(?:\]|\Z))|[^\\\[()|]++)*?([()|])", re.DOTALL)
_UPPER_ESCAPE = regexcache.compile(r"\\[A-Z]")
# A run of literal characters: anything but a metacharacter, or an escaped non-alphanumeric (\. \- \_).
_LITERAL_RUN = regexcache.compile(r"(?:[^\\.^$*+?{}\[\]()|]|\\[\W_])*")
_ESCAPED = regexcache.compile(r"\\(.)", re.DOTALL)


def _unescape(literal: str) -> str:
    return _ESCAPED.sub(lambda m: m.group(1), literal) if "\\" in literal else literal


def _lower_pattern(source: str) -> str:
    """Lower-case the literal characters of a pattern; escapes (\\S, \\W, \\B ...) keep their case."""
    if source.isascii() and _UPPER_ESCAPE.search(source) is None:
        return source.lower()  # no escape whose case matters: the common case
    out = []
    for m in _ESCAPE_OR_RUN.finditer(source):
        run = m.group()
        if run[0] == "\\":
            out.append(run)
        else:  # one character at a time, as the text is lowered (no context-dependent final sigma)
            out.append(run.lower() if run.isascii() else "".join(c.lower() for c in run))
    return "".join(out)


def _structure(source: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """(index, character, group depth after it) for each '(', ')' and '|' of the pattern's own
    structure: escaped characters and the insides of character classes are skipped."""
    depth, pos = 0, start
    while (m := _STRUCTURE.match(source, pos)) is not None:  # anchored: never starts inside a class
        ch = m.group(1)
        depth += (ch == "(") - (ch == ")")
        yield m.start(1), ch, depth
        pos = m.end()


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
    i = 2 if branch.startswith("\\b") else 0
    end = _LITERAL_RUN.match(branch, i).end()  # type: ignore[union-attr]  # matches the empty string
    if end > i and branch[end : end + 1] in _QUANTIFIERS:  # "agents?": the 's' is optional
        backslashes = len(branch[i : end - 1]) - len(branch[i : end - 1].rstrip("\\"))
        end -= 2 if backslashes % 2 else 1  # the last literal is an escape pair, or one character
    return _unescape(branch[i:end])


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"  # what `re` counts as a word character in str patterns


def _at_boundary(text: str, i: int, stop: int) -> bool:
    """`\\b` at offset `i` as `re` sees it when matching `text` up to `stop`."""
    return (i > 0 and _is_word(text[i - 1])) != (i < stop and _is_word(text[i]))


# Top-level branches are only matched one by one when no construct ties them together: inline flags
# ("(?i)" applies to every branch), group references and conditionals (numbered across branches).
_TIED = regexcache.compile(r"\(\?(?![:=!]|<[=!])|\\[1-9]")


def _flat_branches(source: str) -> list[str]:
    """Top-level branches, a branch that is one whole "(?:a|b)" group replaced by its own branches
    (the same alternatives tried in the same order)."""
    out: list[str] = []
    for branch in _top_level_branches(source):
        if branch.startswith("(?:") and _closing_paren(branch, 0) == len(branch) - 1:
            out.extend(_flat_branches(branch[3:-1]))
        else:
            out.append(branch)
    return out


_MAX_STRINGS = 64  # a branch spelling more strings than this is matched by its regex


def _literal_strings(branch: str) -> tuple[tuple[str, ...], bool] | None:
    """Every string a branch without a leading `\\b` can match, in the order `re` tries them, and whether
    it ends with `\\b`; None unless the branch is only literal characters, classes of plain characters,
    non-capturing groups of such alternatives and greedy `?` ("agents?", "(?:mcp|tool)[- ]servers?\\b").

    `re` backtracks through the choices in order (the earliest choice varies slowest, a `?` tries with
    before without), so the first of these strings found at an offset, with its `\\b` after it, is the
    match `re` returns there.
    """
    trailing = False
    body = branch
    if body.endswith("\\b"):
        backslashes = len(body[:-1]) - len(body[:-1].rstrip("\\"))
        if backslashes % 2:  # "\b" itself, not an escaped backslash followed by 'b'
            body, trailing = body[:-2], True
    strings = _spell(body)
    if not strings or "" in strings:
        return None
    return tuple(strings), trailing


def _spell(pattern: str) -> list[str] | None:
    out = [""]
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            nxt = pattern[i + 1 : i + 2]
            if not nxt or nxt.isalnum():  # \w, \d, \s, \b inside ...: not a fixed string
                return None
            options, i = [nxt], i + 2
        elif pattern.startswith("(?:", i):
            close = _closing_paren(pattern, i)
            if close < 0:
                return None
            options = []
            for alternative in _top_level_branches(pattern[i + 3 : close]):
                spelled = _spell(alternative)
                if spelled is None:
                    return None
                options.extend(spelled)
            i = close + 1
        elif ch == "[":  # a class of plain characters ("[- ]", "[sz]"): one of them
            close = pattern.find("]", i + 2)
            members = pattern[i + 1 : close]
            if close < 0 or not members or members[0] == "^" or "\\" in members or "[" in members or "-" in members[1:-1]:
                return None
            options, i = list(dict.fromkeys(members)), close + 1
        elif ch in "\\.^$*+?{}[]()|":
            return None
        else:
            options, i = [ch], i + 1
        if pattern[i : i + 1] == "?":
            if pattern[i + 1 : i + 2] in ("?", "+") or "" in options:  # lazy, possessive, or an empty repeat
                return None
            options, i = [*options, ""], i + 1
        elif pattern[i : i + 1] in ("*", "+", "{"):
            return None
        out = [a + b for a in out for b in options]
        if len(out) > _MAX_STRINGS:
            return None
    return out


_UNSET: object = object()


# The analysis of a pattern (its lowered form, branches and their literals) is a pure function of the
# pattern and of this module's code, and the packaged rules' few hundred patterns took ~15 ms of every
# start-up to analyse. `FastPattern.for_rule` keeps it across runs, for this exact source. What a branch
# spells is added to its record the first time a listing needs it, so a first run works out only the
# branches that occur (most never do) and later runs reuse them.
_PLAN_FORMAT = 3
_digest = source_digest(__file__)
PLANS = DerivedTable("fastre", f"{_PLAN_FORMAT}|{sys.version}|{_digest}" if _digest else None)

# [lowered pattern, branches], branches None when the whole pattern is one regex searched as written
# (then a third item: its `required_strings`, or None), else a list of [source, literals, split]
# records, each followed by what it spells once that is known: None (not fixed strings) or [strings,
# trailing \b].
Plan = list[Any]


def _plan(source: str) -> Plan:
    lowered = _lower_pattern(source)
    split = _TIED.search(lowered) is None
    branches = _flat_branches(lowered) if split else _top_level_branches(lowered)
    per_branch = [literal_prefixes(b) for b in branches]
    if not all(per_branch):
        return [lowered, None, required_strings(lowered)]
    if not split:  # one regex: spells nothing
        return [lowered, [[lowered, list(dict.fromkeys(lit for lits in per_branch for lit in lits)), False, None]]]
    return [lowered, [[branch, list(dict.fromkeys(literals)), True] for branch, literals in zip(branches, per_branch, strict=True)]]


def required_strings(lowered: str) -> list[str] | None:
    """For a pattern searched as one regex: one string per top-level alternative that every match of that
    alternative contains (its longest run of literal characters that no repeat, option or lookaround
    can skip), so a text holding none of them cannot match and is not searched at all. None when some
    alternative has no such run, or the pattern changes case sensitivity inside (then a literal might
    match text that `str.find` does not find).

    Read from `re`'s own parse of the pattern (private, like `analyzer.regexcache`'s use of it); anything
    unexpected there is None: the regex always runs, as before."""
    try:
        parsed = _parser.parse(lowered, _FLAGS)
        if parsed.state.flags & re.IGNORECASE:
            return None
        items = list(parsed)
        alternatives = items[0][1][1] if len(items) == 1 and items[0][0] is _c.BRANCH else [items]
        out = [_longest_required(list(alternative)) for alternative in alternatives]
    except Exception:  # noqa: BLE001 - an unexpected parse tree: no shortcut
        return None
    return out if all(out) else None


def _longest_required(items: list[tuple[Any, Any]]) -> str:
    best, run = "", ""
    for op, av in items:
        if op is _c.LITERAL:
            run += chr(av)
            continue
        best, run = max(best, run, key=len), ""
        if op is _c.SUBPATTERN:
            _group, add_flags, del_flags, inner = av
            if add_flags or del_flags:
                raise ValueError("inline flags")
            best = max(best, _longest_required(list(inner)), key=len)
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT) and av[0] >= 1:
            best = max(best, _longest_required(list(av[2])), key=len)  # the first repetition always happens
        elif op is _c.ATOMIC_GROUP:
            best = max(best, _longest_required(list(av)), key=len)
    return max(best, run, key=len)


def _spelling_record(spelled: Any) -> bool:
    """Whether a plan's record of what a branch spells is one this code writes: None, or [strings, bool]."""
    if spelled is None:
        return True
    if spelled.__class__ is not list or len(spelled) != 2 or spelled[1].__class__ is not bool or spelled[0].__class__ is not list:
        return False
    return bool(spelled[0]) and all(s.__class__ is str and s for s in spelled[0])


def _spelled_from_plan(spelled: list[Any] | None) -> tuple[tuple[str, ...], bool] | None:
    return None if spelled is None else (tuple(spelled[0]), spelled[1])


class _Branch:
    """One top-level alternative: the literals every match of it starts with, and how to match it at a
    candidate offset: a branch that spells fixed strings is compared as strings, any other is matched by
    its own regex, compiled the first time its literal occurs at a candidate (most branches never occur
    in a given listing). What it spells comes from the pattern's plan, or is worked out on first use."""

    __slots__ = ("_record", "_regex", "_spelled", "leading_boundary", "literals", "source", "split")

    def __init__(self, source: str, literals: Iterable[str], *, split: bool = True, spelled: object = _UNSET, record: list[Any] | None = None) -> None:
        self.source = source
        self.literals = tuple(literals)
        self.split = split  # False: the whole pattern kept as one regex, only ever matched by it
        self.leading_boundary = split and source.startswith("\\b")
        self._spelled = spelled
        self._record = record  # the branch's record in a kept plan, which what it spells is added to
        self._regex: re.Pattern[str] | None = None

    def spelled(self) -> tuple[tuple[str, ...], bool] | None:
        """`_literal_strings` of the branch (after its leading `\\b`), worked out once."""
        if self._spelled is _UNSET:
            spelled = self._spelled = _literal_strings(self.source[2:] if self.leading_boundary else self.source) if self.split else None
            record = self._record
            if record is not None and len(record) == 3:
                record.append(None if spelled is None else [list(spelled[0]), spelled[1]])
                PLANS.updated()
        return self._spelled  # type: ignore[return-value]

    def match(self, lowered: str, at: int, stop: int) -> int:
        """End offset of this branch's match starting at `at`, else -1. The caller has found one of the
        branch's literals at `at` and checked its leading `\\b` (if any) there."""
        spelled = self.spelled()
        if spelled is not None:
            strings, trailing_boundary = spelled
            for string in strings:
                end = at + len(string)
                if lowered.startswith(string, at, stop) and (not trailing_boundary or _at_boundary(lowered, end, stop)):
                    return end
            return -1
        if self._regex is None:
            self._regex = regexcache.compile(self.source, _FLAGS)  # a race only compiles it twice
        m = self._regex.match(lowered, at, stop)
        return -1 if m is None else m.end()


class FastPattern:
    """A case-insensitive pattern that searches lower-cased text (see `lower_same_length`).

    Matches are exactly those of `re` with the lower-cased pattern on the lower-cased text (leftmost
    first, the first top-level branch that matches there wins, non-overlapping). When every top-level
    branch starts with known literals, candidates come from `str.find` and each branch is tried at a
    candidate in order: a literal branch by comparison (no regex at all), any other by its own regex,
    compiled the first time its literal occurs at a candidate. Most rule branches never occur in a given
    listing, and compiling all of them up front was most of the heuristic's start-up.
    """

    __slots__ = ("_body", "_bounded", "_branches", "_by_literal", "_kept", "_records", "_regex", "_required", "literals", "source")

    def __init__(self, source: str, plan: Plan | None = None) -> None:
        self.source = source
        kept = plan is not None  # a plan from PLANS: what branches spell is recorded in it
        lowered, branches, *rest = plan if kept else _plan(source)
        self._body = lowered
        self._regex: re.Pattern[str] | None = None
        if branches is not None:
            self._required = None
            # Branch objects are made when a candidate first needs one (`_branch`): of a pattern's
            # branches, most never meet a candidate in a given listing.
            self._records: list[list[Any]] = branches
            self._kept = kept
            self._branches: list[_Branch | None] = [None] * len(branches)
            # The literals in pattern order and, for each, the branches (by index, in pattern order) that
            # can start with it: at a candidate only those are tried, not every branch of the pattern.
            index: dict[str, int] = {}
            by_literal: list[list[int]] = []
            boundary_only: list[bool] = []
            for b, record in enumerate(branches):
                source_b, literals, split = record[0], record[1], record[2]
                if source_b.__class__ is not str or split.__class__ is not bool or not literals or (len(record) > 3 and not _spelling_record(record[3])):
                    raise ValueError("not a branch record")
                leading = split and source_b.startswith("\\b")
                for lit in literals:
                    if lit.__class__ is not str or not lit:
                        raise ValueError("not a literal")
                    i = index.setdefault(lit, len(index))
                    if i == len(by_literal):
                        by_literal.append([])
                        boundary_only.append(True)
                    by_literal[i].append(b)
                    boundary_only[i] = boundary_only[i] and leading
            self.literals: tuple[str, ...] = tuple(index)
            self._by_literal: tuple[tuple[int, ...], ...] = tuple(map(tuple, by_literal))
            # A literal whose branches all start with `\\b` can only start a match where `\\b` holds:
            # its other occurrences ("ai" in "chain") are skipped as they are found. None: no such need;
            # else whether the literal's first character is a word character (then `\\b` there means
            # the character before it is not one, and the reverse).
            self._bounded: tuple[bool | None, ...] = tuple(
                _is_word(lit[0]) if only else None for lit, only in zip(self.literals, boundary_only, strict=True)
            )
        else:  # some branch can start anywhere: the whole pattern is searched as one regex, compiled now
            required = rest[0] if rest else None
            if required is not None and (required.__class__ is not list or not all(r.__class__ is str and r for r in required)):
                raise ValueError("not a list of required strings")
            self._required: list[str] | None = required
            self._records = []
            self._kept = False
            self._branches = []
            self.literals = ()
            self._by_literal = ()
            self._bounded = ()
            self._regex = regexcache.compile(lowered, _FLAGS)

    @classmethod
    def for_rule(cls, source: str) -> FastPattern:
        """A packaged rule's pattern, its analysis kept across runs (`PLANS`). Only packaged rules come
        here: patterns built from listing text would grow the table without bound."""
        if not PLANS.keeping:  # no cache dir: nothing to keep
            return cls(source)
        plan = PLANS.get(source)
        if plan is not None:
            try:
                return cls(source, plan)
            except (TypeError, ValueError, AttributeError, IndexError):  # not a plan this code wrote: analyse afresh
                PLANS.discard(source)
        plan = _plan(source)
        PLANS.put(source, plan)
        return cls(source, plan)

    @property
    def regex(self) -> re.Pattern[str]:
        """The whole pattern as one regex (searches of patterns without literals; validating rule files)."""
        if self._regex is None:
            self._regex = regexcache.compile(self._body, _FLAGS)  # a race only compiles it twice
        return self._regex

    def _branch(self, b: int) -> _Branch:
        """Branch b, made on first use from its record (checked when the pattern was made; a race only
        makes it twice)."""
        branch = self._branches[b]
        if branch is None:
            record = self._records[b]
            spelled = _spelled_from_plan(record[3]) if len(record) > 3 else _UNSET
            branch = self._branches[b] = _Branch(record[0], record[1], split=record[2], spelled=spelled, record=record if self._kept else None)
        return branch

    def spans(self, lowered: str, start: int = 0, end: int | None = None, limit: int = 1_000_000) -> Iterator[tuple[int, int]]:
        """Match spans in already lower-cased text, in order, non-overlapping."""
        stop = len(lowered) if end is None else min(end, len(lowered))
        if not self._branches:
            yield from self._search_spans(lowered, start, stop, limit)
            return
        literals, branches, by_literal, bounded = self.literals, self._branches, self._by_literal, self._bounded
        find = lowered.find

        def usable(i: int, n: int) -> int:
            """From `n`, an occurrence of literal i (or -1), the first where one of its branches can start."""
            first_is_word = bounded[i]
            if first_is_word is not None:
                while n > 0 and _is_word(lowered[n - 1]) == first_is_word:
                    n = find(literals[i], n + 1, stop)
            return n

        def next_at(i: int, pos: int) -> int:
            """Offset of literal i's next occurrence from `pos` where one of its branches can start."""
            return usable(i, find(literals[i], pos, stop))

        # The next candidate offset of every literal, in a heap: (offset, literal index), so the literals
        # found at one offset come off it together, in pattern order. Most literals never occur: one find
        # each, and only one found is checked further.
        heap = [(m, i) for i, lit in enumerate(literals) if (n := find(lit, start, stop)) >= 0 and (m := usable(i, n)) >= 0]
        heapify(heap)
        found = 0
        while heap and found < limit:
            at, first = heappop(heap)
            here = [first]
            while heap and heap[0][0] == at:
                here.append(heappop(heap)[1])
            # A literal found at `at` lies wholly before `stop` (str.find's end), so the branches that
            # start with one of them are the only ones that can match here; tried in pattern order.
            tried = by_literal[first] if len(here) == 1 else sorted({b for i in here for b in by_literal[i]})
            boundary: bool | None = None  # `\\b` at `at`, worked out once for the branches that need it
            e = -1
            for b in tried:
                branch = branches[b] or self._branch(b)
                if branch.leading_boundary:
                    if boundary is None:
                        boundary = _at_boundary(lowered, at, stop)
                    if not boundary:
                        continue
                e = branch.match(lowered, at, stop)
                if e >= 0:
                    break
            if e >= 0:
                yield at, e
                found += 1
                pos = e if e > at else e + 1
            else:
                pos = at + 1
            for i in here:
                if (n := next_at(i, pos)) >= 0:
                    heappush(heap, (n, i))
            while heap and heap[0][0] < pos:  # occurrences inside the match just yielded: search on after it
                i = heappop(heap)[1]
                if (n := next_at(i, pos)) >= 0:
                    heappush(heap, (n, i))

    def _search_spans(self, lowered: str, pos: int, stop: int, limit: int) -> Iterator[tuple[int, int]]:
        required = self._required
        if required is not None and all(lowered.find(string, pos, stop) < 0 for string in required):
            return  # every match would contain one of these strings
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
