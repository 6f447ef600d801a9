"""Editing a draft and POST /api/rescore: every editable value re-scores, is marked as the analyst's, and keeps."""

from __future__ import annotations

import json
import re

import pytest
from serve_support import SMALL_MODEL, client, example_text, new_draft

from analyzer.models import Analysis, FactSource


@pytest.fixture
def c(tmp_path):
    with client(tmp_path) as test_client:
        yield test_client


@pytest.fixture
def analysis_json(c):
    r = c.post("/api/analyze", json={"text": SMALL_MODEL, "filename": "lark.md"})
    assert r.status_code == 200
    return r.json()


def rescore(c, analysis_json, **edit):
    r = c.post("/api/rescore", json={"analysis": analysis_json, **edit})
    assert r.status_code == 200, r.text
    return Analysis.model_validate(r.json())


def test_rescore_a_factor_changes_the_score_and_marks_the_factor(c, analysis_json):
    before = Analysis.model_validate(analysis_json)
    after = rescore(c, analysis_json, set={"autonomy_of_action": 0.9}, note="acts alone in our deployment")
    factor = next(f for f in after.factors if f.key == "autonomy_of_action")
    assert factor.value == 0.9 and factor.set_by_analyst
    assert after.aivss.score > before.aivss.score
    assert after.aivss.factor_sum == pytest.approx(before.aivss.factor_sum + 0.9)
    edit = after.edits[-1]
    assert (edit.target, float(edit.previous), edit.note) == ("factor:autonomy_of_action", before.factors[0].value, "acts alone in our deployment")


def test_rescore_exposure_fact_kind_and_mitigations(c, analysis_json):
    before = Analysis.model_validate(analysis_json)
    after = rescore(c, analysis_json, facts={"executes_code": "yes", "network_service": "yes"})
    assert after.system.exposure.executes_code.source is FactSource.SET_BY_ANALYST
    # a model's impacts stay at most Low (the rubric's model principle), so the vector moves, the base need not
    assert after.aivss.cvss_base >= before.aivss.cvss_base and after.aivss.cvss_vector != before.aivss.cvss_vector

    kinded = rescore(c, analysis_json, kind="coding-agent")
    assert kinded.system.kind == "coding-agent" and kinded.system.kind_set_by_analyst

    mitigated = rescore(c, analysis_json, stated_mitigations=["sandbox", "approval_gate"])
    assert {m.kind for m in mitigated.system.mitigations} >= {"sandbox", "approval_gate"}
    assert all(m.set_by_analyst for m in mitigated.system.mitigations if not m.evidence)
    assert mitigated.aivss.mitigation_factor < 1.0


def test_rescore_threat_and_mitigation_take_the_cli_words(c, analysis_json):
    after = rescore(c, analysis_json, threat="attacked", mitigation="strong")
    assert (after.aivss.threat_multiplier, after.aivss.mitigation_factor) == (1.0, 0.67)
    reasons = {r.input: r for r in after.aivss.reasons}
    assert reasons["threat_multiplier"].overridden and reasons["mitigation_factor"].overridden


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        ({"set": {"autonomy_of_action": 1.7}}, "is not a value 0.0–1.0 in 0.1 steps"),
        ({"set": {"autonomy_of_action": 0.33}}, "is not a value 0.0–1.0 in 0.1 steps"),
        ({"set": {"no_such_factor": 0.3}}, "no_such_factor"),
        ({"facts": {"executes_code": "maybe"}}, "maybe"),
        ({"facts": {"teleports": "yes"}}, "teleports"),
        ({"kind": "toaster"}, "toaster"),
        ({"threat": "83"}, "threat multiplier"),
        ({"stated_mitigations": ["prayer"]}, "prayer"),
        ({"stated_mitigations": 5}, "list"),
        ({"set": [0.3]}, "'set'"),
    ],
)
def test_bad_edit_values_are_one_json_error(c, analysis_json, edit, words):
    r = c.post("/api/rescore", json={"analysis": analysis_json, **edit})
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert words in error["message"] and error["exit_code"] == 2


@pytest.mark.parametrize(
    ("flags", "edit"),
    [
        (["--kind", "toaster"], {"kind": "toaster"}),
        (["--fact", "executes_code=maybe"], {"facts": {"executes_code": "maybe"}}),
        (["--stated-mitigations", "sandbox,prayer"], {"stated_mitigations": "sandbox,prayer"}),
    ],
)
def test_edit_errors_are_the_cli_messages(c, analysis_json, tmp_path, capsys, flags, edit):
    from analyzer.cli.main import main

    saved = tmp_path / "a.json"
    saved.write_text(json.dumps(analysis_json), "utf-8")
    assert main(["score", str(saved), *flags]) == 2
    cli = capsys.readouterr().err.strip()
    api = c.post("/api/rescore", json={"analysis": analysis_json, **edit}).json()["error"]["message"]
    assert cli == f"analyzer: error: {api}"


