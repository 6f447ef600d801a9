"""Property tests for the listing parsers: Markdown sections, YAML front matter, HTML, byte decoding."""

from __future__ import annotations

import html

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.errors import InputError
from analyzer.fetch.html import html_to_markdown
from analyzer.fetch.local import decode_listing_bytes
from analyzer.fetch.parse import build_listing, markdown_sections, plain_text, split_front_matter

words = st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd"), max_codepoint=0x2FF), min_size=1, max_size=12)
sentences = st.lists(words, min_size=1, max_size=8).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(min_value=1, max_value=6), sentences, st.lists(sentences, max_size=4)), max_size=8), st.lists(sentences, max_size=3))
def test_sections_keep_every_heading_and_line(blocks: list[tuple[int, str, list[str]]], preamble: list[str]) -> None:
    lines = list(preamble)
    for level, heading, body in blocks:
        lines += ["", "#" * level + " " + heading, "", *body]
    sections = markdown_sections("\n".join(lines))
    headed = [s for s in sections if s.heading]
    assert [(s.level, s.heading) for s in headed] == [(lvl, h) for lvl, h, _ in blocks]
    for section, (_, _, body) in zip(headed, blocks, strict=True):
        assert section.text.split("\n") == [line for line in body] or (not body and section.text == "")
    if preamble:
        assert sections[0].heading == "" and sections[0].text == "\n".join(preamble)


@settings(max_examples=100, deadline=None)
@given(st.lists(sentences, max_size=5))
def test_hash_lines_inside_code_fences_are_not_headings(comments: list[str]) -> None:
    text = "# Title\n\n```bash\n" + "\n".join(f"# {c}" for c in comments) + "\n```\n"
    assert [s.heading for s in markdown_sections(text)] == ["Title"]


keys = st.from_regex(r"[a-z][a-z_]{0,10}", fullmatch=True)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(keys, sentences, min_size=1, max_size=6), sentences)
def test_front_matter_round_trips(data: dict[str, str], body: str) -> None:
    text = "---\n" + yaml.safe_dump(data, allow_unicode=True) + "---\n" + body
    fields, rest = split_front_matter(text)
    assert rest == body
    assert {(f.key, f.value) for f in fields} == {(k, v.strip()) for k, v in data.items() if v.strip()}
    assert all(f.source == "front_matter" for f in fields)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=400))
def test_malformed_front_matter_is_text_not_an_error(junk: str) -> None:
    text = "---\n" + junk.replace("---", "") + "\n---\nBody"
    fields, rest = split_front_matter(text)
    assert isinstance(fields, list) and rest.endswith("Body")


@settings(max_examples=150, deadline=None)
@given(sentences, st.lists(sentences, min_size=1, max_size=5))
def test_html_paragraphs_and_headings_survive(title: str, paragraphs: list[str]) -> None:
    page = (
        "<html><head><title>t</title><script>var secret = 1;</script></head><body>"
        "<nav>Home About</nav><div class='cookie-banner'>We use cookies</div><main>"
        f"<h1>{html.escape(title)}</h1>" + "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs) + "</main><footer>Footer text</footer></body></html>"
    )
    out = html_to_markdown(page).markdown
    assert f"# {title}" in out
    for p in paragraphs:
        assert p in out
    assert "secret" not in out and "We use cookies" not in out and "Footer text" not in out


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_html_parser_never_raises(junk: str) -> None:
    assert isinstance(html_to_markdown(junk).markdown, str)


def test_deeply_nested_html_is_parsed() -> None:
    page = "<div>" * 5000 + "<p>deep text</p>" + "</div>" * 5000
    assert "deep text" in html_to_markdown(page).markdown


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF), min_size=1, max_size=300).filter(str.strip))
def test_latin1_bytes_decode_to_the_same_text(text: str) -> None:
    assert decode_listing_bytes(text.encode("latin-1"), "page", "text/html; charset=ISO-8859-1") == text
    assert decode_listing_bytes(text.encode("utf-8"), "page") == text


@given(st.binary(max_size=100))
def test_bytes_with_nul_are_refused_as_binary(data: bytes) -> None:
    with pytest.raises(InputError, match="binary|empty"):
        decode_listing_bytes(data + b"\x00" + data, "blob.md")


@settings(max_examples=100, deadline=None)
@given(sentences, sentences)
def test_plain_text_keeps_link_text_and_drops_markup(label: str, rest: str) -> None:
    assert plain_text(f"**{label}** [{rest}](https://example.org/x) `code`") == f"{label} {rest} code"


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=1500).filter(str.strip))
def test_build_listing_hashes_its_text(text: str) -> None:
    try:
        listing = build_listing(text, source="x.md", source_type="file", name_hint="x.md")
    except InputError:
        return
    assert listing.content_hash == listing.hash_text(listing.text)
    assert listing.title


def test_a_page_that_looks_like_a_file_name_gives_no_library_warning() -> None:
    import warnings

    from analyzer.fetch.html import html_to_markdown

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning BeautifulSoup prints to a user's terminal fails here
        assert html_to_markdown("index.html") is not None
        html_to_markdown("https://example.org/model")
