"""`analyzer fetch URL`: what the analyzer will read, the SSRF flag, cache flags and exit codes."""

from __future__ import annotations

import json

import pytest
from fetch_support import _no_fetch_env, fixture_json, fixture_text, paths  # noqa: F401

from analyzer.cli.main import main
from analyzer.models import Listing

PAGE = "<html><head><title>CLI Agent</title></head><body><main><h1>CLI Agent</h1><p>It deploys servers.</p></main></body></html>"


@pytest.fixture
def page_server(httpserver, monkeypatch):
    monkeypatch.setenv("ANALYZER_FETCH_RETRIES", "2")
    monkeypatch.setenv("ANALYZER_FETCH_TIMEOUT", "3")
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/listing").respond_with_data(PAGE, content_type="text/html", headers={"ETag": '"cli-1"'})
    return httpserver


def test_fetch_loopback_url_refused_without_allow_private(page_server, capsys):
    code = main(["fetch", page_server.url_for("/listing")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("analyzer: error: ") and "loopback" in err and "--allow-private" in err
    assert "Traceback" not in err
    assert page_server.log == []


def test_fetch_loopback_url_with_allow_private_prints_the_listing(page_server, capsys):
    assert main(["fetch", "--allow-private", page_server.url_for("/listing")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# CLI Agent\n")
    assert "- **Revision:** \"cli-1\"" in out
    assert "- **Canonical URL:** " + page_server.url_for("/listing") in out
    assert "It deploys servers." in out

    assert main(["fetch", "--allow-private", "--format", "json", page_server.url_for("/listing")]) == 0
    listing = Listing.model_validate_json(capsys.readouterr().out)
    assert listing.source_type == "url" and listing.title == "CLI Agent"


def test_fetch_cache_flags(page_server, capsys):
    url = page_server.url_for("/listing")
    for argv in (["fetch", "--allow-private", url], ["fetch", "--allow-private", url]):
        assert main(argv) == 0
    assert paths(page_server).count("/listing") == 1  # the second run is a cache hit
    assert paths(page_server).count("/robots.txt") == 1  # and so is the (404) robots.txt decision
    assert main(["fetch", "--allow-private", "--no-cache", url]) == 0
    assert paths(page_server).count("/listing") == 2
    assert main(["fetch", "--allow-private", "--refresh", url]) == 0
    assert paths(page_server).count("/listing") == 3
    assert page_server.log[-1][0].headers.get("If-None-Match") == '"cli-1"'
    capsys.readouterr()


def test_fetch_server_errors_exhaust_retries_with_exit_code_3(page_server, capsys):
    page_server.expect_request("/broken").respond_with_data("boom", status=502)
    code = main(["fetch", "--allow-private", page_server.url_for("/broken")])
    err = capsys.readouterr().err
    assert code == 3
    assert "HTTP 502 on all 2 tries" in err and err.count("\n") == 1
    assert paths(page_server).count("/broken") == 2


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://example.com/"])
def test_fetch_refuses_other_schemes(url, capsys):
    assert main(["fetch", url]) == 2
    assert "only http and https" in capsys.readouterr().err


def test_fetch_hugging_face_url_through_hf_endpoint(httpserver, monkeypatch, capsys):
    monkeypatch.setenv("HF_ENDPOINT", httpserver.url_for("").rstrip("/"))
    info = fixture_json("hf_model_info.json")
    httpserver.expect_request("/api/models/acme/tiny-agent-7b").respond_with_json(info)
    httpserver.expect_request(f"/acme/tiny-agent-7b/resolve/{info['sha']}/README.md").respond_with_data(fixture_text("hf_readme.md"))
    assert main(["fetch", "https://huggingface.co/acme/tiny-agent-7b"]) == 2  # the endpoint is loopback: guarded
    assert httpserver.log == []
    assert main(["fetch", "--allow-private", "--format", "json", "https://huggingface.co/acme/tiny-agent-7b"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["source_type"] == "huggingface" and data["revision"] == info["sha"]
    assert {"key": "pipeline_tag", "value": "text-generation", "source": "hf_api"} in data["metadata"]


def test_fetch_reads_local_files_too(tmp_path, capsys):
    path = tmp_path / "card.md"
    path.write_text("# Local Agent\n\nIt reads files.\n", "utf-8")
    assert main(["fetch", str(path)]) == 0
    assert "# Local Agent" in capsys.readouterr().out


def test_bad_fetch_env_is_a_config_error(monkeypatch, capsys):
    monkeypatch.setenv("ANALYZER_FETCH_RETRIES", "zero")
    assert main(["fetch", "https://example.com/"]) == 2
    assert "ANALYZER_FETCH_RETRIES" in capsys.readouterr().err
