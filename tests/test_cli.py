"""End-to-end CLI behaviour: the main job, bad input, exit codes, re-scoring, schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.cli.main import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "tidewater-agent.md"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_analyze_example_markdown_has_reference_sections(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "analyze", str(EXAMPLE))
    assert code == 0, err
    assert "agentic threat model" in out
    assert "AIVSS = (" in out and "AARS = (10 − " in out  # the computation with the listing's numbers
    for layer in range(1, 8):
        assert f"L{layer} · " in out
    assert "extractor: heuristic" in err


def test_analyze_json_has_contract_keys_and_agentic_values(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "analyze", str(EXAMPLE), "--format", "json")
    assert code == 0
    data = json.loads(out)
    for key in ("schema_version", "listing", "factors", "aivss", "maestro", "warnings", "run"):
        assert key in data
    assert [f["key"] for f in data["factors"]][0] == "autonomy_of_action"
    assert len(data["factors"]) == 10 and len(data["maestro"]) == 7
    for key in ("score", "band", "cvss_base", "cvss_vector", "threat_multiplier", "mitigation_factor", "aars", "factor_sum", "formula", "reasons"):
        assert key in data["aivss"]
    assert {m["layer"] for m in data["maestro"]} == {f"L{i}" for i in range(1, 8)}
    values = {f["key"]: f["value"] for f in data["factors"]}
    assert values["autonomy_of_action"] >= 0.6 and values["dynamic_tool_use"] >= 0.7
    assert data["run"]["provider"] == "heuristic"


def test_score_of_analyze_json_gives_same_result(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "a.json"
    assert run_cli(capsys, "analyze", str(EXAMPLE), "--format", "json", "--out", str(saved))[0] == 0
    code, out, _ = run_cli(capsys, "score", str(saved), "--format", "json")
    assert code == 0
    first, second = json.loads(saved.read_text()), json.loads(out)
    assert first["aivss"]["score"] == second["aivss"]["score"]
    assert first["aivss"]["band"] == second["aivss"]["band"]
    assert [m["text"] for m in first["maestro"]] == [m["text"] for m in second["maestro"]]


def test_score_applies_hand_edits_and_overrides(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "a.json"
    run_cli(capsys, "analyze", str(EXAMPLE), "--format", "json", "--out", str(saved))
    data = json.loads(saved.read_text())
    for f in data["factors"]:
        f["value"] = 0.0
    saved.write_text(json.dumps(data))
    code, out, _ = run_cli(capsys, "score", str(saved), "--format", "json", "--cvss-base", "5.0", "--threat", "attacked", "--mitigation", "none")
    assert code == 0
    aivss = json.loads(out)["aivss"]
    assert aivss["factor_sum"] == 0.0 and aivss["score"] == 5.0 and aivss["cvss_base"] == 5.0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
    ],
)
def test_bad_listing_files_get_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str) -> None:
    path = tmp_path / "listing.md"
    path.write_bytes(content)
    code, out, err = run_cli(capsys, "analyze", str(path))
    assert code == 2
    assert message in err and str(path) in err
    assert "Traceback" not in err and err.count("\n") == 1 and out == ""


def test_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_cli(capsys, "analyze", str(tmp_path / "nope.md"))
    assert code == 2 and "no such file" in err


def test_ten_megabyte_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "huge.md"
    path.write_bytes(b"# Big\n" + b"lorem ipsum dolor sit amet\n" * 400_000)
    code, _, err = run_cli(capsys, "analyze", str(path))
    assert code == 2 and "MB" in err and "limit" in err


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"listing": {}, "factors": []}', "invalid analysis"),
    ],
)
def test_invalid_profile_json(tmp_path: Path, capsys: pytest.CaptureFixture[str], payload: str, expected: str) -> None:
    path = tmp_path / "p.json"
    path.write_text(payload)
    code, _, err = run_cli(capsys, "score", str(path))
    assert code == 2 and expected in err and "Traceback" not in err


def test_factor_out_of_range_in_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "a.json"
    run_cli(capsys, "analyze", str(EXAMPLE), "--format", "json", "--out", str(saved))
    data = json.loads(saved.read_text())
    data["factors"][3]["value"] = 1.7
    saved.write_text(json.dumps(data))
    code, _, err = run_cli(capsys, "score", str(saved))
    assert code == 2 and "factors.3.value" in err and "outside 0.0–1.0" in err


def test_schema_command_prints_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "schema")
    schema = json.loads(out)
    assert code == 0 and set(schema["required"]) >= {"listing", "factors", "aivss", "maestro", "warnings", "run"}


def test_unknown_provider_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "analyze", str(EXAMPLE), "--provider", "nonsense")
    assert code == 2


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys)
    assert code == 2 and "usage: analyzer" in err


def test_flux_is_a_plain_image_model(shared_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "analyze", str(shared_dir / "listings" / "flux1-dev.md"), "--format", "json")
    assert code == 0
    values = {f["key"]: f["value"] for f in json.loads(out)["factors"]}
    for key in ("autonomy_of_action", "goal_driven_planning", "dynamic_tool_use", "persistent_memory", "dynamic_identity", "multi_agent_interactions"):
        assert values[key] <= 0.1, key
    assert values["non_determinism"] >= 0.5 and values["opacity_reflexivity"] >= 0.5


def test_openhands_is_a_coding_agent_with_quotes(shared_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "analyze", str(shared_dir / "listings" / "openhands.md"), "--format", "json")
    assert code == 0
    data = json.loads(out)
    factors = {f["key"]: f for f in data["factors"]}
    text = data["listing"]["text"]
    for key in ("autonomy_of_action", "dynamic_tool_use"):
        assert factors[key]["value"] >= 0.7
        assert factors[key]["evidence"], key
        for ev in factors[key]["evidence"]:
            if not ev["location"].startswith("metadata:"):
                assert ev["quote"] in text
