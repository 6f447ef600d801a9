"""Rate limits for the batch runner: a token bucket, LLM requests+tokens per minute, per-host fetching.

The buckets refill continuously, which is how the OpenAI limits behave too: a bucket of N per minute
holds at most N and gains N/60 each second. A request may be charged more than its estimate afterwards
(the bucket goes into debt and later callers wait) or refunded (a cache hit made no request).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from urllib.parse import urlsplit


class TokenBucket:
    """`rate_per_minute` units per minute, at most `capacity` (default one minute's worth) saved up."""

    def __init__(self, rate_per_minute: float, *, capacity: float | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        if rate_per_minute <= 0:
            raise ValueError("rate_per_minute must be positive")
        self.rate = rate_per_minute / 60.0  # units per second
        self.capacity = float(capacity if capacity is not None else rate_per_minute)
        self._clock = clock
        self._level = self.capacity
        self._stamp = clock()
        self._lock = asyncio.Lock()  # FIFO: waiters are served in arrival order

    @property
    def level(self) -> float:
        self._refill()
        return self._level

    def _refill(self) -> None:
        now = self._clock()
        self._level = min(self.capacity, self._level + (now - self._stamp) * self.rate)
        self._stamp = now

    def wait_time(self, amount: float) -> float:
        """Seconds until `amount` can be taken (an amount over capacity waits for a full bucket)."""
        self._refill()
        needed = min(amount, self.capacity)
        return 0.0 if self._level >= needed else (needed - self._level) / self.rate

    async def acquire(self, amount: float = 1.0) -> None:
        async with self._lock:
            while (delay := self.wait_time(amount)) > 0:
                await asyncio.sleep(delay)
            self._level -= amount

    def adjust(self, delta: float) -> None:
        """Charge (`delta` > 0, may go into debt) or refund (`delta` < 0) after the fact."""
        self._refill()
        self._level = min(self.capacity, self._level - delta)


class LLMRateLimiter:
    """Requests per minute and tokens per minute; either may be None (unlimited)."""

    def __init__(self, rpm: float | None = None, tpm: float | None = None) -> None:
        self.requests = TokenBucket(rpm) if rpm else None
        self.tokens = TokenBucket(tpm) if tpm else None

    @asynccontextmanager
    async def request(self, estimated_tokens: int) -> AsyncIterator[LLMLease]:
        if self.requests:
            await self.requests.acquire(1)
        if self.tokens:
            await self.tokens.acquire(estimated_tokens)
        lease = LLMLease(self, estimated_tokens)
        yield lease
        lease._settle()


class LLMLease:
    """What one LLM call was charged; call `used(tokens, requests)` once the real usage is known."""

    def __init__(self, limiter: LLMRateLimiter, estimated_tokens: int) -> None:
        self._limiter = limiter
        self._estimate = estimated_tokens
        self._actual_tokens: int | None = None
        self._actual_requests: int | None = None

    def used(self, *, tokens: int | None, requests: int | None = None) -> None:
        self._actual_tokens = tokens
        self._actual_requests = requests

    def _settle(self) -> None:
        if self._limiter.tokens and self._actual_tokens is not None:
            self._limiter.tokens.adjust(self._actual_tokens - self._estimate)
        if self._limiter.requests and self._actual_requests is not None:
            self._limiter.requests.adjust(self._actual_requests - 1)


class HostLimiter:
    """At most `per_host` fetches in flight to one host at a time."""

    def __init__(self, per_host: int) -> None:
        self.per_host = max(1, per_host)
        self._semaphores: dict[str, asyncio.Semaphore] = {}

    def for_url(self, url: str) -> asyncio.Semaphore:
        host = (urlsplit(url).hostname or "").lower()
        if host not in self._semaphores:
            self._semaphores[host] = asyncio.Semaphore(self.per_host)
        return self._semaphores[host]
