"""Shared by the remote sources: body decoding with charset sniffing, and Listing building with fetch errors."""

from __future__ import annotations

import re
from datetime import datetime

from analyzer.errors import ContentError, InputError
from analyzer.fetch.local import decode_listing_bytes
from analyzer.fetch.parse import SourceType, build_listing
from analyzer.models import Listing, MetadataField

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# WHATWG: pages labelled Latin-1/ASCII are decoded as windows-1252, its superset (curly quotes, euro sign)
_WHATWG_ALIASES = {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "l1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252", "iso8859-1": "cp1252"}


def charset_of(content_type: str | None, body: bytes) -> str | None:
    """The declared charset: Content-Type header first, then an HTML <meta> in the first 4 KB."""
    declared = None
    if content_type and "charset=" in content_type.lower():
        declared = content_type.lower().split("charset=", 1)[1].split(";")[0].strip().strip("\"'")
    if not declared:
        match = _META_CHARSET.search(body[:4096])
        declared = match.group(1).decode("ascii").lower() if match else None
    return _WHATWG_ALIASES.get(declared, declared) if declared else None


def decode_body(body: bytes, content_type: str | None, url: str) -> str:
    if body.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        charset = None  # a byte-order mark beats any declaration
    else:
        charset = charset_of(content_type, body)
    mime = (content_type or "").split(";")[0].strip() or "text/plain"
    try:
        return decode_listing_bytes(body, url, f"{mime}; charset={charset}" if charset else mime)
    except InputError as exc:
        raise ContentError(exc.message, hint=exc.hint) from None


def build_remote_listing(
    text: str,
    *,
    source: str,
    source_type: SourceType,
    name_hint: str,
    content_type: str | None,
    canonical_url: str | None,
    revision: str | None,
    fetched_at: datetime | None,
    metadata: list[MetadataField],
) -> Listing:
    try:
        return build_listing(
            text, source=source, source_type=source_type, name_hint=name_hint, content_type=content_type,
            canonical_url=canonical_url, revision=revision, fetched_at=fetched_at, extra_metadata=metadata,
        )
    except InputError as exc:
        raise ContentError(exc.message, hint=exc.hint) from None
