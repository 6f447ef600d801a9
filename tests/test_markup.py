"""One definition of inline Markdown/HTML syntax (analyzer/markup.py): what a report shows of a quote
(sentences.display_quote) and what verification compares (grounding.strip_markup) read it alike."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.extract.grounding import strip_markup
from analyzer.extract.heuristic.textscan import link_line
from analyzer.fetch.parse import plain_text
from analyzer.sentences import display_quote
from tests.bounded import within

CASES = [
    ("[![Hugging Face][hf-image]][hf-url]", "Hugging Face"),  # reference-style badge inside a link
    ("[![badge](https://img.example/b.svg)](https://example.org)", "badge"),
    ("See [the docs](https://example.org/docs) or [FAQ][faq].", "See the docs or FAQ."),
    ("Write to <mailto:team@example.org> or visit <https://example.org>.", "Write to mailto:team@example.org or visit https://example.org."),
    ("It runs <b>locally</b> on your GPU.", "It runs locally on your GPU."),
    ("Latency is 3 < 5 > 1 in our table.", "Latency is 3 < 5 > 1 in our table."),  # not a tag
]


def _words(text: str) -> list[str]:
    return re.findall(r"[\w:@./-]+", text)


@pytest.mark.parametrize(("quote", "shown"), CASES)
def test_display_and_verification_read_links_images_and_tags_alike(quote: str, shown: str) -> None:
    assert _words(display_quote(quote)) == _words(shown)
    assert _words(strip_markup(quote)) == _words(shown)


def test_headings_and_titles_use_the_same_syntax() -> None:
    assert plain_text("[![Logo][logo]][home] Quill — [docs](https://example.org)") == "Quill — docs"


def test_badge_rows_are_lines_of_links_and_sentences_are_not() -> None:
    assert link_line("[![Hugging Face][hf-image]][hf-url]")
    assert link_line('🌐 <a href="https://example.org">Website</a> | 📑 <a href="https://arxiv.org/abs/1">Paper</a>')
    assert not link_line("[Apache 2.0 © 2023-2024 Example Dev, Inc.](./LICENSE)")  # a label that states a licence
    assert not link_line("Quill edits files and [runs your tests](https://example.org/tests).")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["![", "[", "](", "]", ")", "<", ">", "<a href=x>", "</a>", "a", " ", "\n", "![x][", "]["]), max_size=400))
def test_hostile_markup_costs_linear_time(parts: list[str]) -> None:
    text = "".join(parts) * 50
    with within(2.0, "markup handling"):
        display_quote(text)
        strip_markup(text)
        plain_text(text)
        link_line(text)
