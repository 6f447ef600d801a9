"""Sentence segmentation that knows Markdown, and the one display cleaner for quotes.

A listing is cut into *units*: the sentences of a paragraph (wrapped lines joined), a list item (its
sentences), a heading, a table row, a block quote line. Every unit is a span of the source text, so a
quote taken from a unit is a verbatim substring of the listing; `display_quote` only changes how it
looks (emphasis, links and code marks removed, whitespace squeezed).

A sentence ends at `.`, `!` or `?` followed by whitespace and a character that can start a sentence, but
never inside a matched parenthesis, bracket or code span, never after an abbreviation ("e.g.", "i.e.",
"vs.", "cf.", initials) and never inside a number or version ("3.5", "v1.2.0"). Every loop here is
linear in the length of the text (no backtracking regular expressions).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from analyzer import regexcache
from analyzer.markup import AUTOLINK, CUT_LINK_HEAD, IMAGE, LINK, TAG

# Abbreviations after which a full stop never ends a sentence ("etc." may, when a capital follows).
_NEVER_ENDS = frozenset(
    "e.g i.e eg ie vs cf approx incl esp resp viz al fig figs no nos dr mr mrs ms prof st sr jr inc ltd co corp ver eq ref refs sec".split()
)
_SOMETIMES_ENDS = frozenset({"etc"})
_LIST_MARK = regexcache.compile(r"[ \t]{0,12}(?:[-*+•]|\d{1,3}[.)])[ \t]+")
_HEADING = regexcache.compile(r"[ \t]{0,3}#{1,6}(?:[ \t]|$)")
_SETEXT = regexcache.compile(r"[ \t]{0,3}(?:=+|-+)[ \t]*$")
_FENCE = regexcache.compile(r"[ \t]{0,3}(?:```|~~~)")
_BOLD_LINE = regexcache.compile(r"[ \t]{0,3}(?:\*\*|__)[^*_\n]{1,80}(?:\*\*|__)[ \t]*:?[ \t]*$")  # "**Training Procedure**": a heading
_RULE = regexcache.compile(r"[ \t]{0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_OPENERS = {"(": ")", "[": "]"}
_CLOSERS = "\"'”’*_"

MAX_PAIR = 600  # a parenthesis left open for longer than this is a typo, not a parenthetical
MAX_ITEM = 320  # a list item up to this long is quoted whole; a longer one sentence by sentence


class Unit(NamedTuple):
    """One quotable span of the source: [start, end) with surrounding whitespace excluded."""

    start: int
    end: int
    kind: str  # "sentence", "item", "heading", "row", "quote"
    block_start: int  # the paragraph / list item / row it belongs to
    block_end: int

    def text(self, source: str) -> str:
        return source[self.start : self.end]


def _line_kind(line: str) -> str:
    stripped = line.strip()
    if not stripped:
        return "blank"
    if _FENCE.match(line):
        return "fence"
    if _HEADING.match(line):
        return "heading"
    if stripped.startswith("|") or (stripped.count("|") >= 2 and not stripped.startswith(("-", "*"))):
        return "row"
    if _RULE.match(line):
        return "rule"
    if _BOLD_LINE.match(line):
        return "heading"
    if _LIST_MARK.match(line):
        return "item"
    if stripped.startswith(">"):
        return "quote"
    return "text"


def blocks(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) for each block: paragraph ("text"), list item, heading, table row, quote line.

    Wrapped lines of a paragraph or list item belong to the same block; fenced code is skipped.
    """
    out: list[tuple[int, int, str]] = []
    pos, n = 0, len(text)
    current: list = []  # [start, end, kind] of the open paragraph or item
    in_fence = False

    def close() -> None:
        if current:
            out.append((current[0], current[1], current[2]))
            current.clear()

    while pos < n:
        nl = text.find("\n", pos)
        end = n if nl < 0 else nl
        line = text[pos:end]
        kind = _line_kind(line)
        if in_fence:
            if kind == "fence":
                in_fence = False
        elif kind == "fence":
            close()
            in_fence = True
        elif kind in ("blank", "rule"):
            close()
        elif kind == "text" and current and current[2] in ("text", "item"):
            if _SETEXT.match(line) and current[2] == "text":
                current[2] = "heading"  # "Title\n=====": the paragraph was a heading
                close()
            else:
                current[1] = end  # a wrapped line: the paragraph or list item goes on
        elif kind in ("text", "item"):
            close()
            current.extend([pos, end, kind])
        else:
            close()
            out.append((pos, end, kind))
        pos = end + 1
    close()
    return out


