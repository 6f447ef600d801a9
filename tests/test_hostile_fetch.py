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


# ----------------------------------------------------------------------------- Medium/Low: URLs and tokens


@pytest.mark.parametrize("tail", ["../../../../api/whoami-v2", "%2e%2e/%2e%2e/%2E%2E/%2e%2e/api/whoami-v2", "%252e%252e/x", "..%2f..%2fapi/whoami-v2"])
def test_hf_url_with_dot_dot_segments_never_sends_hf_token_elsewhere(httpserver, tmp_path, tail):
    from analyzer.errors import BlockedURLError

    httpserver.expect_request("/api/whoami-v2").respond_with_json({"name": "victim", "email": "v@example.org"})
    config = fast_config(tmp_path, hf_endpoint=httpserver.url_for("").rstrip("/"), hf_token="hf_SECRETtoken123")
    with pytest.raises(BlockedURLError, match="segment"):
        fetch_listing(f"https://huggingface.co/org/model/blob/main/{tail}", allow_private=True, config=config)
    assert httpserver.log == []


def test_repository_token_is_scoped_to_the_repository_paths():
    from analyzer.fetch.http import Auth

    auth = Auth.bearer("https://hub.example", "t", paths=("/api/models/org/m", "/org/m/"))
    assert auth.applies_to("https://hub.example/api/models/org/m/revision/main")
    assert auth.applies_to("https://hub.example/org/m/resolve/abc/README.md")
    assert not auth.applies_to("https://hub.example/api/whoami-v2")
    assert not auth.applies_to("https://hub.example/org/m/../../api/whoami-v2")
    assert not auth.applies_to("https://hub.example/org/m2/resolve/x")
    assert not auth.applies_to("https://other.example/org/m/resolve/x")


@pytest.mark.parametrize("address", ["fec0::1", "fec0:1234::5", "192.0.0.8", "192.0.0.170", "64:ff9b:1::a00:1"])
def test_site_local_ipv6_and_ietf_protocol_addresses_are_refused(address):
    from analyzer.errors import BlockedURLError
    from analyzer.fetch.guard import pin_url

    host = f"[{address}]" if ":" in address else address
    with pytest.raises(BlockedURLError, match="refused"):
        pin_url(f"http://{host}/card.md")


def test_cr_lf_in_a_url_is_refused_and_not_echoed_raw(capsys, tmp_path, monkeypatch):
    from analyzer.cli.main import main

    monkeypatch.setenv("ANALYZER_CACHE_DIR", str(tmp_path))
    rc = main(["fetch", "https://example.org/a\r\nSet-Cookie: x=1"])
    err = capsys.readouterr().err
    assert rc == 2
    assert "\r" not in err and err.count("\n") == 1
    assert "%0D%0A" in err or "\\r\\n" in err


def test_credentials_in_base_url_are_redacted_in_errors():
    from analyzer.errors import ConfigError
    from analyzer.extract.llm_settings import settings_from_options
    from analyzer.redact import redact_url

    assert redact_url("https://bob:hunter22@gw.example/v1?api-key=sk-abcdef&x=1") == "https://***@gw.example/v1?api-key=***&x=1"
    with pytest.raises(ConfigError) as caught:
        settings_from_options(base_url="ftp://bob:hunter22@gw.example/v1", api_key="k")
    assert "hunter22" not in str(caught.value)
