"""`analyzer serve` JSON API and pages over the framework's test client: analyse, drafts, jobs, export, errors."""

from __future__ import annotations

import json

import pytest
from serve_support import TOKEN, client, example_text, new_draft, wait_job

from analyzer.fetch.local import MAX_LISTING_BYTES
from analyzer.models import Analysis
from analyzer.report import FORMATS


@pytest.fixture
def c(tmp_path):
    with client(tmp_path) as test_client:
        yield test_client


def test_analyze_text_returns_the_analysis_json(c):
    r = c.post("/api/analyze", json={"text": example_text(), "filename": "tidewater-agent.md"})
    assert r.status_code == 200
    analysis = Analysis.model_validate(r.json())
    assert analysis.listing.source == "tidewater-agent.md"
    assert analysis.aivss.score is not None and analysis.run.provider == "heuristic"


def test_analyze_raw_upload_is_decoded_like_a_local_file(c):
    latin1 = "# Agent\n\nIt runs shell commands on your machine and edits files — café.\n".encode("cp1252")
    r = c.post("/api/analyze?filename=card.md", content=latin1, headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 200, r.text
    assert "café" in r.json()["listing"]["text"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"text": "   ", "filename": "card.md"}, "card.md: the listing is empty — pass a file with the listing's text"),
        ({"source": "not a url"}, "source 'not a url' is not a URL"),
        ({"text": "x", "source": "https://example.org"}, "give either 'source' or 'text', not both"),
        ({"filename": "card.md"}, "the request has no listing"),
        ({"text": "# A", "provider": "openai"}, "provider 'openai' is not configured on this server"),
        ([1, 2], "the request body must be a JSON object"),
    ],
)
def test_bad_input_is_a_json_error_with_the_cli_message(c, body, message):
    r = c.post("/api/analyze", json=body)
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["message"].startswith(message)
    assert error["exit_code"] == 2 and error["type"] == "InputError"


