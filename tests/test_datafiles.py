"""The cached JSON copies of the packaged YAML data files: derived data, never a second source.

A copy is used only when it records the digest of the YAML being loaded; anything else about it (corrupt,
truncated, foreign, unwritable cache dir) is a miss that parses the YAML, and an analysis still works.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from analyzer import datafiles, yamlio
from analyzer.errors import ConfigError
from analyzer.extract.heuristic.exposure import load_exposure_rules
from analyzer.extract.heuristic.rules import load_rules
from analyzer.extract.injection import load_patterns
from analyzer.maestro import load_catalogue
from analyzer.pipeline import analyze
from analyzer.report import render
from analyzer.rules import cvss_rules, exposure_rules

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "tidewater-agent.md"
NAME = "heuristic_rules.yaml"
LOADERS = (load_rules, load_exposure_rules, load_patterns, load_catalogue, cvss_rules, exposure_rules)


def _copies(cache: Path, stem: str = "heuristic_rules") -> list[Path]:
    return sorted((cache / datafiles.CACHE_SUBDIR).glob(f"{stem}.*.json"))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ANALYZER_CACHE_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def fresh_loaders():
    """The loaders cache their tables per process: clear them so a test sees its own cache dir."""
    for loader in LOADERS:
        loader.cache_clear()
    yield
    for loader in LOADERS:
        loader.cache_clear()


def _parsed() -> object:
    return yaml.safe_load(datafiles.read_data_text(NAME))


def test_first_load_writes_a_copy_that_later_loads_read_without_parsing(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert datafiles.load_data_yaml(NAME) == _parsed()
    [copy] = _copies(cache)
    assert json.loads(copy.read_text("utf-8"))["data"] == _parsed()

    def no_parsing(text: str) -> object:
        raise AssertionError("the YAML was parsed although a current copy exists")

    monkeypatch.setattr(yamlio, "load_yaml", no_parsing)
    assert datafiles.load_data_yaml(NAME) == _parsed()


@pytest.mark.parametrize(
    "damage",
    [
        b"",  # empty
        b"\xff\xfe not utf-8",
        b'{"sha256": "',  # torn mid-write
        b"[1, 2, 3]",  # JSON, but not a copy
        b'{"data": {"kind_detection": {}}}',  # no digest
    ],
)
def test_a_damaged_copy_is_a_miss_and_is_replaced(cache: Path, damage: bytes) -> None:
    datafiles.load_data_yaml(NAME)
    [copy] = _copies(cache)
    copy.write_bytes(damage)
    assert datafiles.load_data_yaml(NAME) == _parsed()
    assert json.loads(copy.read_text("utf-8"))["data"] == _parsed()


def test_a_copy_recording_another_digest_is_not_used(cache: Path) -> None:
    datafiles.load_data_yaml(NAME)
    [copy] = _copies(cache)
    payload = json.loads(copy.read_text("utf-8"))
    copy.write_text(json.dumps({"sha256": "0" * 64, "data": {"forged": True}}), "utf-8")
    assert datafiles.load_data_yaml(NAME) == _parsed()
    assert json.loads(copy.read_text("utf-8")) == payload


def test_an_edited_data_file_is_a_miss_and_old_copies_are_removed(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    datafiles.load_data_yaml(NAME)
    [old] = _copies(cache)
    edited = datafiles.read_data_text(NAME) + "\nextra_key: 1\n"
    monkeypatch.setattr(datafiles, "read_data_text", lambda name: edited)
    assert datafiles.load_data_yaml(NAME)["extra_key"] == 1
    [new] = _copies(cache)
    assert new != old


def test_data_json_cannot_represent_is_never_cached(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(datafiles, "read_data_text", lambda name: "1: integer key\nwhen: 2024-01-01\n")
    assert datafiles.load_data_yaml(NAME) == yaml.safe_load("1: integer key\nwhen: 2024-01-01\n")
    assert _copies(cache) == []


def test_a_malformed_data_file_raises_as_parsing_it_would(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(datafiles, "read_data_text", lambda name: "a: [unclosed\n")
    with pytest.raises(yaml.YAMLError):
        datafiles.load_data_yaml(NAME)


@pytest.mark.parametrize("loader", [load_catalogue, cvss_rules], ids=["catalogue", "cvss rules"])
def test_a_malformed_rule_file_is_a_config_error_naming_it(cache: Path, monkeypatch: pytest.MonkeyPatch, loader) -> None:
    monkeypatch.setattr(datafiles, "read_data_text", lambda name: "a: [unclosed\n")
    loader.cache_clear()
    try:
        with pytest.raises(ConfigError, match=r"analyzer/data/\w+\.yaml"):
            loader()
    finally:
        loader.cache_clear()


def test_no_usable_cache_dir_still_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    monkeypatch.setenv("ANALYZER_CACHE_DIR", str(not_a_dir))
    assert datafiles.load_data_yaml(NAME) == _parsed()


def test_an_analysis_with_every_copy_corrupt_matches_one_with_none(cache: Path, fresh_loaders: None) -> None:
    expected = render(analyze(str(EXAMPLE)), "json")
    copies = sorted((cache / datafiles.CACHE_SUBDIR).glob("*.json"))
    assert {p.name.split(".")[0] for p in copies} == {
        "heuristic_rules", "exposure_rules", "injection_patterns", "maestro_catalogue", "cvss_derivation", "exposure_by_kind",
    }  # fmt: skip
    for copy in copies:
        copy.write_bytes(copy.read_bytes()[: len(copy.read_bytes()) // 2])
    for loader in LOADERS:
        loader.cache_clear()
    assert _strip_run(render(analyze(str(EXAMPLE)), "json")) == _strip_run(expected)
    for loader in LOADERS:  # and once more from the rewritten copies
        loader.cache_clear()
    assert _strip_run(render(analyze(str(EXAMPLE)), "json")) == _strip_run(expected)


def _strip_run(report: str) -> object:
    data = json.loads(report)
    data.pop("run", None)  # timings and timestamps
    return data
