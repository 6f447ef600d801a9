"""Record and replay LLM traffic, so an eval or a bug report can be reproduced offline.

Recording (`--record DIR`): an HTTP transport under the openai client writes every chat-completions
exchange to DIR as one JSON file: the request body and the response status, a few headers and body.
Request headers are never written (that is where the API key travels), and any configured secret that
appears anywhere in the text is redacted before writing.

Replay serves recorded responses back, keyed by the sha256 of the canonical request body:
- the replay provider (`--provider replay --replay DIR`) plugs a transport into the openai client, so no
  socket is opened at all;
- the replay server (`python -m analyzer.extract.replay serve DIR --port N`) is an OpenAI-compatible
  endpoint on 127.0.0.1 for any client (`OPENAI_BASE_URL=http://127.0.0.1:N/v1`).
When a request was recorded several times (samples, or a 429 before a success), successive identical
requests get the recorded answers in order; transient failures (429, 5xx) are skipped when a real
answer was recorded for the same request.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import stat
import sys
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx2

FORMAT = "analyzer-llm-recording/1"
REDACTED = "***REDACTED***"
_KEPT_RESPONSE_HEADERS = ("content-type", "retry-after", "retry-after-ms", "x-request-id")


def request_hash(body: bytes | str) -> str:
    """sha256 of the canonical JSON request body (key order and whitespace do not matter)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except ValueError:
        canonical = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _is_chat_completion(method: str, path: str) -> bool:
    return method.upper() == "POST" and path.rstrip("/").endswith("/chat/completions")


def _redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text


def _json_or_text(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


class Recorder:
    """Writes exchanges as DIR/<hash16>-<seq>.json; safe for several threads or processes."""

    def __init__(self, directory: str | Path, secrets: Iterable[str] = ()) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._secrets = [s for s in secrets if s]

    def record(self, path: str, body: bytes, status: int, headers: dict[str, str], response_body: bytes) -> Path:
        digest = request_hash(body)
        entry = {
            "format": FORMAT,
            "request_hash": digest,
            "recorded_at": datetime.now(UTC).isoformat(),
            "request": {"method": "POST", "path": path, "body": _json_or_text(body)},
            "response": {
                "status": status,
                "headers": {k: v for k, v in headers.items() if k.lower() in _KEPT_RESPONSE_HEADERS},
                "body": _json_or_text(response_body),
            },
        }
        text = _redact(json.dumps(entry, indent=2, ensure_ascii=False), self._secrets)
        for seq in range(10_000):
            target = self.directory / f"{digest[:16]}-{seq:03d}.json"
            try:
                with target.open("x", encoding="utf-8") as fh:
                    fh.write(text)
                return target
            except FileExistsError:
                continue
        raise OSError(f"too many recordings for one request in {self.directory}")


class RecordingTransport(httpx2.BaseTransport):
    """Passes requests to the real transport and records chat-completions exchanges."""

    def __init__(self, inner: httpx2.BaseTransport, recorder: Recorder) -> None:
        self._inner = inner
        self._recorder = recorder

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        body = request.read()
        response = self._inner.handle_request(request)
        if _is_chat_completion(request.method, request.url.path):
            content = response.read()
            self._recorder.record(request.url.path, body, response.status_code, dict(response.headers), content)
        return response

    def close(self) -> None:
        self._inner.close()


MAX_RECORDING_BYTES = 8_000_000  # one recorded exchange: a request with its listing and a capped answer
MAX_RECORDINGS = 100_000


class ReplayStore:
    """The recordings of one directory, served back in recorded order per request hash.

    Only regular files are read (a FIFO, a device or a symlink to one is skipped, so loading can neither
    block nor read without end), each at most MAX_RECORDING_BYTES. JSON files that are not recordings
    (no `format` key of ours) are ignored; a recording that cannot be read or has the wrong shape is a
    clean ConfigError naming the file. Redirects are never replayed (see `lookup`).
    """

    def __init__(self, directory: str | Path) -> None:
        from analyzer.errors import ConfigError

        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise ConfigError(f"replay directory {self.directory} does not exist", hint="record one first with --record DIR")
        self._by_hash: dict[str, list[dict[str, Any]]] = {}
        self.skipped: list[str] = []
        for path in sorted(self.directory.glob("*.json"))[:MAX_RECORDINGS]:
            entry = _load_recording(path, self.skipped)
            if entry is not None:
                self._by_hash.setdefault(entry["request_hash"], []).append(entry["response"])
        self._served: dict[str, int] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_hash.values())

    def lookup(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        digest = request_hash(body)
        responses = self._by_hash.get(digest)
        if not responses:
            message = (
                f"replay: no recorded response for this request (hash {digest[:16]}) in {self.directory}; "
                "the model, prompt, listing or options differ from the recorded run — record it again with --record DIR"
            )
            return 404, {"content-type": "application/json"}, json.dumps({"error": {"message": message, "type": "replay_miss", "code": "replay_miss"}}).encode()
        answers = [r for r in responses if not (r["status"] == 429 or r["status"] >= 500)] or responses
        with self._lock:
            index = self._served.get(digest, 0)
            self._served[digest] = index + 1
        chosen = answers[index % len(answers)]
        status = int(chosen["status"])
        if 300 <= status < 400:
            # a recording must not send a client elsewhere (a 307 to another host would replay the request there)
            message = f"replay: the recording for this request (hash {digest[:16]}) is an HTTP {status} redirect, which replay never serves"
            return 502, {"content-type": "application/json"}, json.dumps({"error": {"message": message, "type": "replay_redirect", "code": "replay_redirect"}}).encode()
        body_out = chosen["body"]
        raw = body_out.encode("utf-8") if isinstance(body_out, str) else json.dumps(body_out).encode("utf-8")
        headers = {k: str(v) for k, v in (chosen.get("headers") or {}).items() if str(k).lower() in _KEPT_RESPONSE_HEADERS}
        headers.setdefault("content-type", "application/json")
        return status, headers, raw


def _load_recording(path: Path, skipped: list[str]) -> dict[str, Any] | None:
    """One recording, None for a file that is not ours (or not a regular file); ConfigError when broken."""
    from analyzer.errors import ConfigError

    try:
        info = path.stat()  # follows symlinks: a link to /dev/zero is a character device, not a file
    except OSError:
        skipped.append(path.name)
        return None
    if not stat.S_ISREG(info.st_mode):
        skipped.append(path.name)
        return None
    hint = "delete the file or record the run again with --record DIR"
    if info.st_size > MAX_RECORDING_BYTES:
        raise ConfigError(f"replay file {path} is {info.st_size} bytes, more than a recording can be ({MAX_RECORDING_BYTES})", hint=hint)
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_RECORDING_BYTES + 1)
        entry = json.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ConfigError(f"replay file {path} is not valid JSON ({type(exc).__name__})", hint=hint) from None
    if len(raw) > MAX_RECORDING_BYTES:
        raise ConfigError(f"replay file {path} grew past {MAX_RECORDING_BYTES} bytes while being read", hint=hint)
    if not isinstance(entry, dict) or entry.get("format") != FORMAT:
        skipped.append(path.name)
        return None
    response = entry.get("response")
    ok = (
        isinstance(entry.get("request_hash"), str)
        and isinstance(response, dict)
        and isinstance(response.get("status"), int) and not isinstance(response.get("status"), bool)
        and 100 <= response["status"] <= 599
        and isinstance(response.get("headers", {}), dict)
        and isinstance(response.get("body"), (dict, list, str))
    )
    if not ok:
        raise ConfigError(f"replay file {path} is not a complete {FORMAT} recording (request_hash, response.status, response.body)", hint=hint)
    return entry


