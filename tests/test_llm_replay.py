"""Response cache, record/replay, the pipeline and CLI path, and API-key hygiene for LLM extraction."""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

import httpx2
import pytest
from fake_openai import FakeOpenAI
from llm_helpers import (
    API_KEY,
    LISTING_TEXT,
    draft_json,
    extractor,
    fake,  # noqa: F401 - fixture
    make_listing,
)

from analyzer.cache import cache_dir
from analyzer.errors import ConfigError
from analyzer.extract import get_extractor
from analyzer.extract.replay import main as replay_main
from analyzer.cli.main import main
from analyzer.extract.replay import ReplayStore, make_server, request_hash
from analyzer.pipeline import analyze


def test_cache_hit_makes_no_second_http_call(fake: FakeOpenAI) -> None:
    fake.push_content(draft_json(), prompt_tokens=900, completion_tokens=100)
    first = extractor(fake).extract(make_listing())
    second = extractor(fake).extract(make_listing())  # a new extractor: the cache is on disk

    assert fake.calls == 1
    assert first.cache_hit is False and second.cache_hit is True
    assert second.profile == first.profile
    assert (second.input_tokens, second.output_tokens, second.estimated_cost_usd) == (0, 0, 0.0)


def test_cache_key_changes_with_model_and_listing(fake: FakeOpenAI) -> None:
    for _ in range(3):
        fake.push_content(draft_json())
    extractor(fake).extract(make_listing())
    extractor(fake, model="gpt-4.1").extract(make_listing())
    extractor(fake).extract(make_listing(source="other.md"))
    assert fake.calls == 3


def test_no_cache_calls_every_time(fake: FakeOpenAI) -> None:
    fake.push_content(draft_json())
    fake.push_content(draft_json())
    extractor(fake, no_cache=True).extract(make_listing())
    extractor(fake, use_cache=False).extract(make_listing())
    assert fake.calls == 2


def test_failed_extraction_is_not_cached(fake: FakeOpenAI) -> None:
    fake.push_content(None, refusal="no")
    fake.push_content(draft_json())
    assert extractor(fake).extract(make_listing()).outcome.status == "failed"
    assert extractor(fake).extract(make_listing()).outcome.status == "ok"
    assert fake.calls == 2


def test_record_then_replay_provider_and_server(fake: FakeOpenAI, tmp_path: Path) -> None:
    record = tmp_path / "rec"
    fake.push(400, {"error": {"message": "response_format json_schema unsupported"}})
    fake.push_content(draft_json())
    recorded = extractor(fake, record_dir=str(record)).extract(make_listing())
    assert recorded.outcome.status == "ok" and fake.calls == 2
    files = sorted(record.glob("*.json"))
    assert len(files) == 2  # the rejected json_schema request and the json_object answer
    entry = json.loads(files[0].read_text())
    assert entry["request_hash"] == request_hash(json.dumps(entry["request"]["body"]))

    # the replay provider: no socket, same profile, the fallback replayed too
    replayer = get_extractor("replay", replay_dir=str(record), model="gpt-4.1-mini", cross_check=False)
    assert replayer.name == "replay"
    replayed = replayer.extract(make_listing())
    assert fake.calls == 2
    assert replayed.outcome.status == "ok" and replayed.outcome.provider == "replay"
    assert replayed.profile == recorded.profile and replayed.estimated_cost_usd == 0.0

    # the replay server, for any OpenAI-compatible client
    server = make_server(record)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        via_server = extractor(fake, base_url=url, use_cache=False).extract(make_listing())
    finally:
        server.shutdown()
        server.server_close()
    assert via_server.profile == recorded.profile and fake.calls == 2


def test_replay_miss_is_an_explicit_failure(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = get_extractor("replay", replay_dir=str(tmp_path / "empty"), cross_check=False).extract(make_listing())
    assert result.outcome.status == "failed" and "no recorded response" in (result.outcome.error or "")


def test_replay_needs_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="replay"):
        get_extractor("replay")
    with pytest.raises(ConfigError, match="does not exist"):
        get_extractor("replay", replay_dir=str(tmp_path / "missing"))


