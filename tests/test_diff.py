"""`analyzer diff`: what changed between two analyses — Python API, Markdown/JSON, exit codes, and two
revisions of a Hugging Face listing fetched from a local Hub on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import CODING_VALUES, build_analysis, build_listing, coding_agent_profile, coding_analysis, evidence, failed_analysis
from fetch_support import _no_fetch_env, fixture_json  # noqa: F401

from analyzer.cli.main import main
from analyzer.diff import diff_analyses, revision_url
from analyzer.errors import InputError
from analyzer.models import FactorKey, LayerId, Mitigation, MitigationKind
from analyzer.report.diff import render_diff

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "tidewater-agent.md"
APPROVAL = "Commands that touch the network or delete files require your approval unless you start it with"


@pytest.fixture
def cards(tmp_path: Path) -> tuple[Path, Path]:
    """The example card, and a later revision that drops its approval gate."""
    old = tmp_path / "v1.md"
    old.write_text(EXAMPLE.read_text("utf-8"), "utf-8")
    new = tmp_path / "v2.md"
    new.write_text(EXAMPLE.read_text("utf-8").replace(APPROVAL, "Commands run without asking, even with"), "utf-8")
    return old, new


def test_identical_analyses_have_no_changes() -> None:
    a = coding_analysis()
    diff = diff_analyses(a, a)
    assert not diff.changed and not diff.score_rose and diff.score.delta == 0
    assert "No change in kind, factors" in render_diff(diff, "md")


def test_every_compared_part_is_reported() -> None:
    old = coding_analysis()
    values = dict(CODING_VALUES) | {FactorKey.SELF_MODIFICATION: 0.7}
    profile = coding_agent_profile(
        values=values,
        mitigations=[Mitigation(kind=MitigationKind.APPROVAL_GATE, description="A human approves pushes", evidence=[])],
        stated={LayerId.L1: "Runs on a hosted frontier LLM chosen by the user", LayerId.L3: "Plans tasks and runs commands"},
        evidence_for={FactorKey.AUTONOMY_OF_ACTION: [evidence("It can call MCP servers", "Tools")]},
    )
    new = build_analysis(profile, old.listing)
    diff = diff_analyses(old, new)
    assert diff.changed
    assert [f.key for f in diff.factors] == ["self_modification", "dynamic_tool_use"]
    dtu = diff.factors[1]
    assert (dtu.old_status, dtu.new_status) == ("stated", "not_stated")
    sm = next(f for f in diff.factors if f.key == "self_modification")
    assert (sm.old, sm.new) == (0.3, 0.7)
    assert diff.mitigations_added == ["approval_gate"] and set(diff.mitigations_removed) == {"sandbox", "allow_list"}
    assert {c.layer for c in diff.layers} >= {"L4", "L7"}  # no longer pinned
    assert all(c.new_status == "not_certain" for c in diff.layers if c.layer in ("L4", "L7"))
    removed = {q.quote for q in diff.quotes_removed}
    assert "plans multi-step tasks, edits files and runs shell commands" in removed
    assert diff.quotes_added == []  # the new quote was already used (for Dynamic Tool Use): it moved, it did not appear
    moved = next(q for q in diff.quotes_removed if "plans multi-step" in q.quote)
    assert moved.used_for == ["factor:autonomy_of_action"]
    md = render_diff(diff, "md")
    assert "| Self-Modification | 0.30 (not_stated) | 0.70 (not_stated) |" in md
    assert "- removed: sandbox" in md and "- added: approval_gate" in md
    data = json.loads(render_diff(diff, "json"))
    assert data["score_rose"] == diff.score_rose and data["changed"] is True


def test_failed_side_has_no_delta() -> None:
    diff = diff_analyses(failed_analysis(), coding_analysis())
    assert diff.score.old is None and diff.score.delta is None and not diff.score_rose
    assert diff.kind is not None and diff.kind.old is None and diff.kind.new == "coding-agent"
    assert all(c.old == "unknown" for c in diff.exposure)


def test_markdown_escapes_listing_text() -> None:
    text = "# X\n\nIt can call MCP servers <script>alert(1)</script> when a < b\n"
    listing = build_listing(text, source="cards/x|<y>.md")
    profile = coding_agent_profile(evidence_for={FactorKey.DYNAMIC_TOOL_USE: [evidence("It can call MCP servers <script>alert(1)</script> when a < b", "X")]})
    md = render_diff(diff_analyses(coding_analysis(), build_analysis(profile, listing)), "md")
    assert "<script" not in md and "<y>" not in md
    assert "when a &lt; b" in md and "| cards/x\\|&lt;y&gt;.md |" in md


def test_cli_exit_1_when_the_score_rose_and_0_when_it_fell(cards: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    old, new = cards
    assert main(["diff", str(old), str(new)]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("# Threat model diff") and "- removed: approval_gate" in out
    assert "analyzer: score rose: AIVSS " in err
    assert main(["--quiet", "diff", str(new), str(old), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["score"]["delta"] < 0 and data["mitigations_added"] == ["approval_gate"]


def test_cli_reads_saved_analyses_as_they_are(cards: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = cards
    for card in (old, new):
        assert main(["--quiet", "analyze", str(card), "--format", "json", "--out", str(card.with_suffix(".json"))]) == 0
    out = tmp_path / "diff.json"
    assert main(["--quiet", "diff", str(old.with_suffix(".json")), str(new.with_suffix(".json")), "--out", str(out)]) == 1
    data = json.loads(out.read_text("utf-8"))
    assert data["old"]["source"] == str(old) and data["new"]["source"] == str(new)
    capsys.readouterr()


def test_cli_new_side_failed_is_exit_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    failed = tmp_path / "failed.json"
    failed.write_text(failed_analysis().model_dump_json(), "utf-8")
    assert main(["diff", str(EXAMPLE), str(failed)]) == 4
    assert "the new side's extraction failed" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["diff", "only-one.md"], "diff needs two sources, got 1"),
        (["diff", "https://huggingface.co/acme/x", "--rev", "a"], "--rev needs exactly two revisions and one URL"),
        (["diff", "https://example.org/page", "--rev", "a", "--rev", "b"], "--rev needs a Hugging Face or GitHub URL"),
        (["diff", "missing-a.md", "missing-b.md"], "missing-a.md: no such file"),
    ],
)
def test_cli_bad_usage_is_one_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("url", "rev", "expected"),
    [
        ("https://huggingface.co/acme/tiny", "v2", "https://huggingface.co/acme/tiny/tree/v2"),
        ("https://huggingface.co/acme/tiny/tree/main", "abc", "https://huggingface.co/acme/tiny/tree/abc"),
        ("https://huggingface.co/acme/tiny/blob/main/docs/CARD.md", "abc", "https://huggingface.co/acme/tiny/blob/abc/docs/CARD.md"),
        ("https://huggingface.co/datasets/acme/set", "refs/pr/3", "https://huggingface.co/datasets/acme/set/tree/refs/pr/3"),
        ("https://github.com/acme/agent", "abc1234", "https://github.com/acme/agent/tree/abc1234"),
        ("https://github.com/acme/agent/tree/main/packages/cli", "v1.2", "https://github.com/acme/agent/tree/v1.2/packages/cli"),
        ("https://github.com/acme/agent/blob/main/docs/README.md", "abc", "https://github.com/acme/agent/blob/abc/docs/README.md"),
    ],
)
def test_revision_urls(url: str, rev: str, expected: str) -> None:
    assert revision_url(url, rev) == expected


@pytest.mark.parametrize("rev", ["", " ", "a b", "../x"])
def test_revision_must_be_a_revision(rev: str) -> None:
    with pytest.raises(InputError):
        revision_url("https://huggingface.co/acme/tiny", rev)


def test_cli_two_revisions_of_a_hugging_face_listing(httpserver, monkeypatch, capsys) -> None:  # noqa: ANN001
    monkeypatch.setenv("HF_ENDPOINT", httpserver.url_for("").rstrip("/"))
    info = fixture_json("hf_model_info.json")
    readme = EXAMPLE.read_text("utf-8")
    old_sha, new_sha = "1" * 40, "2" * 40
    for rev, sha, text in (("v1", old_sha, readme), ("v2", new_sha, readme.replace(APPROVAL, "Commands run without asking, even with"))):
        httpserver.expect_request(f"/api/models/acme/tiny-agent-7b/revision/{rev}").respond_with_json(info | {"sha": sha})
        httpserver.expect_request(f"/acme/tiny-agent-7b/resolve/{sha}/README.md").respond_with_data(text)
    url = "https://huggingface.co/acme/tiny-agent-7b"
    code = main(["--quiet", "diff", url, "--rev", "v1", "--rev", "v2", "--allow-private", "--provider", "heuristic", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and data["score_rose"] and data["score"]["delta"] > 0
    assert data["old"]["revision"] == old_sha and data["new"]["revision"] == new_sha
    assert data["old"]["source"] == f"{url}/tree/v1" and data["new"]["source"] == f"{url}/tree/v2"
    assert data["mitigations_removed"] == ["approval_gate"]
    assert {r.path for r, _ in httpserver.log} >= {"/api/models/acme/tiny-agent-7b/revision/v1", "/api/models/acme/tiny-agent-7b/revision/v2"}


def test_cli_two_revisions_of_a_github_listing(httpserver, monkeypatch, capsys) -> None:  # noqa: ANN001
    import base64

    monkeypatch.setenv("ANALYZER_GITHUB_API", httpserver.url_for("").rstrip("/"))
    readme = EXAMPLE.read_text("utf-8")
    httpserver.expect_request("/repos/acme/agent-kit").respond_with_json(fixture_json("github_repo.json"))
    for ref, sha, text in (("v1.0", "a" * 40, readme), ("v1.1", "b" * 40, readme.replace(APPROVAL, "Commands run without asking, even with"))):
        body = {"type": "file", "encoding": "base64", "name": "README.md", "path": "README.md", "size": len(text), "sha": sha, "content": base64.encodebytes(text.encode()).decode()}
        httpserver.expect_request("/repos/acme/agent-kit/readme", query_string=f"ref={ref}").respond_with_json(body)
        httpserver.expect_request(f"/repos/acme/agent-kit/commits/{ref}").respond_with_data(sha, content_type="application/vnd.github.sha")
    code = main(["--quiet", "diff", "https://github.com/acme/agent-kit", "--rev", "v1.0", "--rev", "v1.1", "--allow-private", "--provider", "heuristic", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and data["score_rose"]
    assert (data["old"]["revision"], data["new"]["revision"]) == ("a" * 40, "b" * 40)
    assert data["mitigations_removed"] == ["approval_gate"]
    assert any(q["quote"].startswith("Commands that touch the network") for q in data["quotes_removed"])
