"""Quote → line numbers in the listing source (SARIF regions, diffs)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from analyzer.extract.grounding import normalise
from analyzer.report.locate import QuoteLocator

TEXT = """---
license: mit
---

# Relay

Relay is a **browser agent** that fills in web
forms for you.

- **Shell**: runs `npm test` and reads the output.
"""


def test_exact_quote_lines() -> None:
    span = QuoteLocator(TEXT).find("runs `npm test` and reads the output.")
    assert span is not None and (span.start_line, span.end_line) == (10, 10)


def test_quote_across_a_line_break_and_markup() -> None:
    span = QuoteLocator(TEXT).find("Relay is a browser agent that fills in web forms for you")
    assert span is not None and (span.start_line, span.end_line) == (7, 8)
    assert span.text.startswith("Relay is a **browser agent**")


def test_metadata_value_in_front_matter() -> None:
    span = QuoteLocator(TEXT).find("mit")
    assert span is not None and span.start_line == 2


def test_ellipsis_parts_span_from_first_to_last() -> None:
    span = QuoteLocator(TEXT).find("Relay is a browser agent … reads the output")
    assert span is not None and (span.start_line, span.end_line) == (7, 10)


def test_small_typo_is_found_fuzzily_but_nonsense_is_not() -> None:
    locator = QuoteLocator(TEXT)
    span = locator.find("Relay is a browser agent that fils in web forms")
    assert span is not None and span.start_line == 7
    assert locator.find("a completely different sentence about databases") is None
    assert locator.find("") is None and locator.find("…") is None


def test_word_start_preferred() -> None:
    text = "concatenate\nthe cat sat\n"
    span = QuoteLocator(text).find("cat")
    assert span is not None and span.start_line == 2


words = st.text(alphabet="abcdefghij", min_size=1, max_size=6)
lines = st.lists(st.lists(words, min_size=1, max_size=6).map(" ".join), min_size=1, max_size=12)


@given(lines=lines, data=st.data())
def test_found_span_contains_the_quote(lines: list[str], data: st.DataObject) -> None:
    text = "\n".join(lines) + "\n"
    first = data.draw(st.integers(0, len(lines) - 1))
    last = data.draw(st.integers(first, min(first + 2, len(lines) - 1)))
    quote = " ".join(lines[first : last + 1])
    span = QuoteLocator(text).find(quote)
    assert span is not None
    assert 1 <= span.start_line <= first + 1 and span.end_line >= span.start_line
    assert normalise(span.text) == normalise(quote)
    assert span.text in "\n".join(text.splitlines()[span.start_line - 1 : span.end_line])


def test_links_images_tags_and_entities_read_as_the_words_a_reader_sees() -> None:
    text = "# Kit\n\nIt reads [the docs](https://example.org/docs) and <b>writes</b> files &amp; runs\n![logo](x.png) tests.\n"
    span = QuoteLocator(text).find("It reads the docs and writes files & runs logo tests")
    assert span is not None and (span.start_line, span.end_line) == (3, 4)
    assert span.text.startswith("It reads [the docs]") and span.text.endswith("tests")


@given(st.text(max_size=200))
def test_markup_tracking_never_loses_an_offset(text: str) -> None:
    from analyzer.extract.grounding import strip_markup
    from analyzer.report.locate import strip_markup_tracked

    stripped, origin = strip_markup_tracked(text)
    assert len(stripped) == len(origin) and all(0 <= i < max(1, len(text)) for i in origin)
    assert origin == sorted(origin)
    if "&" not in text:  # entity decoding differs only in html.unescape's semicolon-less legacy forms
        assert stripped == strip_markup(text)


def test_legacy_entities_and_quotes_that_keep_markup() -> None:
    text = "# X\n\n🌐 <a href=\"https://x.example/\">Website</a>&nbsp&nbsp | docs\n\nSee [skills, rules, and MCP tools](https://hub.example.dev)** here.\n"
    locator = QuoteLocator(text)
    span = locator.find('🌐 <a href="https://x.example/">Website</a>&nbsp&nbsp | docs')
    assert span is not None and span.start_line == 3
    span = locator.find("rules, and MCP tools](https://hub.example.dev)**")
    assert span is not None and span.start_line == 5 and span.text.startswith("rules, and MCP tools](")