def _matched_pairs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of matched (), [] and `code` inside [start, end); unmatched openers are ignored."""
    pairs: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    i = start
    while i < end:
        ch = text[i]
        if ch == "`" or text.startswith("**", i):
            # A code span or a bold run ("**95 lines. Fully autonomous.**") is never cut.
            mark = "`" if ch == "`" else "**"
            j = text.find(mark, i + len(mark), min(end, i + MAX_PAIR))
            if j > 0:
                pairs.append((i, j + len(mark)))
                i = j + len(mark)
                continue
        elif ch in _OPENERS:
            stack.append((ch, i))
        elif ch in (")", "]"):
            # Pop to the matching opener; openers skipped on the way were never closed.
            for k in range(len(stack) - 1, max(-1, len(stack) - 8), -1):
                if _OPENERS[stack[k][0]] == ch:
                    if i - stack[k][1] <= MAX_PAIR:
                        pairs.append((stack[k][1], i + 1))
                    del stack[k:]
                    break
        i += 1
    return pairs


def _word_before(text: str, dot: int, floor: int) -> str:
    """The token that ends at the full stop at `dot` (letters and inner dots), lower-cased."""
    i = dot
    while i > floor and (text[i - 1].isalnum() or text[i - 1] == "."):
        i -= 1
    return text[i:dot].lower()


def _can_start(ch: str) -> bool:
    return not ch.islower() and ch not in ",;:)]}%"


def _ends_sentence(text: str, i: int, after: int, floor: int, limit: int) -> bool:
    """Is the `.`/`!`/`?` at i the end of a sentence (given whitespace follows at `after`)?"""
    j = after
    while j < limit and text[j].isspace():
        j += 1
    if j >= limit:
        return True
    nxt = text[j]
    if not _can_start(nxt):
        return False
    if text[i] != ".":
        return True
    word = _word_before(text, i, floor)
    if not word:
        return True
    if word in _NEVER_ENDS or word.rstrip(".") in _NEVER_ENDS:
        return False
    if len(word) == 1 and word.isalpha() and text[i - 1].isupper():
        return False  # an initial: "J. Smith"
    if "." in word and len(word.replace(".", "")) <= 3 and all(len(p) == 1 and p.isalpha() for p in word.split(".")):
        return False  # "U.S.", "a.k.a."
    if word in _SOMETIMES_ENDS:
        return nxt.isupper()
    return True


def _split_block(text: str, start: int, end: int, kind: str) -> list[Unit]:
    """The sentences of one paragraph or list item (a heading or table row is one unit)."""
    if kind not in ("text", "item", "quote"):
        return [_unit(text, start, end, "heading" if kind == "heading" else "row", start, end)]
    if kind == "item" and end - start <= MAX_ITEM:
        return [_unit(text, start, end, "item", start, end)]
    pairs = _matched_pairs(text, start, end)
    inside = [0] * (end - start + 1)  # difference array: >0 means inside a matched pair
    for a, b in pairs:  # positions a .. b-2 are inside (the closer at b-1 is not a full stop)
        inside[a - start] += 1
        inside[b - 1 - start] -= 1
    depth = 0
    units: list[Unit] = []
    sentence_start = start
    unit_kind = "item" if kind == "item" else ("quote" if kind == "quote" else "sentence")
    for i in range(start, end):
        depth += inside[i - start]
        ch = text[i]
        if ch not in ".!?":
            continue
        if depth > 0 and not (text.startswith("**", i + 1) and (i + 3 >= end or text[i + 3].isspace())):
            continue  # inside a parenthesis, code span or bold run, unless it ends the bold run: "**Done.** Next"
        close = i + 1  # closing quotes or emphasis that belong to the sentence: 'said "hi."', '**Done.**'
        while close < end and close - i <= 3 and text[close] in _CLOSERS:
            close += 1
        # "?!" and "..." end once, at their last mark; a mark must be followed by whitespace.
        if close < end and text[close].isspace() and _ends_sentence(text, i, close, sentence_start, end):
            units.append(_unit(text, sentence_start, close, unit_kind, start, end))
            sentence_start = close
    if sentence_start < end:
        units.append(_unit(text, sentence_start, end, unit_kind, start, end))
    return [u for u in units if u.end > u.start]


_MARKER = {"item": _LIST_MARK, "heading": re.compile(r"[ \t]*#{1,6}[ \t]*"), "quote": re.compile(r"(?:[ \t]*>)+[ \t]*")}


def _unit(text: str, start: int, end: int, kind: str, block_start: int, block_end: int) -> Unit:
    marker = _MARKER.get(kind)
    if marker is not None and start == block_start:
        m = marker.match(text, start, end)
        if m:
            start = m.end()  # the list, heading or quote marker is not part of what the listing says
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Unit(start, end, kind, block_start, block_end)


def split_units(text: str) -> list[Unit]:
    """Every quotable unit of `text` in reading order (see module docstring)."""
    units: list[Unit] = []
    for start, end, kind in blocks(text):
        units.extend(u for u in _split_block(text, start, end, kind) if _has_word(text, u.start, u.end))
    return units


def _has_word(text: str, start: int, end: int) -> bool:
    return any(ch.isalnum() for ch in text[start:end])  # not a table rule "|---|---|" or a lone "*"


def sentences(text: str) -> list[str]:
    """The units of `text` as strings (convenience for prose that is not a whole listing)."""
    return [u.text(text) for u in split_units(text)]


def join_wrapped(text: str) -> str:
    """`text` with each soft line break inside a paragraph or list item turned into a space.

    Same length as `text` (offsets are kept), so a phrase wrapped over two lines ("repository\\nmap")
    matches a rule written with a space.
    """
    chars = list(text)
    for start, end, kind in blocks(text):
        if kind in ("text", "item"):
            i = text.find("\n", start, end)
            while i >= 0:
                chars[i] = " "
                i = text.find("\n", i + 1, end)
    return "".join(chars)


# --------------------------------------------------------------------------- display cleaning

# The classes exclude their opening bracket too, so "![x](![x](..." fails at the next bracket instead of
# scanning 600 characters from each one (linear with a small constant).
_EMPHASIS = regexcache.compile(r"\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|(?<![\w_])_(?=\S)|(?<=\S)_(?![\w_])|~~")
_CODE = regexcache.compile(r"`+")
_LEAD_MARKS = regexcache.compile(r"^(?:[ \t]*(?:>|[-*+•]|\d{1,3}[.)]|#{1,6})[ \t]+)+")
_SPACE = regexcache.compile(r"\s+")


def display_quote(quote: str) -> str:
    """A verbatim quote as a reader should see it: Markdown marks, link targets, tags and list or
    heading markers removed, table pipes turned into separators, whitespace squeezed.

    The evidence keeps the verbatim text (that is what is verified against the listing); only reports
    show this form.
    """
    text = IMAGE.sub(lambda m: m.group(1), quote)
    text = LINK.sub(lambda m: m.group(1), text)
    text = LINK.sub(lambda m: m.group(1), text)  # a link around an image, as grounding reads it
    text = CUT_LINK_HEAD.sub(lambda m: m.group(1), text)
    text = AUTOLINK.sub(lambda m: m.group(1), text)
    text = TAG.sub(" ", text)
    text = _CODE.sub("", text)
    text = _EMPHASIS.sub("", text)
    text = _LEAD_MARKS.sub("", text)
    stripped = text.strip()
    if stripped.startswith("|") or stripped.endswith("|"):
        cells = [c.strip() for c in stripped.strip("|").split("|")]
        text = " · ".join(c for c in cells if c)
    return _SPACE.sub(" ", text).strip()


__all__ = ["MAX_PAIR", "Unit", "blocks", "display_quote", "join_wrapped", "sentences", "split_units"]