def test_auto_returns_thm_and_mf_to_the_derived_values(c, analysis_json):
    set_ = rescore(c, analysis_json, threat="attacked", mitigation="0.5")
    assert (set_.aivss.threat_multiplier, set_.aivss.mitigation_factor) == (1.0, 0.5)
    back = rescore(c, set_.model_dump(mode="json"), threat="auto", mitigation="auto", note="derived again")
    fresh = Analysis.model_validate(analysis_json)
    assert (back.aivss.threat_multiplier, back.aivss.mitigation_factor) == (fresh.aivss.threat_multiplier, fresh.aivss.mitigation_factor)
    assert [(e.target, e.value, e.note) for e in back.edits[-2:]] == [("threat_multiplier", "auto", "derived again"), ("mitigation_factor", "auto", "derived again")]


def test_rescore_needs_a_valid_analysis(c):
    r = c.post("/api/rescore", json={"set": {"autonomy_of_action": 0.3}})
    assert r.status_code == 400 and "no 'analysis'" in r.json()["error"]["message"]
    r = c.post("/api/rescore", json={"analysis": {"listing": {}}, "set": {}})
    assert r.status_code == 400 and r.json()["error"]["message"].startswith("analysis: invalid analysis:")


def test_draft_edits_are_saved_marked_with_the_note_and_versioned(c):
    draft_id = new_draft(c, SMALL_MODEL, "lark.md")
    r = c.post(f"/api/drafts/{draft_id}/edit", json={"set": {"dynamic_tool_use": 0.8}, "note": "it <b>calls</b> tools", "version": 1})
    assert r.status_code == 200, r.text
    html = r.json()["html"]
    assert r.json()["draft"]["version"] == 2 and 'data-version="2"' in html
    row = re.search(r'<tr data-factor="dynamic_tool_use">.*?</tr>', html, re.S).group(0)
    assert "set by analyst" in row and "it &lt;b&gt;calls&lt;/b&gt; tools" in row and "<b>calls" not in row
    assert '<option value="0.8" selected>' in row

    # a second tab still on version 1 is told to reload instead of overwriting
    stale = c.post(f"/api/drafts/{draft_id}/edit", json={"set": {"dynamic_tool_use": 0.2}, "version": 1})
    assert stale.status_code == 409 and "reload the draft" in stale.json()["error"]["message"]

    # a threat override persists through a later edit
    c.post(f"/api/drafts/{draft_id}/edit", json={"threat": "attacked", "version": 2})
    c.post(f"/api/drafts/{draft_id}/edit", json={"set": {"persistent_memory": 0.4}, "version": 3})
    saved = Analysis.model_validate(c.get(f"/api/drafts/{draft_id}").json()["analysis"])
    assert saved.aivss.threat_multiplier == 1.0
    assert [e.target for e in saved.edits] == ["factor:dynamic_tool_use", "threat_multiplier", "factor:persistent_memory"]
    page = c.get(f"/drafts/{draft_id}").text
    assert "Analyst edits" in page and "threat_multiplier" in page

    # "auto" returns the threat multiplier to the derived default
    c.post(f"/api/drafts/{draft_id}/edit", json={"threat": "auto", "version": 4})
    saved = Analysis.model_validate(c.get(f"/api/drafts/{draft_id}").json()["analysis"])
    assert saved.aivss.threat_multiplier == 0.97


def test_empty_edit_and_bad_version_are_refused(c):
    draft_id = new_draft(c, example_text())
    r = c.post(f"/api/drafts/{draft_id}/edit", json={"note": "only a note"})
    assert r.status_code == 400 and "changes nothing" in r.json()["error"]["message"]
    r = c.post(f"/api/drafts/{draft_id}/edit", json={"set": {"autonomy_of_action": 0.1}, "version": "1"})
    assert r.status_code == 400 and "'version'" in r.json()["error"]["message"]


def test_a_failed_extraction_has_nothing_to_edit(c, analysis_json):
    failed = {**analysis_json, "extraction": {**analysis_json["extraction"], "status": "failed", "error": "LLM refused"}}
    r = c.post("/api/rescore", json={"analysis": failed, "set": {"autonomy_of_action": 0.3}})
    assert r.status_code == 400 and "extraction failed" in r.json()["error"]["message"]
