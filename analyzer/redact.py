"""Credentials out of URLs before they reach a message, log, cache key or report.

`--base-url https://user:secret@host/v1?api-key=...` is a real way to pass a key to some gateways; the
URL is still worth showing (which endpoint failed), without the secret.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_SECRET_NAMES = re.compile(r"key|token|secret|passw|pwd|auth|sig|credential|session", re.IGNORECASE)
MASK = "***"


def redact_url(url: str) -> str:
    """The URL with any user name/password and secret-looking query values replaced by ***."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            query = urlencode([(k, MASK if _SECRET_NAMES.search(k) else v) for k, v in pairs], safe="*")
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        return MASK  # not parseable: show nothing of it rather than a secret


def url_secrets(url: str | None) -> list[str]:
    """The secret parts of a URL (password, user name, secret-looking query values), to scrub from any text."""
    if not url:
        return []
    try:
        parts = urlsplit(url)
        found = [p for p in (parts.password, parts.username) if p]
        found += [v for k, v in parse_qsl(parts.query, keep_blank_values=True) if _SECRET_NAMES.search(k) and v]
    except ValueError:
        return []
    return [f for f in found if len(f) >= 4]


def scrub(text: str, secrets: list[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


__all__ = ["redact_url", "scrub", "url_secrets"]
