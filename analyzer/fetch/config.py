"""FetchConfig: every knob of the fetcher in one immutable object (endpoints, tokens, limits, hooks).

`FetchConfig.from_env()` reads the same variables as the Hub's and GitHub's own tools, so a mirror,
an Enterprise server or a test server on 127.0.0.1 runs the production code unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from analyzer import __version__
from analyzer.fetch.guard import Resolver

if TYPE_CHECKING:
    import httpx2

DEFAULT_HF_ENDPOINT = "https://huggingface.co"
DEFAULT_GITHUB_API = "https://api.github.com"
USER_AGENT = f"analyzer/{__version__} (AI listing threat-model tool; +https://pypi.org/project/agentic-threat-analyzer/)"
ROBOTS_AGENT = "analyzer"  # the product token robots.txt groups are matched against


@dataclass(frozen=True)
class FetchConfig:
    hf_endpoint: str = DEFAULT_HF_ENDPOINT
    hf_token: str | None = field(default=None, repr=False)
    github_api: str = DEFAULT_GITHUB_API
    github_token: str | None = field(default=None, repr=False)
    user_agent: str = USER_AGENT
    robots_agent: str = ROBOTS_AGENT
    respect_robots: bool = True
    # time limits, seconds: per connect / per read of one chunk / the whole fetch (every request, redirect,
    # retry and wait of one listing: analyzer.deadline bounds each socket operation by the time left)
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    # size limits, bytes of the *decoded* body (so a gzip bomb stops at the same point as a huge page)
    max_bytes: int = 5 * 1024 * 1024
    max_api_bytes: int = 10 * 1024 * 1024
    max_robots_bytes: int = 512 * 1024
    max_redirects: int = 5
    # retries: connection errors, timeouts, 429 and 5xx; exponential backoff with full jitter
    max_attempts: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    max_retry_after: float = 60.0  # a longer Retry-After fails at once with a clear message
    min_interval: float = 0.5  # per-host spacing between requests; robots.txt Crawl-delay can raise it
    max_crawl_delay: float = 10.0
    cache_ttl: float = 3600.0  # younger cache entries are used without asking the server
    robots_ttl: float = 86400.0
    cache_path: Path | None = None  # None: analyzer.cache.cache_dir()/cache.sqlite3
    allowed_hosts: frozenset[str] = frozenset()  # names exempt from the private-address rule
    resolver: Resolver | None = field(default=None, repr=False)  # None: the OS resolver
    transport: httpx2.BaseTransport | None = field(default=None, repr=False)  # tests: count or forbid traffic
    sleep: Callable[[float], None] | None = field(default=None, repr=False)  # retry waits; None: time.sleep

    @classmethod
    def from_env(cls, **overrides: object) -> FetchConfig:
        env = os.environ
        values: dict[str, object] = {
            "hf_endpoint": (env.get("HF_ENDPOINT") or DEFAULT_HF_ENDPOINT).rstrip("/"),
            "hf_token": env.get("HF_TOKEN") or env.get("HUGGING_FACE_HUB_TOKEN") or None,
            "github_api": (env.get("ANALYZER_GITHUB_API") or DEFAULT_GITHUB_API).rstrip("/"),
            "github_token": env.get("GITHUB_TOKEN") or env.get("GH_TOKEN") or None,
        }
        if timeout := _positive(env.get("ANALYZER_FETCH_TIMEOUT"), "ANALYZER_FETCH_TIMEOUT"):
            values.update(connect_timeout=timeout, read_timeout=timeout, total_timeout=max(timeout * 3, timeout))
        if retries := _positive(env.get("ANALYZER_FETCH_RETRIES"), "ANALYZER_FETCH_RETRIES", integer=True):
            values["max_attempts"] = int(retries)
        hosts = env.get("ANALYZER_ALLOW_HOSTS")
        if hosts:
            values["allowed_hosts"] = frozenset(h.strip().lower() for h in hosts.split(",") if h.strip())
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> FetchConfig:
        return replace(self, **changes)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ which hosts mean which source

    def hf_hosts(self) -> set[str]:
        hosts = {"huggingface.co", "www.huggingface.co", "hf.co"}
        if self.hf_endpoint.rstrip("/") != DEFAULT_HF_ENDPOINT:
            hosts.add(_netloc(self.hf_endpoint))
        return hosts

    def github_web_hosts(self) -> set[str]:
        hosts = {"github.com", "www.github.com"}
        if self.github_api.rstrip("/") != DEFAULT_GITHUB_API:
            api = _netloc(self.github_api)
            # api.example.com serves example.com; GitHub Enterprise serves the API under host/api/v3
            hosts.add(api[4:] if api.startswith("api.") else api)
        return hosts

    def github_web_base(self) -> str:
        if self.github_api.rstrip("/") == DEFAULT_GITHUB_API:
            return "https://github.com"
        parts = urlsplit(self.github_api)
        host = parts.netloc[4:] if parts.netloc.startswith("api.") else parts.netloc
        return f"{parts.scheme}://{host}"


def _positive(raw: str | None, name: str, *, integer: bool = False) -> float | None:
    if raw is None or not raw.strip():
        return None
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        value = -1
    if value <= 0:
        from analyzer.errors import ConfigError

        raise ConfigError(f"{name}={raw!r} is not a positive {'integer' if integer else 'number'}", hint=f"set {name} to e.g. {'3' if integer else '20'}, or unset it")
    return float(value)


def _netloc(url: str) -> str:
    return urlsplit(url).netloc.lower()
