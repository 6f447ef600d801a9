"""HTTP response cache on top of analyzer.cache.SqliteCache, with conditional revalidation.

Only complete 200 responses are stored, with the validators the server gave (ETag, Last-Modified).
An entry younger than the TTL is served without a request; an older one (or any with `refresh`) is
revalidated with If-None-Match / If-Modified-Since, and a 304 reuses the stored body. Request headers,
and so tokens, are never stored.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from analyzer.cache import SqliteCache

NAMESPACE = "fetch_http_v1"

_CLOCK_SKEW = 300.0  # seconds an entry may seem to come from the future before it counts as stale


@dataclass
class CachedResponse:
    url: str  # final URL after redirects
    content_type: str | None
    etag: str | None
    last_modified: str | None
    body: bytes
    fetched_at: datetime  # when the body was downloaded (kept across 304s: it is still that body)
    validated_at: float  # epoch seconds of the last download or successful revalidation

    def age(self) -> float:
        """Seconds since the last validation; an entry dated in the future (clock change, tampering) is stale."""
        age = time.time() - self.validated_at
        return age if age >= -_CLOCK_SKEW else float("inf")

    def conditional_headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


class HttpCache:
    def __init__(self, path: Path | None = None) -> None:
        self._store = SqliteCache(NAMESPACE, path)

    @staticmethod
    def key(url: str, accept: str) -> str:
        return f"GET {url} accept={accept}"

    def get(self, key: str) -> CachedResponse | None:
        raw = self._store.get(key)
        if not isinstance(raw, dict):
            return None
        try:
            return CachedResponse(
                url=str(raw["url"]),
                content_type=raw.get("content_type"),
                etag=raw.get("etag"),
                last_modified=raw.get("last_modified"),
                body=base64.b64decode(raw["body_b64"]),
                fetched_at=datetime.fromisoformat(raw["fetched_at"]),
                validated_at=float(raw["validated_at"]),
            )
        except (KeyError, TypeError, ValueError):
            return None  # an entry from another version or a damaged row is a miss

    def put(self, key: str, entry: CachedResponse) -> None:
        self._store.put(
            key,
            {
                "url": entry.url,
                "content_type": entry.content_type,
                "etag": entry.etag,
                "last_modified": entry.last_modified,
                "body_b64": base64.b64encode(entry.body).decode("ascii"),
                "fetched_at": entry.fetched_at.astimezone(UTC).isoformat(),
                "validated_at": entry.validated_at,
            },
        )

    def touch(self, key: str, entry: CachedResponse) -> CachedResponse:
        """Record a successful 304 revalidation."""
        entry.validated_at = time.time()
        self.put(key, entry)
        return entry
