"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1 for tests.

Each test pushes the responses it wants, in order; every request (path, headers, JSON body) is recorded
so tests can assert how many HTTP calls the client made and what they carried. When the script runs
out the server answers 599 so a test that makes an unexpected call fails loudly.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Scripted:
    status: int = 200
    body: Any = None  # dict → JSON; str → raw text
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (for client timeouts)
    drip: float = 0.0  # seconds between body bytes (a server that never quite stalls)
    drip_headers: float = 0.0  # seconds between header lines


@dataclass
class SeenRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


def completion(content: str | None, *, finish_reason: str = "stop", refusal: str | None = None, model: str = "fake-model",
               prompt_tokens: int = 1000, completion_tokens: int = 200) -> dict[str, Any]:
    """A chat.completion body as OpenAI sends it."""
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "finish_reason": finish_reason, "logprobs": None,
                     "message": {"role": "assistant", "content": content, "refusal": refusal}}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "total_tokens": prompt_tokens + completion_tokens},
    }


def error_body(message: str, type_: str = "invalid_request_error") -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": None}}


class FakeOpenAI:
    def __init__(self) -> None:
        self.script: deque[Scripted] = deque()
        self.requests: list[SeenRequest] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body: Any = json.loads(raw)
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                with fake._lock:
                    fake.requests.append(SeenRequest("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                    item = fake.script.popleft() if fake.script else Scripted(599, error_body("fake server: no scripted response left"))
                if item.delay and fake._stop.wait(item.delay):
                    return
                payload = item.body if isinstance(item.body, str) else json.dumps(item.body if item.body is not None else {})
                data = payload.encode("utf-8")
                try:
                    if item.drip or item.drip_headers:
                        fake._drip(self, item, data)
                        return
                    self.send_response(item.status)
                    self.send_header("Content-Type", "application/json")
                    for k, v in item.headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def _drip(self, handler: BaseHTTPRequestHandler, item: Scripted, data: bytes) -> None:
        """Send the response slowly: header lines every `drip_headers` s, body bytes every `drip` s."""
        lines = [f"HTTP/1.1 {item.status} OK", "Content-Type: application/json", *(f"{k}: {v}" for k, v in item.headers.items()),
                 *(f"X-Padding-{i}: {'x' * 20}" for i in range(200 if item.drip_headers else 0)), f"Content-Length: {len(data)}", ""]
        for line in lines:
            handler.wfile.write(line.encode() + b"\r\n")
            handler.wfile.flush()
            if item.drip_headers and self._stop.wait(item.drip_headers):
                return
        for i in range(len(data)):
            handler.wfile.write(data[i : i + 1])
            handler.wfile.flush()
            if item.drip and self._stop.wait(item.drip):
                return

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()

    def push(self, status: int = 200, body: Any = None, headers: dict[str, str] | None = None, delay: float = 0.0,
             drip: float = 0.0, drip_headers: float = 0.0) -> None:
        self.script.append(Scripted(status, body, headers or {}, delay, drip, drip_headers))

    def push_content(self, content: str | None, **kwargs: Any) -> None:
        self.push(200, completion(content, **kwargs))

    @property
    def calls(self) -> int:
        return len(self.requests)
