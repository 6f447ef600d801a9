"""Exposure evals: gold loading, the per-sample fields and the metrics, and `analyzer eval --exposure`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from evals_support import make_record

from analyzer.cli.main import main
from analyzer.errors import InputError
from analyzer.evals.dataset import load_dataset, load_exposure_gold, with_exposure_gold
from analyzer.evals.exposure import exposure_metrics
from analyzer.models import EXPOSURE_FACTS, Band, FactValue, MitigationKind

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "evals" / "fixtures.jsonl"
Y, N, NS = FactValue.YES, FactValue.NO, FactValue.NOT_STATED


def facts(**overrides: FactValue) -> dict[str, FactValue]:
    return {f: overrides.get(f, N) for f in EXPOSURE_FACTS}


def test_metrics_count_tri_state_yes_precision_and_mitigations() -> None:
    a = make_record("a", [0.0] * 10, [0.0] * 10).model_copy(
        update={
            "gold_exposure": facts(network_service=Y, executes_code=NS), "pred_exposure": facts(network_service=Y, executes_code=Y),
            "gold_mitigations": [MitigationKind.SANDBOX], "pred_mitigations": [MitigationKind.SANDBOX, MitigationKind.GUARDRAIL],
            "cvss_gold": 5.0, "cvss_pred": 6.0, "band_derived_gold": Band.MEDIUM, "band_point_pred": Band.HIGH,
            "aivss_derived_gold": 5.5, "range_low_pred": 5.0, "range_high_pred": 7.5, "aivss_gold_facts": 5.5,
        }
    )  # fmt: skip
    b = make_record("b", [0.0] * 10, [0.0] * 10).model_copy(
        update={
            "gold_exposure": facts(), "pred_exposure": facts(), "gold_mitigations": [MitigationKind.AUDIT_LOG], "pred_mitigations": [],
            "cvss_gold": 2.0, "cvss_pred": 2.0, "band_derived_gold": Band.LOW, "band_point_pred": Band.LOW,
            "aivss_derived_gold": 2.5, "range_low_pred": 2.6, "range_high_pred": 3.0, "aivss_gold_facts": 2.7,
        }
    )  # fmt: skip
    m = exposure_metrics([a, b, make_record("no-gold", [0.0] * 10, [0.0] * 10)])
    assert m["exposure_samples"] == 2
    assert m["exposure_accuracy"] == pytest.approx(15 / 16)  # one fact of sixteen wrong (not_stated read as yes)
    assert m["exposure_yes_precision"] == pytest.approx(1 / 2) and m["exposure_yes_recall"] == 1.0
    assert m["exposure_accuracy_by_fact"]["executes_code"] == 0.5
    assert m["mitigation_precision"] == pytest.approx(1 / 2) and m["mitigation_recall"] == pytest.approx(1 / 2)
    assert m["cvss_base_mae"] == pytest.approx(0.5)
    assert m["derived_band_agreement"] == 0.5
    assert m["range_coverage"] == 0.5 and m["range_coverage_facts"] == 1.0


def test_exposure_gold_file_errors_name_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "x.jsonl"
    bad.write_text(json.dumps({"slug": "a", "exposure": {"network_service": {"value": "maybe"}}}) + "\n")
    with pytest.raises(InputError, match=r"x\.jsonl:1: invalid exposure gold"):
        load_exposure_gold(bad)
    with pytest.raises(InputError, match="no such exposure gold file"):
        load_exposure_gold(tmp_path / "missing.jsonl")


def test_every_fixture_carries_exposure_gold_with_verbatim_quotes() -> None:
    dataset = load_dataset(FIXTURES)
    for sample in dataset.samples:
        assert sample.exposure is not None and list(sample.exposure) == list(EXPOSURE_FACTS), sample.slug
        text = Path(dataset.listing_source(sample)).read_text("utf-8")
        quotes = [g.quote for g in sample.exposure.values() if g.quote] + [m.quote for m in sample.mitigations or [] if m.quote]
        assert all(q in text for q in quotes), sample.slug
        assert all(g.quote for g in sample.exposure.values() if g.value is FactValue.YES), sample.slug


def test_eval_cli_reports_exposure_metrics_from_a_gold_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    dataset = load_dataset(FIXTURES)
    lines = [
        json.dumps({"slug": s.slug, "exposure": {f: g.model_dump(mode="json") for f, g in (s.exposure or {}).items()}, "mitigations": []})
        for s in dataset.samples[:3]
    ]
    gold = tmp_path / "exposure.jsonl"
    gold.write_text("\n".join(lines) + "\n")
    assert with_exposure_gold(dataset, load_exposure_gold(gold)).samples[0].mitigations == []
    code = main(["eval", "--exposure", str(gold), "--json", "--bootstrap", "20"])
    out = capsys.readouterr().out
    assert code == 0
    metrics = json.loads(out)["metrics"]
    assert metrics["exposure_samples"] == 14  # the other fixtures keep their own gold
    assert 0.0 <= metrics["exposure_accuracy"] <= 1.0 and metrics["range_coverage_facts"] is not None
