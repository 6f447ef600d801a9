"""The Markdown-aware sentence splitter and the display cleaner for quotes."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.sentences import display_quote, join_wrapped, sentences, split_units

WORDS = st.sampled_from(
    ["agent", "runs", "shell", "commands", "the", "model", "GPT-4o", "v1.2.0", "3.5", "memory", "tools", "Docker", "API", "files", "users", "it"]
)
ABBREVIATIONS = st.sampled_from(["e.g.", "i.e.", "vs.", "cf."])


@st.composite
def sentence(draw: st.DrawFn) -> str:
    words = draw(st.lists(WORDS, min_size=2, max_size=8))
    if draw(st.booleans()):  # a parenthetical that itself contains sentence-like punctuation
        inner = draw(st.lists(WORDS, min_size=1, max_size=4))
        words.insert(draw(st.integers(0, len(words))), f"({draw(ABBREVIATIONS)} {' '.join(inner)}. Or {inner[0]}!)")
    if draw(st.booleans()):
        words.insert(draw(st.integers(1, len(words))), f"{draw(ABBREVIATIONS)} {draw(WORDS).capitalize()}")
    text = " ".join(words)
    return text[0].upper() + text[1:] + draw(st.sampled_from([".", "!", "?"]))


paragraph = st.lists(sentence(), min_size=1, max_size=5)


def _wrap(text: str, cuts: list[int]) -> str:
    """Replace some spaces with newlines, as a README wrapped at a column does."""
    spaces = [i for i, c in enumerate(text) if c == " "]
    chars = list(text)
    for k in cuts:
        if spaces:
            chars[spaces[k % len(spaces)]] = "\n"
    return "".join(chars)


@settings(max_examples=150, deadline=None)
@given(paragraph, st.lists(st.integers(0, 200), max_size=6))
def test_splits_a_paragraph_into_its_sentences_whatever_the_wrapping(parts: list[str], cuts: list[int]) -> None:
    text = " ".join(parts)
    wrapped = _wrap(text, cuts)
    found = sentences(wrapped)
    assert [re.sub(r"\s+", " ", s) for s in found] == parts
    assert join_wrapped(wrapped) == text  # soft wraps become spaces, offsets kept


@settings(max_examples=150, deadline=None)
@given(paragraph)
def test_never_cuts_inside_a_parenthesis_or_after_an_abbreviation(parts: list[str]) -> None:
    text = " ".join(parts)
    for unit in split_units(text):
        quote = unit.text(text)
        assert quote.count("(") == quote.count(")"), quote
        assert not re.search(r"\b(?:e\.g|i\.e|vs|cf)\.$", quote), quote


markdown_doc = st.lists(
    st.one_of(
        paragraph.map(" ".join),
        sentence().map(lambda s: f"- {s}"),
        sentence().map(lambda s: f"## {s.rstrip('.!?')}"),
        st.lists(WORDS, min_size=2, max_size=4).map(lambda w: "| " + " | ".join(w) + " |"),
        st.just("```\ncode. Not prose.\n```"),
    ),
    min_size=1,
    max_size=8,
).map("\n\n".join)


@settings(max_examples=150, deadline=None)
@given(markdown_doc)
def test_each_unit_is_a_span_of_the_source_in_reading_order(text: str) -> None:
    units = split_units(text)
    previous_end = 0
    for unit in units:
        assert 0 <= unit.start < unit.end <= len(text)
        assert unit.start >= previous_end
        quote = unit.text(text)
        assert quote == quote.strip() and quote in text
        assert "code. Not prose." not in quote  # fenced code is not prose
        previous_end = unit.end


def test_markdown_blocks() -> None:
    text = (
        "# Tinker\n\nTinker is an agent (e.g. for\nrepository maps). It edits files, i.e. your code.\n\n"
        "- **Remembers your project**: notes persist across sessions.\n- Runs tests\n  and lints.\n\n"
        "| Feature | Supported |\n|---|---|\n| Tool calling | yes |\n"
    )
    assert sentences(text) == [
        "Tinker",
        "Tinker is an agent (e.g. for\nrepository maps).",
        "It edits files, i.e. your code.",
        "**Remembers your project**: notes persist across sessions.",
        "Runs tests\n  and lints.",
        "| Feature | Supported |",
        "| Tool calling | yes |",
    ]


def test_numbers_versions_initials_and_closing_marks_do_not_end_sentences() -> None:
    text = "Version 1.2.0 scores 3.5 points vs. J. Smith's model. It said \"done.\" Then it stopped. Apples, pears etc. are fruit."
    assert sentences(text) == [
        "Version 1.2.0 scores 3.5 points vs. J. Smith's model.",
        'It said "done."',
        "Then it stopped.",
        "Apples, pears etc. are fruit.",
    ]


def test_display_quote_removes_markdown_but_keeps_the_words() -> None:
    assert display_quote("- **Remembers your project**: keeps `notes.md` in [the repo](https://x.y/z).") == (
        "Remembers your project: keeps notes.md in the repo."
    )
    assert display_quote("| Tool calling | ✅ |") == "Tool calling · ✅"
    assert display_quote("snake_case_name and *emphasis*") == "snake_case_name and emphasis"


def test_linear_time_on_pathological_input() -> None:
    # Deeply unbalanced brackets and dots: the splitter must finish (no backtracking), splitting sanely.
    text = "(" * 5000 + "a. B. " * 2000 + "[" * 3000
    assert len(split_units(text)) >= 1
