"""Helpers for the fetch tests: a fast config, a transport that can only ever reach loopback, fixtures."""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import pytest

from analyzer.deadline import deadline_transport
from analyzer.fetch import FetchConfig
from analyzer.fetch.http import _ssl_context

FIXTURES = Path(__file__).parent / "fixtures" / "fetch"


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text("utf-8")


def fixture_json(name: str) -> dict:
    return json.loads(fixture_text(name))


@dataclass
class LoopbackOnlyTransport(httpx2.BaseTransport):
    """Records every request the client tries to send; refuses (and never sends) any not to 127.0.0.0/8.

    The fetcher connects to the pinned IP, so the request URL host is the address actually dialled. If the
    guard ever let a private or public address through, this raises instead of sending traffic.
    """

    sent: list[httpx2.Request] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    inner: httpx2.BaseTransport = field(default_factory=lambda: deadline_transport(retries=0, verify=_ssl_context()))

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        if not _is_loopback_v4(request.url.host):
            self.refused.append(str(request.url))
            raise AssertionError(f"test tried to send traffic to {request.url.host}")
        self.sent.append(request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        pass  # shared by several clients in one session; the inner transport closes at test end


def _is_loopback_v4(host: str) -> bool:
    try:
        return ipaddress.ip_address(host) in ipaddress.ip_network("127.0.0.0/8")
    except ValueError:
        return False


@dataclass
class RecordingSleep:
    waits: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def fast_config(tmp_path: Path, **overrides: object) -> FetchConfig:
    """Production defaults with tiny time limits and no real sleeping between retries."""
    values: dict[str, object] = dict(
        cache_path=tmp_path / "fetch-cache.sqlite3",
        connect_timeout=2.0,
        read_timeout=2.0,
        total_timeout=5.0,
        max_attempts=3,
        backoff_base=0.01,
        backoff_max=0.02,
        max_retry_after=30.0,
        min_interval=0.0,
        transport=LoopbackOnlyTransport(),
        sleep=RecordingSleep(),
    )
    values.update(overrides)
    return FetchConfig(**values)  # type: ignore[arg-type]


def paths(server) -> list[str]:  # noqa: ANN001 - pytest_httpserver.HTTPServer
    return [request.path for request, _response in server.log]


@pytest.fixture(autouse=True)
def _no_fetch_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("HUGGING_FACE_HUB_TOKEN", "GH_TOKEN", "ANALYZER_FETCH_TIMEOUT", "ANALYZER_FETCH_RETRIES", "ANALYZER_ALLOW_HOSTS"):
        monkeypatch.delenv(var, raising=False)


class RawHttpServer:
    """A minimal threaded HTTP/1.1 server on 127.0.0.1 whose own memory use is a few KB per chunk.

    For memory-bound tests: werkzeug's dev server preallocates a 10 MB read buffer per request, which
    would drown the client's footprint in tracemalloc. `routes` maps a path to (status, headers, chunks).
    """

    def __init__(self, routes: dict[str, tuple[int, dict[str, str], Callable[[], Iterable[bytes]]]]) -> None:
        self.routes = routes
        self.requests: list[str] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.05)  # so the accept loop notices a stop promptly
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._stopping = False

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> RawHttpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping = True
        self._sock.close()
        self._thread.join(5)

    def _serve(self) -> None:
        while not self._stopping:
            try:
                conn, _addr = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(5)
            with conn:
                request = b""
                while b"\r\n\r\n" not in request:
                    data = conn.recv(4096)
                    if not data:
                        break
                    request += data
                path = request.split(b" ", 2)[1].decode() if request.count(b" ") >= 2 else "/"
                self.requests.append(path)
                status, headers, chunks = self.routes.get(path, (404, {"Content-Length": "0"}, lambda: ()))
                head = f"HTTP/1.1 {status} X\r\nConnection: close\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
                try:
                    conn.sendall(head.encode())
                    for chunk in chunks():
                        conn.sendall(chunk)
                except OSError:
                    pass  # the client hung up, as it should on an oversized body
