"""Politeness and robustness of the HTTP layer, against real servers on 127.0.0.1."""

from __future__ import annotations

import threading
import time
import tracemalloc
import zlib

import pytest
from fetch_support import RawHttpServer, RecordingSleep, _no_fetch_env, fast_config, paths  # noqa: F401
from werkzeug import Request, Response

from analyzer.errors import BlockedURLError, ContentError, FetchError
from analyzer.fetch import fetch_listing
from analyzer.fetch.http import BoundedDecoder, parse_retry_after
from analyzer.fetch.ratelimit import HostRateLimiter

PAGE = "<html><body><h1>Retry Agent</h1><p>It answers questions.</p></body></html>"


def _no_robots(httpserver) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)


# ----------------------------------------------------------------------------- retries


def test_429_with_retry_after_then_success(httpserver, tmp_path):
    _no_robots(httpserver)
    httpserver.expect_oneshot_request("/page").respond_with_data("slow down", status=429, headers={"Retry-After": "7"})
    httpserver.expect_request("/page").respond_with_data(PAGE, content_type="text/html")
    sleep = RecordingSleep()
    # the recorded sleep takes no time; the deadline still has to leave room for the asked-for wait
    listing = fetch_listing(httpserver.url_for("/page"), allow_private=True, config=fast_config(tmp_path, sleep=sleep, total_timeout=30.0))
    assert listing.title == "Retry Agent"
    assert paths(httpserver).count("/page") == 2
    assert len(sleep.waits) == 1 and 7.0 <= sleep.waits[0] < 8.0  # Retry-After honoured, plus a little jitter


def test_retry_after_beyond_the_limit_fails_at_once(httpserver, tmp_path):
    _no_robots(httpserver)
    httpserver.expect_request("/page").respond_with_data("later", status=503, headers={"Retry-After": "3600"})
    with pytest.raises(FetchError, match="asks to wait 3600s"):
        fetch_listing(httpserver.url_for("/page"), allow_private=True, config=fast_config(tmp_path))
    assert paths(httpserver).count("/page") == 1


def test_500s_until_the_retry_budget_ends(httpserver, tmp_path):
    _no_robots(httpserver)
    httpserver.expect_request("/page").respond_with_data("boom", status=500)
    sleep = RecordingSleep()
    with pytest.raises(FetchError, match=r"HTTP 500 on all 3 tries") as exc:
        fetch_listing(httpserver.url_for("/page"), allow_private=True, config=fast_config(tmp_path, max_attempts=3, sleep=sleep))
    assert exc.value.exit_code == 3
    assert paths(httpserver).count("/page") == 3
    assert len(sleep.waits) == 2 and all(0 <= w <= 0.02 for w in sleep.waits)  # jittered, capped backoff


def test_slow_server_times_out(httpserver, tmp_path):
    _no_robots(httpserver)
    release = threading.Event()

    def slow(_request: Request) -> Response:
        release.wait(2)
        return Response(PAGE, content_type="text/html")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    config = fast_config(tmp_path, read_timeout=0.2, max_attempts=2)
    try:
        with pytest.raises(FetchError, match="timed out"):
            fetch_listing(httpserver.url_for("/slow"), allow_private=True, config=config)
    finally:
        release.set()


def test_body_that_drips_past_the_total_deadline_times_out(tmp_path):
    def drip():
        yield b"<html><body><p>"
        for _ in range(12):
            time.sleep(0.05)
            yield b"x"

    with RawHttpServer({"/drip": (200, {"Content-Type": "text/html"}, drip)}) as server:
        config = fast_config(tmp_path, read_timeout=1.0, total_timeout=0.3, max_attempts=1, respect_robots=False)
        with pytest.raises(FetchError, match="timed out"):
            fetch_listing(server.url("/drip"), allow_private=True, config=config)


def test_parse_retry_after_forms():
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


# ----------------------------------------------------------------------------- size caps