def test_replay_server_cli_rejects_missing_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert replay_main(["serve", str(tmp_path / "nope"), "--port", "0"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_api_key_never_reaches_cache_recordings_reports_or_logs(
    fake: FakeOpenAI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    record = tmp_path / "rec"
    fake.push(429, {"error": {"message": f"slow down, key {API_KEY}"}}, headers={"Retry-After": "0"})
    fake.push_content(draft_json())
    ex = extractor(fake, record_dir=str(record), cross_check=True)
    analysis = analyze(make_listing(), extractor=ex)

    assert fake.requests[0].headers["authorization"] == f"Bearer {API_KEY}"  # it was really used
    assert analysis.extraction.status == "ok" and analysis.run.provider == "openai"
    assert API_KEY not in analysis.model_dump_json()
    for path in record.glob("*.json"):
        assert API_KEY not in path.read_text()
    assert "***REDACTED***" in "".join(p.read_text() for p in record.glob("*.json"))  # the echoed key was scrubbed
    for path in cache_dir().iterdir():
        if path.is_file():
            assert API_KEY.encode() not in path.read_bytes()
    assert API_KEY not in caplog.text
    assert len(list(record.glob("*.json"))) == 2


def test_pipeline_analyze_with_openai_provider(fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake.url)
    monkeypatch.setenv("OPENAI_API_KEY", "x")
    fake.push_content(draft_json(), prompt_tokens=500, completion_tokens=50)
    analysis = analyze(make_listing(), provider="openai", model="gpt-4.1-mini", cross_check=False)

    assert fake.calls == 1
    assert analysis.run.provider == "openai" and analysis.run.model == "gpt-4.1-mini"
    assert analysis.run.prompt_version == "extract-v2" and analysis.run.prompt_hash
    assert (analysis.run.input_tokens, analysis.run.output_tokens) == (500, 50)
    assert analysis.run.estimated_cost_usd is not None and analysis.run.estimated_cost_usd > 0
    assert analysis.aivss.score is not None
    assert any(e.verified for f in analysis.factors for e in f.evidence)


def test_pipeline_failed_extraction_has_no_values(fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake.url)
    fake.push_content(None, refusal="I won't.")
    analysis = analyze(make_listing(), provider="auto", cross_check=False)
    assert analysis.run.provider == "openai"
    assert analysis.failed and analysis.aivss.score is None
    assert all(f.value is None and f.status.value == "unknown" for f in analysis.factors)
    assert "refused" in (analysis.extraction.error or "")


@pytest.mark.skipif(
    not (Path(__file__).resolve().parents[1] / "analyzer" / "cli" / "analyze.py").exists(), reason="analyze CLI not built yet"
)
def test_cli_analyze_provider_openai(fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from analyzer.cli.main import main

    listing = tmp_path / "harbor.md"
    listing.write_text(make_listing().text, encoding="utf-8")
    monkeypatch.setenv("OPENAI_BASE_URL", fake.url)
    monkeypatch.setenv("OPENAI_API_KEY", "x")
    fake.push_content(draft_json())
    code = main(["analyze", str(listing), "--provider", "openai", "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0 and fake.calls == 1
    data = json.loads(out)
    assert data["run"]["provider"] == "openai" and data["extraction"]["status"] == "ok"

    fake.push_content(None, refusal="no")
    code = main(["analyze", str(listing), "--provider", "openai", "--no-cache", "--format", "json"])
    capsys.readouterr()
    assert code == 4 and fake.calls == 2


def test_env_is_clean_of_keys() -> None:
    # guards the tests above: conftest removes real credentials from the environment
    assert os.environ.get("OPENAI_API_KEY") in (None, "")


def test_replay_server_module_serves_recordings(fake: FakeOpenAI, tmp_path: Path) -> None:
    import subprocess
    import sys

    import httpx2

    record = tmp_path / "rec"
    fake.push_content(draft_json())
    recorded = extractor(fake, record_dir=str(record)).extract(make_listing())
    proc = subprocess.Popen(
        [sys.executable, "-m", "analyzer.extract.replay", "serve", str(record), "--port", "0"],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1],
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = line.split(" on ", 1)[1].split(" ", 1)[0]
        assert httpx2.get(url.removesuffix("/v1") + "/health").json()["recordings"] == 1
        replayed = extractor(fake, base_url=url, use_cache=False).extract(make_listing())
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert replayed.profile == recorded.profile and fake.calls == 1


# --------------------------------------------------------------------------- hostile replay directories (issue 10)


def _recording(tmp_path: Path, fake: FakeOpenAI) -> Path:
    """A directory with one real recording of one extraction."""
    record = tmp_path / "rec"
    fake.push_content(draft_json())
    assert extractor(fake, record_dir=str(record), use_cache=False).extract(make_listing()).outcome.status == "ok"
    return record


def _load_in_thread(directory: Path) -> tuple[threading.Thread, list[object]]:
    out: list[object] = []

    def load() -> None:
        try:
            out.append(ReplayStore(directory))
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            out.append(exc)

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(timeout=20)
    return thread, out


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_replay_directory_with_a_fifo_does_not_hang(fake: FakeOpenAI, tmp_path: Path) -> None:
    record = _recording(tmp_path, fake)
    os.mkfifo(record / "0000-stuck.json")  # opening it for reading would block until a writer appears
    thread, out = _load_in_thread(record)
    assert not thread.is_alive(), "loading the replay directory blocked on a FIFO"
    store = out[0]
    assert isinstance(store, ReplayStore) and len(store) == 1 and "0000-stuck.json" in store.skipped


def test_replay_directory_with_a_symlink_to_dev_zero_does_not_grow(fake: FakeOpenAI, tmp_path: Path) -> None:
    record = _recording(tmp_path, fake)
    (record / "0000-zero.json").symlink_to("/dev/zero")  # reading it would never end
    thread, out = _load_in_thread(record)
    assert not thread.is_alive()
    assert isinstance(out[0], ReplayStore) and len(out[0]) == 1 and "0000-zero.json" in out[0].skipped


@pytest.mark.parametrize(
    "content",
    ['{"format": "analyzer-llm-recording/1", "request_hash": 7}', '{"format": "analyzer-llm-recording/1", "request_hash": "ab", "response": {"status": "200"}}',
     "{not json", "[" * 50_000],
)
def test_replay_directory_with_a_malformed_file_gives_a_clean_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str) -> None:
    record = tmp_path / "rec"
    record.mkdir()
    (record / "bad.json").write_text(content, "utf-8")
    with pytest.raises(ConfigError, match="replay file .*bad.json"):
        ReplayStore(record)
    listing = tmp_path / "card.md"
    listing.write_text(LISTING_TEXT, "utf-8")
    assert main(["analyze", str(listing), "--replay", str(record)]) == 2
    err = capsys.readouterr().err
    assert "bad.json" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_replay_server_does_not_replay_redirects_to_other_hosts(fake: FakeOpenAI, tmp_path: Path) -> None:
    record = _recording(tmp_path, fake)
    path = next(record.glob("*.json"))
    entry = json.loads(path.read_text("utf-8"))
    entry["response"] = {"status": 307, "headers": {"location": "http://198.51.100.7/v1/chat/completions"}, "body": ""}
    path.write_text(json.dumps(entry), "utf-8")
    server = make_server(record)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        response = httpx2.post(f"http://127.0.0.1:{port}/v1/chat/completions", content=json.dumps(entry["request"]["body"]),
                              headers={"content-type": "application/json"}, follow_redirects=False, timeout=10)
        assert response.status_code == 502 and "location" not in response.headers
        assert "redirect" in response.json()["error"]["message"]
    finally:
        server.shutdown()
        server.server_close()
