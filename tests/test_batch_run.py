"""The batch runner in-process (heuristic extractor): outputs, failures, dedup, resume rules."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from analyzer.batch.inputs import read_inputs
from analyzer.batch.outputs import IndexRow, write_index
from analyzer.batch.runner import BatchOptions, BatchReport, run_batch
from analyzer.batch.state import BatchState
from analyzer.errors import ConfigError
from batch_fixtures import CountingExtractor, write_listings, write_source_list

FINGERPRINT = {"provider": "heuristic", "model": None}


def run(input_file: Path, out: Path, extractor: CountingExtractor, **options: object) -> BatchReport:
    return run_batch(
        read_inputs(input_file),
        BatchOptions(**{"out_dir": out, "show_progress": False, "quiet": True, "concurrency": 4, **options}),  # type: ignore[arg-type]
        extractor=extractor,
        fingerprint=FINGERPRINT,
    )


def load_index(out: Path) -> list[dict]:
    return json.loads((out / "index.json").read_text("utf-8"))["sources"]


def test_outputs_index_csv_and_overview(tmp_path: Path) -> None:
    listings = write_listings(tmp_path / "cards", 6)
    missing = tmp_path / "cards" / "missing.md"
    src = write_source_list(tmp_path / "sources.txt", [*listings, missing, "http://127.0.0.1:9/private-card"])
    out = tmp_path / "out"
    report = run(src, out, CountingExtractor())

    assert (report.total, report.done, report.failed, report.pending) == (8, 6, 2, 0)
    assert report.exit_code == 5
    index = load_index(out)
    assert [row["position"] for row in index] == list(range(8))
    for row, path in zip(index[:6], listings, strict=True):
        assert row["status"] == "done" and row["error"] is None
        assert row["source"] == str(path)
        assert isinstance(row["score"], float) and row["band"] in ("Critical", "High", "Medium", "Low", "None")
        assert row["kind"] and row["factor_sum"] is not None
        assert row["files"] == [f"reports/{Path(f).name}" for f in row["files"]]
        assert {Path(f).suffix for f in row["files"]} == {".md", ".json"}
        for f in row["files"]:
            assert (out / f).is_file()
        report_json = json.loads((out / row["files"][1]).read_text("utf-8"))
        assert report_json["aivss"]["score"] == row["score"]
    failed = {Path(r["source"]).name: r for r in index[6:]}
    assert set(failed) == {"missing.md", "private-card"}
    for row in failed.values():
        assert row["status"] == "failed" and row["score"] is None and row["band"] == "Unknown" and row["files"] == []
    assert "no such file" in failed["missing.md"]["error"]
    assert failed["private-card"]["error"]  # refused by the SSRF guard (private address), with its reason

    with (out / "index.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["status"] for r in rows] == [r["status"] for r in index]
    assert rows[6]["score"] == "" and rows[0]["score"] == str(index[0]["score"])

    overview = (out / "overview.md").read_text("utf-8")
    table = [line for line in overview.splitlines() if line.startswith("| ") and line[2:3].isdigit()]
    scores = [float(line.split("|")[4]) for line in table]
    assert len(table) == 6 and scores == sorted(scores, reverse=True)
    failed_part = overview.split("## Failed", 1)[1]
    assert "missing.md" in failed_part and "unknown" in failed_part and "no such file" in failed_part
    html = (out / "overview.html").read_text("utf-8")
    assert html.count("<tr><td class=\"num\">") == 6 and "Failed (risk unknown)" in html
    # one style with the reports (their page and stylesheet), kinds as people say them, not slugs
    assert "--critical" in html and 'class="pill band-' in html and "Content-Security-Policy" in html
    kinds = {r["kind"] for r in index if r["kind"]}
    assert kinds and not any(f"<td>{k}</td>" in html for k in kinds if "-" in k)
    assert not any(f"| {k} |" in overview for k in kinds if "-" in k)


def test_identical_content_is_extracted_once(tmp_path: Path) -> None:
    a, b, c = write_listings(tmp_path / "cards", 3)
    twin = tmp_path / "other" / "copy-of-a.md"
    twin.parent.mkdir()
    twin.write_bytes(a.read_bytes())
    src = write_source_list(tmp_path / "s.txt", [a, twin, b, c])
    extractor = CountingExtractor()
    report = run(src, tmp_path / "out", extractor)
    assert report.done == 4
    assert len(extractor.calls) == 3 and report.extractions == 3 and report.reused == 1
    index = load_index(tmp_path / "out")
    assert index[0]["content_hash"] == index[1]["content_hash"] != index[2]["content_hash"]
    assert index[0]["score"] == index[1]["score"]
    assert index[0]["files"] != index[1]["files"]  # one report per source, each under its own name


def test_rerun_skips_done_and_retries_failed_extractions(tmp_path: Path) -> None:
    listings = write_listings(tmp_path / "cards", 5)
    src = write_source_list(tmp_path / "s.txt", listings)
    out = tmp_path / "out"
    first = run(src, out, CountingExtractor(fail_sources={listings[2].name}))
    assert (first.done, first.failed, first.exit_code) == (4, 1, 5)
    row = load_index(out)[2]
    assert row["status"] == "failed" and "extraction failed: the model refused" in row["error"] and row["score"] is None
    assert not list((out / "reports").glob(f"{listings[2].stem}-*"))  # no report for a failed extraction

    again = CountingExtractor()
    second = run(src, out, again)
    assert again.calls == [str(listings[2])]  # only the failed one
    assert (second.done, second.failed, second.skipped_done, second.exit_code) == (5, 0, 4, 0)
    assert load_index(out)[2]["attempts"] == 2

    third = CountingExtractor()
    assert run(src, out, third).exit_code == 0 and third.calls == []


def test_input_failures_are_kept_until_retry_failed(tmp_path: Path) -> None:
    (ok,) = write_listings(tmp_path / "cards", 1)
    missing = tmp_path / "cards" / "later.md"
    src = write_source_list(tmp_path / "s.txt", [ok, missing])
    out = tmp_path / "out"
    assert run(src, out, CountingExtractor()).failed == 1
    missing.write_text("# Later\n\nLater is a speech recognition model that transcribes audio.\n", encoding="utf-8")
    kept = run(src, out, CountingExtractor())
    assert (kept.failed, kept.kept_failed, kept.attempted) == (1, 1, 0)
    retried = run(src, out, CountingExtractor(), retry_failed=True)
    assert (retried.done, retried.failed, retried.exit_code) == (2, 0, 0)


def test_one_exception_does_not_stop_the_batch(tmp_path: Path) -> None:
    listings = write_listings(tmp_path / "cards", 6)
    src = write_source_list(tmp_path / "s.txt", listings)
    report = run(src, tmp_path / "out", CountingExtractor(raise_sources={listings[1].name}))
    assert (report.done, report.failed) == (5, 1)
    assert report.failures == [(str(listings[1]), "internal error: RuntimeError: boom")]


def test_missing_or_new_report_files_are_written_without_extracting_again(tmp_path: Path) -> None:
    listings = write_listings(tmp_path / "cards", 3)
    src = write_source_list(tmp_path / "s.txt", listings)
    out = tmp_path / "out"
    run(src, out, CountingExtractor(), formats=("md",))
    first_md = out / load_index(out)[0]["files"][0]
    first_md.unlink()
    again = CountingExtractor()
    report = run(src, out, again, formats=("md", "json"))
    assert again.calls == [] and report.reused == 3 and report.done == 3
    assert first_md.is_file()
    for row in load_index(out):
        assert sorted(Path(f).suffix for f in row["files"]) == [".json", ".md"]
        assert all((out / f).is_file() for f in row["files"])


def test_stale_temp_files_are_removed(tmp_path: Path) -> None:
    (card,) = write_listings(tmp_path / "cards", 1)
    src = write_source_list(tmp_path / "s.txt", [card])
    out = tmp_path / "out"
    (out / "reports").mkdir(parents=True)
    leftover = out / "reports" / ".x.md.abc123.partial"
    leftover.write_text("half a rep", encoding="utf-8")
    run(src, out, CountingExtractor())
    assert not leftover.exists()
    assert not [p for p in out.rglob("*") if p.name.endswith(".partial")]


def test_out_dir_of_another_provider_is_refused(tmp_path: Path) -> None:
    (card,) = write_listings(tmp_path / "cards", 1)
    src = write_source_list(tmp_path / "s.txt", [card])
    out = tmp_path / "out"
    run(src, out, CountingExtractor())
    with pytest.raises(ConfigError, match="other settings") as info:
        run_batch(read_inputs(src), BatchOptions(out_dir=out, show_progress=False, quiet=True), extractor=CountingExtractor(), fingerprint={"provider": "openai", "model": "m"})
    assert "--out" in (info.value.hint or "")


def test_corrupt_state_db_is_an_input_error(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "batch-state.sqlite3").write_bytes(b"this is not a database" * 100)
    from analyzer.errors import InputError

    with pytest.raises(InputError, match="cannot open the batch state DB"):
        BatchState(out)


def test_index_cells_are_safe_for_spreadsheets_and_html(tmp_path: Path) -> None:
    rows = [
        IndexRow(0, "=HYPERLINK(\"http://evil\")", "/a.md", "text-llm", 3.0, "Low", 1.0, "done", None, ["reports/a.md"], "h1", 1),
        IndexRow(1, "<script>alert(1)</script>", "/b.md", "text-llm", 7.5, "High", 4.0, "done", None, ["reports/b.html"], "h2", 1),
        IndexRow(2, "c", "/c|d.md", None, None, "Unknown", None, "failed", "bad | thing", [], None, 1),
        IndexRow(3, "d", "/d.md", None, None, "Unknown", None, "pending", None, [], None, 0),
    ]
    write_index(tmp_path, rows)
    with (tmp_path / "index.csv").open(encoding="utf-8", newline="") as fh:
        names = [r["name"] for r in csv.DictReader(fh)]
    assert names[0].startswith("'=")
    html = (tmp_path / "overview.html").read_text("utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html
    md = (tmp_path / "overview.md").read_text("utf-8")
    assert "bad \\| thing" in md and "Not analysed yet" in md
    body = [line for line in md.splitlines() if line.startswith("| 1 |") or line.startswith("| 2 |")]
    assert "7.5" in body[0] and "3.0" in body[1]  # sorted by score, highest first
    counts = json.loads((tmp_path / "index.json").read_text("utf-8"))["counts"]
    assert counts == {"total": 4, "done": 2, "failed": 1, "pending": 1}


def test_llm_rate_limits_charge_real_usage_and_refund_cache_hits(tmp_path: Path) -> None:
    import asyncio

    from analyzer.batch.limits import TokenBucket
    from analyzer.batch.runner import BatchRunner, open_batch, run_batch_async
    from analyzer.extract.heuristic import HeuristicExtractor

    class MeteredLLM:
        name = "openai"

        def __init__(self) -> None:
            self.inner = HeuristicExtractor()

        def extract(self, listing):  # type: ignore[no-untyped-def]
            hit = listing.source.endswith("listing-000.md")
            result = self.inner.extract(listing)
            return result.model_copy(update={"cache_hit": hit, "input_tokens": 0 if hit else 1000, "output_tokens": 0 if hit else 200})

    listings = write_listings(tmp_path / "cards", 3)
    src = write_source_list(tmp_path / "s.txt", listings)
    options = BatchOptions(out_dir=tmp_path / "out", show_progress=False, quiet=True, rpm=6, tpm=100_000)
    sources = read_inputs(src)
    state = open_batch(sources, options, {"provider": "openai", "model": "m"})
    runner = BatchRunner(sources, options, MeteredLLM(), state, llm=True)
    assert runner.limiter is not None
    frozen = lambda: 0.0  # noqa: E731 - no refill during the test, so the levels are exact
    runner.limiter.requests = TokenBucket(6, clock=frozen)
    runner.limiter.tokens = TokenBucket(100_000, clock=frozen)
    report = asyncio.run(run_batch_async(runner))
    state.close()
    assert report.done == 3
    assert runner.limiter.requests.level == pytest.approx(6 - 3 + 1)  # the cache hit made no request
    assert runner.limiter.tokens.level == pytest.approx(100_000 - 2 * 1200)  # estimates settled to real usage


def test_one_run_per_out_dir_at_a_time(tmp_path: Path) -> None:
    from analyzer.errors import InputError

    first = BatchState(tmp_path / "out")
    try:
        with pytest.raises(InputError, match="another `analyzer batch` run is using this out directory"):
            BatchState(tmp_path / "out")
    finally:
        first.close()
    BatchState(tmp_path / "out").close()  # free again once the first run closed


def test_twin_arriving_while_the_first_is_still_reporting_reuses_its_extraction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from analyzer.batch.runner import BatchRunner

    a, b = write_listings(tmp_path / "cards", 2)
    twin = tmp_path / "twin.md"
    twin.write_bytes(a.read_bytes())
    src = write_source_list(tmp_path / "s.txt", [a, b, twin])
    twin_done = threading.Event()
    original = BatchRunner._finish

    def finish(self, source, listing, result):  # type: ignore[no-untyped-def]
        if source.key == str(a):
            twin_done.wait(5)  # hold the first copy in its reporting step until the twin is through
        out = original(self, source, listing, result)
        if source.key == str(twin):
            twin_done.set()
        return out

    monkeypatch.setattr(BatchRunner, "_finish", finish)
    extractor = CountingExtractor()
    report = run(src, tmp_path / "out", extractor, concurrency=2)
    assert report.done == 3 and twin_done.is_set()
    # Loading runs concurrently, so either copy of the shared text may be the one extracted; what
    # matters is that the text is extracted once and both copies are reported from it.
    assert len(extractor.calls) == 2 and str(b) in extractor.calls
    assert len({str(a), str(twin)} & set(extractor.calls)) == 1


def test_concurrency_bounds_llm_requests_in_flight_and_keeps_them_busy(tmp_path: Path) -> None:
    from analyzer.extract import get_extractor
    from batch_servers import FakeOpenAI

    listings = write_listings(tmp_path / "cards", 12)
    src = write_source_list(tmp_path / "s.txt", listings)
    with FakeOpenAI(delay=0.2) as server:
        extractor = get_extractor("openai", model="fake-model", base_url=server.base_url, api_key="sk-test", use_cache=False)
        report = run_batch(
            read_inputs(src),
            BatchOptions(out_dir=tmp_path / "out", show_progress=False, quiet=True, concurrency=3),
            extractor=extractor,
            fingerprint={"provider": "openai", "model": "fake-model"},
            llm=True,
        )
    assert report.done == 12 and server.chat_requests == 12
    # --concurrency is the number of LLM requests in flight: never more, and reached while sources are
    # loaded and reported around them.
    assert server.chat_peak == 3