def _stream(total: int, chunk: int = 64 * 1024):
    piece = b"a" * chunk
    return lambda: (piece for _ in range(total // chunk))


def _client_peak(url: str, config) -> int:
    """Peak traced memory of one refused fetch (the raw server allocates only its small chunks)."""
    tracemalloc.start()
    try:
        with pytest.raises(ContentError) as exc:
            fetch_listing(url, allow_private=True, config=config)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    pytest.refused_message = str(exc.value)  # type: ignore[attr-defined]
    return peak


@pytest.mark.parametrize("declare_length", [True, False])
def test_50mb_body_is_refused_with_bounded_memory(tmp_path, declare_length):
    size = 50 * 1024 * 1024
    headers = {"Content-Type": "text/plain", **({"Content-Length": str(size)} if declare_length else {})}
    with RawHttpServer({"/huge": (200, headers, _stream(size))}) as server:
        config = fast_config(tmp_path, max_bytes=1024 * 1024, respect_robots=False)  # built before tracing: TLS context
        peak = _client_peak(server.url("/huge"), config)
        assert server.requests == ["/huge"]
    message = pytest.refused_message  # type: ignore[attr-defined]
    assert ("50 MB, over the 1 MB limit" if declare_length else "larger than 1 MB") in message
    assert peak < 4 * 1024 * 1024


def _gzip_bomb(decompressed: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = b"\0" * (1024 * 1024)
    parts = [packer.compress(zeros) for _ in range(decompressed // len(zeros))]
    return b"".join(parts) + packer.flush()


def test_gzip_bomb_is_refused_with_bounded_memory(tmp_path):
    bomb = _gzip_bomb(64 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024  # 64 MB of zeros in well under 1 MB on the wire
    headers = {"Content-Type": "text/html", "Content-Encoding": "gzip", "Content-Length": str(len(bomb))}
    with RawHttpServer({"/bomb": (200, headers, lambda: (bomb[i : i + 65536] for i in range(0, len(bomb), 65536)))}) as server:
        config = fast_config(tmp_path, max_bytes=2 * 1024 * 1024, respect_robots=False)
        peak = _client_peak(server.url("/bomb"), config)
    assert "after decompression" in pytest.refused_message  # type: ignore[attr-defined]
    assert peak < 6 * 1024 * 1024


def test_bounded_decoder_stops_at_the_limit_within_one_chunk():
    bomb = _gzip_bomb(8 * 1024 * 1024)
    decoder = BoundedDecoder("gzip", 1024 * 1024, "test")
    with pytest.raises(ContentError):
        decoder.feed(bomb)  # the whole bomb in one feed still stops near the limit
    assert decoder.total <= 1024 * 1024 + 64 * 1024


def test_unknown_content_encoding_is_refused(httpserver, tmp_path):
    _no_robots(httpserver)
    httpserver.expect_request("/br").respond_with_response(Response(b"\x8b\x00", headers={"Content-Encoding": "br", "Content-Type": "text/html"}))
    with pytest.raises(ContentError, match="unsupported Content-Encoding"):
        fetch_listing(httpserver.url_for("/br"), allow_private=True, config=fast_config(tmp_path))


# ----------------------------------------------------------------------------- redirects


def test_redirect_loop_is_refused(httpserver, tmp_path):
    _no_robots(httpserver)
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    with pytest.raises(FetchError, match="redirect loop") as exc:
        fetch_listing(httpserver.url_for("/a"), allow_private=True, config=fast_config(tmp_path))
    assert exc.value.exit_code == 3
    assert [p for p in paths(httpserver) if p != "/robots.txt"] == ["/a", "/b"]


def test_redirect_limit(httpserver, tmp_path):
    _no_robots(httpserver)
    for i in range(6):
        httpserver.expect_request(f"/r{i}").respond_with_data("", status=301, headers={"Location": f"/r{i + 1}"})
    with pytest.raises(FetchError, match="more than 3 redirects"):
        fetch_listing(httpserver.url_for("/r0"), allow_private=True, config=fast_config(tmp_path, max_redirects=3))
    assert [p for p in paths(httpserver) if p != "/robots.txt"] == ["/r0", "/r1", "/r2", "/r3"]


# ----------------------------------------------------------------------------- robots.txt


def test_robots_disallow_refuses_before_fetching_the_page(httpserver, tmp_path):
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    httpserver.expect_request("/private/listing").respond_with_data(PAGE, content_type="text/html")
    with pytest.raises(BlockedURLError, match="refused by .*/robots.txt") as exc:
        fetch_listing(httpserver.url_for("/private/listing"), allow_private=True, config=fast_config(tmp_path))
    assert exc.value.exit_code == 2
    assert paths(httpserver) == ["/robots.txt"]


def test_robots_group_for_our_agent_applies(httpserver, tmp_path):
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n\nUser-agent: analyzer\nDisallow: /\n")
    with pytest.raises(BlockedURLError):
        fetch_listing(httpserver.url_for("/listing"), allow_private=True, config=fast_config(tmp_path))


def test_robots_allow_and_server_error(httpserver, tmp_path):
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /private/\n")
    httpserver.expect_request("/public").respond_with_data(PAGE, content_type="text/html")
    assert fetch_listing(httpserver.url_for("/public"), allow_private=True, config=fast_config(tmp_path)).title == "Retry Agent"
    httpserver.clear()
    httpserver.expect_request("/robots.txt").respond_with_data("oops", status=500)
    with pytest.raises(BlockedURLError, match="disallow-all"):
        fetch_listing(httpserver.url_for("/public"), allow_private=True, config=fast_config(tmp_path, max_attempts=1), use_cache=False)
    assert "/public" not in paths(httpserver)


def test_robots_is_ignored_when_disabled(httpserver, tmp_path):
    httpserver.expect_request("/public").respond_with_data(PAGE, content_type="text/html")
    fetch_listing(httpserver.url_for("/public"), allow_private=True, config=fast_config(tmp_path, respect_robots=False))
    assert paths(httpserver) == ["/public"]


# ----------------------------------------------------------------------------- cache


def _etag_page(request: Request) -> Response:
    if request.headers.get("If-None-Match") == '"v1"':
        return Response(status=304, headers={"ETag": '"v1"'})
    return Response(PAGE, content_type="text/html", headers={"ETag": '"v1"', "Last-Modified": "Tue, 01 Apr 2025 10:00:00 GMT"})


def test_cache_hit_then_304_revalidation(httpserver, tmp_path):
    httpserver.expect_request("/cached").respond_with_handler(_etag_page)
    config = fast_config(tmp_path, respect_robots=False)
    url = httpserver.url_for("/cached")

    first = fetch_listing(url, allow_private=True, config=config)
    second = fetch_listing(url, allow_private=True, config=config)
    assert len(httpserver.log) == 1, "a fresh cache entry is used without a request"
    assert second.text == first.text and second.revision == '"v1"' and second.fetched_at == first.fetched_at

    third = fetch_listing(url, allow_private=True, config=config, refresh=True)
    assert len(httpserver.log) == 2
    revalidation, answer = httpserver.log[1]
    assert revalidation.headers["If-None-Match"] == '"v1"'
    assert revalidation.headers["If-Modified-Since"] == "Tue, 01 Apr 2025 10:00:00 GMT"
    assert answer.status_code == 304
    assert third.text == first.text and third.content_hash == first.content_hash
    assert third.fetched_at > first.fetched_at


def test_stale_entry_is_revalidated_and_no_cache_bypasses(httpserver, tmp_path):
    httpserver.expect_request("/cached").respond_with_handler(_etag_page)
    url = httpserver.url_for("/cached")
    fetch_listing(url, allow_private=True, config=fast_config(tmp_path, respect_robots=False))
    fetch_listing(url, allow_private=True, config=fast_config(tmp_path, respect_robots=False, cache_ttl=0))
    assert httpserver.log[1][0].headers.get("If-None-Match") == '"v1"'
    fetch_listing(url, allow_private=True, config=fast_config(tmp_path, respect_robots=False), use_cache=False)
    assert len(httpserver.log) == 3 and "If-None-Match" not in httpserver.log[2][0].headers


# ----------------------------------------------------------------------------- rate limit


def test_rate_limiter_spaces_requests_per_host(monkeypatch):
    import analyzer.fetch.ratelimit as ratelimit

    slept: list[float] = []
    monkeypatch.setattr(ratelimit.time, "sleep", slept.append)
    clock = iter([100.0, 100.0, 100.0, 100.0])
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: next(clock))
    limiter = HostRateLimiter()
    limiter.wait("a.example", 2.0)
    limiter.wait("a.example", 2.0)
    limiter.wait("b.example", 2.0)
    limiter.set_delay("a.example", 5.0)
    limiter.wait("a.example", 2.0)
    assert slept == [2.0, 4.0]  # second a: one interval; b: no wait; third a: queued behind the second, now 5 s apart
