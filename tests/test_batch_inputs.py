"""Batch INPUT parsing: text lists, JSONL manifests, path resolution, stable report names."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analyzer.batch.inputs import read_inputs, slugify, source_stem
from analyzer.errors import InputError


def test_text_list_skips_comments_and_blanks_and_resolves_relative_paths(tmp_path: Path) -> None:
    sub = tmp_path / "lists"
    sub.mkdir()
    src = sub / "sources.txt"
    src.write_text(
        "# my catalogue\n\ncards/a.md\n   # indented comment\n/abs/b.md  # trailing comment\nhttps://example.org/model#readme\n",
        encoding="utf-8",
    )
    sources = read_inputs(src)
    assert [s.key for s in sources] == [str(sub / "cards" / "a.md"), "/abs/b.md", "https://example.org/model#readme"]
    assert [s.position for s in sources] == [0, 1, 2]
    assert [s.line for s in sources] == [3, 5, 6]
    assert sources[2].is_url and not sources[0].is_url


def test_duplicate_sources_are_listed_once(tmp_path: Path) -> None:
    src = tmp_path / "s.txt"
    src.write_text("a.md\n./a.md\nsub/../a.md\nb.md\n", encoding="utf-8")
    assert [Path(s.key).name for s in read_inputs(src)] == ["a.md", "b.md"]


def test_jsonl_manifest_fields_and_slugs(tmp_path: Path) -> None:
    manifest = tmp_path / "m.jsonl"
    rows = [
        {"source": "x/one.md", "slug": "First Model"},
        {"path": "two.md"},
        {"listing": "three.html", "url": "https://ignored.example/"},
        {"url": "https://huggingface.co/org/model"},
        {"listing_url": "https://github.com/org/repo", "slug": "repo"},
    ]
    manifest.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    sources = read_inputs(manifest)
    assert [s.key for s in sources] == [
        str(tmp_path / "x" / "one.md"),
        str(tmp_path / "two.md"),
        str(tmp_path / "three.html"),  # a path field wins over a URL field
        "https://huggingface.co/org/model",
        "https://github.com/org/repo",
    ]
    assert sources[0].stem.startswith("first-model-")
    assert sources[3].stem.startswith("org-model-")
    assert sources[4].slug == "repo"


def test_manifest_detected_without_jsonl_suffix(tmp_path: Path) -> None:
    manifest = tmp_path / "m.txt"
    manifest.write_text('# comment\n{"source": "a.md"}\n', encoding="utf-8")
    assert [Path(s.key).name for s in read_inputs(manifest)] == ["a.md"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"source": "a.md"}\n{not json}\n', r"m\.jsonl:2: not valid JSON"),
        ('{"source": "a.md"}\n["a.md"]\n', r"m\.jsonl:2: expected a JSON object"),
        ('{"title": "no source"}\n', r"m\.jsonl:1: the record names no source"),
    ],
)
def test_bad_manifest_lines_name_the_line(tmp_path: Path, content: str, message: str) -> None:
    manifest = tmp_path / "m.jsonl"
    manifest.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        read_inputs(manifest)
    assert info.value.hint


def test_missing_empty_and_binary_inputs_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such input file"):
        read_inputs(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="is a directory"):
        read_inputs(tmp_path)
    empty = tmp_path / "empty.txt"
    empty.write_text("# only a comment\n\n", encoding="utf-8")
    with pytest.raises(InputError, match="no sources found"):
        read_inputs(empty)
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\xff\xfe\x00\x81bad")
    with pytest.raises(InputError, match="not a UTF-8 text file"):
        read_inputs(binary)


def test_stems_are_stable_and_distinct_for_same_names() -> None:
    a = source_stem("/data/a/README.md")
    b = source_stem("/data/b/README.md")
    assert a == source_stem("/data/a/README.md")
    assert a != b
    assert a.startswith("readme-") and b.startswith("readme-")


@given(st.text(max_size=200))
def test_slugify_is_a_safe_file_name(text: str) -> None:
    slug = slugify(text)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug)
    assert len(slug) <= 60


@given(st.text(min_size=1, max_size=100))
def test_stem_is_safe_and_deterministic(key: str) -> None:
    stem = source_stem(key)
    assert stem == source_stem(key)
    assert re.fullmatch(r"[a-z0-9-]+-[0-9a-f]{32}", stem)
