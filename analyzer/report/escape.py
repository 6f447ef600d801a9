"""Output escaping, in one place, for every format the tool writes.

Listing text, names, sources, errors and LLM output are untrusted: a listing can carry raw HTML, Markdown
images that load a tracker, `javascript:` links, spreadsheet formulas, terminal escape sequences or
bidirectional overrides that make a report read differently from what it says. Every renderer (Markdown,
HTML, CSV, terminal, and the batch overview) passes such text through one of these functions.

- `clean`: every format. Removes bidi embedding/override/isolate controls (U+202A–202E, U+2066–2069,
  U+200E/200F, U+061C) and other control characters (C0 but tab/newline, DEL, C1).
- `md_text` / `md_cell` / `md_code` / `md_link`: Markdown. No raw HTML (angle brackets become entities),
  no images or links from untrusted text (brackets escaped), one line; our own links only to safe URLs.
- `html_text` / `html_attr` / `safe_url`: HTML text and attributes; URLs only http(s), mailto or relative.
- `csv_cell`: a spreadsheet cell that never starts a formula (= + - @ tab CR), also after a `;` or `,`
  that a spreadsheet may split on.
- `terminal` / `terminal_line`: text for a terminal: no escape sequences; `terminal_line` also shows CR/LF
  and other controls as visible escapes so one error stays one line.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from analyzer import regexcache

# Bidi controls: embeddings and overrides (LRE RLE PDF LRO RLO), isolates (LRI RLI FSI PDI), marks
# (LRM RLM ALM). A quote containing U+202E displays reversed, so a report could show a different text.
_BIDI = "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_UNSAFE = regexcache.compile(f"[{_BIDI}{_CONTROL}]")
_UNSAFE_OR_CR = regexcache.compile(f"[{_BIDI}{_CONTROL}\r]")
_SPACE = regexcache.compile(r"\s+")
# Only what builds links, images, HTML, code spans or table cells is escaped ("[", "]", "<", ">", "`",
# "|" and the backslash itself, so an escape in the text cannot cancel ours); emphasis stays readable.
_MD_SPECIAL = regexcache.compile(r"([\\`\[\]|])")
# A paragraph that starts like a heading, quote or list item would change the page's structure.
_LINE_START = regexcache.compile(r"^(#|>|[-+*](?=\s))")
_LIST_NUMBER = regexcache.compile(r"^(\d+)([.)])(?=\s)")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SPLIT = regexcache.compile(r"([;,\t])")
_SAFE_SCHEMES = ("http", "https", "mailto")


def clean(value: object) -> str:
    """The text without bidi controls and control characters (tab, newline and CR-LF kept as tab/newline)."""
    text = str(value).replace("\r\n", "\n")
    return _UNSAFE_OR_CR.sub("", text)


def one_line(value: object) -> str:
    """`clean`, with every run of whitespace (newlines too) turned into one space."""
    return _SPACE.sub(" ", clean(value)).strip()


# ------------------------------------------------------------------ Markdown


def md_text(value: object) -> str:
    """Untrusted text for a Markdown paragraph or list item: literal, one line, no HTML, links or images."""
    text = one_line(value)
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _LIST_NUMBER.sub(r"\1\\\2", _LINE_START.sub(r"\\\1", text))


def md_cell(value: object) -> str:
    """Untrusted text for a Markdown table cell (`|` is escaped by md_text); never empty."""
    return md_text(value) or " "


def md_code(value: object) -> str:
    """An inline code span that survives backticks inside the value (code spans render no HTML)."""
    text = one_line(value)
    run = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (run + 1)
    return f"{fence} {text} {fence}" if run else f"{fence}{text}{fence}"


def md_link(label: object, url: str) -> str:
    """A link we make (to a report file or the listing's own URL); an unsafe URL gives the label alone."""
    target = safe_url(url)
    if not target:
        return md_text(label)
    target = target.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")
    return f"[{md_text(label)}]({target})"


# ------------------------------------------------------------------ HTML


def html_text(value: object) -> str:
    """Untrusted text for HTML element content."""
    return html.escape(clean(value), quote=True)


html_attr = html_text  # quote=True escapes both quote characters, so one function serves attributes too


def safe_url(url: str) -> str:
    """The URL when it is http(s), mailto or relative (no scheme); '' for javascript:, data:, file: and others."""
    text = one_line(url)
    if not text:
        return ""
    # Browsers ignore tabs/newlines and leading spaces in schemes ("java\tscript:"): judge the squeezed form.
    squeezed = re.sub(r"[\s\x00-\x1f]", "", text)
    scheme = urlsplit(squeezed).scheme.lower()
    if scheme and scheme not in _SAFE_SCHEMES:
        return ""
    if not scheme and ":" in squeezed.split("/", 1)[0]:
        return ""  # "javascript&colon;..." style or a scheme urlsplit did not see
    return text


# ------------------------------------------------------------------ CSV


def csv_cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as text: a part that would start a formula gets a leading quote.

    Numbers and None pass unchanged. Parts after `;`, `,` or tab are checked too: a spreadsheet opened
    with another separator splits "name;=1+1" into a second cell starting with "=".
    """
    if value is None or isinstance(value, bool | int | float):
        return value
    text = clean(value).replace("\n", " ")
    parts = _SPLIT.split(text)
    for i in range(0, len(parts), 2):  # even indexes are the parts, odd ones the separators
        stripped = parts[i].lstrip(" ")
        if stripped.startswith(_FORMULA_START):
            lead = len(parts[i]) - len(stripped)
            parts[i] = parts[i][:lead] + "'" + stripped
    return "".join(parts)


# ------------------------------------------------------------------ terminal


def terminal(value: object) -> str:
    """Text for a terminal: no escape sequences or bidi controls; newlines and tabs kept."""
    return clean(value)


def terminal_line(value: object) -> str:
    """One line for a terminal: CR, LF and other controls shown as visible escapes (\\r, \\n, \\x1b, \\u202e)."""

    def show(m: re.Match[str]) -> str:
        ch = m.group(0)
        return {"\r": "\\r", "\n": "\\n", "\t": " "}.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")

    return re.sub(f"[{_BIDI}{_CONTROL}\r\n\t]", show, str(value))


__all__ = [
    "clean",
    "csv_cell",
    "html_attr",
    "html_text",
    "md_cell",
    "md_code",
    "md_link",
    "md_text",
    "one_line",
    "safe_url",
    "terminal",
    "terminal_line",
]
