"""`analyzer batch` on the command line: exit codes, messages, formats, a JSONL manifest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.cli.main import main
from batch_fixtures import write_listings, write_source_list


def test_all_done_exits_0_with_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    listings = write_listings(tmp_path / "cards", 3)
    src = write_source_list(tmp_path / "s.txt", listings)
    out = tmp_path / "out"
    assert main(["batch", str(src), "--out", str(out), "--provider", "heuristic", "--format", "html", "--format", "md"]) == 0
    err = capsys.readouterr().err
    assert "3 sources: 3 done, 0 failed, 0 pending" in err and "index.json" in err
    for row in json.loads((out / "index.json").read_text("utf-8"))["sources"]:
        assert [Path(f).suffix for f in row["files"]] == [".html", ".md"]
        assert (out / row["files"][0]).read_text("utf-8").lstrip().lower().startswith("<!doctype html")


def test_failures_exit_5_and_are_listed_with_their_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (ok,) = write_listings(tmp_path / "cards", 1)
    src = write_source_list(tmp_path / "s.txt", [ok, "gone.md", "ftp://example.invalid/card"])
    out = tmp_path / "out"
    assert main(["batch", str(src), "--out", str(out), "--provider", "heuristic"]) == 5
    err = capsys.readouterr().err
    assert "1 done, 2 failed" in err
    assert f"failed: {tmp_path / 'gone.md'}: " in err and "no such file" in err
    assert "failed: ftp://example.invalid/card: " in err
    rows = json.loads((out / "index.json").read_text("utf-8"))["sources"]
    assert [r["status"] for r in rows] == ["done", "failed", "failed"]
    assert all(r["error"] for r in rows[1:])
    overview = (out / "overview.md").read_text("utf-8")
    assert "ftp://example.invalid/card" in overview.split("## Failed", 1)[1]

    # the rerun keeps input failures without --retry-failed, and says so
    assert main(["batch", str(src), "--out", str(out), "--provider", "heuristic"]) == 5
    assert "pass --retry-failed" in capsys.readouterr().err


def test_jsonl_manifest_with_slugs(tmp_path: Path) -> None:
    listings = write_listings(tmp_path / "cards", 2)
    manifest = tmp_path / "m.jsonl"
    manifest.write_text(
        json.dumps({"path": f"cards/{listings[0].name}", "slug": "Alpha Agent"}) + "\n" + json.dumps({"source": str(listings[1])}) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert main(["--quiet", "batch", str(manifest), "--out", str(out), "--provider", "heuristic", "--format", "json"]) == 0
    rows = json.loads((out / "index.json").read_text("utf-8"))["sources"]
    assert rows[0]["files"][0].startswith("reports/alpha-agent-") and rows[1]["files"][0].startswith("reports/listing-001-")


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--concurrency", "0"], "--concurrency 0: must be greater than 0"),
        (["--per-host", "two"], "--per-host 'two': not a whole number"),
        (["--rpm", "-5"], "--rpm -5: must be greater than 0"),
        (["--tpm", "lots"], "--tpm 'lots': not a number"),
    ],
)
def test_bad_limits_are_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], message: str) -> None:
    (card,) = write_listings(tmp_path / "cards", 1)
    src = write_source_list(tmp_path / "s.txt", [card])
    assert main(["batch", str(src), "--out", str(tmp_path / "out"), "--provider", "heuristic", *flags]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_missing_input_and_file_as_out_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["batch", str(tmp_path / "none.txt"), "--out", str(tmp_path / "out")]) == 2
    assert "no such input file" in capsys.readouterr().err
    (card,) = write_listings(tmp_path / "cards", 1)
    src = write_source_list(tmp_path / "s.txt", [card])
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x", encoding="utf-8")
    assert main(["batch", str(src), "--out", str(not_a_dir)]) == 2
    assert "is not a directory" in capsys.readouterr().err


def test_url_sources_are_fetched_and_a_missing_page_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from batch_fixtures import TEMPLATES

    class Pages(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            if self.path.startswith("/card/"):
                body = TEMPLATES[0].format(name=f"Web Agent {self.path.rsplit('/', 1)[-1]}").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/markdown; charset=utf-8")
            else:
                body = b"not here"
                self.send_response(404)
                self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        src = write_source_list(tmp_path / "urls.txt", [f"{base}/card/1", f"{base}/card/2", f"{base}/missing"])
        out = tmp_path / "out"
        code = main(["batch", str(src), "--out", str(out), "--provider", "heuristic", "--allow-private", "--per-host", "1"])
    finally:
        server.shutdown()
        server.server_close()
    assert code == 5
    rows = json.loads((out / "index.json").read_text("utf-8"))["sources"]
    assert [r["status"] for r in rows] == ["done", "done", "failed"]
    assert rows[0]["name"] != rows[1]["name"] and rows[0]["files"][0].startswith("reports/card-1-")
    assert "404" in rows[2]["error"] or "not found" in rows[2]["error"].lower()
