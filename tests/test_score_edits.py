"""Analyst edits: `analyzer score --kind/--set/--fact/--stated-mitigations` and `analyzer.rescore(...)`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import build_analysis, build_exposure, coding_agent_profile, image_model_profile

import analyzer
from analyzer.cli.main import main
from analyzer.errors import ScoringError
from analyzer.models import EXPOSURE_FACTS, SCHEMA_VERSION, Analysis, FactSource, FactValue, Kind
from analyzer.pipeline import load_analysis


def saved(tmp_path: Path, analysis: Analysis, name: str = "a.json") -> Path:
    path = tmp_path / name
    path.write_text(analysis.model_dump_json())
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def agent_json(tmp_path: Path) -> Path:
    exposure = build_exposure(executes_code=True, writes_files=True, network_service="not_stated", uses_credentials="not_stated")
    return saved(tmp_path, build_analysis(coding_agent_profile(exposure=exposure)))


def test_cli_edits_are_applied_recorded_and_marked_in_json(capsys: pytest.CaptureFixture[str], agent_json: Path) -> None:
    before = load_analysis(str(agent_json))
    code, out, err = run(
        capsys, "score", str(agent_json), "--format", "json", "--fact", "network_service=yes", "--fact", "human_approval_required=yes",
        "--set", "autonomy_of_action=0.9", "--stated-mitigations", "sandbox,approval_gate", "--note", "our deployment", "--threat", "attacked",
    )  # fmt: skip
    assert code == 0, err
    after = Analysis.model_validate_json(out)
    assert after.system is not None
    fact = after.system.exposure.network_service
    assert (fact.value, fact.source) == (FactValue.YES, FactSource.SET_BY_ANALYST)
    assert "network_service" not in after.aivss.range.unstated  # type: ignore[union-attr]
    autonomy = after.factors[0]
    assert autonomy.key == "autonomy_of_action" and autonomy.set_by_analyst and autonomy.value == 0.9
    assert {m.kind.value for m in after.system.mitigations} == {"sandbox", "approval_gate"}
    assert after.aivss.mitigation_factor == 0.67 and after.aivss.threat_multiplier == 1.0
    targets = {e.target: e for e in after.edits}
    assert targets["fact:network_service"].previous == "not_stated" and targets["fact:network_service"].note == "our deployment"
    assert targets["factor:autonomy_of_action"].value == "0.9"
    assert targets["mitigations"].previous == "sandbox,allow_list"
    assert targets["threat_multiplier"].previous == "0.97" and targets["threat_multiplier"].value == "1"
    assert "UI:A" in (after.aivss.cvss_vector or "")  # approval now stated: the derivation moved
    assert before.aivss.cvss_vector != after.aivss.cvss_vector


def test_edits_survive_a_plain_rescore_of_the_written_json(capsys: pytest.CaptureFixture[str], agent_json: Path, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "score", str(agent_json), "--format", "json", "--fact", "uses_credentials=no", "--mitigation", "strong")
    assert code == 0
    edited = tmp_path / "edited.json"
    edited.write_text(out)
    code, again, _ = run(capsys, "score", str(edited), "--format", "json")
    assert code == 0
    first, second = Analysis.model_validate_json(out), Analysis.model_validate_json(again)
    assert second.aivss == first.aivss and second.edits == first.edits and second.aivss.mitigation_factor == 0.67


def test_markdown_and_html_mark_analyst_values(capsys: pytest.CaptureFixture[str], agent_json: Path) -> None:
    for fmt in ("md", "html"):
        code, out, err = run(capsys, "score", str(agent_json), "--format", fmt, "--kind", "browser-or-computer-use-agent", "--fact", "network_service=no")
        assert code == 0, err
        assert "set by analyst (was not stated" in out  # the fact, with the value it replaces
        assert "set by analyst (was coding-agent" in out  # the kind
        assert "exposure fact" in out and "not stated" in out  # the range and the per-fact table


def test_stated_mitigations_none_removes_them(capsys: pytest.CaptureFixture[str], agent_json: Path) -> None:
    code, out, _ = run(capsys, "score", str(agent_json), "--format", "json", "--stated-mitigations", "none")
    after = Analysis.model_validate_json(out)
    assert code == 0 and after.system is not None and after.system.mitigations == [] and after.aivss.mitigation_factor == 1.0
    assert after.edits[-1].target == "mitigations" and after.edits[-1].value == "none"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--fact", "network=yes"], "unknown exposure fact 'network'"),
        (["--fact", "network_service=maybe"], "is not yes, no or not_stated"),
        (["--fact", "network_service"], "is not of the form FACT="),
        (["--set", "autonomy_of_action=1.5"], "not a value 0.0–1.0"),
        (["--set", "autonomy=0.5"], "unknown factor 'autonomy'"),
        (["--kind", "robot"], "unknown kind 'robot'"),
        (["--stated-mitigations", "sandbox,moat"], "unknown mitigation kind 'moat'"),
        (["--stated-mitigations", ","], "no mitigation kinds"),
        (["--threat", "soon"], "unknown threat multiplier"),
    ],
)
def test_bad_edit_values_are_one_line_errors_with_exit_2(capsys: pytest.CaptureFixture[str], agent_json: Path, flags: list[str], message: str) -> None:
    code, out, err = run(capsys, "score", str(agent_json), *flags)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) <= 2  # the error line, and at most its hint


def test_changing_the_kind_resettles_the_facts_and_moves_floors() -> None:
    model = build_analysis(image_model_profile(exposure=build_exposure(**dict.fromkeys(EXPOSURE_FACTS, "not_stated"))))
    model = analyzer.rescore(model)  # settles the model's action facts as an assumed no
    assert model.system is not None and model.system.exposure.executes_code.value is FactValue.NO
    agent = analyzer.rescore(model, kind="coding-agent", note="it ships an agent loop")
    assert agent.system is not None and agent.system.kind is Kind.CODING_AGENT and agent.system.kind_set_by_analyst
    assert agent.system.exposure.executes_code.value is FactValue.NOT_STATED  # no longer settled by the model principle
    assert "executes_code" in agent.aivss.range.unstated  # type: ignore[union-attr]
    floored = [f for f in agent.factors if f.floor_applied]
    assert floored and all(f.value is not None and f.value >= 0.0 for f in floored)
    assert agent.aivss.score is not None and model.aivss.score is not None and agent.aivss.score > model.aivss.score


def test_python_api_validates_values() -> None:
    analysis = build_analysis(coding_agent_profile())
    with pytest.raises(ScoringError):
        analyzer.rescore(analysis, facts={"executes_code": "perhaps"})
    with pytest.raises(ScoringError):
        analyzer.rescore(analysis, set_factors={"autonomy_of_action": 0.55})
    same = analyzer.rescore(analysis, facts={"executes_code": "yes"})  # already the stated value: no edit
    assert same.edits == [] and same.aivss == analyzer.rescore(analysis).aivss


def test_a_schema_1_0_file_is_read_by_the_cli(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    old = json.loads(build_analysis(coding_agent_profile()).model_dump_json())
    old["schema_version"] = "1.0"
    for key in ("edits",):
        old.pop(key)
    for key in ("range", "assumptions", "steps"):
        old["aivss"].pop(key)
    old["system"]["exposure"] = dict.fromkeys(EXPOSURE_FACTS, False) | {"executes_code": True, "evidence": []}
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old))
    code, out, err = run(capsys, "score", str(path), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["system"]["exposure"]["executes_code"] == {"value": "not_stated", "evidence": [], "source": "assumed", "implied_by": None}
    assert data["aivss"]["range"]["low"] <= data["aivss"]["score"] <= data["aivss"]["range"]["high"]
