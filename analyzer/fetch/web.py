"""Any other page: guarded, robots-checked GET → Listing (HTML main content, Markdown, text or JSON)."""

from __future__ import annotations

from urllib.parse import urlsplit

from analyzer.errors import ContentError
from analyzer.fetch.http import HttpSession
from analyzer.fetch.remote import build_remote_listing, decode_body
from analyzer.models import Listing

ACCEPT = "text/html, application/xhtml+xml, text/markdown, text/plain;q=0.9, application/json;q=0.8, */*;q=0.1"
_TEXT_TYPES = {"text/html", "application/xhtml+xml", "text/plain", "text/markdown", "text/x-markdown", "application/json", "application/ld+json", "text/x-rst", "text/csv"}
_TEXT_SUFFIXES = (".md", ".markdown", ".txt", ".rst", ".json", ".html", ".htm")


def check_listing_type(content_type: str | None, url: str) -> None:
    """Refuse, before the body is read, responses that cannot be a listing (PDF, images, archives...)."""
    mime = (content_type or "").split(";")[0].strip().lower()
    if not mime or mime in _TEXT_TYPES or mime.endswith("+json") or mime.startswith("text/"):
        return
    if mime in ("application/octet-stream", "binary/octet-stream") and urlsplit(url).path.lower().endswith(_TEXT_SUFFIXES):
        return  # raw file hosts often label Markdown this way; the decoder still refuses real binaries
    raise ContentError(
        f"{url}: the response is {mime}, not a listing page",
        hint="the analyzer reads HTML, Markdown, plain text or JSON; save the text of the listing and pass the file",
    )


def fetch_page(url: str, session: HttpSession) -> Listing:
    response = session.get(url, accept=ACCEPT, check_type=check_listing_type, use_robots=True)
    if response.status != 200:
        _raise_for_status(url, response.status)
    text = decode_body(response.body, response.content_type, response.url)
    name = urlsplit(response.url).path.rsplit("/", 1)[-1] or urlsplit(response.url).netloc
    return build_remote_listing(
        text, source=url, source_type="url", name_hint=name, content_type=response.content_type,
        canonical_url=response.url, revision=response.etag or response.last_modified, fetched_at=response.fetched_at, metadata=[],
    )


def _raise_for_status(url: str, status: int) -> None:
    from analyzer.errors import FetchError, GatedError, NotFoundError

    if status in (404, 410):
        raise NotFoundError(f"{url}: page not found (HTTP {status})", hint="check the URL")
    if status in (401, 403, 451):
        raise GatedError(f"{url}: access denied (HTTP {status})", hint="the page needs a login or blocks tools; save it from a browser and pass the file")
    raise FetchError(f"{url}: the server answered HTTP {status}", hint="check the URL or try again later")
