"""Token buckets (LLM requests/tokens per minute), per-host limits and the daemon thread pool."""

from __future__ import annotations

import asyncio
import threading

import pytest

from analyzer.batch.executor import DaemonThreadPool
from analyzer.batch.limits import HostLimiter, LLMRateLimiter, TokenBucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_bucket_starts_full_and_refills_at_its_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(60, clock=clock)  # one per second, 60 saved at most
    assert bucket.wait_time(60) == 0
    bucket._level = 0  # spent
    assert bucket.wait_time(1) == pytest.approx(1.0)
    clock.now = 30
    assert bucket.level == pytest.approx(30)
    clock.now = 1000
    assert bucket.level == pytest.approx(60)  # never more than capacity


def test_bucket_debt_and_refund() -> None:
    clock = FakeClock()
    bucket = TokenBucket(600, clock=clock)  # 10 per second
    bucket.adjust(700)  # a call used more than estimated: 100 in debt
    assert bucket.level == pytest.approx(-100)
    assert bucket.wait_time(1) == pytest.approx(10.1)
    bucket.adjust(-1000)  # a refund cannot overfill the bucket
    assert bucket.level == pytest.approx(600)


def test_amount_over_capacity_waits_for_a_full_bucket_only() -> None:
    clock = FakeClock()
    bucket = TokenBucket(100, clock=clock)
    bucket._level = 50
    assert bucket.wait_time(5000) == pytest.approx(30.0)  # (100 - 50) / (100/60)


def test_acquire_sleeps_until_refilled(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.now += seconds

    monkeypatch.setattr("analyzer.batch.limits.asyncio.sleep", fake_sleep)

    async def scenario() -> float:
        bucket = TokenBucket(1200, clock=clock)  # 20 per second
        bucket._level = 0
        await bucket.acquire(1)
        await bucket.acquire(2)
        return bucket.level

    level = asyncio.run(scenario())
    assert slept == [pytest.approx(0.05), pytest.approx(0.1)]
    assert level == pytest.approx(0.0)


def test_llm_limiter_settles_actual_usage() -> None:
    async def scenario() -> tuple[float, float]:
        limiter = LLMRateLimiter(rpm=10, tpm=10_000)
        async with limiter.request(3000) as lease:
            lease.used(tokens=1000)  # refund 2000 of the estimate
        async with limiter.request(500) as lease:
            lease.used(tokens=0, requests=0)  # a cache hit: no request, no tokens
        assert limiter.requests and limiter.tokens
        return limiter.requests.level, limiter.tokens.level

    requests_left, tokens_left = asyncio.run(scenario())
    assert requests_left == pytest.approx(9, abs=0.01)
    assert tokens_left == pytest.approx(9000, abs=5)


def test_limiter_without_limits_never_waits() -> None:
    async def scenario() -> int:
        limiter = LLMRateLimiter()
        n = 0
        for _ in range(1000):
            async with limiter.request(10**6):
                n += 1
        return n

    assert asyncio.run(scenario()) == 1000


def test_host_limiter_bounds_fetches_per_host() -> None:
    async def scenario() -> dict[str, int]:
        hosts = HostLimiter(2)
        active: dict[str, int] = {}
        peak: dict[str, int] = {}

        async def fetch(url: str) -> None:
            host = url.split("/")[2]
            async with hosts.for_url(url):
                active[host] = active.get(host, 0) + 1
                peak[host] = max(peak.get(host, 0), active[host])
                await asyncio.sleep(0.01)
                active[host] -= 1

        urls = [f"https://a.example/{i}" for i in range(10)] + [f"https://B.example/{i}" for i in range(3)]
        await asyncio.gather(*(fetch(u) for u in urls))
        return peak

    assert asyncio.run(scenario()) == {"a.example": 2, "B.example": 2}


def test_daemon_pool_runs_work_on_daemon_threads_up_to_its_size() -> None:
    pool = DaemonThreadPool(3)
    barrier = threading.Barrier(3, timeout=10)
    seen: set[str] = set()

    def work(i: int) -> int:
        seen.add(threading.current_thread().name)
        assert threading.current_thread().daemon
        barrier.wait()  # all three run at once, or this times out
        return i * 2

    futures = [pool.submit(work, i) for i in range(3)]
    assert [f.result(timeout=10) for f in futures] == [0, 2, 4]
    assert len(seen) == 3
    assert pool.submit(lambda: 7).result(timeout=10) == 7
    pool.shutdown(wait=True)
    with pytest.raises(RuntimeError):
        pool.submit(lambda: 1)


def test_daemon_pool_passes_exceptions_and_cancels_queued_work() -> None:
    pool = DaemonThreadPool(1)
    gate = threading.Event()
    blocker = pool.submit(gate.wait, 10)
    queued = pool.submit(lambda: 1)
    failing = DaemonThreadPool(1).submit(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        failing.result(timeout=10)
    pool.shutdown(wait=False, cancel_futures=True)
    assert queued.cancelled()
    gate.set()
    assert blocker.result(timeout=10) is True
