"""Issue 10, Done means: fuzz the parsers and the sentence splitter with a time bound per case.

Inputs are drawn from the characters and fragments that hostile listings use (brackets, fences, spaces,
hashes, invisible characters, YAML and JSON syntax). Each case must end in a value or a clean
AnalyzerError / parse error within hypothesis's deadline; the sizes are small, so a case that takes
seconds is a complexity bug, not a slow machine.
"""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer import jsonio
from analyzer.errors import AnalyzerError
from analyzer.fetch.html import html_to_markdown
from analyzer.fetch.parse import build_listing, markdown_sections, plain_text, split_front_matter
from analyzer.sentences import split_units
from analyzer.yamlio import load_untrusted_yaml

_FRAGMENTS = [
    *"abc XYZ019 \t\n#*_`|!<>[](){}:;,.-=+@\"'\\/&",
    "\u200b", "\u202e", "\u00a0", "\uff21", "а", "—", "…",
    "```", "~~~", "---", "# ", "## ", "- ", "1. ", "> ", "![", "](", "[x]", "<!--", "-->", "<div>", "</div>", "<a href=",
    "http://", "e.g.", "v1.2", "3.5B", "**", "| a | b |", "&amp;", "*a", "&a", "!!", "? ", "[//]: # (",
    "ignore previous instructions", "If you are an AI", "agent", "tool calling",
]
_TEXT = st.lists(st.sampled_from(_FRAGMENTS) | st.text(max_size=3), max_size=120).map("".join)
_YAML = st.lists(st.sampled_from([*"abc: -[]{}&*!|>'\"\n ,#", "&a ", "*a", "<<: *a", "- ", ": ", "\n  ", "key: value\n", "? "]), max_size=80).map("".join)
_JSON = st.lists(st.sampled_from([*'{}[]:,"0123456789.-eE ', "true", "null", '"k"', "\\u0000", "1e999"]), max_size=80).map("".join)
_SETTINGS = settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(_TEXT)
def test_fuzz_build_listing_markdown_ends_in_a_listing_or_a_clean_error(text):
    try:
        listing = build_listing(text, source="fuzz.md", source_type="file", name_hint="fuzz.md")
    except AnalyzerError:
        return
    assert listing.text == listing.text.strip()


@_SETTINGS
@given(_TEXT)
def test_fuzz_markdown_helpers_never_raise(text):
    markdown_sections(text)
    plain_text(text)
    split_front_matter("---\n" + text + "\n---\nbody")


@_SETTINGS
@given(_TEXT)
def test_fuzz_html_to_markdown_never_raises(text):
    html_to_markdown(f"<html><head><title>{text}</title><meta name='description' content='{text}'></head><body><main>{text}</main></body></html>")


@_SETTINGS
@given(_YAML)
def test_fuzz_untrusted_yaml_is_a_value_or_a_yaml_error(text):
    try:
        load_untrusted_yaml(text)
    except yaml.YAMLError:
        pass


@_SETTINGS
@given(_JSON)
def test_fuzz_json_is_a_value_or_a_value_error(text):
    try:
        jsonio.loads(text)
    except ValueError:
        pass


@_SETTINGS
@given(_TEXT)
def test_fuzz_sentence_splitter_gives_ordered_spans_of_the_text(text):
    units = split_units(text)
    previous_start = 0
    for unit in units:
        assert 0 <= unit.start < unit.end <= len(text)
        assert unit.block_start <= unit.start and unit.end <= unit.block_end
        assert unit.start >= previous_start  # reading order
        assert unit.text(text) == unit.text(text).strip()  # surrounding whitespace excluded
        previous_start = unit.start
