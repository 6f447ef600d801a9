"""Undo the cheap disguises of text meant to slip past a pattern: the injection detector's view of text.

`normalise(text)` returns a form in which one pattern catches the plain and the disguised spelling:
- NFKC: full-width and other compatibility letters (ＩＧＮＯＲＥ) become ASCII, ligatures split;
- format characters removed: zero-width space/joiners, word joiner, BOM, soft hyphen, bidi controls;
- homoglyphs folded: Cyrillic and Greek letters that look like Latin ones (а е о р с у х і ѕ ј, Α Β Ε …);
- spaced-out letters joined: "i g n o r e" or "i.g.n.o.r.e" becomes "ignore" (word gaps of two or more
  separators stay a space);
- runs of whitespace become one space.

Every step is linear (str.translate, unicodedata and two regular expressions with bounded classes).
The result is for matching only; quotes in reports come from the original text.
"""

from __future__ import annotations

import unicodedata

from analyzer import regexcache

# Cf (format) characters that render as nothing, plus the soft hyphen and bidi controls.
_INVISIBLE = dict.fromkeys(
    [0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x3164, 0xFEFF, 0xFFA0]
    + list(range(0x200B, 0x2010))
    + list(range(0x202A, 0x202F))
    + list(range(0x2060, 0x2070))
    + list(range(0xFE00, 0xFE10)),
)
# Letters that look like Latin ones; folding them makes "іgnоrе" (Cyrillic і, о, е) read as "ignore".
_HOMOGLYPHS = str.maketrans(
    {
        # Cyrillic lower / upper
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t",
        "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l",
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "У": "Y",
        "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J",
        # Greek lower / upper
        "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w",
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P",
        "Τ": "T", "Υ": "Y", "Χ": "X",
        # Latin look-alikes from other blocks
        "ɑ": "a", "ɡ": "g", "ı": "i", "ȷ": "j", "ℓ": "l", "ο": "o",
    }
)
# Single letters joined by one separator, at least three in a row: "i g n o r e", "i.g.n.o.r.e", "i-g-n".
_SPACED = regexcache.compile(r"(?<![^\W\d_])[^\W\d_](?:[ .\-_*·•][^\W\d_]){2,}(?![^\W\d_])")
_SPACED_SEPARATOR = regexcache.compile(r"[ .\-_*·•]")
_WHITESPACE = regexcache.compile(r"\s+")
_NON_ASCII = regexcache.compile(r"[^\x00-\x7f]")


def normalise(text: str) -> str:
    """The text with compatibility forms, invisible characters, homoglyphs and letter spacing undone."""
    if _NON_ASCII.search(text):
        text = unicodedata.normalize("NFKC", text.translate(_INVISIBLE)).translate(_HOMOGLYPHS)
    text = _SPACED.sub(lambda m: _SPACED_SEPARATOR.sub("", m.group(0)), text)
    return _WHITESPACE.sub(" ", text).strip()


def squashed(text: str) -> str:
    """Letters only, lower case: "I.G.N.O.R.E  all  previous" -> "ignoreallprevious" (for squashed patterns)."""
    return "".join(ch for ch in normalise(text).lower() if ch.isalpha())


__all__ = ["normalise", "squashed"]
