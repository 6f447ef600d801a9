"""The regression gate: pass, fail beyond the threshold, pass when the change is within noise; exit 6."""

from __future__ import annotations

from pathlib import Path

import pytest
from evals_support import make_log, make_record

from analyzer.cli import main as cli_main
from analyzer.errors import ConfigError
from analyzer.evals.gate import GateConfig, MetricRule, check, load_gate_config
from analyzer.evals.records import write_run_log

GOLD = [0.7, 0.6, 0.2, 0.8, 0.3, 0.7, 0.2, 0.1, 0.7, 0.5]


def bumped(i: int, delta: float) -> list[float]:
    """GOLD with autonomy_of_action moved by delta (clamped to 0–1)."""
    return [round(min(1.0, max(0.0, GOLD[0] + delta)), 1), *GOLD[1:]]


def run(deltas: list[float], failed: set[int] | None = None, sha: str = "abc"):  # type: ignore[no-untyped-def]
    failed = failed or set()
    return make_log([make_record(f"s{i}", GOLD, None if i in failed else bumped(i, d)) for i, d in enumerate(deltas)], dataset_sha=sha)


MAE = GateConfig(rules=[MetricRule("mae", "lower", 0.02, "ci")], iterations=400, seed=5)

BASE = [0.0] * 12


def test_identical_runs_pass() -> None:
    result = check(run(BASE), run(BASE), load_gate_config(Path(__file__).resolve().parents[1] / "evals" / "gate.toml"))
    assert result.passed
    assert {r.status for r in result.rows} <= {"pass", "skip"}
    assert any(r.metric == "mae" and r.reason == "unchanged" for r in result.rows)


def test_consistent_worsening_beyond_threshold_fails() -> None:
    # Every sample's AA is now off by 0.3: MAE rises by 0.03 (> 0.02) and no resample can hide it.
    result = check(run(BASE), run([0.3] * 12), MAE)
    (row,) = result.rows
    assert row.status == "fail" and "beyond noise" in row.reason
    assert row.worsening == pytest.approx(0.03)
    assert row.interval is not None and row.interval.low > 0


def test_worsening_within_the_allowed_amount_passes() -> None:
    result = check(run(BASE), run([0.2] * 12), MAE)  # +0.02: exactly the allowance
    assert result.passed and result.rows[0].reason == "worse, within the allowed amount"


def test_worsening_carried_by_one_sample_is_noise() -> None:
    # One sample of twelve off by 0.3: MAE +0.0025... so make the allowance tiny to isolate the noise rule.
    config = GateConfig(rules=[MetricRule("mae", "lower", 0.001, "ci")], iterations=400, seed=5)
    result = check(run(BASE), run([0.3] + [0.0] * 11), config)
    (row,) = result.rows
    assert row.worsening is not None and row.worsening > 0.001
    assert row.status == "pass" and row.reason == "worse, but within bootstrap noise"
    assert row.interval is not None and row.interval.low <= 0 < row.interval.high


def test_noise_none_fails_on_any_worsening_beyond_threshold() -> None:
    config = GateConfig(rules=[MetricRule("failure_rate", "lower", 0.0, "none")])
    result = check(run(BASE), run(BASE, failed={3}), config)
    assert not result.passed and result.failures[0].metric == "failure_rate"


def test_higher_is_better_direction_and_improvement() -> None:
    config = GateConfig(rules=[MetricRule("within_0_1", "higher", 0.0, "ci")], iterations=300, seed=1)
    worse = check(run(BASE), run([0.3] * 12), config)
    assert worse.rows[0].status == "fail" and worse.rows[0].worsening == pytest.approx(0.1)
    better = check(run([0.3] * 12), run(BASE), config)
    assert better.passed and better.rows[0].reason == "better"


def test_metric_lost_in_the_candidate_fails_and_different_datasets_are_noted() -> None:
    config = GateConfig(rules=[MetricRule("mae", "lower", 0.02, "ci")])
    result = check(run(BASE), run(BASE, failed=set(range(12)), sha="other"), config)
    assert result.rows[0].status == "fail" and "not in this run" in result.rows[0].reason
    assert any("different dataset" in n for n in result.notes)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[metrics.nope]\ndirection='lower'\nmax_worsening=0.1\n", "unknown metric"),
        ("[metrics.mae]\ndirection='down'\nmax_worsening=0.1\n", "direction"),
        ("[metrics.mae]\ndirection='lower'\nmax_worsening=-1\n", "max_worsening"),
        ("[metrics.grounding_rate]\ndirection='higher'\nmax_worsening=0.1\nnoise='ci'\n", "needs a bootstrapped metric"),
        ("[metrics.mae\n", "not valid TOML"),
        ("[bootstrap]\nseed=1\n", "no \\[metrics"),
    ],
)
def test_gate_config_errors(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "gate.toml"
    path.write_text(body, "utf-8")
    with pytest.raises(ConfigError, match=message):
        load_gate_config(path)
    with pytest.raises(ConfigError, match="no such gate config"):
        load_gate_config(tmp_path / "missing.toml")


@pytest.fixture()
def eval_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # Build the CLI with just this command, so these tests do not depend on sibling commands.
    monkeypatch.setattr(cli_main, "COMMANDS", ("eval",))


def test_compare_check_exit_codes(tmp_path: Path, eval_only: None, capsys: pytest.CaptureFixture[str]) -> None:
    base = write_run_log(run(BASE), tmp_path / "base.json")
    same = write_run_log(run(BASE), tmp_path / "same.json")
    worse = write_run_log(run([0.3] * 12), tmp_path / "worse.json")
    noisy = write_run_log(run([0.3] + [0.0] * 11), tmp_path / "noisy.json")
    gate = tmp_path / "gate.toml"
    gate.write_text("[bootstrap]\niterations=300\n[metrics.mae]\ndirection='lower'\nmax_worsening=0.001\nnoise='ci'\n", "utf-8")
    assert cli_main.main(["eval", "compare", str(base), str(same), "--check", "--gate", str(gate)]) == 0
    assert cli_main.main(["eval", "compare", str(base), str(noisy), "--check", "--gate", str(gate)]) == 0
    assert cli_main.main(["eval", "compare", str(base), str(worse), "--check", "--gate", str(gate)]) == 6
    err = capsys.readouterr().err
    assert "worse than" in err and "mae" in err
    assert cli_main.main(["eval", "compare", str(base), str(worse)]) == 0  # without --check it only reports
