"""The CI gate: --fail-on / --max-score / --fail-on-range on analyze, score and batch (exit 7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import coding_analysis, failed_analysis, image_analysis
from hypothesis import given
from hypothesis import strategies as st

from analyzer.cli.main import main
from analyzer.errors import InputError
from analyzer.models import Band
from analyzer.score import band_for
from analyzer.threshold import BAND_ORDER, EXIT_THRESHOLD, Threshold, check, check_score, parse_fail_on, parse_max_score

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "tidewater-agent.md"


@pytest.fixture(scope="module")
def example_json(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float, Band]:
    path = tmp_path_factory.mktemp("gate") / "example.json"
    assert main(["--quiet", "analyze", str(EXAMPLE), "--format", "json", "--out", str(path)]) == 0
    aivss = json.loads(path.read_text("utf-8"))["aivss"]
    return path, aivss["score"], Band(aivss["band"])


def test_exit_code_is_seven() -> None:
    assert EXIT_THRESHOLD == 7


@pytest.mark.parametrize("flag", ["low", "Medium", " HIGH ", "critical"])
def test_fail_on_accepts_the_four_bands(flag: str) -> None:
    assert parse_fail_on(flag).value.lower() == flag.strip().lower()


@pytest.mark.parametrize("flag", ["none", "unknown", "severe", ""])
def test_fail_on_refuses_anything_else(flag: str) -> None:
    with pytest.raises(InputError, match="--fail-on"):
        parse_fail_on(flag)


@pytest.mark.parametrize("text", ["x", "nan", "-0.1", "10.5"])
def test_max_score_must_be_a_score(text: str) -> None:
    with pytest.raises(InputError, match="--max-score"):
        parse_max_score(text)


@given(score=st.integers(min_value=0, max_value=100).map(lambda i: i / 10), fail_on=st.sampled_from(BAND_ORDER[1:]))
def test_fail_on_trips_exactly_from_the_band_floor(score: float, fail_on: Band) -> None:
    band = band_for(score)
    breach = check_score("card.md", score, band, "score", Threshold(fail_on=fail_on))
    assert (breach is not None) == (BAND_ORDER.index(band) >= BAND_ORDER.index(fail_on))


@given(score=st.integers(min_value=0, max_value=100).map(lambda i: i / 10), limit=st.integers(min_value=0, max_value=100).map(lambda i: i / 10))
def test_max_score_trips_only_above_the_limit(score: float, limit: float) -> None:
    breach = check_score("card.md", score, band_for(score), "score", Threshold(max_score=limit))
    assert (breach is not None) == (score > limit)


def test_failed_extraction_never_trips_the_gate() -> None:
    assert check(failed_analysis(), Threshold(fail_on=Band.LOW, max_score=0.0)) is None


def test_no_threshold_never_trips() -> None:
    assert check(coding_analysis(), Threshold()) is None


def test_breach_message_names_source_score_and_flag() -> None:
    analysis = coding_analysis()
    breach = check(analysis, Threshold(max_score=0.0))
    assert breach is not None
    assert breach.message() == f"https://example.org/shellwright: AIVSS score {analysis.aivss.score:.1f} ({analysis.aivss.band.value}) is above --max-score 0"


def test_range_top_is_gated_with_use_range() -> None:
    analysis = image_analysis()
    span = analysis.aivss.range
    point = check(analysis, Threshold(max_score=analysis.aivss.score))
    assert point is None
    top = check(analysis, Threshold(max_score=analysis.aivss.score, use_range=True))
    if span is not None and span.high > analysis.aivss.score:
        assert top is not None and "range top" in top.reason
    else:
        assert top is None


def test_analyze_exits_7_after_writing_the_report(tmp_path: Path, example_json, capsys) -> None:  # noqa: ANN001
    _, score, band = example_json
    out = tmp_path / "r.md"
    code = main(["analyze", str(EXAMPLE), "--out", str(out), "--fail-on", band.value.lower()])
    err = capsys.readouterr().err
    assert code == 7
    assert out.read_text("utf-8").startswith("# ")  # the report is still written
    assert f"analyzer: threshold: {EXAMPLE}: AIVSS score {score:.1f} ({band.value}) reaches --fail-on {band.value.lower()}" in err


def test_analyze_passes_below_the_threshold(example_json, capsys) -> None:  # noqa: ANN001
    _, score, _ = example_json
    assert main(["--quiet", "analyze", str(EXAMPLE), "--max-score", f"{score:.1f}"]) == 0
    assert main(["--quiet", "analyze", str(EXAMPLE), "--max-score", f"{score - 0.1:.1f}"]) == 7
    assert main(["--quiet", "analyze", str(EXAMPLE), "--fail-on", "critical"]) == (7 if score >= 9.0 else 0)
    capsys.readouterr()


def test_bad_gate_flags_are_one_line_errors_before_any_work(capsys) -> None:  # noqa: ANN001
    assert main(["analyze", "missing-file.md", "--fail-on", "severe"]) == 2
    err = capsys.readouterr().err
    assert "--fail-on 'severe' is not one of: low, medium, high, critical" in err and err.count("\n") == 1


def test_score_gates_a_saved_analysis(example_json, capsys) -> None:  # noqa: ANN001
    path, score, _ = example_json
    assert main(["score", str(path), "--format", "json", "--max-score", "0"]) == 7
    assert main(["score", str(path), "--format", "json", "--max-score", "10"]) == 0
    assert main(["score", str(path), "--format", "json", "--fail-on", "low", "--fail-on-range"]) == 7
    capsys.readouterr()


def test_score_of_a_failed_extraction_stays_exit_4(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    path = tmp_path / "failed.json"
    path.write_text(failed_analysis().model_dump_json(), "utf-8")
    assert main(["score", str(path), "--fail-on", "low", "--max-score", "0"]) == 4
    assert "threshold" not in capsys.readouterr().err


def test_batch_gate(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    quiet = tmp_path / "quiet.md"
    quiet.write_text("# Stillframe\n\nStillframe is an image classification model that labels photos.\n", "utf-8")
    sources = tmp_path / "sources.txt"
    sources.write_text(f"{EXAMPLE}\n{quiet}\n", "utf-8")
    out = tmp_path / "out"
    assert main(["--quiet", "batch", str(sources), "--out", str(out), "--format", "json", "--max-score", "10"]) == 0
    capsys.readouterr()
    scores = {row["source"]: row["score"] for row in json.loads((out / "index.json").read_text("utf-8"))["sources"]}
    limit = min(scores.values())
    assert main(["--quiet", "batch", str(sources), "--out", str(out), "--format", "json", "--max-score", f"{limit:.1f}"]) == 7
    err = capsys.readouterr().err
    above = [s for s, v in scores.items() if v > limit]
    assert above and all(f"analyzer: threshold: {s}: " in err for s in above)
    assert err.count("analyzer: threshold:") == len(above)


def test_batch_failures_take_precedence_over_the_gate(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    sources = tmp_path / "sources.txt"
    sources.write_text(f"{EXAMPLE}\n{tmp_path / 'missing.md'}\n", "utf-8")
    assert main(["--quiet", "batch", str(sources), "--out", str(tmp_path / "out"), "--format", "json", "--fail-on", "low"]) == 5
    assert "analyzer: threshold:" in capsys.readouterr().err


def test_batch_gate_on_the_range_top(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    # A card that leaves exposure facts unstated: its range reaches above the point score.
    card = tmp_path / "quill.md"
    card.write_text("# Quill\n\nQuill is an AI assistant app: a chat UI that answers questions about your documents.\n", "utf-8")
    saved = tmp_path / "quill.json"
    assert main(["--quiet", "analyze", str(card), "--format", "json", "--out", str(saved)]) == 0
    aivss = json.loads(saved.read_text("utf-8"))["aivss"]
    score, high = aivss["score"], aivss["range"]["high"]
    assert high > score
    sources = tmp_path / "sources.txt"
    sources.write_text(f"{card}\n", "utf-8")
    argv = ["--quiet", "batch", str(sources), "--out", str(tmp_path / "out"), "--format", "json", "--max-score", f"{score:.1f}"]
    assert main(argv) == 0
    assert main([*argv, "--fail-on-range"]) == 7
    assert f"AIVSS range top {high:.1f}" in capsys.readouterr().err