def test_binary_upload_has_the_cli_message(c):
    r = c.post("/api/analyze?filename=model.bin", content=b"\x00\x01binary", headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "model.bin: looks like a binary file, not a listing — pass Markdown, HTML, plain text or JSON"


def test_oversized_listing_is_refused_with_the_cli_limit(c):
    big = "a" * (MAX_LISTING_BYTES + 1)
    r = c.post("/api/analyze", json={"text": big, "filename": "huge.md"})
    assert r.status_code == 400
    assert r.json()["error"]["message"].startswith("huge.md: the file is 5.0 MB, over the 5 MB listing limit")
    r = c.post("/api/analyze?filename=huge.md", content=big.encode(), headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 400 and "over the 5 MB listing limit" in r.json()["error"]["message"]


def test_invalid_json_body(c):
    r = c.post("/api/analyze", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["message"].startswith("the request body is not valid JSON")


def test_loopback_url_is_refused_by_the_ssrf_guard(c, httpserver):
    httpserver.expect_request("/card").respond_with_data("# Card\n\nIt runs shell commands.")
    r = c.post("/api/analyze", json={"source": httpserver.url_for("/card")})
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["type"] == "BlockedURLError" and "--allow-private" in error["message"]
    assert not httpserver.log, "the guard must refuse before any request is sent"


def test_url_is_fetched_when_private_addresses_are_allowed(tmp_path, httpserver, monkeypatch):
    monkeypatch.setenv("ANALYZER_FETCH_RETRIES", "1")
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/card").respond_with_data(example_text(), content_type="text/markdown")
    with client(tmp_path, allow_private=True) as c:
        r = c.post("/api/analyze", json={"source": httpserver.url_for("/card")})
    assert r.status_code == 200, r.text
    assert r.json()["listing"]["canonical_url"].endswith("/card")


def test_draft_lifecycle_create_list_open_duplicate_rename_delete(c):
    draft_id = new_draft(c)
    listed = c.get("/api/drafts").json()["drafts"]
    assert [d["id"] for d in listed] == [draft_id] and listed[0]["title"] == "Tidewater"
    got = c.get(f"/api/drafts/{draft_id}").json()
    assert got["draft"]["version"] == 1 and Analysis.model_validate(got["analysis"]).listing.source == "tidewater-agent.md"

    page = c.get(f"/drafts/{draft_id}")
    assert page.status_code == 200 and "Tidewater — agentic threat model" in page.text

    copy = c.post(f"/api/drafts/{draft_id}/duplicate", json={})
    assert copy.status_code == 201
    copy_id = copy.json()["draft"]["id"]
    assert copy_id != draft_id and copy.json()["draft"]["parent"] == draft_id
    assert c.get(f"/api/drafts/{copy_id}").json()["analysis"] == got["analysis"]

    renamed = c.post(f"/api/drafts/{copy_id}/rename", json={"title": "  Second   look "})
    assert renamed.json()["draft"]["title"] == "Second look"
    assert c.post(f"/api/drafts/{copy_id}/rename", json={"title": " "}).status_code == 400

    assert c.delete(f"/api/drafts/{copy_id}").status_code == 200
    assert c.get(f"/api/drafts/{copy_id}").status_code == 404
    assert c.delete(f"/api/drafts/{copy_id}").status_code == 404
    assert "Tidewater" in c.get("/").text


def test_unknown_draft_is_404_in_json_and_html(c):
    assert c.get("/api/drafts/0123456789ab").json()["error"]["message"].startswith("draft '0123456789ab' not found")
    r = c.get("/drafts/../../etc")
    assert r.status_code == 404
    r = c.get("/drafts/0123456789ab")
    assert r.status_code == 404 and "not found" in r.text and r.headers["content-type"].startswith("text/html")


def test_job_reports_a_failed_fetch_with_the_cli_message(c):
    r = c.post("/api/drafts", json={"source": "ftp://example.org/card.md"})
    job = wait_job(c, r.json())
    assert job["stage"] == "failed"
    assert job["error"]["message"].startswith("ftp://example.org/card.md: ftp:// URLs are not fetched (only http and https)")
    assert job["error"]["exit_code"] == 2
    assert c.get("/api/jobs/nope").status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_report_format_of_the_dispatch_exports(c, fmt):
    draft_id = new_draft(c)
    page = c.get(f"/drafts/{draft_id}").text
    assert f'/drafts/{draft_id}/export/{fmt}"' in page  # the export list comes from the render dispatch
    r = c.get(f"/drafts/{draft_id}/export/{fmt}")
    assert r.status_code == 200
    assert r.headers["content-disposition"].startswith('attachment; filename="Tidewater.')
    if fmt == "json":
        assert Analysis.model_validate_json(r.text).listing.source == "tidewater-agent.md"
    else:
        assert "Tidewater" in r.text


def test_unknown_export_format(c):
    draft_id = new_draft(c)
    r = c.get(f"/drafts/{draft_id}/export/pdf")
    assert r.status_code == 400 and "unknown report format &#x27;pdf&#x27;" in r.text


def test_quote_buttons_point_at_the_quote_in_the_listing_text(c):
    import html
    import re

    from analyzer.extract.grounding import normalise

    draft_id = new_draft(c)
    page = c.get(f"/drafts/{draft_id}").text
    text = Analysis.model_validate(c.get(f"/api/drafts/{draft_id}").json()["analysis"]).listing.text
    buttons = re.findall(r'class="quote" data-start="(\d+)" data-end="(\d+)">“([^”]*)”', page)
    assert len(buttons) >= 5, "the draft shows clickable quotes"
    for start, end, quote in buttons:  # each button selects exactly its quote, markup aside
        assert normalise(text[int(start) : int(end)]) == normalise(html.unescape(quote))


def test_start_page_offers_only_configured_providers(tmp_path, monkeypatch):
    with client(tmp_path) as c:
        assert 'value="openai"' not in c.get("/").text
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key-123456")
    with client(tmp_path) as c:
        page = c.get("/").text
    assert 'value="openai"' in page and "sk-test" not in page
    assert TOKEN in page  # the CSRF token is in the page for its script


def test_compare_with_a_newer_revision_and_keep_it(c):
    draft_id = new_draft(c)
    newer = example_text().replace("runs shell commands", "suggests shell commands") + "\n\nIt can now deploy to production servers.\n"
    assert "Compare" in c.get(f"/drafts/{draft_id}/compare").text
    r = c.post(f"/api/drafts/{draft_id}/compare", json={"text": newer, "filename": "tidewater-agent.md"})
    job = wait_job(c, r.json())
    assert job["stage"] == "done", job
    html = job["result"]["html"]
    assert "This draft" in html and "Fresh analysis" in html and "AIVSS " in html
    assert "Quotes that disappeared" in html  # analyzer.diff's quote comparison
    assert "analysis" not in job["result"]  # the fresh analysis stays on the server until kept
    kept = c.post(f"/api/jobs/{job['id']}/keep", json={})
    assert kept.status_code == 201 and kept.json()["draft"]["parent"] == draft_id
    fresh = c.get(f"/api/drafts/{kept.json()['draft']['id']}").json()["analysis"]
    assert "deploy to production" in fresh["listing"]["text"]
    assert c.post("/api/jobs/0000/keep", json={}).status_code == 404


def test_llm_provider_configured_on_the_server_runs_and_its_key_stays_there(tmp_path, monkeypatch):
    from fake_openai import FakeOpenAI
    from llm_helpers import API_KEY, LISTING_TEXT, draft_json

    fake = FakeOpenAI().start()
    try:
        monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", fake.url)
        monkeypatch.setenv("ANALYZER_MODEL", "gpt-4.1-mini")
        fake.push_content(draft_json())
        with client(tmp_path) as c:
            assert 'value="openai"' in c.get("/").text
            r = c.post("/api/drafts", json={"text": LISTING_TEXT, "filename": "harbor-pilot.md", "provider": "openai"})
            job = wait_job(c, r.json())
            assert job["stage"] == "done", job
            draft_id = job["result"]["draft"]
            got = c.get(f"/api/drafts/{draft_id}")
            assert got.json()["analysis"]["run"]["provider"] == "openai"
            for response in (got, c.get(f"/drafts/{draft_id}"), c.get("/"), c.get(f"/api/jobs/{job['id']}")):
                assert API_KEY not in response.text
        assert fake.calls == 1 and fake.requests[0].headers.get("authorization") == f"Bearer {API_KEY}"  # only the endpoint sees it
    finally:
        fake.stop()
