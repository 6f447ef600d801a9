"""robots.txt for generic web pages (RFC 9309, parsed by protego), cached per origin.

Hub and GitHub API calls are not crawling and skip this. Outcomes by status, as the RFC says:
2xx → obey the rules; 4xx → no rules (allow); 5xx or unreachable → disallow everything.
A Crawl-delay raises the per-host spacing of the rate limiter.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from protego import Protego

from analyzer.cache import SqliteCache
from analyzer.errors import BlockedURLError, ContentError, FetchError, UnreachableError
from analyzer.fetch.ratelimit import LIMITER

if TYPE_CHECKING:
    from analyzer.fetch.http import HttpSession

log = logging.getLogger("analyzer.fetch")
_NAMESPACE = "fetch_robots_v1"
_ALLOW_ALL = ""
_DISALLOW_ALL = "User-agent: *\nDisallow: /\n"


class RobotsPolicy:
    def __init__(self, session: HttpSession) -> None:
        self._session = session
        self._parsed: dict[str, tuple[Protego, str | None]] = {}

    def check(self, url: str) -> None:
        """Raise BlockedURLError when the site's robots.txt disallows our agent from this URL."""
        cfg = self._session.config
        if not cfg.respect_robots:
            return
        parts = urlsplit(url)
        if parts.path in ("/robots.txt", ""):
            return
        origin = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), "", "", ""))
        rules, problem = self._rules(origin)
        if not rules.can_fetch(url, cfg.robots_agent):
            why = f" ({problem})" if problem else ""
            raise BlockedURLError(
                f"{url}: refused by {origin}/robots.txt{why}",
                hint="the site asks automated tools not to fetch this page; save it from a browser and pass the file",
            )
        delay = rules.crawl_delay(cfg.robots_agent)
        if delay:
            LIMITER.set_delay(parts.netloc.lower(), min(float(delay), cfg.max_crawl_delay))

    def _rules(self, origin: str) -> tuple[Protego, str | None]:
        if origin not in self._parsed:
            text, problem = self._cached(origin)
            self._parsed[origin] = (Protego.parse(text), problem)
        return self._parsed[origin]

    def _cached(self, origin: str) -> tuple[str, str | None]:
        """A decision read within robots_ttl is reused, including 'no robots.txt' (404s are not HTTP-cached)."""
        session = self._session
        store = SqliteCache(_NAMESPACE, session.config.cache_path) if session.use_cache else None
        entry = store.get(origin) if store and not session.refresh else None
        try:
            age = time.time() - float(entry.get("stored_at", 0)) if isinstance(entry, dict) else -1.0
        except (TypeError, ValueError):
            age = -1.0  # a damaged entry is a miss
        if isinstance(entry, dict) and 0 <= age < session.config.robots_ttl:  # a future date is stale
            return str(entry.get("text", "")), None
        text, problem = self._download(origin)
        if store is not None and problem is None:  # failures are not remembered: the next run asks again
            store.put(origin, {"text": text, "stored_at": time.time()})
        return text, problem

    def _download(self, origin: str) -> tuple[str, str | None]:
        cfg = self._session.config
        url = f"{origin}/robots.txt"
        try:
            response = self._session.get(url, accept="text/plain, */*;q=0.5", max_bytes=cfg.max_robots_bytes, cache_ttl=cfg.robots_ttl)
        except BlockedURLError:
            raise
        except ContentError:
            return _ALLOW_ALL, None  # an oversized or odd robots.txt: RFC 9309 lets us use what we could read
        except UnreachableError as exc:  # a dead or silent server is a fetch failure (exit 3), not a robots.txt refusal
            raise UnreachableError(exc.message.replace(f"{url}: ", f"{origin}: ", 1), hint=exc.hint) from None
        except FetchError as exc:
            log.info("robots.txt unreachable at %s: %s", origin, exc.message)
            return _DISALLOW_ALL, "robots.txt could not be read, which RFC 9309 treats as disallow-all"
        if 200 <= response.status < 300:
            return response.body.decode("utf-8", errors="replace"), None
        if 400 <= response.status < 500:
            return _ALLOW_ALL, None
        return _DISALLOW_ALL, f"robots.txt answered HTTP {response.status}, which RFC 9309 treats as disallow-all"
