"""A loopback HTTP server that sends its answer a few bytes at a time, for deadline tests.

Each connection is served in its own thread; `drip` yields the raw bytes to send (status line and headers
included) with a pause between pieces. Every connection stops after `max_seconds` or when the client
hangs up, so a test against code without a deadline ends too (and fails on its time bound).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable


class DripServer:
    def __init__(self, drip: Callable[[], Iterable[bytes]], *, pause: float = 0.05, max_seconds: float = 8.0) -> None:
        self.drip = drip
        self.pause = pause
        self.max_seconds = max_seconds
        self.connections = 0
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.05)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def url(self, path: str = "/card.md") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> DripServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._sock.close()
        self._thread.join(5)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        started = time.monotonic()
        with conn:
            conn.settimeout(2)
            try:
                request = b""
                while b"\r\n\r\n" not in request:
                    data = conn.recv(4096)
                    if not data:
                        return
                    request += data
                for piece in self.drip():
                    if self._stop.is_set() or time.monotonic() - started > self.max_seconds:
                        return
                    conn.sendall(piece)
                    time.sleep(self.pause)
            except OSError:
                return


def drip_headers() -> Iterable[bytes]:
    """A status line, then one header line per pause, forever."""
    yield b"HTTP/1.1 200 OK\r\n"
    n = 0
    while True:
        n += 1
        yield f"X-Drip-{n}: {'x' * 10}\r\n".encode()


def drip_body() -> Iterable[bytes]:
    """Headers at once, then the body one byte per pause, forever."""
    yield b"HTTP/1.1 200 OK\r\nContent-Type: text/markdown\r\nConnection: close\r\n\r\n# Card\n\n"
    while True:
        yield b"x"
