"""Interrupting `analyzer batch` (SIGINT, SIGINT twice, SIGKILL) mid-run, then resuming it.

The batch runs as a real subprocess against a slow OpenAI-compatible server on 127.0.0.1, so there is
time to stop it half-way. After the rerun every source must be done exactly once: one report per source
and format, no half-written files, no listing sent to the LLM twice (except what a SIGKILL cut short).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from batch_fixtures import write_listings, write_source_list
from batch_servers import FakeOpenAI

pytestmark = pytest.mark.slow
LISTINGS = 30
FORMATS = ("md", "json")


def wait_until(condition: Callable[[], bool], what: str, limit: float = 120.0) -> None:
    """Poll until `condition` holds; the limit only guards against a hung test, it asserts no speed."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.02)


def batch_command(src: Path, out: Path, server: FakeOpenAI, concurrency: int) -> list[str]:
    command = [sys.executable, "-m", "analyzer", "batch", str(src), "--out", str(out), "--provider", "openai"]
    command += ["--model", "fake-model", "--base-url", server.base_url, "--concurrency", str(concurrency)]
    for fmt in FORMATS:
        command += ["--format", fmt]
    return command


def start(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "OPENAI_API_KEY": "sk-test-not-a-real-key"}
    with log.open("wb") as fh:
        return subprocess.Popen(command, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)


def finish(process: subprocess.Popen[bytes]) -> int:
    return process.wait(timeout=300)


def statuses(out: Path) -> dict[str, int]:
    db = sqlite3.connect(out / "batch-state.sqlite3")
    try:
        return dict(db.execute("SELECT status, COUNT(*) FROM sources GROUP BY status").fetchall())
    finally:
        db.close()


def check_complete(out: Path, listings: list[Path]) -> None:
    """All sources done; exactly one report per source and format; every report whole and its own."""
    index = json.loads((out / "index.json").read_text("utf-8"))
    assert index["counts"] == {"total": LISTINGS, "done": LISTINGS, "failed": 0, "pending": 0}
    listed = [f for row in index["sources"] for f in row["files"]]
    assert len(listed) == len(set(listed)) == LISTINGS * len(FORMATS)
    on_disk = sorted(p.relative_to(out).as_posix() for p in (out / "reports").iterdir())
    assert on_disk == sorted(listed)  # no duplicates, no strays, no temp files
    assert not [p for p in out.rglob("*.partial")]
    for row, path in zip(index["sources"], listings, strict=True):
        assert row["source"] == str(path)
        report = json.loads((out / next(f for f in row["files"] if f.endswith(".json"))).read_text("utf-8"))
        assert report["listing"]["source"] == str(path)
        assert (out / next(f for f in row["files"] if f.endswith(".md"))).read_text("utf-8").strip()


@pytest.fixture
def batch_setup(tmp_path: Path) -> tuple[Path, Path, list[Path]]:
    listings = write_listings(tmp_path / "cards", LISTINGS)
    src = write_source_list(tmp_path / "sources.txt", listings)
    return src, tmp_path / "out", listings


def test_sigint_finishes_in_flight_and_rerun_resumes(batch_setup: tuple[Path, Path, list[Path]], tmp_path: Path) -> None:
    src, out, listings = batch_setup
    with FakeOpenAI(delay=0.3) as server:
        command = batch_command(src, out, server, concurrency=3)
        process = start(command, tmp_path / "run1.log")
        wait_until(lambda: server.chat_requests >= 9, "the first LLM requests")
        process.send_signal(signal.SIGINT)
        assert finish(process) == 130, (tmp_path / "run1.log").read_text()
        log = (tmp_path / "run1.log").read_text()
        assert "finishing" in log and "rerun the same command to resume" in log
        first = statuses(out)
        assert first.get("failed", 0) == 0
        assert 9 <= first["done"] < LISTINGS and first["done"] + first["pending"] == LISTINGS
        requests_first = server.chat_requests
        assert requests_first == first["done"]  # the in-flight sources were finished, nothing else started
        index = json.loads((out / "index.json").read_text("utf-8"))
        assert index["counts"]["pending"] == first["pending"]

        server.delay = 0.0  # the delay only keeps requests in flight for the interrupt; the rerun needs none
        process = start(command, tmp_path / "run2.log")
        assert finish(process) == 0, (tmp_path / "run2.log").read_text()
        check_complete(out, listings)
        assert server.chat_requests == LISTINGS  # each listing asked exactly once over both runs


def test_second_sigint_abandons_in_flight_sources(batch_setup: tuple[Path, Path, list[Path]], tmp_path: Path) -> None:
    src, out, listings = batch_setup
    with FakeOpenAI(delay=2.0) as server:
        command = batch_command(src, out, server, concurrency=4)
        process = start(command, tmp_path / "run1.log")
        wait_until(lambda: server.chat_requests >= 4, "the first LLM requests")
        process.send_signal(signal.SIGINT)
        wait_until(lambda: "finishing" in (tmp_path / "run1.log").read_text(), "the first interrupt to be seen")
        process.send_signal(signal.SIGINT)
        assert finish(process) == 130
        assert "stopping now" in (tmp_path / "run1.log").read_text()
        first = statuses(out)
        assert first.get("done", 0) + first.get("pending", 0) == LISTINGS and first.get("pending", 0) > 0

        server.delay = 0.0
        process = start(command, tmp_path / "run2.log")
        assert finish(process) == 0, (tmp_path / "run2.log").read_text()
        check_complete(out, listings)


def test_sigkill_mid_batch_loses_nothing(batch_setup: tuple[Path, Path, list[Path]], tmp_path: Path) -> None:
    src, out, listings = batch_setup
    with FakeOpenAI(delay=0.3) as server:
        command = batch_command(src, out, server, concurrency=3)
        process = start(command, tmp_path / "run1.log")
        wait_until(lambda: server.chat_requests >= 12, "the first LLM requests")
        process.kill()
        process.wait(timeout=60)
        first = statuses(out)
        assert 0 < first.get("done", 0) < LISTINGS
        # whatever the kill interrupted, a source marked done has all its report files
        db = sqlite3.connect(out / "batch-state.sqlite3")
        for (files,) in db.execute("SELECT files FROM sources WHERE status = 'done'"):
            assert len(json.loads(files)) == len(FORMATS)
            assert all((out / f).is_file() for f in json.loads(files))
        db.close()

        server.delay = 0.0
        process = start(command, tmp_path / "run2.log")
        assert finish(process) == 0, (tmp_path / "run2.log").read_text()
        check_complete(out, listings)
        # at most the requests in flight at the kill were asked again
        assert LISTINGS <= server.chat_requests <= LISTINGS + 3
