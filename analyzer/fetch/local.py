"""Read a listing from a local file or standard input, with clear errors for bad input."""

from __future__ import annotations

import sys
from pathlib import Path

from analyzer.errors import InputError
from analyzer.fetch.parse import build_listing
from analyzer.models import Listing

MAX_LISTING_BYTES = 5 * 1024 * 1024


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
        return build_listing(decode_listing_bytes(data, "stdin"), source="-", source_type="stdin", name_hint="stdin.md")
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
    return build_listing(decode_listing_bytes(data, source), source=source, source_type="file", name_hint=path.name)
