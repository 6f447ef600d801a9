"""A small OpenAI-compatible server on 127.0.0.1 for the batch tests and benchmarks.

It implements what the SDK calls for our extraction: POST /v1/chat/completions (answers with a valid
extraction draft after `delay` seconds, or with an injected fault), and the Batch API pieces:
POST /v1/files (multipart upload), GET /v1/files/{id}, GET /v1/files/{id}/content, POST /v1/batches,
GET /v1/batches/{id}. A batch moves validating → in_progress → completed over `polls_to_complete`
status checks, its requests answered by the same chat handler.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


FACTORS = (
    "autonomy_of_action",
    "goal_driven_planning",
    "self_modification",
    "dynamic_tool_use",
    "persistent_memory",
    "contextual_awareness",
    "dynamic_identity",
    "multi_agent_interactions",
    "non_determinism",
    "opacity_reflexivity",
)

# A fault decides, from the 1-based number of a chat request, how to answer it:
# None → a normal answer; 429 / 500 → that HTTP error; "timeout" → sleep `timeout_sleep` then answer.
Fault = Callable[[int], int | str | None]


def draft_for(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """A schema-valid extraction draft (a plain text LLM, every factor at 0.0, no quotes)."""
    user = next((m.get("content") for m in messages if m.get("role") == "user"), "") or ""
    name = "Fake model"
    for line in str(user).splitlines():
        if line.startswith("# "):
            name = line[2:].strip()[:100] or name
            break
    factor = {"value": "0.0", "quotes": [], "rationale": "Nothing stated."}
    return {
        "system": {
            "kind": "text-llm",
            "name": name,
            "developer": None,
            "summary": "A text model described by a test listing.",
            "input_modalities": ["text"],
            "output_modalities": ["text"],
            "underlying_models": [],
            "kind_quotes": [],
            "exposure": [],
            "mitigations": [],
            "layers": [],
        },
        "factors": {k: dict(factor) for k in FACTORS},
    }


def chat_completion(body: dict[str, Any], number: int) -> dict[str, Any]:
    content = json.dumps(draft_for(body.get("messages") or []))
    return {
        "id": f"chatcmpl-{number}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model") or "fake-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": None}, "finish_reason": "stop", "logprobs": None}],
        "usage": {"prompt_tokens": 1000, "completion_tokens": 400, "total_tokens": 1400},
    }


class FakeOpenAI:
    """Start with `with FakeOpenAI(delay=0.3) as server:`; `server.base_url` ends in /v1."""

    def __init__(self, *, delay: float = 0.0, fault: Fault | None = None, timeout_sleep: float = 5.0, polls_to_complete: int = 2, batch_fail_ids: set[str] | None = None) -> None:
        self.delay = delay
        self.fault = fault
        self.timeout_sleep = timeout_sleep
        self.polls_to_complete = polls_to_complete
        self.batch_fail_ids = batch_fail_ids or set()  # custom_ids the Batch API answers with an error
        self.upload_status: int | None = None  # set to e.g. 500 to make POST /v1/files fail
        self.lock = threading.Lock()
        self.chat_requests = 0  # every POST /v1/chat/completions, including failed ones
        self.chat_active = 0
        self.chat_peak = 0  # most chat requests in flight at once
        self.chat_bodies: list[dict[str, Any]] = []
        self.files: dict[str, dict[str, Any]] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.batch_polls: dict[str, int] = {}
        self.batch_creates = 0
        self.uploads: list[bytes] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle

    def __enter__(self) -> FakeOpenAI:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body go out as two writes: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802
                fake._handle(self, "POST")

            def do_GET(self) -> None:  # noqa: N802
                fake._handle(self, "GET")

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # the listen backlog is set at bind time, so it must be a class attribute
            daemon_threads = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    # ----------------------------------------------------------------- routing

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        path = h.path.split("?", 1)[0]
        try:
            if method == "POST" and path == "/v1/chat/completions":
                return self._chat(h, json.loads(raw or b"{}"))
            if method == "POST" and path == "/v1/files":
                return self._upload(h, raw)
            if method == "GET" and path.startswith("/v1/files/") and path.endswith("/content"):
                file_id = path[len("/v1/files/") : -len("/content")]
                return self._send_bytes(h, 200, self.files[file_id]["data"], "application/octet-stream")
            if method == "GET" and path.startswith("/v1/files/"):
                return self._send_json(h, 200, self._file_object(path[len("/v1/files/") :]))
            if method == "POST" and path == "/v1/batches":
                return self._create_batch(h, json.loads(raw or b"{}"))
            if method == "GET" and path.startswith("/v1/batches/"):
                return self._poll_batch(h, path[len("/v1/batches/") :])
        except KeyError:
            return self._send_json(h, 404, {"error": {"message": "not found", "type": "invalid_request_error"}})
        self._send_json(h, 404, {"error": {"message": f"no route {method} {path}", "type": "invalid_request_error"}})

    # ----------------------------------------------------------------- chat

    def _chat(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        with self.lock:
            self.chat_requests += 1
            number = self.chat_requests
            self.chat_bodies.append(body)
            self.chat_active += 1
            self.chat_peak = max(self.chat_peak, self.chat_active)
        try:
            self._answer_chat(h, body, number)
        finally:
            with self.lock:
                self.chat_active -= 1

    def _answer_chat(self, h: BaseHTTPRequestHandler, body: dict[str, Any], number: int) -> None:
        outcome = self.fault(number) if self.fault else None
        if self.delay:
            time.sleep(self.delay)
        if outcome in (429, 500):
            return self._send_json(h, int(outcome), {"error": {"message": f"injected {outcome}", "type": "server_error"}}, retry_after="0")
        if outcome == "timeout":
            time.sleep(self.timeout_sleep)
        self._send_json(h, 200, chat_completion(body, number))

    # ----------------------------------------------------------------- files

    def _upload(self, h: BaseHTTPRequestHandler, raw: bytes) -> None:
        if self.upload_status:
            return self._send_json(h, self.upload_status, {"error": {"message": "injected upload failure", "type": "server_error"}})
        header = f"Content-Type: {h.headers['Content-Type']}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(header + raw)
        fields: dict[str, Any] = {}
        filename = "upload.jsonl"
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if part.get_filename():
                filename = part.get_filename()
            fields[name] = part.get_payload(decode=True)
        data = fields.get("file") or b""
        purpose = (fields.get("purpose") or b"").decode()
        with self.lock:
            file_id = f"file-{len(self.files) + 1}"
            self.files[file_id] = {"data": data, "purpose": purpose, "filename": filename}
            self.uploads.append(data)
        self._send_json(h, 200, self._file_object(file_id))

    def _file_object(self, file_id: str) -> dict[str, Any]:
        f = self.files[file_id]
        return {"id": file_id, "object": "file", "bytes": len(f["data"]), "created_at": int(time.time()), "filename": f["filename"], "purpose": f["purpose"], "status": "processed"}

    def _store_file(self, data: bytes, purpose: str) -> str:
        with self.lock:
            file_id = f"file-{len(self.files) + 1}"
            self.files[file_id] = {"data": data, "purpose": purpose, "filename": f"{file_id}.jsonl"}
        return file_id

    # ----------------------------------------------------------------- batches

    def _create_batch(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        if body.get("input_file_id") not in self.files:
            return self._send_json(h, 400, {"error": {"message": "unknown input_file_id", "type": "invalid_request_error"}})
        with self.lock:
            self.batch_creates += 1
            batch_id = f"batch_{self.batch_creates}"
            self.batches[batch_id] = {
                "id": batch_id,
                "object": "batch",
                "endpoint": body.get("endpoint"),
                "input_file_id": body["input_file_id"],
                "completion_window": body.get("completion_window"),
                "status": "validating",
                "created_at": int(time.time()),
                "output_file_id": None,
                "error_file_id": None,
                "request_counts": {"total": 0, "completed": 0, "failed": 0},
                "metadata": body.get("metadata"),
            }
            self.batch_polls[batch_id] = 0
        self._send_json(h, 200, self.batches[batch_id])

    def _poll_batch(self, h: BaseHTTPRequestHandler, batch_id: str) -> None:
        batch = self.batches[batch_id]
        with self.lock:
            self.batch_polls[batch_id] += 1
            polls = self.batch_polls[batch_id]
        if batch["status"] not in ("completed", "failed") and polls >= self.polls_to_complete:
            self._run_batch(batch)
        elif batch["status"] == "validating":
            batch["status"] = "in_progress"
        self._send_json(h, 200, batch)

    def _run_batch(self, batch: dict[str, Any]) -> None:
        out_lines, err_lines = [], []
        for n, line in enumerate(self.files[batch["input_file_id"]]["data"].decode().splitlines(), start=1):
            if not line.strip():
                continue
            request = json.loads(line)
            cid = request["custom_id"]
            if cid in self.batch_fail_ids:
                err_lines.append({"id": f"batch_req_{n}", "custom_id": cid, "response": {"status_code": 500, "request_id": f"req_{n}", "body": {"error": {"message": "injected batch failure", "type": "server_error"}}}, "error": None})
                continue
            completion = chat_completion(request["body"], n)
            out_lines.append({"id": f"batch_req_{n}", "custom_id": cid, "response": {"status_code": 200, "request_id": f"req_{n}", "body": completion}, "error": None})
        batch["output_file_id"] = self._store_file("".join(json.dumps(x) + "\n" for x in out_lines).encode(), "batch_output") if out_lines else None
        batch["error_file_id"] = self._store_file("".join(json.dumps(x) + "\n" for x in err_lines).encode(), "batch_output") if err_lines else None
        batch["request_counts"] = {"total": len(out_lines) + len(err_lines), "completed": len(out_lines), "failed": len(err_lines)}
        batch["status"] = "completed"
        batch["completed_at"] = int(time.time())

    # ----------------------------------------------------------------- replies

    def _send_json(self, h: BaseHTTPRequestHandler, status: int, payload: object, *, retry_after: str | None = None) -> None:
        extra = {"Retry-After": retry_after} if retry_after else {}
        self._send_bytes(h, status, json.dumps(payload).encode(), "application/json", extra)

    def _send_bytes(self, h: BaseHTTPRequestHandler, status: int, data: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        try:
            h.send_response(status)
            h.send_header("Content-Type", content_type)
            h.send_header("Content-Length", str(len(data)))
            for k, v in (extra or {}).items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout fault): nothing to answer


if __name__ == "__main__":  # `python tests/batch_servers.py 0.3` serves until killed (for manual runs)
    import sys

    with FakeOpenAI(delay=float(sys.argv[1]) if len(sys.argv) > 1 else 0.0) as srv:
        print(srv.base_url, flush=True)
        while True:
            time.sleep(3600)
