"""Fetch a listing from a URL: Hugging Face, GitHub, or any web page — guarded, polite and cached.

    from analyzer.fetch import fetch_listing
    listing = fetch_listing("https://huggingface.co/ORG/MODEL")

Every request passes the SSRF guard (guard.py) unless `allow_private=True`, is rate-limited per host,
retried on transient failures, size-capped, and cached with conditional revalidation (`use_cache`,
`refresh`). `afetch_listing` is the same for asyncio code (runs in a worker thread).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analyzer.fetch.config import FetchConfig
    from analyzer.fetch.github import GithubTarget
    from analyzer.fetch.http import HttpSession
    from analyzer.fetch.huggingface import HfTarget
    from analyzer.models import Listing

log = logging.getLogger("analyzer.fetch")

# The HTTP stack loads only when something is fetched: `analyzer.fetch.local` (reading a file) is a
# submodule of this package, and an offline analysis must not import httpx for it (PEP 562).
_LAZY = {
    "DEFAULT_GITHUB_API": "analyzer.fetch.config",
    "DEFAULT_HF_ENDPOINT": "analyzer.fetch.config",
    "FetchConfig": "analyzer.fetch.config",
    "GithubTarget": "analyzer.fetch.github",
    "HfTarget": "analyzer.fetch.huggingface",
    "HttpSession": "analyzer.fetch.http",
    "blocked_reason": "analyzer.fetch.guard",
    "check_scheme": "analyzer.fetch.guard",
    "pin_url": "analyzer.fetch.guard",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'analyzer.fetch' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(module), name)


__all__ = [
    "DEFAULT_GITHUB_API",
    "DEFAULT_HF_ENDPOINT",
    "FetchConfig",
    "GithubTarget",
    "HfTarget",
    "HttpSession",
    "afetch_listing",
    "blocked_reason",
    "check_scheme",
    "classify_url",
    "fetch_listing",
    "pin_url",
]


def classify_url(url: str, config: FetchConfig | None = None) -> HfTarget | GithubTarget | None:
    """Which source a URL belongs to: a Hub repo, a GitHub repo, or None for a generic page."""
    from analyzer.fetch.config import FetchConfig
    from analyzer.fetch.github import parse_github_url
    from analyzer.fetch.huggingface import parse_hf_url

    config = config or FetchConfig.from_env()
    return parse_hf_url(url, config) or parse_github_url(url, config)


def fetch_listing(
    url: str,
    *,
    allow_private: bool = False,
    use_cache: bool = True,
    refresh: bool = False,
    config: FetchConfig | None = None,
) -> Listing:
    """Fetch a URL and parse it into a Listing.

    Raises BlockedURLError (scheme, private address, robots.txt), NotFoundError, GatedError,
    ContentError (wrong type, too large, undecodable) or FetchError (network, retries exhausted).
    """
    from analyzer.fetch.config import FetchConfig
    from analyzer.fetch.github import GithubTarget, fetch_github
    from analyzer.fetch.guard import check_scheme
    from analyzer.fetch.http import HttpSession
    from analyzer.fetch.huggingface import HfTarget, fetch_hf
    from analyzer.fetch.web import fetch_page

    url = url.strip()
    check_scheme(url)
    config = config or FetchConfig.from_env()
    target = classify_url(url, config)
    with HttpSession(config, allow_private=allow_private, use_cache=use_cache, refresh=refresh) as session:
        if isinstance(target, HfTarget):
            log.info("fetching Hugging Face %s %s", target.repo_type, target.repo_id)
            return fetch_hf(target, url, session)
        if isinstance(target, GithubTarget):
            log.info("fetching GitHub %s/%s", target.owner, target.repo)
            return fetch_github(target, url, session)
        log.info("fetching %s", url)
        return fetch_page(url, session)


async def afetch_listing(
    url: str,
    *,
    allow_private: bool = False,
    use_cache: bool = True,
    refresh: bool = False,
    config: FetchConfig | None = None,
) -> Listing:
    """`fetch_listing` for asyncio: bound concurrency with a semaphore around it; per-host spacing still holds."""
    import asyncio  # not at module level: reading a local file imports this package, and asyncio costs ~18 ms

    return await asyncio.to_thread(fetch_listing, url, allow_private=allow_private, use_cache=use_cache, refresh=refresh, config=config)