class ReplayTransport(httpx2.BaseTransport):
    """An in-process 'server': answers chat completions from a ReplayStore, opens no socket."""

    def __init__(self, store: ReplayStore) -> None:
        self._store = store

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        if not _is_chat_completion(request.method, request.url.path):
            return httpx2.Response(404, json={"error": {"message": f"replay serves chat completions only, not {request.url.path}"}})
        status, headers, content = self._store.lookup(request.read())
        return httpx2.Response(status, headers=headers, content=content, request=request)


# --------------------------------------------------------------------------- the replay server


def make_server(directory: str | Path, port: int = 0) -> ThreadingHTTPServer:
    """An OpenAI-compatible replay server on 127.0.0.1 (port 0 = any free port); call serve_forever()."""
    store = ReplayStore(directory)

    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, headers: dict[str, str], content: bytes) -> None:
            self.send_response(status)
            for k, v in headers.items():
                if k.lower() != "content-length":
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def do_GET(self) -> None:  # noqa: N802 - http.server API
            if self.path.rstrip("/") in ("/health", "/v1/health"):
                self._send(200, {"content-type": "application/json"}, json.dumps({"status": "ok", "recordings": len(store)}).encode())
            else:
                self._send(404, {"content-type": "application/json"}, b'{"error": {"message": "not found"}}')

        timeout = 30  # seconds per socket read: a client that stalls mid-request does not hold a thread

        def do_POST(self) -> None:  # noqa: N802
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if not 0 <= length <= MAX_RECORDING_BYTES:
                self._send(400, {"content-type": "application/json"}, b'{"error": {"message": "replay: missing, invalid or oversized Content-Length"}}')
                return
            body = self.rfile.read(length)
            if not _is_chat_completion("POST", self.path.split("?", 1)[0]):
                self._send(404, {"content-type": "application/json"}, b'{"error": {"message": "replay serves /v1/chat/completions only"}}')
                return
            self._send(*store.lookup(body))

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet by default
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analyzer.extract.replay", description="Serve recorded LLM responses (from --record DIR) as an OpenAI-compatible endpoint on 127.0.0.1.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve DIR on http://127.0.0.1:PORT/v1")
    serve.add_argument("directory", metavar="DIR")
    serve.add_argument("--port", type=int, default=0, help="port (default: any free port, printed on start)")
    args = parser.parse_args(argv)
    from analyzer.errors import AnalyzerError

    try:
        server = make_server(args.directory, args.port)
    except (AnalyzerError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    host, port = server.server_address[:2]
    print(f"replaying {args.directory} on http://{host}:{port}/v1 (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
