"""Issue 10, High/Low: YAML/JSON limits, scoring input, cache damage, manifests, full disks, report names."""

from __future__ import annotations

import errno
import json
import sqlite3
import time

import pytest

from analyzer.batch.inputs import legacy_stem, read_inputs, source_stem
from analyzer.cache import SqliteCache
from analyzer.errors import InputError
from analyzer.fetch import fetch_listing
from analyzer.fetch.httpcache import CachedResponse
from analyzer.fetch.parse import build_listing, flatten_metadata
from tests.bounded import within
from tests.fetch_support import fast_config
from tests.hostile_inputs import alias_bomb, deep_json, deep_yaml_front_matter

CARD = "# Card\n\nAn agent that runs shell commands on your machine.\n"


def test_yaml_alias_bomb_in_front_matter_is_bounded():
    text = alias_bomb(9)
    assert len(text) < 700
    with within(10, "a 9-level YAML alias bomb"):
        listing = build_listing(text, source="bomb.md", source_type="file")
    assert listing.metadata == []  # over the alias limit: treated like malformed front matter
    assert "Text." in listing.text


def test_flatten_metadata_counts_every_leaf_including_empty_ones():
    level = [None] * 9
    for _ in range(8):
        level = [level] * 9  # shared references: 9**9 leaves, almost no memory
    with within(10, "flattening 387 million shared None leaves"):
        assert flatten_metadata({"a": level, "b": "kept?"}, source="front_matter") == []
    deep: object = "leaf"
    for _ in range(5000):
        deep = {"k": deep}
    assert flatten_metadata(deep, source="json") == []  # below the depth limit, and no RecursionError


def test_deeply_nested_json_listing_is_a_one_line_error(tmp_path, capsys):
    from analyzer.cli.main import main

    path = tmp_path / "deep.json"
    path.write_text(deep_json(10_000), "utf-8")
    rc = main(["analyze", str(path), "--provider", "heuristic"])
    err = capsys.readouterr().err
    # Too deep to be JSON, so read as the text it is (or refused in one line): never a traceback.
    assert rc in (0, 2) and "RecursionError" not in err and "internal error" not in err, err
    with pytest.raises(InputError, match="nested too deeply"):
        build_listing(deep_json(10_000), source="deep.json", source_type="file", content_type="application/json")


def test_deeply_nested_yaml_front_matter_is_no_recursion_error():
    listing = build_listing(deep_yaml_front_matter(10_000), source="deep.md", source_type="file")
    assert listing.metadata == [] and "Text." in listing.text


@pytest.mark.parametrize("count", [3, 12])
def test_score_with_3_or_12_factors_is_a_one_line_error(tmp_path, capsys, count):
    from analyzer.cli.main import main

    card = tmp_path / "card.md"
    card.write_text(CARD, "utf-8")
    assert main(["analyze", str(card), "--provider", "heuristic", "--format", "json", "--out", str(tmp_path / "a.json")]) == 0
    data = json.loads((tmp_path / "a.json").read_text("utf-8"))
    data["factors"] = (data["factors"] * 2)[:count]
    (tmp_path / "bad.json").write_text(json.dumps(data), "utf-8")
    capsys.readouterr()
    rc = main(["score", str(tmp_path / "bad.json")])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "ValidationError" not in err, err
    assert "factors" in err


@pytest.mark.parametrize("damage", ["garbage_file", "path_is_directory", "cache_dir_is_a_file"])
def test_corrupt_or_unusable_cache_is_a_miss_with_a_warning(tmp_path, monkeypatch, caplog, damage):
    path = tmp_path / "cache.sqlite3"
    if damage == "garbage_file":
        path.write_bytes(b"this is not a database" * 100)
    elif damage == "path_is_directory":
        path.mkdir()
    else:
        (tmp_path / "not-a-dir").write_text("x")
        monkeypatch.setenv("ANALYZER_CACHE_DIR", str(tmp_path / "not-a-dir"))
        path = None
    with caplog.at_level("WARNING", logger="analyzer.cache"):
        cache = SqliteCache(f"test_{damage}", path)
        cache.put("k", {"v": 1})
        assert cache.get("k") is None
    assert "unusable" in caplog.text


