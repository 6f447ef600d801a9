"""`analyzer eval` end to end with the offline heuristic provider on the project's fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.cli import main as cli_main
from analyzer.evals.metrics import compute_metrics
from analyzer.evals.records import RunLog, read_run_log, write_run_log


@pytest.fixture(autouse=True)
def eval_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # Build the CLI with just this command, so these tests do not depend on sibling commands.
    monkeypatch.setattr(cli_main, "COMMANDS", ("eval",))


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, RunLog | None]:
    code = cli_main.main(["eval", *args, "--json", "--bootstrap", "200"])
    out = capsys.readouterr().out
    return code, (RunLog.model_validate_json(out) if code == 0 else None)


def test_eval_on_fixtures_writes_every_report(tmp_path: Path, repo_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, log = run_json(["--dataset", str(repo_root / "evals" / "fixtures.jsonl"), "--out", str(tmp_path / "out")], capsys)
    assert code == 0 and log is not None
    assert log.meta.provider == "heuristic" and log.metrics.samples == 14 and log.metrics.failed == 0
    assert log.metrics.mae is not None and 0 <= log.metrics.mae < 0.5
    assert log.metrics.injection_samples == 1
    assert {p.name for p in (tmp_path / "out").iterdir()} == {"eval.json", "eval.md", "eval.html"}
    assert read_run_log(tmp_path / "out" / "eval.json").samples == log.samples
    assert "murmur-tts" in (tmp_path / "out" / "eval.html").read_text("utf-8")


def test_default_dataset_is_the_project_fixtures(repo_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(repo_root)
    code = cli_main.main(["eval", "--bootstrap", "100", "--sample", "stub-card", "--sample", "corvid-7b"])
    out = capsys.readouterr().out
    assert code == 0
    assert "evals/fixtures.jsonl" in out and "Factor MAE" in out and "Per factor" in out


def test_concurrency_does_not_change_the_results(repo_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, one = run_json(["--dataset", str(repo_root / "evals" / "fixtures.jsonl")], capsys)
    _, two = run_json(["--dataset", str(repo_root / "evals" / "fixtures.jsonl"), "--concurrency", "3"], capsys)
    assert one is not None and two is not None
    strip = {"latency_seconds"}
    assert [r.model_dump(exclude=strip) for r in one.samples] == [r.model_dump(exclude=strip) for r in two.samples]
    assert one.metrics.mae == two.metrics.mae and one.metrics.ci == two.metrics.ci


def test_gate_passes_against_itself_and_fails_against_a_better_baseline(tmp_path: Path, repo_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dataset = str(repo_root / "evals" / "fixtures.jsonl")
    _, log = run_json(["--dataset", dataset], capsys)
    assert log is not None
    own = write_run_log(log, tmp_path / "own.json")
    assert cli_main.main(["eval", "--dataset", dataset, "--baseline", str(own), "--bootstrap", "100"]) == 0
    assert "Gate" in capsys.readouterr().out
    # A baseline that was perfect on every sample: the heuristic is consistently worse → exit 6.
    perfect = [
        r.model_copy(update={"pred_factors": dict(r.gold_factors), "factor_errors": {k: 0.0 for k in r.gold_factors},
                             "kind_pred": r.kind_gold, "pred_layers": dict(r.gold_layers), "layer_errors": [], "band_pred": r.band_gold})
        for r in log.samples
    ]
    better = log.model_copy(update={"samples": perfect, "metrics": compute_metrics(perfect, iterations=100)})
    path = write_run_log(better, tmp_path / "perfect.json")
    code = cli_main.main(["eval", "--dataset", dataset, "--baseline", str(path), "--bootstrap", "100", "--out", str(tmp_path / "o")])
    captured = capsys.readouterr()
    assert code == 6
    assert "worse than the baseline" in captured.err and "mae" in captured.err
    assert "## Gate: FAIL" in (tmp_path / "o" / "eval.md").read_text("utf-8")  # reports are written before exiting


def test_committed_baseline_matches_the_fixtures(repo_root: Path) -> None:
    import hashlib

    baseline = read_run_log(repo_root / "evals" / "baselines" / "heuristic.json")
    fixtures = (repo_root / "evals" / "fixtures.jsonl").read_bytes()
    assert baseline.meta.provider == "heuristic"
    assert baseline.meta.dataset_sha256 == hashlib.sha256(fixtures).hexdigest(), "fixtures changed: refresh the baseline (README: Evals)"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--dataset", "nope.jsonl"], 2, "no such dataset"),
        (["--baseline", "nope.json"], 2, "no such eval log"),
        (["--sample", "no-such-slug"], 2, "no sample with slug"),
        (["--gate", "nope.toml", "--baseline", "evals/baselines/heuristic.json"], 2, "no such gate config"),
        (["--model", "gpt-x"], 2, "only apply to an LLM provider"),
        (["--out", "evals/fixtures.jsonl", "--sample", "stub-card"], 2, "cannot write the eval reports"),
        (["--provider", "replay"], 2, "needs --replay DIR"),
    ],
)
def test_bad_input_exits_2_with_one_line(repo_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                         args: list[str], code: int, message: str) -> None:
    monkeypatch.chdir(repo_root)
    assert cli_main.main(["eval", *args]) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_concurrency_flag_is_validated(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main.main(["eval", "--concurrency", "0"]) == 2
    assert "--concurrency: 0 must be at least 1" in capsys.readouterr().err


def test_shared_gold_dev_runs_with_listings_dir(shared_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, log = run_json(["--dataset", str(shared_dir / "evals" / "gold-dev.jsonl"), "--listings", str(shared_dir / "listings"),
                          "--sample", "llama-3", "--sample", "mem0"], capsys)
    assert code == 0 and log is not None
    assert [s.slug for s in log.samples] == ["llama-3", "mem0"]
    assert log.metrics.injection_samples == 1  # mem0 carries text addressed to AI agents
    json.loads(log.model_dump_json())
