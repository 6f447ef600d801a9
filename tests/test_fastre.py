"""FastPattern matches exactly what `re` matches with the lower-cased pattern on the lower-cased text.

FastPattern answers most branches without a regex (a literal branch is a string comparison plus word-
boundary checks; other branches compile on their first candidate), so these tests compare it with
`re.finditer` on generated patterns and texts: leftmost match first, the first branch that matches at a
position wins, non-overlapping spans.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from analyzer.extract.heuristic import fastre
from analyzer.extract.heuristic.fastre import PLANS, FastPattern, _literal_strings, literal_prefix, lower_same_length

# Words that overlap ("agent", "agents", "agentic", "re-agent") so branches compete at the same offsets.
WORDS = ["agent", "agents", "agentic", "tool", "tools", "tool calling", "tool-calling", "mcp server", "a", "re", "é", "_x", "1b", "c++", "a.b", "]"]
SUFFIXES = [
    "", "s?", "(?:s|ic)?", "\\w*", " (?:server|client)s?", "\\b(?:-\\w+)?", "(?:a|ab)(?:c|)", "s??", "(?:s|)", "(?:(?:x|y)z?|)",
    "\\.?", "(?:ing|e[ds]|s)?", "-?(?:tool|agent)", "[- ]?(?:tool|agent)", "[ -]tools?", "[]x]", "[a-c]",
]  # fmt: skip


def _escape(word: str) -> str:
    return re.escape(word).replace("\\ ", " ")


@st.composite
def branches(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3))
    core = _escape(words[0]) if len(words) == 1 else "(?:" + "|".join(_escape(w) for w in words) + ")"
    lead = draw(st.sampled_from(["\\b", ""]))
    tail = draw(st.sampled_from(["\\b", ""]))
    return lead + core + draw(st.sampled_from(SUFFIXES)) + tail


patterns = st.lists(branches(), min_size=1, max_size=5).map("|".join)
# Wrapped as exposure rules write them ("(?:p)|\\bq"), and with a branch that has no literal (a class).
wrapped = st.lists(branches(), min_size=1, max_size=3).map(lambda bs: "|".join(f"(?:{b})" for b in bs))
texts = st.lists(st.sampled_from([*WORDS, " ", "-", "x", "S", "İ", "\n", ".", "_", "AGENTS", "Tool-Calling"]), max_size=30).map("".join)


def _expected(source: str, lowered: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    regex = re.compile(FastPattern(source).regex.pattern, re.MULTILINE)
    return [m.span() for m in regex.finditer(lowered, start, len(lowered) if end is None else end)]


@settings(max_examples=600, deadline=None)
@given(st.one_of(patterns, wrapped, patterns.map(lambda p: p + "|[0-9]+b\\b")), texts)
@example(r"\bagent\b|\bagents\b", "agents agent agentic")
@example(r"\b-x", "-x a -x")  # a boundary before a non-word character at offset 0 is not a boundary
@example(r"\bc\+\+\b", "c++ c++x")  # a trailing \b after a non-word character
# Occurrences of a literal inside words ("re" in "agentre") are skipped unless some branch may start there.
@example(r"\bre\b|\bre-agent|re_x", "are re-agent agentre re re_x")
@example(r"\b\.b|\ba\.b", "a.b .b x.b")  # a literal starting with a non-word character
# Searched as one regex: the strings every match must contain, inside repeats, groups and after lookarounds.
@example(r"(?<![\w-])\d+(?:\.\d+)?\s?b\b|(?:x|y)(?:tool)+s", "7b 1.5 b xtools ytooltools 2b-x")
@example(r"(?:^|[:|] )agent (?!tools)|[a-c]+(?:re-)?agentic", "agent tools\n: agent x abre-agentic")
def test_matches_exactly_like_re(source: str, text: str) -> None:
    lowered = lower_same_length(text)
    assert list(FastPattern(source).spans(lowered)) == _expected(source, lowered)


@settings(max_examples=200, deadline=None)
@given(patterns, texts, st.integers(0, 40), st.integers(0, 40))
def test_start_and_end_bound_matches_like_re_pos_and_endpos(source: str, text: str, start: int, length: int) -> None:
    lowered = lower_same_length(text)
    start = min(start, len(lowered))
    end = min(start + length, len(lowered))
    assert list(FastPattern(source).spans(lowered, start, end)) == _expected(source, lowered, start, end)


def test_limit_stops_after_that_many_matches() -> None:
    pattern = FastPattern(r"\bagents?\b")
    assert list(pattern.spans("agent agents agent", limit=2)) == [(0, 5), (6, 12)]


def test_branches_spelling_fixed_strings_need_no_regex() -> None:
    pattern = FastPattern(r"\bMCP servers?\b|\bsandbox\b|\bsandboxed (?:code|tools)\b|\bruns? \w+ code\b")
    assert list(pattern.spans("an mcp server in a sandbox, sandboxed tools")) == [(3, 13), (19, 26), (28, 43)]
    assert pattern._regex is None
    assert [pattern._branch(i)._regex is None for i in range(4)] == [True, True, True, True]  # no branch compiled
    assert list(pattern.spans("it runs python code")) == [(3, 19)]
    assert pattern._branch(3)._regex is not None  # compiled once its literal occurred


def test_literal_strings_and_literal_prefix() -> None:
    assert _literal_strings(r"mcp server\b") == (("mcp server",), True)
    assert _literal_strings(r"c\+\+") == (("c++",), False)
    assert _literal_strings(r"agents?\b") == (("agents", "agent"), True)
    assert _literal_strings(r"(?:a|ab)(?:c|)") == (("ac", "a", "abc", "ab"), False)  # re's order of trying
    assert _literal_strings(r"x\\b") == (("x\\b",), False)  # an escaped backslash, then 'b'
    assert _literal_strings(r"agents??") is None  # lazy: tries without first
    assert _literal_strings(r"foo\bbar") is None
    assert _literal_strings(r"\w+ code") is None
    assert _literal_strings(r"(?:a|)?") is None
    assert _literal_strings(r"open[- ]weights?\b") == (("open-weights", "open-weight", "open weights", "open weight"), True)
    assert _literal_strings(r"[a-z]x") is None  # a range is left to the regex
    assert literal_prefix(r"\bagents?") == "agent"
    assert literal_prefix(r"c\+?") == "c"
    assert literal_prefix(r"a\\?") == "a"  # an escaped backslash made optional
    assert literal_prefix(r"[a-z]+") == ""


def test_tied_branches_stay_one_regex() -> None:
    # Group numbers (and inline flags) span the branches: such a pattern is not split.
    pattern = FastPattern(r"agent(x)\1|\btool\b")
    assert len(pattern._branches) == 1
    assert list(pattern.spans("agentxx tool agentx")) == [(0, 7), (8, 12)]


# Plans kept across runs (FastPattern.for_rule): a pattern built from a plan read back from the cache dir
# matches exactly like one analysed afresh, and a damaged plan is analysed afresh.


@pytest.fixture
def plans(tmp_path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ANALYZER_CACHE_DIR", str(tmp_path))
    PLANS.reset()
    yield tmp_path
    PLANS.reset()


def _reloaded(sources: list[str]) -> list[FastPattern]:
    """Analyse and save, forget, then build each pattern from the plan read from the file."""
    for source in sources:
        FastPattern.for_rule(source)
    PLANS.save()
    PLANS.reset()
    return [FastPattern.for_rule(source) for source in sources]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(patterns, wrapped, patterns.map(lambda p: p + "|[0-9]+b\\b")), min_size=1, max_size=4), texts)
@example([r"agent(x)\1|\btool\b", r"\bMCP servers?\b|\bruns? \w+ code\b"], "agentxx tool MCP servers run python code")
def test_a_plan_read_back_matches_exactly_like_a_fresh_analysis(tmp_path_factory, sources: list[str], text: str) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ANALYZER_CACHE_DIR", str(tmp_path_factory.mktemp("plans")))
        PLANS.reset()
        try:
            rebuilt = _reloaded(sources)
            assert PLANS.get(sources[0]) is not None  # served from the file
        finally:
            PLANS.reset()
    lowered = lower_same_length(text)
    for source, pattern in zip(sources, rebuilt, strict=True):
        assert list(pattern.spans(lowered)) == list(FastPattern(source).spans(lowered)) == _expected(source, lowered)


def test_what_a_branch_spells_is_kept_once_a_listing_needed_it(plans) -> None:
    source = r"\bMCP servers?\b|\bsandbox\b|\bruns? \w+ code\b"
    [pattern] = _reloaded([source])
    assert list(pattern.spans("an mcp server that runs python code")) == [(3, 13), (19, 35)]
    PLANS.save()
    PLANS.reset()
    reread = FastPattern.for_rule(source)  # read back from the file
    [mcp, sandbox, runs] = [reread._branch(i) for i in range(3)]
    assert mcp._spelled == (("mcp servers", "mcp server"), True)  # worked out in the run before
    assert runs._spelled is None  # not fixed strings: known, and matched by its regex
    assert sandbox._spelled is fastre._UNSET  # never occurred: still left to the first listing that has it


@pytest.mark.parametrize("damage", [["x"], [1, None], ["mcp", [["mcp", ["mcp"], True, [["mcp"], "yes"]]]], ["mcp", [[None, [], True, None]]], ["mcp", [["mcp"]]], "plan"])
def test_a_damaged_plan_is_analysed_afresh(plans, damage) -> None:
    source = r"\bMCP servers?\b"
    _reloaded([source])
    PLANS.entries[source] = damage
    pattern = FastPattern.for_rule(source)
    assert list(pattern.spans("two mcp servers")) == [(4, 15)]
    assert PLANS.get(source) != damage


def test_without_a_cache_dir_branches_are_spelled_only_when_needed(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    monkeypatch.setenv("ANALYZER_CACHE_DIR", str(not_a_dir))
    PLANS.reset()
    try:
        pattern = FastPattern.for_rule(r"\bMCP servers?\b|\bsandbox\b")
        assert not PLANS.keeping
        assert list(pattern.spans("an mcp server")) == [(3, 13)]
        assert pattern._branch(0)._spelled == (("mcp servers", "mcp server"), True)
        assert pattern._branch(1)._spelled is fastre._UNSET  # "sandbox" never occurred: not worked out
    finally:
        PLANS.reset()


def test_a_regex_searched_whole_is_not_run_on_text_without_its_required_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    pattern = FastPattern(r"(?<![\w-])\d+(?:\.\d+)?\s?B\b|\bcomputer[- ]use\b")
    assert pattern._required == ["b", "computer"]
    searched: list[str] = []
    regex = pattern.regex

    class Spy:
        def search(self, text, *args):
            searched.append(text)
            return regex.search(text, *args)

    monkeypatch.setattr(pattern, "_regex", Spy())
    assert list(pattern.spans("a 7b model for computer use")) == [(2, 4), (15, 27)]
    assert list(pattern.spans("no size is stated here")) == []
    assert searched == ["a 7b model for computer use"] * 3  # two matches, then the search that ends