def test_fetch_with_a_garbage_cache_still_fetches(tmp_path, httpserver):
    httpserver.expect_request("/card.md").respond_with_data(CARD, content_type="text/markdown")
    (tmp_path / "fetch-cache.sqlite3").write_bytes(b"\x00garbage" * 500)
    listing = fetch_listing(httpserver.url_for("/card.md"), allow_private=True, config=fast_config(tmp_path, respect_robots=False))
    assert "shell commands" in listing.text


def test_cache_entry_dated_in_the_future_is_not_served_forever(tmp_path, httpserver):
    from analyzer.fetch.httpcache import HttpCache

    httpserver.expect_request("/card.md").respond_with_data(CARD, content_type="text/markdown")
    config = fast_config(tmp_path, respect_robots=False)
    url = httpserver.url_for("/card.md")
    cache = HttpCache(config.cache_path)
    from datetime import UTC, datetime

    future = CachedResponse(url=url, content_type="text/markdown", etag=None, last_modified=None, body=b"# Stale\n\nold text\n",
                            fetched_at=datetime.now(UTC), validated_at=time.time() + 10 * 365 * 86400)
    assert future.age() == float("inf")
    cache.put(HttpCache.key(url, "text/markdown, text/html;q=0.9, text/plain;q=0.8, */*;q=0.5"), future)
    for accept in ("*/*",):
        cache.put(HttpCache.key(url, accept), future)
    listing = fetch_listing(url, allow_private=True, config=config)
    assert "shell commands" in listing.text and len(httpserver.log) == 1


def test_nul_byte_in_a_manifest_path_is_a_one_line_error(tmp_path):
    manifest = tmp_path / "sources.jsonl"
    manifest.write_text(json.dumps({"source": "card\u0000.md"}) + "\n", "utf-8")
    with pytest.raises(InputError, match=r"sources.jsonl:1: the source contains a NUL byte"):
        read_inputs(manifest)


def test_full_disk_during_batch_is_a_clean_error(tmp_path, monkeypatch, capsys):
    import analyzer.batch.outputs as outputs
    from analyzer.cli.main import main

    card = tmp_path / "card.md"
    card.write_text(CARD, "utf-8")
    (tmp_path / "sources.txt").write_text(f"{card}\n", "utf-8")

    def full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outputs, "write_atomic", full)
    rc = main(["batch", str(tmp_path / "sources.txt"), "--out", str(tmp_path / "out"), "--provider", "heuristic"])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert "No space left on device" in err and "Traceback" not in err
    assert [line for line in err.splitlines() if line.startswith("analyzer: error")] != []


def test_batch_report_names_do_not_collide_and_old_names_still_resume(tmp_path, capsys):
    from analyzer.cli.main import main

    assert len(source_stem("/a/README.md").rsplit("-", 1)[1]) == 32
    stems = {source_stem(f"/data/{i}/README.md") for i in range(30_000)}
    assert len(stems) == 30_000

    cards = []
    for name in ("one", "two"):
        card = tmp_path / f"{name}.md"
        card.write_text(CARD.replace("Card", name.title()), "utf-8")
        cards.append(card)
    inputs = tmp_path / "sources.txt"
    inputs.write_text("".join(f"{c}\n" for c in cards), "utf-8")
    out = tmp_path / "out"
    assert main(["batch", str(inputs), "--out", str(out), "--provider", "heuristic", "--format", "md"]) == 0
    # Turn the run into one an older version wrote: 32-bit stems on disk and in the state.
    db = sqlite3.connect(out / "batch-state.sqlite3")
    for source in read_inputs(inputs):
        old = f"reports/{legacy_stem(source)}.md"
        (out / f"reports/{source.stem}.md").rename(out / old)
        db.execute("UPDATE sources SET files = ?, stem = ? WHERE key = ?", (json.dumps([old]), legacy_stem(source), source.key))
    db.commit()
    db.close()
    capsys.readouterr()
    assert main(["batch", str(inputs), "--out", str(out), "--provider", "heuristic", "--format", "md"]) == 0
    err = capsys.readouterr().err
    assert "2 already done" in err, err
    index = json.loads((out / "index.json").read_text("utf-8"))
    assert all((out / f).is_file() for r in index["sources"] for f in r["files"])
    assert {f for r in index["sources"] for f in r["files"]} == {f"reports/{legacy_stem(s)}.md" for s in read_inputs(inputs)}
