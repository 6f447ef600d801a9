"""The report's first sentence says what the system is: never an announcement, badge, call to action or benchmark line."""

from __future__ import annotations

import pytest

from analyzer.extract.heuristic import HeuristicExtractor
from analyzer.fetch.parse import build_listing
from analyzer.text import first_sentence, is_defining_sentence


def summary_of(text: str, name: str = "fixture.md") -> str:
    listing = build_listing(text, source=name, source_type="file", name_hint=name)
    profile = HeuristicExtractor().extract(listing).profile
    assert profile is not None
    return profile.system.summary


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # an announcement first, the definition later
            "# Tinker\n\n> [!NOTE]\n> **Tinker 1.0** is almost here.\n\nTinker lets language models run code on your computer.\n",
            "Tinker lets language models run code on your computer.",
        ),
        (  # a call to action and a benchmark table before the definition
            "# Quill\n\nVisit our Hugging Face organization (click links above) to download checkpoints.\n\n"
            "| Benchmark | Score |\n|---|---|\n| MMLU | 80 |\n\nAll benchmarks run on the same hardware.\n\n"
            "Quill is an open-source text model for summarisation.\n",
            "Quill is an open-source text model for summarisation.",
        ),
        (  # a news line that is accepted by a conference
            "# Hermit\n\n- **[08.2025]** Our paper is accepted by EMNLP 2025 Main conference!\n\n"
            "We present Hermit, a family of function-calling models for agents.\n",
            "Hermit is a family of function-calling models for agents.",
        ),
        (  # a tagline that names a kind of thing
            "# Fetchy\n\nA Model Context Protocol server that provides web content fetching capabilities.\n",
            "Fetchy is a Model Context Protocol server that provides web content fetching capabilities.",
        ),
        (  # a lead-in that introduces a list, wrapped over two lines, with "e.g." inside a parenthesis
            "# Sweep\n\nSweep lets your model of choice (e.g. GPT-4o or\nClaude) use tools to:\n\n* fix issues,\n* run tests, or\n* write docs.\n",
            "Sweep lets your model of choice (e.g. GPT-4o or Claude) use tools to fix issues, run tests, or write docs.",
        ),
    ],
)
def test_the_first_sentence_defines_the_system(text: str, expected: str) -> None:
    summary = summary_of(text)
    assert first_sentence(summary) == expected
    assert is_defining_sentence(first_sentence(summary))


def test_without_a_definition_the_summary_names_the_kind() -> None:
    summary = summary_of("# Scout\n\nCheck out our Discord!\n\nScout opens pages, clicks buttons and fills in forms in a web browser for you.\n")
    assert first_sentence(summary).startswith("Scout is a")
    assert "Discord" not in summary
