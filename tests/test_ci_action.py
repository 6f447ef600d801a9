"""The GitHub Action's script against a real temporary git repository with a changed model card."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from schema_support import sarif_errors

from analyzer.ci_action import build_parser, glob_regex, main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = (ROOT / "examples" / "tidewater-agent.md").read_text("utf-8")
APPROVAL = "Commands that touch the network or delete files require your approval unless you start it with"
IMAGE_CARD = "# Stillframe\n\nStillframe is an image classification model that labels photos.\n"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
        cwd=repo, check=True, capture_output=True, text=True, timeout=30,
    ).stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """main: two cards and a script; branch `pr`: one card loses its approval gate, one file is not a card."""
    root = tmp_path / "repo"
    (root / "agents" / "tidewater").mkdir(parents=True)
    (root / "models" / "stillframe").mkdir(parents=True)
    git(root, "init", "-q")
    (root / "agents" / "tidewater" / "README.md").write_text(EXAMPLE, "utf-8")
    (root / "models" / "stillframe" / "README.md").write_text(IMAGE_CARD, "utf-8")
    (root / "setup.py").write_text("print('hi')\n", "utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "cards")
    git(root, "checkout", "-q", "-b", "pr")
    (root / "agents" / "tidewater" / "README.md").write_text(EXAMPLE.replace(APPROVAL, "Commands run without asking, even with"), "utf-8")
    (root / "setup.py").write_text("print('changed')\n", "utf-8")
    git(root, "commit", "-q", "-am", "drop the approval gate")
    monkeypatch.chdir(root)
    return root


def run(tmp_path: Path, *extra: str) -> tuple[int, dict, str, str]:
    sarif, summary, output = tmp_path / "out.sarif", tmp_path / "summary.md", tmp_path / "github-output"
    code = main(["--base", "main", "--sarif", str(sarif), "--summary", str(summary), "--github-output", str(output), *extra])
    log = json.loads(sarif.read_text("utf-8")) if sarif.exists() else {}
    return code, log, summary.read_text("utf-8") if summary.exists() else "", output.read_text("utf-8") if output.exists() else ""


def test_only_the_changed_card_is_analysed_with_its_diff(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, log, summary, outputs = run(tmp_path)
    assert code == 0
    assert sarif_errors(log) == []
    assert [r["artifacts"][0]["location"]["uri"] for r in log["runs"]] == ["agents/tidewater/README.md"]
    assert all(loc["physicalLocation"]["artifactLocation"]["uri"] == "agents/tidewater/README.md" for r in log["runs"][0]["results"] for loc in r["locations"])
    base = git(repo, "rev-parse", "main").strip()
    assert f"1 card(s) analysed against `{base[:12]}`" in summary
    assert "| agents/tidewater/README.md | coding-agent |" in summary
    assert re.search(r"\| \+\d\.\d \| — \|", summary)  # the score rose against the base
    assert "- removed: approval_gate" in summary  # the diff against `git show main:agents/tidewater/README.md`
    assert "stillframe" not in summary
    assert "analysed=1\n" in outputs and "breached=false\n" in outputs and "exit-code=0\n" in outputs
    capsys.readouterr()


def test_the_gate_fails_with_7_after_writing_everything(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, log, summary, outputs = run(tmp_path, "--max-score", "0")
    assert code == 7
    assert log["runs"] and "**fails**" in summary and "❌ agents/tidewater/README.md: AIVSS score" in summary
    assert "breached=true\n" in outputs
    assert "analyzer: threshold: agents/tidewater/README.md" in capsys.readouterr().err
    code, *_ = run(tmp_path, "--fail-on", "critical")
    assert code == 0


def test_a_new_card_has_no_diff_and_all_files_takes_every_card(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "tools" / "relay").mkdir(parents=True)
    (repo / "tools" / "relay" / "MODEL_CARD.md").write_text(IMAGE_CARD.replace("Stillframe", "Relay"), "utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "new card")
    code, log, summary, _ = run(tmp_path, "--paths", "**/README.md, tools/**/MODEL_CARD.md")
    assert code == 0 and len(log["runs"]) == 2
    assert re.search(r"\| tools/relay/MODEL_CARD.md \| [^|]+ \| [\d.]+ \| \w+ \| new \|", summary)
    assert summary.count("<details>") == 1  # only the changed card has a base to compare with
    code, log, summary, _ = run(tmp_path, "--all")
    uris = {r["artifacts"][0]["location"]["uri"] for r in log["runs"]}
    assert uris == {"agents/tidewater/README.md", "models/stillframe/README.md", "tools/relay/MODEL_CARD.md"}
    capsys.readouterr()


def test_an_unreadable_card_is_unknown_risk_and_the_others_still_count(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "models" / "stillframe" / "README.md").write_text("   \n", "utf-8")
    git(repo, "commit", "-q", "-am", "empty card")
    code, log, summary, outputs = run(tmp_path, "--max-score", "10")
    assert code == 4
    assert sarif_errors(log) == [] and len(log["runs"]) == 2
    failed = next(r for r in log["runs"] if r["artifacts"][0]["location"]["uri"] == "models/stillframe/README.md")
    assert failed["invocations"][0]["executionSuccessful"] is False and failed["results"] == []
    assert "⚠️ models/stillframe/README.md: extraction failed: models/stillframe/README.md: the listing is empty" in summary
    assert "| agents/tidewater/README.md | coding-agent |" in summary and "exit-code=4\n" in outputs
    capsys.readouterr()


def test_nothing_changed_writes_no_sarif(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, log, summary, outputs = run(tmp_path, "--paths", "docs/**/*.md")
    assert code == 0 and log == {}
    assert "No model card or README matching the paths changed." in summary
    assert "analysed=0\n" in outputs and "sarif=\n" in outputs
    capsys.readouterr()


def test_clear_errors_for_a_missing_base_and_outside_a_repository(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--base", "no-such-branch"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("analyzer: error: git merge-base no-such-branch HEAD:") and "fetch-depth: 0" in err
    monkeypatch.chdir(repo / "agents")
    assert main(["--base", "main"]) == 2
    assert "run from the repository root" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("**/README.md", "README.md", True),
        ("**/README.md", "a/b/README.md", True),
        ("**/README.md", "a/README.mdx", False),
        ("models/*/README.md", "models/x/README.md", True),
        ("models/*/README.md", "models/x/y/README.md", False),
        ("docs/**", "docs/a/b.md", True),
        ("card?.md", "card1.md", True),
    ],
)
def test_globs(pattern: str, path: str, matches: bool) -> None:
    assert bool(glob_regex(pattern).match(path)) is matches


def test_action_yml_passes_only_flags_the_script_accepts() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    script = next(s["run"] for s in steps if s.get("id") == "analyse")
    assert "python -m analyzer.ci_action" in script
    known = {opt for a in build_parser()._actions for opt in a.option_strings}
    used = set(re.findall(r"(--[a-z][a-z-]+)", script))
    assert used and used <= known, used - known
    # every input is used, and inputs reach the script through env, never spliced into it
    inputs = set(action["inputs"])
    text = (ROOT / "action.yml").read_text("utf-8")
    assert all(f"inputs.{name}" in text for name in inputs)
    assert "${{ inputs." not in script
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif@") for s in steps)


def test_example_workflow_uses_the_action() -> None:
    workflow = yaml.safe_load((ROOT / "examples" / "github-workflow.yml").read_text("utf-8"))
    job = next(iter(workflow["jobs"].values()))
    assert workflow["permissions"]["security-events"] == "write"
    checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    action_step = next(s for s in job["steps"] if "analyzer" in s.get("uses", ""))
    action_inputs = set(yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))["inputs"])
    assert set(action_step["with"]) <= action_inputs
