"""Issue 10, Medium: reports carry listing markup. One escaping module (analyzer.report.escape) for all formats."""

from __future__ import annotations

import csv
import io
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.batch.outputs import IndexRow, write_index
from analyzer.report import escape, render
from tests.builders import build_analysis, build_listing, evidence, image_model_profile

HOSTILE_NAME = '<img src=x onerror="alert(1)">\u202eevil'
IMAGE = "![x](http://tracker.example/pixel.png)"
JS_LINK = "[click](javascript:alert(1))"


def _row(**overrides: object) -> IndexRow:
    values: dict[str, object] = dict(
        position=0, name=HOSTILE_NAME, source="https://e.example/x", kind="llm", score=5.0, band="Medium", factor_sum=3.0,
        status="done", error=None, files=["reports/x.md", "reports/x.html"], content_hash="h", attempts=1,
    )
    values.update(overrides)
    return IndexRow(**values)  # type: ignore[arg-type]


def test_overview_md_does_not_write_names_sources_and_errors_raw(tmp_path):
    failed = _row(position=1, status="failed", score=None, source="<script>alert(2)</script>", error=f"{IMAGE} {JS_LINK}", files=[])
    write_index(tmp_path, [_row(), failed])
    md = (tmp_path / "overview.md").read_text("utf-8")
    assert "<img" not in md and "<script>" not in md and "\u202e" not in md
    assert "![x](" not in md and not re.search(r"(?<!\\)\]\(javascript", md)
    html_page = (tmp_path / "overview.html").read_text("utf-8")
    assert "<img" not in html_page and "<script>" not in html_page and "\u202e" not in html_page


def test_markdown_report_neutralises_images_and_javascript_links():
    profile = image_model_profile()
    profile.factors[0].evidence = [evidence(f"See {IMAGE} and {JS_LINK} <b onmouseover=x>hi</b>")]
    listing = build_listing(text=build_listing().text + f"\nSee {IMAGE} and {JS_LINK} <b onmouseover=x>hi</b>\n")
    md = render(build_analysis(profile, listing), "md")
    assert not re.search(r"!\[x(?<!\\)\]\(", md) and "![x](" not in md  # the image is shown as text
    assert not re.search(r"(?<!\\)\]\(javascript:", md)
    assert "<b onmouseover" not in md


def test_bidi_override_is_stripped_from_html_markdown_and_csv(tmp_path):
    profile = image_model_profile()
    profile.system.name = "Good\u202etxt.exe"
    analysis = build_analysis(profile)
    for fmt in ("md", "html"):
        assert "\u202e" not in render(analysis, fmt), fmt
    write_index(tmp_path, [_row(name="Good\u202etxt.exe\u2066x\u2069")])
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", (tmp_path / "index.csv").read_text("utf-8"))


def test_semicolon_separated_title_cannot_smuggle_a_formula_into_a_spreadsheet(tmp_path):
    write_index(tmp_path, [_row(name="Model;=1+1,@SUM(A1);  -2+3")])
    rows = list(csv.reader(io.StringIO((tmp_path / "index.csv").read_text("utf-8"))))
    name = rows[1][rows[0].index("name")]
    for part in re.split(r"[;,\t]", name):
        assert not part.lstrip(" ").startswith(("=", "+", "-", "@")), name


def test_terminal_line_shows_cr_lf_and_escape_sequences():
    assert escape.terminal_line("http://x/\r\nSet-Cookie: a\x1b[31m\u202e") == "http://x/\\r\\nSet-Cookie: a\\x1b[31m\\u202e"


def test_safe_url_refuses_script_and_data_urls():
    for bad in ("javascript:alert(1)", " JaVa\tScRiPt:alert(1)", "data:text/html,<b>", "vbscript:x", "file:///etc/passwd"):
        assert escape.safe_url(bad) == "", bad
    for good in ("https://huggingface.co/x", "reports/a.md", "mailto:a@b.c"):
        assert escape.safe_url(good) == good
    assert escape.md_link("x", "javascript:alert(1)") == "x"


_PIECES = st.sampled_from([*"ab <>[]()!|`\\*_#-=+@;,\n\r\t\u202e\u2066\x1b\x00", "javascript:", "img", "1. "])
_TEXT = st.lists(_PIECES, max_size=40).map("".join)


@settings(max_examples=300, deadline=1000)
@given(_TEXT)
def test_md_text_never_leaves_markup_that_renders(value):
    out = escape.md_text(value)
    assert "\n" not in out and "<" not in out and ">" not in out
    assert not re.search(r"(?<!\\)(?:\\\\)*[\[\]|`]", out)  # every bracket, pipe and backtick escaped
    assert not re.search("[\u202a-\u202e\u2066-\u2069\x00-\x08\x0b-\x1f]", out)


@settings(max_examples=300, deadline=1000)
@given(_TEXT)
def test_csv_cell_parts_never_start_a_formula(value):
    out = escape.csv_cell(value)
    assert isinstance(out, str)
    for part in re.split(r"[;,\t]", out):
        assert not part.lstrip(" ").startswith(("=", "+", "-", "@", "\r")), out


@settings(max_examples=300, deadline=1000)
@given(_TEXT)
def test_html_text_has_no_tags_and_no_controls(value):
    out = escape.html_text(value)
    assert "<" not in out and ">" not in out and '"' not in out
    assert not re.search("[\u202a-\u202e\u2066-\u2069\x00-\x08\x0b-\x1f]", out)
