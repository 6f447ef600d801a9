"""Compiled rule regexes kept across runs: the same patterns as re.compile, and any damage is a miss.

The cache is derived data (CPython's own compiler output); these tests check a rebuilt pattern matches
exactly like `re.compile`'s on generated texts, and that a torn, edited, foreign or unusable file, or a
damaged entry, falls back to compiling.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer import regexcache
from analyzer.datafiles import load_data_yaml

FLAGS = (0, re.IGNORECASE, re.MULTILINE, re.IGNORECASE | re.MULTILINE)


def _shipped_patterns() -> list[str]:
    patterns = [p["pattern"] for p in load_data_yaml("injection_patterns.yaml")["patterns"]]
    patterns += [str(v) for v in load_data_yaml("exposure_rules.yaml")["cues"].values()]
    patterns += [r"(?P<word>\w+)-(?P=word)", r"(a)|b(?(1)c|d)", r"(?<!x)y(?=z)", r"[^\W\d_]+é", r"\bagents?\b"]
    return patterns


PATTERNS = _shipped_patterns()


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ANALYZER_CACHE_DIR", str(tmp_path))
    regexcache._reset()
    yield tmp_path
    regexcache._reset()


def _files(cache: Path) -> list[Path]:
    return sorted((cache / regexcache.CACHE_SUBDIR).glob("*.json"))


def _warm(patterns: list[str], flags: int = 0) -> None:
    """Compile and save, then forget the table: the next compile reads the file."""
    for pattern in patterns:
        regexcache.compile(pattern, flags)
    regexcache.save()
    regexcache._reset()


class _NoCompile:
    """Stands in for `re` inside regexcache: a compile there means the cache was not used."""

    def __getattr__(self, name: str):
        if name == "compile":
            raise AssertionError("compiled although the pattern was cached")
        return getattr(re, name)


def test_a_saved_pattern_is_rebuilt_without_compiling(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _warm(PATTERNS, re.IGNORECASE)
    assert len(_files(cache)) == 1
    monkeypatch.setattr(regexcache, "re", _NoCompile())
    for pattern in PATTERNS:
        rebuilt = regexcache.compile(pattern, re.IGNORECASE)
        expected = re.compile(pattern, re.IGNORECASE)
        assert (rebuilt.pattern, rebuilt.flags, rebuilt.groups, rebuilt.groupindex) == (expected.pattern, expected.flags, expected.groups, expected.groupindex)


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, int], re.Pattern[str]]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ANALYZER_CACHE_DIR", str(tmp_path_factory.mktemp("regexcache")))
        regexcache._reset()
        for flags in FLAGS:
            _warm(PATTERNS, flags)
        compiled = {(p, f): regexcache.compile(p, f) for p in PATTERNS for f in FLAGS}
        assert len(regexcache.TABLE.entries) == len(PATTERNS) * len(FLAGS)
        regexcache._reset()
    return compiled


texts = st.lists(
    st.sampled_from(["ignore", "IGNORE all previous instructions", "you", "must", " ", "\n", "agent", "Agents", "é", "x", "y", "z", "word-word", "ac", "bd", "-", "."]),
    max_size=25,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(texts)
def test_rebuilt_patterns_match_exactly_like_re_compile(rebuilt, text: str) -> None:
    for (pattern, flags), regex in rebuilt.items():
        expected = re.compile(pattern, flags)
        assert [m.span() for m in regex.finditer(text)] == [m.span() for m in expected.finditer(text)], pattern
        assert [m.groups() for m in regex.finditer(text)] == [m.groups() for m in expected.finditer(text)], pattern


def _read(path: Path) -> tuple[dict, dict]:
    header, _, body = path.read_text("utf-8").partition("\n")
    return json.loads(header), json.loads(body)


def _write(path: Path, header: dict, entries: dict) -> None:
    body = json.dumps(entries)
    path.write_text(json.dumps({**header, "sha256": hashlib.sha256(body.encode()).hexdigest()}) + "\n" + body, "utf-8")


@pytest.mark.parametrize("damage", ["", "{", "not json", '{"build": "x", "sha256": "0"}\n{}', "[]\n[]"])
def test_a_damaged_file_is_a_miss_and_is_rewritten(cache: Path, damage: str) -> None:
    _warm(PATTERNS[:3])
    [path] = _files(cache)
    path.write_text(damage, "utf-8")
    assert regexcache.compile(PATTERNS[0]).pattern == PATTERNS[0]
    regexcache.save()
    assert f"0:{PATTERNS[0]}" in _read(path)[1]


def test_an_edited_body_fails_its_digest(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _warm(PATTERNS[:1])
    [path] = _files(cache)
    header, body = path.read_text("utf-8").partition("\n")[::2]
    path.write_text(header + "\n" + body.replace('"0:', '"0:x', 1), "utf-8")  # valid JSON, another digest
    monkeypatch.setattr(regexcache, "re", _NoCompile())
    with pytest.raises(AssertionError, match="compiled although"):
        regexcache.compile("x" + PATTERNS[0])  # not served from the edited file


def test_a_damaged_entry_falls_back_to_compiling(cache: Path) -> None:
    _warm(PATTERNS[:1])
    [path] = _files(cache)
    header, entries = _read(path)
    entries[f"0:{PATTERNS[0]}"][1] = "5wMAAAEAAAACAAAA"  # code words _sre refuses (999, 1, 2), with a valid digest
    _write(path, header, entries)
    regex = regexcache.compile(PATTERNS[0])
    assert regex.pattern == PATTERNS[0] and regex.search("ignore all previous instructions") is not None


def test_a_bad_pattern_raises_like_re(cache: Path) -> None:
    with pytest.raises(re.error):
        regexcache.compile(r"(unclosed")


def test_no_usable_cache_dir_still_compiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    monkeypatch.setenv("ANALYZER_CACHE_DIR", str(not_a_dir))
    regexcache._reset()
    try:
        assert regexcache.compile(r"\bagents?\b").search("two agents") is not None
        regexcache.save()
    finally:
        regexcache._reset()


def test_files_of_old_builds_beyond_the_newest_few_are_removed_when_a_table_is_written(cache: Path) -> None:
    from analyzer import derived

    folder = cache / regexcache.CACHE_SUBDIR
    folder.mkdir(parents=True)
    old = [folder / f"old{i}.json" for i in range(derived.KEEP_OTHER_BUILDS + 2)]
    for i, path in enumerate(old):  # old0 written first, the last most recently
        path.write_text("{}\n{}", "utf-8")
        os.utime(path, (1_000_000 + i, 1_000_000 + i))
    _warm([r"\bagents?\b"])
    [current] = [p for p in _files(cache) if not p.name.startswith("old")]
    assert sorted(p.name for p in _files(cache) if p != current) == sorted(p.name for p in old[-derived.KEEP_OTHER_BUILDS:])
    assert regexcache.compile(r"\bagents?\b").search("two agents")  # this build's file still serves


def test_the_table_is_one_per_interpreter_build_and_package_version() -> None:
    # Every rule pattern compiled stays in the table, so a release starts a fresh one: old rules' patterns
    # are not read at every start-up after an upgrade.
    from analyzer import __version__

    assert regexcache.TABLE.build is not None and regexcache.TABLE.build.endswith(f"|{__version__}")
    assert sys.version in regexcache.TABLE.build
