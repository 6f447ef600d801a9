"""Issue 10, High: quadratic regexes, and the per-listing CPU budget.

Each named test reproduces one red-team input at the size it was reported (minutes on the old code) and
must finish well within its bound; the sweep runs every generated hostile text through parse + extract.
"""

from __future__ import annotations

import pytest

from analyzer.cpubudget import cpu_budget
from analyzer.extract.heuristic import HeuristicExtractor
from analyzer.extract.heuristic.fastre import FastPattern, lower_same_length
from analyzer.fetch.parse import build_listing, markdown_sections, plain_text
from analyzer.pipeline import analyze
from tests.bounded import within
from tests.hostile_inputs import HOSTILE_TEXTS

EXTRACTOR = HeuristicExtractor()


def _analyze_text(text: str):
    listing = build_listing(text, source="hostile.md", source_type="file", name_hint="hostile.md")
    return analyze(listing, extractor=EXTRACTOR)


def test_heading_followed_by_160000_spaces_is_linear():
    text = "# Title" + " " * 160_000 + "x\n\nAn agent that runs shell commands.\n"
    with within(20, "a heading padded with 160,000 spaces"):
        analysis = _analyze_text(text)
    assert analysis.extraction.status == "ok"
    assert analysis.listing.sections[0].heading.startswith("Title")


def test_image_open_bracket_repeated_80000_times_is_linear():
    with within(20, "'![' x 80,000"):
        analysis = _analyze_text("![" * 80_000)
    assert analysis.extraction.status == "ok"


def test_link_target_open_repeated_is_linear():
    with within(20, "'](' x 80,000"):
        assert _analyze_text("](" * 80_000).extraction.status == "ok"


def test_unclosed_tags_and_links_in_plain_text_are_linear():
    with within(10, "plain_text on unclosed markup"):
        for unit in ("<", "[", "![", "]("):
            plain_text(unit * 100_000)


def test_heading_regexes_keep_their_meaning():
    sections = markdown_sections("# Hello world ##   \ntext\n## C#\nmore\n#   Spaced   #\n")
    assert [s.heading for s in sections] == ["Hello world", "C", "Spaced"]


def test_word_boundary_rule_on_a_digit_run_is_linear():
    pattern = FastPattern(r"\b\d+(?:\.\d+)?[BM]\b(?:[- ]parameters?)?")
    with within(10, "a digit rule on 1,000,000 digits"):
        assert list(pattern.spans("1" * 1_000_000)) == []
    assert list(pattern.spans(lower_same_length("a 7B model"))) == [(2, 4)]


def test_literal_candidates_match_like_a_plain_search():
    import re

    for source, text in [
        (r"\bMCP servers?\b", "an MCP server, mcp servers and xMCP server"),
        (r"\bagent\b|\bagents\b", "agents agent agentic"),
        (r"tool calling|\bAPI\b", "API tool calling APIs"),
    ]:
        fast = list(FastPattern(source).spans(lower_same_length(text)))
        plain = [m.span() for m in re.finditer(source, text, re.IGNORECASE | re.MULTILINE)]
        assert fast == plain, source


@pytest.mark.parametrize("name", sorted(HOSTILE_TEXTS))
def test_every_hostile_text_is_analysed_in_bounded_time(name):
    text = HOSTILE_TEXTS[name](10_000)
    with within(20, name):
        try:
            analysis = _analyze_text(text)
        except Exception as exc:  # a clean refusal ("no readable text") is fine; a crash is not
            from analyzer.errors import AnalyzerError

            assert isinstance(exc, AnalyzerError), repr(exc)
            return
    assert analysis.extraction.status == "ok"


def test_cpu_budget_turns_into_a_failed_extraction_not_a_hang():
    listing = build_listing("# Agent\n\nAn agent that runs shell commands.\n", source="slow.md", source_type="file")
    with cpu_budget("slow.md", seconds=1e-9):
        result = EXTRACTOR.extract(listing)
    assert result.outcome.status == "failed"
    assert "slow.md" in result.outcome.error and "CPU time" in result.outcome.error


def test_cpu_budget_work_counter_is_linear_in_the_listing():
    sizes = (20_000, 80_000)
    per_char = []
    for size in sizes:
        text = HOSTILE_TEXTS["words"](size)
        with cpu_budget("count.md", seconds=600) as budget:
            _analyze_text(text)
        per_char.append(budget.work / len(text))
    # the same number of passes over the text whatever its size
    assert per_char[1] <= per_char[0] * 1.05


def test_cpu_budget_work_limit_is_a_clean_error():
    from analyzer.errors import BudgetExceededError

    with pytest.raises(BudgetExceededError, match="budget.md: stopped at"), cpu_budget("budget.md", work_limit=10):
        build_listing("# T\n\n" + "text " * 100, source="budget.md", source_type="file")


def test_cpu_budget_env_value_is_validated(monkeypatch):
    from analyzer.cpubudget import default_seconds
    from analyzer.errors import ConfigError

    monkeypatch.setenv("ANALYZER_CPU_BUDGET", "soon")
    with pytest.raises(ConfigError, match="ANALYZER_CPU_BUDGET"):
        default_seconds()
