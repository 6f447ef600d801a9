"""Read a listing from a local file or standard input, with clear errors for bad input.

What the bytes are is sniffed from the content, not trusted from the name: `analyzer analyze - < page.html`
and a saved page called `card.md` are HTML (scripts and navigation dropped, the page title kept), a `.txt`
holding a JSON card is JSON, and a `.json` or `.html` file that holds plain Markdown is read as Markdown.
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path
from typing import Literal

from analyzer import jsonio
from analyzer import regexcache
from analyzer.errors import InputError
from analyzer.fetch.parse import build_listing
from analyzer.models import Listing, MetadataField

MAX_LISTING_BYTES = 5 * 1024 * 1024
SNIFF_CHARS = 4096

Format = Literal["markdown", "html", "json", "text"]
_EXTENSION_FORMAT: dict[str, Format] = {
    ".md": "markdown", ".markdown": "markdown", ".mdx": "markdown",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".json": "json", ".txt": "text", ".text": "text",
}  # fmt: skip
_FORMAT_SUFFIX: dict[Format, str] = {"markdown": ".md", "html": ".html", "json": ".json", "text": ".txt"}
# A whole HTML document, not a README with a few inline tags (<p align="center">, <img>, <details>).
_HTML_DOCUMENT = regexcache.compile(r"^(?:<\?xml[^>]{0,200}>\s*)?(?:<!--.{0,2000}?-->\s*)*<(?:!doctype\s+html|html[\s>])|<(?:head|body)[\s>]", re.IGNORECASE | re.DOTALL)
_MARKDOWN_MARK = regexcache.compile(r"^(?:#{1,6}[ \t]|[-*+][ \t]|\d{1,3}\.[ \t]|```|~~~|>[ \t]?|\|.*\|[ \t]*$)|\[[^\]\n]{1,200}\]\([^)\n]{1,400}\)|\*\*[^*\n]{1,200}\*\*", re.MULTILINE)
_TITLE = regexcache.compile(r"<title[^>]{0,200}>([^<]{1,300})</title>", re.IGNORECASE)


def sniff_format(text: str) -> Format:
    """What the content is, from the content alone: an HTML document, JSON, Markdown or plain text."""
    head = text.lstrip("\ufeff \t\r\n")[:SNIFF_CHARS]
    if _HTML_DOCUMENT.search(head):
        return "html"
    if head[:1] in "{[":
        try:
            jsonio.loads(text)  # too deeply nested is a ValueError here, not a RecursionError
            return "json"
        except ValueError:
            pass
    return "markdown" if _MARKDOWN_MARK.search(text[: SNIFF_CHARS * 4]) else "text"


def listing_format(text: str, name: str) -> Format:
    """The format to parse `text` as: the content's, unless only Markdown and plain text disagree (Markdown
    parsing of plain text is harmless; a `.md` file of bare prose stays Markdown)."""
    sniffed = sniff_format(text)
    declared = _EXTENSION_FORMAT.get(Path(name).suffix.lower())
    if declared == "markdown" and sniffed == "text":
        return "markdown"
    return sniffed


def _parse_local(text: str, *, source: str, source_type: Literal["file", "stdin"], stem: str) -> Listing:
    fmt = listing_format(text, source if source_type == "file" else "")
    extra: list[MetadataField] = []
    if fmt == "html":
        title = _TITLE.search(text[: SNIFF_CHARS * 16])
        if title and html.unescape(title.group(1)).strip():
            extra.append(MetadataField(key="title", value=html.unescape(title.group(1)).strip()[:200], source="html_title"))
    return build_listing(text, source=source, source_type=source_type, name_hint=stem + _FORMAT_SUFFIX[fmt], extra_metadata=extra)


def decode_listing_bytes(data: bytes, name: str, content_type: str | None = None) -> str:
    """Decode listing bytes; refuse binary content and sniff a charset when it is not UTF-8."""
    if not data.strip():
        raise InputError(f"{name}: the listing is empty", hint="pass a file with the listing's text")
    if b"\x00" in data[:8192]:
        raise InputError(f"{name}: looks like a binary file, not a listing", hint="pass Markdown, HTML, plain text or JSON")
    charset = None
    if content_type and "charset=" in content_type.lower():
        charset = content_type.lower().split("charset=", 1)[1].split(";")[0].strip().strip('"')
    for encoding in filter(None, (charset, "utf-8-sig")):
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError(f"{name}: could not decode the text (not UTF-8 and no charset detected)", hint="save the listing as UTF-8")
    return str(best)


def read_local(source: str) -> Listing:
    """Load a listing from a path (md, html, txt, json) or '-' for stdin."""
    if source == "-":
        data = sys.stdin.buffer.read(MAX_LISTING_BYTES + 1)
        if len(data) > MAX_LISTING_BYTES:
            raise InputError(f"stdin: the listing is larger than {MAX_LISTING_BYTES // (1024 * 1024)} MB", hint="pass a listing page, not a whole archive")
        return _parse_local(decode_listing_bytes(data, "stdin"), source="-", source_type="stdin", stem="stdin")
    path = Path(source)
    if not path.exists():
        raise InputError(f"{source}: no such file", hint="check the path, or pass a URL")
    if path.is_dir():
        raise InputError(f"{source}: is a directory, not a listing file", hint="pass one file (md, html, txt, json)")
    size = path.stat().st_size
    if size > MAX_LISTING_BYTES:
        raise InputError(
            f"{source}: the file is {size / 1_048_576:.1f} MB, over the {MAX_LISTING_BYTES // 1_048_576} MB listing limit",
            hint="a listing is one page; pass the model card or README, not a dump",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{source}: cannot read the file ({exc.strerror})", hint="check its permissions") from None
    return _parse_local(decode_listing_bytes(data, source), source=source, source_type="file", stem=path.stem or path.name)
