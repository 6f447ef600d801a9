"""Local files and stdin are parsed as what their content is, whatever their name says."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.fetch.local import listing_format, read_local, sniff_format

PAGE = (
    "<!DOCTYPE html>\n<html><head><title>Tinker &mdash; coding agent</title><script>var nav = 'menu-script';</script></head>"
    "<body><nav><a href='/'>Home</a> <a href='/pricing'>Pricing</a></nav><main><h1>Tinker</h1>"
    "<p>Tinker is an open-source coding agent that runs shell commands.</p></main></body></html>\n"
)
README_WITH_TAGS = '<p align="center"><img src="logo.png"></p>\n\n# Tinker\n\nTinker is a coding agent.\n\n<details><summary>More</summary>x</details>\n'
CARD = {"name": "Tinker", "description": "Tinker is an open-source coding agent that runs shell commands."}


class _Stdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


def test_stdin_html_is_parsed_as_html(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", _Stdin(PAGE.encode()))
    listing = read_local("-")
    assert listing.title == "Tinker — coding agent"  # the page's <title>, not "stdin"
    assert "menu-script" not in listing.text and "Pricing" not in listing.text
    assert "Tinker is an open-source coding agent" in listing.text


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("card.md", PAGE, "html"),  # a saved page with a Markdown name
        ("card.txt", json.dumps(CARD), "json"),
        ("card.json", "# Tinker\n\nTinker is a coding agent.\n", "markdown"),  # not JSON at all
        ("card.html", "# Tinker\n\n- runs shell commands\n", "markdown"),
        ("README.md", README_WITH_TAGS, "markdown"),  # inline tags do not make a README an HTML page
        ("notes.md", "Tinker is a coding agent. It runs commands.", "markdown"),
        ("notes.txt", "Tinker is a coding agent. It runs commands.", "text"),
    ],
)
def test_files_with_a_misleading_extension(tmp_path: Path, name: str, content: str, expected: str) -> None:
    assert listing_format(content, name) == expected
    path = tmp_path / name
    path.write_text(content, "utf-8")
    listing = read_local(str(path))
    assert "Tinker" in listing.text
    assert "<html" not in listing.text and "menu-script" not in listing.text
    if expected == "json":
        assert any(m.key == "name" and m.value == "Tinker" for m in listing.metadata)


markdown_lines = st.lists(
    st.sampled_from(["# Title", "- item", "Some prose here.", "| a | b |", "<img src='x.png'>", '<p align="center">', "**bold** text", "```", "code"]),
    min_size=1,
    max_size=12,
)


@settings(max_examples=100, deadline=None)
@given(markdown_lines)
def test_markdown_with_inline_html_is_never_taken_for_a_page(lines: list[str]) -> None:
    assert sniff_format("\n".join(lines)) in ("markdown", "text")
