"""`analyzer batch --openai-batch` against a local server implementing the files and batches endpoints."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.batch.openai_batch import parse_output_lines
from analyzer.batch.runner import extraction_key
from analyzer.cli.main import main
from analyzer.fetch.local import read_local
from batch_fixtures import write_listings, write_source_list
from batch_servers import FakeOpenAI
from test_batch_resume import wait_until


def batch_args(src: Path, out: Path, server: FakeOpenAI, *extra: str) -> list[str]:
    return [
        "--quiet", "batch", str(src), "--out", str(out), "--provider", "openai", "--model", "fake-model",
        "--base-url", server.base_url, "--openai-batch", "--poll-interval", "0.01", *extra,
    ]


def uploaded_requests(server: FakeOpenAI, n: int = -1) -> list[dict]:
    return [json.loads(line) for line in server.uploads[n].decode("utf-8").splitlines()]


def test_batch_api_flow_uploads_polls_and_reports(tmp_path: Path) -> None:
    listings = write_listings(tmp_path / "cards", 5)
    twin = tmp_path / "cards" / "twin.md"
    twin.write_bytes(listings[0].read_bytes())
    src = write_source_list(tmp_path / "s.txt", [*listings, twin])
    out = tmp_path / "out"
    with FakeOpenAI(polls_to_complete=3) as server:
        assert main(batch_args(src, out, server)) == 0
        assert server.chat_requests == 0  # nothing went through the synchronous API
        assert len(server.uploads) == 1 and server.batch_creates == 1
        requests = uploaded_requests(server)
        keys = {extraction_key(read_local(str(p))) for p in listings}
        assert {r["custom_id"] for r in requests} == keys and len(requests) == 5  # the twin is sent once
        for r in requests:
            assert r["method"] == "POST" and r["url"] == "/v1/chat/completions"
            assert r["body"]["model"] == "fake-model"
            assert [m["role"] for m in r["body"]["messages"]] == ["system", "user"]
            assert r["body"]["response_format"]["type"] == "json_schema"
        batch = server.batches["batch_1"]
        assert batch["endpoint"] == "/v1/chat/completions" and batch["completion_window"] == "24h"
        assert server.files[batch["input_file_id"]]["purpose"] == "batch"
        assert server.batch_polls["batch_1"] >= 3

        index = json.loads((out / "index.json").read_text("utf-8"))
        assert index["counts"] == {"total": 6, "done": 6, "failed": 0, "pending": 0}
        for row in index["sources"]:
            report = json.loads((out / next(f for f in row["files"] if f.endswith(".json"))).read_text("utf-8"))
            assert report["extraction"]["status"] == "ok" and report["run"]["model"] == "fake-model"
            assert report["aivss"]["score"] == row["score"] is not None
        db = sqlite3.connect(out / "batch-state.sqlite3")
        assert db.execute("SELECT batch_id, finished, status FROM openai_batches").fetchall() == [("batch_1", 1, "completed")]
        db.close()

        # a rerun finds everything done: no upload, no batch, no request
        assert main(batch_args(src, out, server)) == 0
        assert len(server.uploads) == 1 and server.batch_creates == 1 and server.chat_requests == 0

        # the answers landed in the LLM response cache that direct extraction reads
        from analyzer.extract.llm import LLMExtractor

        result = LLMExtractor.from_options(model="fake-model", base_url=server.base_url).extract(read_local(str(listings[1])))
        assert result.cache_hit is True and server.chat_requests == 0


def test_failed_batch_requests_are_reported_and_resubmitted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    listings = write_listings(tmp_path / "cards", 4)
    src = write_source_list(tmp_path / "s.txt", listings)
    out = tmp_path / "out"
    bad_key = extraction_key(read_local(str(listings[2])))
    with FakeOpenAI(polls_to_complete=1, batch_fail_ids={bad_key}) as server:
        assert main(batch_args(src, out, server)) == 5
        row = json.loads((out / "index.json").read_text("utf-8"))["sources"][2]
        assert row["status"] == "failed" and row["score"] is None
        assert "OpenAI batch batch_1" in row["error"] and "injected batch failure" in row["error"]

        server.batch_fail_ids.clear()
        assert main(batch_args(src, out, server)) == 0
        assert [r["custom_id"] for r in uploaded_requests(server)] == [bad_key]  # only the failed one again
        assert server.batch_creates == 2


def test_interrupted_polling_resumes_the_same_batch(tmp_path: Path) -> None:
    listings = write_listings(tmp_path / "cards", 4)
    src = write_source_list(tmp_path / "s.txt", listings)
    out = tmp_path / "out"
    with FakeOpenAI(polls_to_complete=10**9) as server:  # never finishes while the first run polls
        command = [sys.executable, "-m", "analyzer", *batch_args(src, out, server)]
        log = tmp_path / "run1.log"
        with log.open("wb") as fh:
            process = subprocess.Popen(command, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=dict(os.environ))
        wait_until(lambda: server.batch_polls.get("batch_1", 0) >= 2, "the batch to be polled")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=120) == 130, log.read_text()
        db = sqlite3.connect(out / "batch-state.sqlite3")
        assert db.execute("SELECT batch_id, finished FROM openai_batches").fetchall() == [("batch_1", 0)]
        assert db.execute("SELECT COUNT(*) FROM sources WHERE status = 'pending'").fetchone() == (4,)
        db.close()

        server.polls_to_complete = 0
        assert main(batch_args(src, out, server)) == 0
        assert server.batch_creates == 1 and len(server.uploads) == 1  # resumed, not resubmitted
        assert json.loads((out / "index.json").read_text("utf-8"))["counts"]["done"] == 4


def test_openai_batch_needs_the_openai_provider(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (card,) = write_listings(tmp_path / "cards", 1)
    src = write_source_list(tmp_path / "s.txt", [card])
    assert main(["batch", str(src), "--out", str(tmp_path / "out"), "--provider", "heuristic", "--openai-batch"]) == 2
    assert "--openai-batch needs the openai provider" in capsys.readouterr().err


def test_parse_output_lines_handles_answers_errors_and_junk() -> None:
    data = b"\n".join([
        json.dumps({"custom_id": "a", "response": {"status_code": 200, "body": {"choices": []}}, "error": None}).encode(),
        json.dumps({"custom_id": "b", "response": {"status_code": 429, "body": {"error": {"message": "slow down"}}}, "error": None}).encode(),
        json.dumps({"custom_id": "c", "response": None, "error": {"code": "batch_expired", "message": "expired"}}).encode(),
        b"not json",
        json.dumps({"no_id": True}).encode(),
    ])
    parsed = parse_output_lines(data)
    assert parsed["a"] == ('{"choices": []}', None)
    assert parsed["b"] == (None, "HTTP 429: slow down")
    assert parsed["c"] == (None, "batch_expired: expired")
    assert set(parsed) == {"a", "b", "c"}


def test_batch_api_failure_fails_the_waiting_sources_and_a_rerun_recovers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    listings = write_listings(tmp_path / "cards", 3)
    src = write_source_list(tmp_path / "s.txt", listings)
    out = tmp_path / "out"
    with FakeOpenAI(polls_to_complete=1) as server:
        server.upload_status = 500
        assert main(batch_args(src, out, server)) == 5
        rows = json.loads((out / "index.json").read_text("utf-8"))["sources"]
        assert all(r["status"] == "failed" and r["error"].startswith("OpenAI Batch API: ") for r in rows)
        assert server.batch_creates == 0

        server.upload_status = None
        assert main(batch_args(src, out, server)) == 0
        assert server.batch_creates == 1 and len(uploaded_requests(server)) == 3


def test_cached_llm_answers_are_not_sent_to_the_batch_api(tmp_path: Path) -> None:
    listings = write_listings(tmp_path / "cards", 2)
    src = write_source_list(tmp_path / "s.txt", listings)
    with FakeOpenAI() as server:
        direct = [a for a in batch_args(src, tmp_path / "direct", server) if a != "--openai-batch"]
        assert main(direct) == 0 and server.chat_requests == 2
        assert main(batch_args(src, tmp_path / "via-batch", server)) == 0
        assert server.uploads == [] and server.batch_creates == 0 and server.chat_requests == 2
        rows = json.loads((tmp_path / "via-batch" / "index.json").read_text("utf-8"))["sources"]
        assert [r["status"] for r in rows] == ["done", "done"]
