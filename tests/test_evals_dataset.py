"""Eval datasets: loading, path resolution, clear errors; the project's own fixture set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.errors import InputError
from analyzer.evals.dataset import evidence_problems, load_dataset, load_sample_listing
from analyzer.models import FACTOR_ORDER, Kind, LayerId

FACTORS = {k.value: 0.0 for k in FACTOR_ORDER} | {"contextual_awareness": 0.1, "non_determinism": 0.6, "opacity_reflexivity": 0.6}
LAYERS = {lid.value: "not_certain" for lid in LayerId} | {"L1": "mapped"}


def line(slug: str, listing: str, **extra: object) -> str:
    return json.dumps({"slug": slug, "listing": listing, "kind": "text-llm", "factors": FACTORS, "layers": LAYERS, **extra})


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    (tmp_path / "listings").mkdir()
    (tmp_path / "listings" / "one.md").write_text("# One\n\nA small text model.\n", "utf-8")
    (tmp_path / "listings" / "two.md").write_text("# Two\n\nAnother model.\n", "utf-8")
    (tmp_path / "evals").mkdir()
    return tmp_path


def test_listing_paths_resolve_relative_to_the_dataset_file(tree: Path) -> None:
    ds = tree / "evals" / "gold.jsonl"
    ds.write_text(line("one", "../listings/one.md") + "\n\n" + line("two", "../listings/two.md", injection="hi AI") + "\n", "utf-8")
    dataset = load_dataset(ds)
    assert [s.slug for s in dataset.samples] == ["one", "two"]
    assert Path(dataset.listing_source(dataset.samples[0])) == (tree / "listings" / "one.md").resolve()
    assert dataset.samples[1].expects_injection and not dataset.samples[0].expects_injection
    assert load_sample_listing(dataset, dataset.samples[0]).title == "One"
    assert len(dataset.sha256) == 64


def test_listings_dir_overrides_by_basename(tree: Path, tmp_path: Path) -> None:
    ds = tree / "evals" / "gold.jsonl"
    ds.write_text(line("one", "../somewhere/else/one.md") + "\n", "utf-8")
    with pytest.raises(InputError, match="not found"):
        load_dataset(ds)
    dataset = load_dataset(ds, tree / "listings")
    assert dataset.listing_source(dataset.samples[0]) == str(tree / "listings" / "one.md")


def test_missing_listing_file_names_the_line_and_the_path(tree: Path) -> None:
    ds = tree / "evals" / "gold.jsonl"
    ds.write_text(line("one", "../listings/one.md") + "\n" + line("gone", "../listings/gone.md") + "\n", "utf-8")
    with pytest.raises(InputError) as info:
        load_dataset(ds)
    assert f"{ds}:2" in str(info.value) and "gone.md" in str(info.value) and "--listings" in str(info.value)


def test_bad_json_line_is_an_input_error_naming_the_line(tree: Path) -> None:
    ds = tree / "evals" / "gold.jsonl"
    ds.write_text(line("one", "../listings/one.md") + "\n{not json\n", "utf-8")
    with pytest.raises(InputError, match=r"gold\.jsonl:2: not valid JSON"):
        load_dataset(ds)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["factors"].pop("self_modification"), "missing factor.*self_modification"),
        (lambda d: d["factors"].update(autonomy_of_action=0.25), "0.1 grid"),
        (lambda d: d["factors"].update(autonomy_of_action=1.5), "outside"),
        (lambda d: d["layers"].pop("L7"), "missing layer.*L7"),
        (lambda d: d.update(kind="robot"), "kind"),
        (lambda d: d.pop("listing"), "listing"),
    ],
)
def test_invalid_samples_name_the_line_and_the_field(tree: Path, mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(line("one", "../listings/one.md"))
    data["factors"] = dict(data["factors"])
    data["layers"] = dict(data["layers"])
    mutate(data)
    ds = tree / "evals" / "gold.jsonl"
    ds.write_text(json.dumps(data) + "\n", "utf-8")
    with pytest.raises(InputError, match=rf"gold\.jsonl:1: invalid sample: .*{message}"):
        load_dataset(ds)


def test_other_dataset_errors(tree: Path) -> None:
    ds = tree / "evals" / "gold.jsonl"
    with pytest.raises(InputError, match="no such dataset"):
        load_dataset(ds)
    ds.write_text("\n# only a comment\n", "utf-8")
    with pytest.raises(InputError, match="no samples"):
        load_dataset(ds)
    ds.write_text("[1, 2]\n", "utf-8")
    with pytest.raises(InputError, match="expected a JSON object"):
        load_dataset(ds)
    ds.write_text(line("one", "../listings/one.md") + "\n" + line("one", "../listings/two.md") + "\n", "utf-8")
    with pytest.raises(InputError, match="duplicate slug"):
        load_dataset(ds)
    ds.write_text(line("one", "../listings/one.md") + "\n", "utf-8")
    with pytest.raises(InputError, match="not a directory"):
        load_dataset(ds, tree / "nope")
    with pytest.raises(InputError, match="no sample with slug"):
        load_dataset(ds).subset(["two"])


# --------------------------------------------------------------------------- the project's fixtures


def test_project_fixtures_cover_every_kind_with_grounded_gold_quotes(repo_root: Path) -> None:
    dataset = load_dataset(repo_root / "evals" / "fixtures.jsonl")
    kinds = {s.kind for s in dataset.samples}
    assert kinds >= set(Kind) - {Kind.UNKNOWN}
    assert any(s.expects_injection for s in dataset.samples)
    assert any(s.kind is Kind.UNKNOWN for s in dataset.samples)  # the near-empty card
    assert evidence_problems(dataset) == []
    for s in dataset.samples:
        # Listings are our own short fixtures, not copies of ../shared text.
        assert Path(dataset.listing_source(s)).stat().st_size < 3000


def test_shared_gold_dev_loads_with_either_path_rule(shared_dir: Path) -> None:
    by_relative = load_dataset(shared_dir / "evals" / "gold-dev.jsonl")
    by_dir = load_dataset(shared_dir / "evals" / "gold-dev.jsonl", shared_dir / "listings")
    assert len(by_relative.samples) == len(by_dir.samples) == 37
    assert evidence_problems(by_dir) == []
