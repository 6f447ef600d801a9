"""Comparing two eval runs, and the JSON run log's round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from evals_support import make_log, make_record

from analyzer.cli import main as cli_main
from analyzer.errors import InputError
from analyzer.evals.compare import compare_runs, comparison_dict
from analyzer.evals.records import RunLog, read_run_log, write_run_log
from analyzer.evals.report import render_html, render_markdown, write_reports
from analyzer.models import Band, FactorKey, Kind

GOLD = [0, 0, 0, 0, 0, 0.1, 0, 0, 0.6, 0.6]


def two_runs() -> tuple[RunLog, RunLog]:
    a = make_log([
        make_record("same", GOLD, GOLD),
        make_record("moved", GOLD, [0, 0.2, 0, 0.3, 0, 0.1, 0, 0, 0.6, 0.6]),
        make_record("broke", GOLD, GOLD),
        make_record("only-a", GOLD, GOLD),
    ])
    b = make_log([
        make_record("same", GOLD, GOLD),
        make_record("moved", GOLD, [0, 0.0, 0, 0.3, 0, 0.1, 0, 0, 0.6, 0.6], kind_pred=Kind.TOOL_CALLING_LLM),
        make_record("broke", GOLD, None),
        make_record("only-b", GOLD, GOLD),
    ])
    return a, b


def test_compare_lists_metric_deltas_and_changed_samples() -> None:
    a, b = two_runs()
    c = compare_runs(a, b)
    by = {m.metric: m for m in c.metrics}
    assert by["failure_rate"].delta == pytest.approx(0.25) and by["failure_rate"].verdict == "worse"
    assert by["mae"].a == pytest.approx(0.5 / 40) and by["mae"].b == pytest.approx(0.3 / 30)
    assert by["mae"].verdict == "better"
    assert by["kind_accuracy"].verdict == "worse"
    samples = {d.slug: d for d in c.samples}
    assert "same" not in samples and c.unchanged == 1
    moved = samples["moved"]
    assert [(f.key, f.gold, f.a, f.b) for f in moved.factor_changes] == [(FactorKey.GOAL_DRIVEN_PLANNING, 0.0, 0.2, 0.0)]
    assert (moved.kind_a, moved.kind_b) == ("text-llm", "tool-calling-llm")
    assert moved.mae_delta == pytest.approx(-0.02)
    assert (samples["broke"].status_a, samples["broke"].status_b) == ("ok", "failed")
    assert samples["only-a"].status_b is None and samples["only-b"].status_a is None
    assert any("only in A: only-a" in n for n in c.notes)
    data = comparison_dict(c)
    json.dumps(data, default=str)
    assert data["unchanged_samples"] == 1


def test_run_log_round_trip(tmp_path: Path) -> None:
    a, _ = two_runs()
    path = write_run_log(a, tmp_path / "run" / "eval.json")
    back = read_run_log(path)
    assert back == a
    assert back.sample("moved") is not None and back.sample("moved").band_gold is Band.MEDIUM  # type: ignore[union-attr]
    assert compare_runs(back, a).samples == []


def test_read_run_log_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such eval log"):
        read_run_log(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{", "utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        read_run_log(bad)
    bad.write_text('{"listing": {}}', "utf-8")
    with pytest.raises(InputError, match="not an eval log"):
        read_run_log(bad)
    data = json.loads(two_runs()[0].model_dump_json())
    data["samples"][0]["status"] = "maybe"
    bad.write_text(json.dumps(data), "utf-8")
    with pytest.raises(InputError, match=r"samples\.0\.status"):
        read_run_log(bad)


def test_reports_list_worst_samples_first_with_quotes(tmp_path: Path) -> None:
    a, b = two_runs()
    b.samples[1].pred_evidence[FactorKey.DYNAMIC_TOOL_USE] = ["It calls <tools> & more"]
    html = render_html(b)
    assert html.index("broke") < html.index("id='moved'") < html.index("id='same'")
    assert "It calls &lt;tools&gt; &amp; more" in html  # the quote, escaped
    assert "no evidence" not in html.split("id='moved'")[1].split("Dynamic Tool Use")[0]
    md = render_markdown(b)
    assert "| Factor MAE |" in md and "FAILED: boom" in md
    paths = write_reports(b, tmp_path / "out")
    assert read_run_log(paths["json"]) == b
    assert paths["html"].read_text("utf-8").startswith("<!doctype html>")


def test_compare_cli_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli_main, "COMMANDS", ("eval",))
    a, b = two_runs()
    pa, pb = write_run_log(a, tmp_path / "a.json"), write_run_log(b, tmp_path / "b.json")
    assert cli_main.main(["eval", "compare", str(pa), str(pb), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {s["slug"] for s in data["samples"]} == {"moved", "broke", "only-a", "only-b"}
    assert cli_main.main(["eval", "compare", str(pa), str(tmp_path / "missing.json")]) == 2
    assert "no such eval log" in capsys.readouterr().err
    assert cli_main.main(["eval", "compare", str(pa), str(pb)]) == 0
    assert "Changed samples" in capsys.readouterr().out
