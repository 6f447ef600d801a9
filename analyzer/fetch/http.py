"""The guarded, polite HTTP client every remote source goes through.

One `HttpSession` per fetch: for each hop it runs the SSRF guard (pinned address), robots.txt when asked,
the per-host rate limit, then a streamed GET with timeouts, a cap on decoded bytes (we decode gzip/deflate
ourselves with a bounded output, so a gzip bomb never inflates past the cap), retries (tenacity) on
connection errors, timeouts, 429 and 5xx honouring Retry-After, and manual redirects re-checked hop by hop.
Successful responses go through the conditional cache (httpcache.py).

The whole fetch has one deadline (`FetchConfig.total_timeout`, from the session's first request): every
socket operation gets at most the time left (analyzer.deadline, the same primitive the LLM client uses),
and retry and rate-limit waits are cut to it, so a server that drips its headers or body one byte at a
time, or keeps failing, cannot extend it. HTTP goes through httpx2, the stack the openai SDK uses.
"""

from __future__ import annotations

import functools
import logging
import posixpath
import random
import ssl
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import httpx2
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from analyzer.retry_after import parse_retry_after
from analyzer.deadline import RequestBudget, active_budget, deadline_transport
from analyzer.errors import ContentError, FetchError, UnreachableError
from analyzer.fetch.config import FetchConfig
from analyzer.fetch.guard import PinnedURL, pin_url
from analyzer.fetch.httpcache import CachedResponse, HttpCache
from analyzer.fetch.ratelimit import LIMITER

log = logging.getLogger("analyzer.fetch")

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_ERROR_BODY_BYTES = 64 * 1024
_DECODE_STEP = 64 * 1024  # most decoded bytes produced per zlib call: bounds memory on bombs
_RAW_CHUNK = 16 * 1024

ContentCheck = Callable[[str | None, str], None]  # (content type, url) -> raise ContentError to refuse


@dataclass
class HttpResponse:
    url: str  # the final URL, after redirects
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes
    fetched_at: datetime
    from_cache: bool = False
    revalidated: bool = False

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Auth:
    """A credential header sent only to one origin (never to a redirect target elsewhere)."""

    origin: tuple[str, str, int]
    value: str = field(repr=False)
    paths: tuple[str, ...] = ()  # when set, only URLs whose path starts with one of these get it

    @classmethod
    def bearer(cls, base_url: str, token: str, *, paths: tuple[str, ...] = ()) -> Auth:
        return cls(origin=origin_of(base_url), value=f"Bearer {token}", paths=paths)

    def applies_to(self, url: str) -> bool:
        if origin_of(url) != self.origin:
            return False
        if not self.paths:
            return True
        path = posixpath.normpath(unquote(urlsplit(url).path) or "/")
        return any(path == p.rstrip("/") or path.startswith(p.rstrip("/") + "/") for p in self.paths)


class _RetryableStatus(Exception):
    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


