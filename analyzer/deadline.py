"""A whole-request deadline and byte cap that no server behaviour extends, for any httpx2 client.

httpx timeouts bound each socket operation, so a server that drips one byte (or one header line) every
few seconds holds a request forever. Here every connect, read and write of the connection is given at
most the time left until the deadline, and fails once it has passed; the bytes read are counted
against a cap. The bound covers the whole exchange: connect, TLS, request, headers, body.

    transport = deadline_transport()            # an httpx2.HTTPTransport, proxies from the environment
    client = httpx2.Client(transport=transport)  # or openai.DefaultHttpxClient(transport=transport)
    with RequestBudget(seconds=30, max_bytes=2_000_000) as budget:
        client.get(url)                          # ReadTimeout / ConnectTimeout past the deadline,
    budget.tripped                               # ReadError past the cap; `tripped` says which

The budget is a context variable, so each thread (a batch worker) has its own; a connection kept alive
in the pool obeys whichever budget is active when it is used. Outside any budget the transport behaves
like a plain HTTPTransport.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpcore2
import httpx2

_ACTIVE: contextvars.ContextVar[RequestBudget | None] = contextvars.ContextVar("analyzer_request_budget", default=None)

DEADLINE = "deadline"
BYTE_CAP = "byte_cap"


@dataclass
class RequestBudget:
    """Time and bytes one request (or a group of attempts) may take. Use as a context manager."""

    seconds: float
    max_bytes: int | None = None
    started: float = field(default_factory=time.monotonic)
    bytes_read: int = 0
    bytes_sent: int = 0
    tripped: str | None = None  # DEADLINE or BYTE_CAP once exceeded
    _token: contextvars.Token[RequestBudget | None] | None = field(default=None, repr=False)

    @property
    def deadline(self) -> float:
        return self.started + self.seconds

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def timeout(self, requested: float | None, exc: type[Exception]) -> float:
        """The timeout for one socket operation: the requested one, cut to the time left."""
        left = self.remaining()
        if left <= 0:
            self.tripped = DEADLINE
            raise exc(f"the whole-request deadline of {self.seconds:g}s has passed")
        return left if requested is None else min(requested, left)

    def count(self, n: int) -> None:
        self.bytes_read += n
        if self.max_bytes is not None and self.bytes_read > self.max_bytes:
            self.tripped = BYTE_CAP
            raise httpcore2.ReadError(f"the response is larger than the cap of {self.max_bytes} bytes")

    def __enter__(self) -> RequestBudget:
        self._token = _ACTIVE.set(self)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _ACTIVE.reset(self._token)
            self._token = None


def active_budget() -> RequestBudget | None:
    return _ACTIVE.get()


class _Stream(httpcore2.NetworkStream):
    def __init__(self, inner: httpcore2.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        budget = _ACTIVE.get()
        if budget is None:
            return self._inner.read(max_bytes, timeout)
        data = self._inner.read(max_bytes, budget.timeout(timeout, httpcore2.ReadTimeout))
        budget.count(len(data))
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        budget = _ACTIVE.get()
        self._inner.write(buffer, timeout if budget is None else budget.timeout(timeout, httpcore2.WriteTimeout))
        if budget is not None:
            budget.bytes_sent += len(buffer)

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> httpcore2.NetworkStream:
        budget = _ACTIVE.get()
        t = timeout if budget is None else budget.timeout(timeout, httpcore2.ConnectTimeout)
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, t))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore2.NetworkBackend):
    """Wraps a network backend so every stream it opens obeys the active RequestBudget."""

    def __init__(self, inner: httpcore2.NetworkBackend | None = None) -> None:
        self._inner = inner or httpcore2.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore2.NetworkStream:
        budget = _ACTIVE.get()
        t = timeout if budget is None else budget.timeout(timeout, httpcore2.ConnectTimeout)
        return _Stream(self._inner.connect_tcp(host, port, t, local_address, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None) -> httpcore2.NetworkStream:
        budget = _ACTIVE.get()
        t = timeout if budget is None else budget.timeout(timeout, httpcore2.ConnectTimeout)
        return _Stream(self._inner.connect_unix_socket(path, t, socket_options))

    def sleep(self, seconds: float) -> None:
        budget = _ACTIVE.get()
        self._inner.sleep(seconds if budget is None else max(0.0, min(seconds, budget.remaining())))


def deadline_transport(**kwargs: Any) -> httpx2.HTTPTransport:
    """An httpx2.HTTPTransport (same arguments) whose connections obey the active RequestBudget."""
    transport = httpx2.HTTPTransport(**kwargs)
    pool = transport._pool  # httpx2 builds the pool (plain or proxy) without a backend argument
    pool._network_backend = DeadlineBackend(pool._network_backend)
    return transport


def caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """True when `exc` or any exception in its cause/context chain is a `kind`."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


__all__ = ["BYTE_CAP", "DEADLINE", "DeadlineBackend", "RequestBudget", "active_budget", "caused_by", "deadline_transport"]
