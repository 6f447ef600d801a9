"""Issue 10: the fetch deadline holds against slow servers; dead servers are fetch failures; HTTP stack."""

from __future__ import annotations

import pytest

from analyzer.errors import FetchError, UnreachableError
from analyzer.fetch import fetch_listing
from tests.bounded import within
from tests.drip_server import DripServer, drip_body, drip_headers
from tests.fetch_support import RecordingSleep, fast_config


def test_fetch_deadline_holds_against_dripped_headers(tmp_path):
    config = fast_config(tmp_path, read_timeout=1.0, total_timeout=0.6, max_attempts=3, respect_robots=False)
    with DripServer(drip_headers) as server, within(5, "a fetch from a server dripping header lines"):
        with pytest.raises(UnreachableError, match="timed out"):
            fetch_listing(server.url(), allow_private=True, config=config)


def test_fetch_deadline_holds_against_a_dripped_body_with_retries(tmp_path):
    # Each byte arrives well within the read timeout; only the whole-fetch deadline can stop this, and no
    # retry may start after it (the old code began a fresh 0.6 s per attempt: three requests).
    config = fast_config(tmp_path, read_timeout=1.0, total_timeout=0.6, max_attempts=3, respect_robots=False)
    with DripServer(drip_body) as server, within(5, "a fetch from a server dripping its body"):
        with pytest.raises(UnreachableError, match="timed out"):
            fetch_listing(server.url(), allow_private=True, config=config)
    assert server.connections == 1


def test_retry_waits_never_run_past_the_fetch_deadline(tmp_path, httpserver):
    httpserver.expect_request("/page").respond_with_data("busy", status=503, headers={"Retry-After": "3"})
    sleep = RecordingSleep()
    config = fast_config(tmp_path, total_timeout=2.0, max_attempts=4, sleep=sleep, respect_robots=False)
    with pytest.raises(FetchError, match="no time left"):
        fetch_listing(httpserver.url_for("/page"), allow_private=True, config=config)
    assert sleep.waits == []  # a 3 s wait cannot fit in a 2 s deadline: fail now, do not sleep first


def test_dead_server_is_a_fetch_failure_exit_3_not_robots(tmp_path, capsys, monkeypatch):
    from analyzer.cli.main import main

    monkeypatch.setenv("ANALYZER_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("ANALYZER_FETCH_RETRIES", "1")
    rc = main(["analyze", "http://127.0.0.1:1/card.md", "--allow-private", "--provider", "heuristic"])
    err = capsys.readouterr().err
    assert rc == 3, err
    assert "refused by" not in err and "robots" not in err and "127.0.0.1:1" in err


def test_fetcher_uses_the_openai_sdk_http_stack_only():
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "analyzer"
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n == "httpx" or n.startswith("httpx.") for n in names), f"{path} imports httpx; use httpx2 (the openai SDK's stack)"
