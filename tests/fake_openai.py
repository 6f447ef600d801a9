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

    def push(self, status: int = 200, body: Any = None, headers: dict[str, str] | None = None, delay: float = 0.0) -> None:
        self.script.append(Scripted(status, body, headers or {}, delay))

    def push_content(self, content: str | None, **kwargs: Any) -> None:
        self.push(200, completion(content, **kwargs))

    @property
    def calls(self) -> int:
        return len(self.requests)