def origin_of(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or (443 if scheme == "https" else 80)


def _rate_limit_wait(headers: httpx2.Headers) -> float | None:
    """Retry-After, or GitHub's X-RateLimit-Reset when the quota is used up."""
    retry_after = parse_retry_after(headers.get("retry-after"))
    if retry_after is not None:
        return retry_after
    if headers.get("x-ratelimit-remaining") == "0" and (reset := headers.get("x-ratelimit-reset", "")).isdigit():
        return max(0.0, int(reset) - time.time())
    return None


class BoundedDecoder:
    """Content-Encoding decoder whose output never exceeds `limit` bytes in total."""

    def __init__(self, encoding: str | None, limit: int, url: str) -> None:
        codings = [c.strip().lower() for c in (encoding or "").split(",") if c.strip() and c.strip().lower() != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise ContentError(f"{url}: unsupported Content-Encoding {encoding!r}", hint="the server ignored our Accept-Encoding; save the page and pass the file")
        self.coding = codings[0] if codings else None
        self.limit = limit
        self.url = url
        self.total = 0
        self._z = self._new()
        self._started = False

    def _new(self) -> zlib._Decompress | None:
        if self.coding in ("gzip", "x-gzip"):
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        if self.coding == "deflate":
            return zlib.decompressobj()
        return None

    def feed(self, data: bytes) -> bytes:
        if self._z is None:
            return self._count(data)
        out = bytearray()
        pending = data
        while pending:
            try:
                piece = self._z.decompress(pending, _DECODE_STEP)
            except zlib.error:
                if self.coding == "deflate" and not self._started:
                    self._z = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as some servers send
                    self._started = True
                    continue
                raise ContentError(f"{self.url}: the compressed body is corrupt", hint="try again later or save the page and pass the file") from None
            self._started = True
            out += self._count(piece)
            if self._z.unconsumed_tail:
                pending = self._z.unconsumed_tail
            elif self._z.eof and self._z.unused_data:
                pending = self._z.unused_data  # another gzip member follows
                self._z = self._new()
            else:
                pending = b""
        return bytes(out)

    def _count(self, piece: bytes) -> bytes:
        self.total += len(piece)
        if self.total > self.limit:
            raise ContentError(
                f"{self.url}: the response is larger than {_mb(self.limit)} (after decompression)",
                hint="a listing is one page; pass the model card or README, not a download",
            )
        return piece


def _mb(n: int) -> str:
    return f"{n / 1_048_576:g} MB"


class HttpSession:
    """Guarded GETs for one fetch. Use as a context manager so its connections are closed."""

    def __init__(self, config: FetchConfig, *, allow_private: bool = False, use_cache: bool = True, refresh: bool = False) -> None:
        self.config = config
        self.allow_private = allow_private
        self.use_cache = use_cache
        self.refresh = refresh
        self._cache = HttpCache(config.cache_path) if use_cache else None
        self._clients: dict[tuple[str, str, int, str], httpx2.Client] = {}
        self._deadline: RequestBudget | None = None  # started by the first request: bounds the whole fetch
        from analyzer.fetch.robots import RobotsPolicy

        self.robots = RobotsPolicy(self)

    def __enter__(self) -> HttpSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()

    # ------------------------------------------------------------------ public

    def get(
        self,
        url: str,
        *,
        accept: str = "*/*",
        headers: dict[str, str] | None = None,
        auth: Auth | None = None,
        max_bytes: int | None = None,
        check_type: ContentCheck | None = None,
        use_robots: bool = False,
        cache_ttl: float | None = None,
    ) -> HttpResponse:
        """GET a URL: cached, guarded, redirect-checked. Returns the final response of any status."""
        url = _strip_fragment(url.strip())
        key = HttpCache.key(url, accept)
        cached = self._cache.get(key) if self._cache else None
        ttl = self.config.cache_ttl if cache_ttl is None else cache_ttl
        if cached is not None and not self.refresh and cached.age() < ttl:
            log.debug("cache hit %s", url)
            return _from_cache(cached, revalidated=False)
        with self._budget(url):
            response = self._follow(url, accept, headers or {}, auth, max_bytes or self.config.max_bytes, check_type, use_robots, cached)
        if response.status == 304 and cached is not None:
            log.debug("revalidated %s", url)
            fresh = _from_cache(self._cache.touch(key, cached) if self._cache else cached, revalidated=True)
            fresh.fetched_at = datetime.now(UTC)  # the server just confirmed this is the current content
            return fresh
        if response.status == 304:
            raise FetchError(f"{url}: the server answered 304 Not Modified to a plain request", hint="re-run with --no-cache")
        if response.status == 200 and self._cache is not None:
            self._cache.put(
                key,
                CachedResponse(
                    url=response.url, content_type=response.content_type, etag=response.etag, last_modified=response.last_modified,
                    body=response.body, fetched_at=response.fetched_at, validated_at=time.time(),
                ),
            )
        return response

    def remaining(self) -> float:
        """Seconds left of this fetch's deadline (the whole total_timeout before the first request)."""
        return self.config.total_timeout if self._deadline is None else self._deadline.remaining()

    @contextmanager
    def _budget(self, url: str) -> Iterator[None]:
        if self._deadline is None:
            self._deadline = RequestBudget(seconds=self.config.total_timeout)
        if self._deadline.remaining() <= 0:
            raise UnreachableError(
                f"{url}: the fetch deadline of {self.config.total_timeout:g}s has passed",
                hint="the server is slow or unreachable; try again later (ANALYZER_FETCH_TIMEOUT sets the limits)",
            )
        if active_budget() is self._deadline:  # robots.txt fetched from inside a page's get()
            yield
            return
        with self._deadline:
            yield

    # ------------------------------------------------------------------ redirects

    def _follow(
        self,
        url: str,
        accept: str,
        headers: dict[str, str],
        auth: Auth | None,
        max_bytes: int,
        check_type: ContentCheck | None,
        use_robots: bool,
        cached: CachedResponse | None,
    ) -> HttpResponse:
        current = url
        seen = {url}
        for _hop in range(self.config.max_redirects + 1):
            pinned = pin_url(current, allow_private=self.allow_private, resolver=self.config.resolver, allowed_hosts=self.config.allowed_hosts)
            if use_robots:
                self.robots.check(current)
            hop_headers = {"Accept": accept, **headers}
            if auth is not None and auth.applies_to(current):
                hop_headers["Authorization"] = auth.value
            if cached is not None and cached.url == current:
                hop_headers.update(cached.conditional_headers())
            response = self._with_retries(pinned, hop_headers, max_bytes, check_type)
            if response.status not in REDIRECT_STATUSES:
                return response
            location = response.header("location")
            if not location:
                raise FetchError(f"{current}: HTTP {response.status} redirect without a Location header", hint="the server is misconfigured; try the final URL directly")
            following = _strip_fragment(urljoin(current, location.strip()))
            if following in seen:
                raise FetchError(f"{url}: redirect loop ({current} → {following})", hint="the site redirects in a circle; open it in a browser to find the real page")
            log.debug("redirect %s -> %s", current, following)
            seen.add(following)
            current = following
        raise FetchError(f"{url}: more than {self.config.max_redirects} redirects", hint="the site redirects too often; pass the final URL")

    # ------------------------------------------------------------------ retries

    def _with_retries(self, pinned: PinnedURL, headers: dict[str, str], max_bytes: int, check_type: ContentCheck | None) -> HttpResponse:
        cfg = self.config
        jitter = wait_random_exponential(multiplier=cfg.backoff_base, max=cfg.backoff_max)

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, _RetryableStatus) and exc.retry_after is not None:
                return exc.retry_after + random.uniform(0, min(1.0, cfg.backoff_base))
            return jitter(state)

        def out_of_time(state: RetryCallState) -> bool:
            # A wait that would end past the deadline is not worth starting: fail with the last error now.
            return self.remaining() <= (state.upcoming_sleep or 0.0)

        retrying = Retrying(
            retry=retry_if_exception_type((httpx2.TransportError, _RetryableStatus)),
            stop=stop_after_attempt(max(1, cfg.max_attempts)) | out_of_time,
            wait=wait,
            sleep=cfg.sleep or time.sleep,
            reraise=True,
        )
        try:
            return retrying(self._attempt, pinned, headers, max_bytes, check_type)
        except _RetryableStatus as exc:
            hint = "the server is rate-limiting; wait and try again" if exc.status == 429 else "the server is failing; try again later"
            tries = int(retrying.statistics.get("attempt_number", cfg.max_attempts))
            if tries < cfg.max_attempts:
                raise FetchError(f"{pinned.url}: HTTP {exc.status} on {tries} of {cfg.max_attempts} tries; no time left for another within the {cfg.total_timeout:g}s fetch deadline", hint=hint) from None
            raise FetchError(f"{pinned.url}: HTTP {exc.status} on all {cfg.max_attempts} tries", hint=hint) from None
        except httpx2.TimeoutException:
            raise UnreachableError(
                f"{pinned.url}: timed out (limits: {cfg.read_timeout:g}s per read, {cfg.total_timeout:g}s for the whole fetch, retries included)",
                hint="the server is slow or unreachable; try again later",
            ) from None
        except httpx2.TransportError as exc:
            raise UnreachableError(f"{pinned.url}: cannot get a response from {pinned.netloc} ({type(exc).__name__}: {exc})", hint="check the URL and your network") from None

    def _attempt(self, pinned: PinnedURL, headers: dict[str, str], max_bytes: int, check_type: ContentCheck | None) -> HttpResponse:
        LIMITER.wait(pinned.netloc, self.config.min_interval, limit=max(0.0, self.remaining()))
        addresses = pinned.addresses or (pinned.address,)
        for index, address in enumerate(addresses):
            try:
                return self._exchange(pinned, address, headers, max_bytes, check_type)
            except httpx2.ConnectError:
                if index == len(addresses) - 1:
                    raise
                log.debug("cannot connect to %s at %s; trying the next validated address", pinned.host, address)
        raise AssertionError("unreachable")

    def _exchange(self, pinned: PinnedURL, address: str, headers: dict[str, str], max_bytes: int, check_type: ContentCheck | None) -> HttpResponse:
        cfg = self.config
        client = self._client(pinned, address)
        target = httpx2.URL(pinned.url).copy_with(host=address)
        extensions = {"sni_hostname": pinned.host} if pinned.scheme == "https" else {}
        log.debug("GET %s (connect %s)", pinned.url, address)
        with client.stream("GET", target, headers={"Host": pinned.netloc, **headers}, extensions=extensions) as r:
            status = r.status_code
            if status in RETRYABLE_STATUSES or (status == 403 and _rate_limit_wait(r.headers) is not None):
                wait = _rate_limit_wait(r.headers)
                if wait is not None and wait > cfg.max_retry_after:
                    raise FetchError(
                        f"{pinned.url}: HTTP {status}, and the server asks to wait {wait:.0f}s (over the {cfg.max_retry_after:g}s limit)",
                        hint="rate-limited: try again later, or set a token (HF_TOKEN / GITHUB_TOKEN) for a higher limit",
                    )
                raise _RetryableStatus(status, wait)
            response_headers = {k.lower(): v for k, v in r.headers.items()}
            if status != 200:
                body = self._read(r, pinned.url, _ERROR_BODY_BYTES, truncate=True) if status not in REDIRECT_STATUSES and status != 304 else b""
                return HttpResponse(url=pinned.url, status=status, headers=response_headers, body=body, fetched_at=datetime.now(UTC))
            declared = r.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise ContentError(
                    f"{pinned.url}: the response is {_mb(int(declared))}, over the {_mb(max_bytes)} limit",
                    hint="a listing is one page; pass the model card or README, not a download",
                )
            if check_type is not None:
                check_type(r.headers.get("content-type"), pinned.url)
            body = self._read(r, pinned.url, max_bytes)
            return HttpResponse(url=pinned.url, status=status, headers=response_headers, body=body, fetched_at=datetime.now(UTC))

    def _read(self, r: httpx2.Response, url: str, limit: int, *, truncate: bool = False) -> bytes:
        decoder = BoundedDecoder(r.headers.get("content-encoding"), limit, url)
        body = bytearray()
        try:
            for chunk in r.iter_raw(_RAW_CHUNK):  # each read bounded by the fetch deadline (analyzer.deadline)
                body += decoder.feed(chunk)
        except ContentError:
            if truncate:
                return bytes(body)
            raise
        return bytes(body)

    def _client(self, pinned: PinnedURL, address: str) -> httpx2.Client:
        # One client per (origin, pinned address): a pooled connection is never reused for another host
        # name, so the TLS server name always matches the Host header.
        key = (pinned.scheme, pinned.host, pinned.port, address)
        client = self._clients.get(key)
        if client is None:
            cfg = self.config
            client = httpx2.Client(
                transport=cfg.transport or deadline_transport(retries=0, verify=_ssl_context()),
                timeout=httpx2.Timeout(cfg.read_timeout, connect=cfg.connect_timeout),
                follow_redirects=False,
                trust_env=False,  # an env proxy would resolve names itself and bypass the pinned address
                headers={"User-Agent": cfg.user_agent, "Accept-Encoding": "gzip, deflate"},
            )
            self._clients[key] = client
        return client


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per process: loading the CA bundle per client costs ~10 MB and milliseconds."""
    return httpx2.create_ssl_context()


def _from_cache(entry: CachedResponse, *, revalidated: bool) -> HttpResponse:
    headers = {k: v for k, v in (("content-type", entry.content_type), ("etag", entry.etag), ("last-modified", entry.last_modified)) if v}
    return HttpResponse(url=entry.url, status=200, headers=headers, body=entry.body, fetched_at=entry.fetched_at, from_cache=True, revalidated=revalidated)


def _strip_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(fragment="")) if parts.fragment else url


__all__ = ["Auth", "BoundedDecoder", "HttpResponse", "HttpSession", "origin_of", "parse_retry_after"]
