"""What the app accepts as a listing: a URL (fetched by the SSRF-guarded fetcher), pasted text with a file
name, or an uploaded file's raw bytes — with the CLI's size limit and its messages for bad input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analyzer.errors import InputError
from analyzer.extract import resolve_provider
from analyzer.fetch.local import MAX_LISTING_BYTES, decode_listing_bytes
from analyzer.fetch.parse import build_listing
from analyzer.models import Listing
from analyzer.pipeline import is_url

MAX_FILENAME = 200
DEFAULT_FILENAME = "pasted.md"


@dataclass(frozen=True)
class ListingRequest:
    """One listing to analyse, not yet loaded: `source` is a URL, or `text` holds the content."""

    source: str | None
    text: str | None
    filename: str
    provider: str

    @property
    def label(self) -> str:
        return self.source or self.filename


def available_providers() -> list[str]:
    """The extractors this server can run: the heuristic always, the LLM when the server's env configures one."""
    return ["heuristic", "openai"] if resolve_provider("auto") == "openai" else ["heuristic"]


def _provider(value: Any) -> str:
    provider = str(value or "heuristic").strip().lower()
    if provider not in available_providers():
        if provider == "openai":
            raise InputError("provider 'openai' is not configured on this server", hint="set OPENAI_API_KEY or OPENAI_BASE_URL where `analyzer serve` runs, or use 'heuristic'")
        raise InputError(f"unknown provider {provider!r}", hint=f"use one of: {', '.join(available_providers())}")
    return provider


def _filename(value: Any) -> str:
    name = str(value or DEFAULT_FILENAME).replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:MAX_FILENAME] or DEFAULT_FILENAME


def request_from_json(data: Any) -> ListingRequest:
    if not isinstance(data, dict):
        raise InputError("the request body must be a JSON object", hint='send {"source": URL} or {"text": ..., "filename": ...}')
    provider = _provider(data.get("provider"))
    source, text = data.get("source"), data.get("text")
    if source is not None and text is not None:
        raise InputError("give either 'source' or 'text', not both", hint='send {"source": URL} or {"text": ..., "filename": ...}')
    if source is not None:
        if not isinstance(source, str) or not is_url(source):
            raise InputError(f"source {str(source)[:200]!r} is not a URL", hint="give an http(s) URL, or send the listing as 'text'")
        return ListingRequest(source=source.strip(), text=None, filename="", provider=provider)
    if not isinstance(text, str):
        raise InputError("the request has no listing", hint='send {"source": URL} or {"text": ..., "filename": ...}')
    name = _filename(data.get("filename"))
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_LISTING_BYTES:
        raise InputError(_too_large(name, size), hint="a listing is one page; pass the model card or README, not a dump")
    if not text.strip():
        raise InputError(f"{name}: the listing is empty", hint="pass a file with the listing's text")
    return ListingRequest(source=None, text=text, filename=name, provider=provider)


def request_from_bytes(data: bytes, filename: str | None, provider: str | None) -> ListingRequest:
    """An uploaded file: decoded as the CLI decodes a local file (binary refused, charset sniffed)."""
    name = _filename(filename)
    if len(data) > MAX_LISTING_BYTES:
        raise InputError(_too_large(name, len(data)), hint="a listing is one page; pass the model card or README, not a dump")
    return ListingRequest(source=None, text=decode_listing_bytes(data, name), filename=name, provider=_provider(provider))


def load(request: ListingRequest, *, allow_private: bool = False) -> Listing:
    if request.source is not None:
        from analyzer.fetch import fetch_listing

        return fetch_listing(request.source, allow_private=allow_private)
    assert request.text is not None
    return build_listing(request.text, source=request.filename, source_type="file", name_hint=request.filename)


def _too_large(name: str, size: int) -> str:
    return f"{name}: the file is {size / 1_048_576:.1f} MB, over the {MAX_LISTING_BYTES // 1_048_576} MB listing limit"
