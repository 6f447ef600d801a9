"""Quote offsets for the page's highlight: UTF-16 units of the text as the browser holds it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from analyzer.extract.grounding import normalise
from analyzer.serve.locate import find_quote, page_text


def test_exact_and_markup_tolerant_quotes():
    text = "# Agent\n\n- **Runs commands**: executes shell\ncommands in a terminal.\n"
    start, end = find_quote(text, "Runs commands: executes shell commands")
    assert text[start:end].startswith("Runs commands**: executes shell\ncommands")
    assert find_quote(text, "teleports users to Mars") is None


def test_offsets_count_utf16_units_after_astral_characters():
    text = "🙂🙂 emoji first. Then it runs shell commands."
    start, end = find_quote(text, "it runs shell commands")
    units = text.encode("utf-16-le")
    assert units[start * 2 : end * 2].decode("utf-16-le") == "it runs shell commands"


def test_page_text_matches_what_the_page_shows():
    assert page_text("a\r\nb\rc\n") == "a\nb\nc\n"  # an HTML parser would turn CR into LF anyway
    assert page_text("left \u202eright\x07 bell") == "left right bell"  # bidi and control characters go, as in every output


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=60), st.text(alphabet="abc xyz", min_size=3, max_size=20))
def test_a_quote_taken_from_the_text_is_found_where_it_is(prefix, quote):
    quote = quote.strip()
    text = f"{prefix} {quote} tail"
    found = find_quote(text, quote) if any(c.isalnum() for c in quote) else None
    if found is None:
        return
    start, end = found
    located = text.encode("utf-16-le")[start * 2 : end * 2].decode("utf-16-le")
    assert normalise(quote) in normalise(located)  # the span holds the quote, in UTF-16 units
