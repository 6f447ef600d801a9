"""Helpers for the `analyzer serve` tests: an app with a test client, and a real server on 127.0.0.1."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from starlette.testclient import TestClient

from analyzer.serve import ServeConfig, bind, create_app

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "tidewater-agent.md"
TOKEN = "test-csrf-token"
# A small text model: a low CVSS base, so one factor's edit moves the score visibly.
SMALL_MODEL = """# Lark-1B chat model

Lark-1B is a small open-weights text model for chat and summarisation. Download the weights and run it
locally with transformers. It answers questions about documents you paste in.
"""


def example_text() -> str:
    return EXAMPLE.read_text("utf-8")


def client(tmp_path: Path, **config: object) -> TestClient:
    """A test client whose requests look like the page's own: right Host, Origin and CSRF token."""
    cfg = ServeConfig(port=8000, db_path=tmp_path / "drafts.sqlite3", csrf_token=TOKEN, **config)  # type: ignore[arg-type]
    app = create_app(cfg)
    return TestClient(app, base_url="http://127.0.0.1:8000", headers={"Origin": "http://127.0.0.1:8000", "X-CSRF-Token": TOKEN})


def wait_job(c: TestClient, job: dict, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while not job["done"]:
        assert time.monotonic() < deadline, f"job {job['id']} did not finish: {job}"
        time.sleep(0.05)
        job = c.get(f"/api/jobs/{job['id']}").json()
    return job


def new_draft(c: TestClient, text: str | None = None, filename: str = "tidewater-agent.md") -> str:
    r = c.post("/api/drafts", json={"text": text or example_text(), "filename": filename})
    assert r.status_code == 202, r.text
    job = wait_job(c, r.json())
    assert job["stage"] == "done", job
    return job["result"]["draft"]


@dataclass
class LiveServer:
    host: str
    port: int
    config: ServeConfig

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        """One raw request over a real socket; headers exactly as given (Host defaults to the bound name)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            sent = {"Host": f"{self.host}:{self.port}", **(headers or {})}
            if body is not None:
                sent.setdefault("Content-Length", str(len(body)))
            for k, v in sent.items():
                conn.putheader(k, v)
            conn.endheaders(body)
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def json(self, method: str, path: str, data: object, headers: dict[str, str] | None = None) -> tuple[int, dict]:
        status, _, body = self.request(method, path, json.dumps(data).encode(), {"Content-Type": "application/json", **(headers or {})})
        return status, json.loads(body)


@contextmanager
def live_server(tmp_path: Path, **config: object) -> Iterator[LiveServer]:
    """uvicorn in a thread on 127.0.0.1 and a free port; stopped (and joined) at the end."""
    import uvicorn

    cfg = ServeConfig(host="127.0.0.1", port=0, db_path=tmp_path / "drafts.sqlite3", **config)  # type: ignore[arg-type]
    sock = bind(cfg)
    app = create_app(cfg)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.02)
    try:
        yield LiveServer("127.0.0.1", cfg.port, cfg)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.jobs.shutdown()
        sock.close()
