"""Every sentence of the report agrees with the factor values, facts and mitigations it reports; weak
evidence (testimonials, opinions, install lines) supports nothing; the listing's own warnings are named."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from analyzer.extract.heuristic import HeuristicExtractor
from analyzer.fetch.local import read_local
from analyzer.fetch.parse import build_listing
from analyzer.models import Analysis, FactorKey, FactorStatus, LayerId, LayerStatus, MitigationKind
from analyzer.pipeline import analyze
from analyzer.report import render

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "tidewater-agent.md"


def analysis_of(text: str) -> Analysis:
    listing = build_listing(text, source="card.md", source_type="file", name_hint="card.md")
    return analyze(listing, extractor=HeuristicExtractor())


def layer(a: Analysis, lid: LayerId):  # type: ignore[no-untyped-def]
    return next(x for x in a.maestro if x.layer is lid)


def factor(a: Analysis, key: FactorKey):  # type: ignore[no-untyped-def]
    return next(f for f in a.factors if f.key is key)


def contradictions(a: Analysis) -> list[str]:
    """The contradictions an analyst would notice between the text and the values beside it."""
    found = []
    text = " ".join([a.summary, *(x.text for x in a.maestro), *(c.text for c in a.cross_layer)])
    pm = factor(a, FactorKey.PERSISTENT_MEMORY)
    if pm.status is FactorStatus.STATED and (pm.value or 0) >= 0.3 and "whether anything persists" in text:
        found.append("L2 unsure whether anything persists beside a stated Persistent Memory")
    stated = {m.kind for m in (a.system.mitigations if a.system else [])}
    if MitigationKind.APPROVAL_GATE in stated and "without a stated approval step" in text:
        found.append("'without a stated approval step' beside a stated approval control")
    mai = factor(a, FactorKey.MULTI_AGENT_INTERACTIONS)
    quotes = [e.quote.lower() for f in a.factors for e in f.evidence]
    if any("team of" in q and "agents" in q for q in quotes) and mai.status is not FactorStatus.STATED:
        found.append("a quote about a team of agents while Multi-Agent is not stated")
    for x in a.maestro:
        if x.status is LayerStatus.MAPPED and any(x.text.rstrip().endswith(w) for w in (" your;", " with;", " in;")):
            found.append(f"{x.layer.value} ends a stated clause mid-phrase")
    return found


def test_the_tidewater_example_does_not_contradict_itself() -> None:
    a = analyze(str(EXAMPLE), provider="heuristic")
    assert contradictions(a) == []
    # memory that persists across sessions pins L2 and is said there, next to the memory-poisoning threat
    assert factor(a, FactorKey.PERSISTENT_MEMORY).status is FactorStatus.STATED
    l2 = layer(a, LayerId.L2)
    assert l2.status is LayerStatus.MAPPED and "memory.md" in l2.text
    # the approval control is stated, so no text says there is no approval step
    md = render(a, "md", detail="full")
    assert "without a stated approval step" not in md
    # clauses are whole: "… require your approval unless you start it with --yolo, …", not "… with;"
    assert "start it with;" not in md and "across your;" not in md
    assert md.lower().count("license: apache") <= 1


@pytest.mark.parametrize("path", sorted((ROOT / "tests" / "fixtures" / "heuristic_unseen").glob("*.md")) + [EXAMPLE], ids=lambda p: p.stem)
def test_fixture_reports_have_no_contradictions(path: Path) -> None:
    assert contradictions(analyze(str(path), provider="heuristic")) == []


def test_a_team_of_specialist_agents_is_a_multi_agent_statement() -> None:
    a = analysis_of(
        "# Crewmate\n\nCrewmate is an autonomous research agent.\n\n"
        "It plans each project and hands the steps to a team of specialist agents that review each other's work.\n"
    )
    assert factor(a, FactorKey.MULTI_AGENT_INTERACTIONS).status is FactorStatus.STATED
    assert contradictions(a) == []


def test_testimonials_opinions_and_install_lines_support_nothing() -> None:
    a = analysis_of(
        "# Pairbot\n\nPairbot is a coding agent.\n\n## What people say\n\n"
        '- "Pairbot ... is the tool to benchmark against." — BeetleB on Hacker News\n'
        "- It's a cool workflow... I love that it keeps an audit log of my sessions and plans multi-step tasks.\n\n"
        "## Install\n\npip install pairbot-autonomous\n"
    )
    quotes = [e.quote for f in a.factors for e in f.evidence]
    quotes += [e.quote for s in (a.system.layers if a.system else []) for e in s.evidence]
    assert not any("Hacker News" in q or "cool workflow" in q or "pip install" in q for q in quotes), quotes
    assert layer(a, LayerId.L5).status is LayerStatus.NOT_CERTAIN


def test_a_quoted_example_request_is_not_a_first_person_opinion() -> None:
    from analyzer.extract.heuristic.textscan import weak_statement

    assert not weak_statement('- "Move my dentist appointment to Friday" \u2014 edits calendar events for you.')
    assert not weak_statement("Ask it \u201csummarise my inbox\u201d and it reads every unread email.")
    assert weak_statement('"This changed my life, it runs my whole test suite."')  # nothing but a quotation
    assert weak_statement("I love that it edits my calendar.")  # the listing's own first person
    a = analysis_of(
        "# Deskmate\n\nDeskmate is an autonomous scheduling agent.\n\n## Features\n\n"
        '- "Move my dentist appointment to Friday" \u2014 it edits and cancels calendar events on your behalf.\n'
    )
    assert a.system is not None
    fact = a.system.exposure.acts_on_external_systems
    assert fact.value == "yes" and any("calendar events" in e.quote for e in fact.evidence), fact


def test_one_quote_does_not_carry_three_factors() -> None:
    a = analyze(str(EXAMPLE), provider="heuristic")
    uses = Counter(q for f in a.factors for q in {e.quote for e in f.evidence})
    assert max(uses.values()) <= 2


def test_the_listings_own_caution_is_named_as_a_threat() -> None:
    a = analysis_of(
        "# Fetcher MCP Server\n\nA Model Context Protocol server that fetches web pages for your agent.\n\n"
        "> [!CAUTION]\n> This server can access local/internal IP addresses and may represent a security risk.\n"
    )
    ssrf = [c for c in a.cross_layer if c.name == "Server-side request forgery"]
    assert ssrf and "local/internal IP addresses" in ssrf[0].text
    assert "server-side request forgery" in a.summary.lower()
    quiet = analysis_of("# Fetcher MCP Server\n\nA Model Context Protocol server that fetches web pages.\n\nIt never accesses local addresses.\n")
    assert not any(c.name == "Server-side request forgery" for c in quiet.cross_layer)


def test_shared_mcp_fetch_listing_names_ssrf(shared_dir: Path) -> None:
    a = analyze(read_local(str(shared_dir / "listings" / "mcp-fetch.md")), extractor=HeuristicExtractor())
    assert any(c.name == "Server-side request forgery" for c in a.cross_layer)


@pytest.mark.parametrize("path", sorted((ROOT / "evals" / "listings").glob("*.md")) + [EXAMPLE], ids=lambda p: p.stem)
def test_composed_text_has_right_articles_and_plurals(path: Path) -> None:
    import re

    from analyzer.text import article_slips

    a = analyze(str(path), provider="heuristic")
    for detail in ("concise", "full"):
        own = re.sub(r"“[^”\n]*”", "“”", render(a, "md", detail=detail))  # the listing's own words are not ours
        assert article_slips(own) == [] and "(s)" not in own


def test_a_linked_attribution_still_marks_a_testimonial() -> None:
    from analyzer.extract.heuristic.textscan import weak_statement

    assert weak_statement('*"It is a cool workflow, it edits files for me."* \u2014 [qup on Hacker News](https://example.org/1)')
    assert weak_statement('"The best coding agent we have tried." \u2014 Jane Doe, CTO at Example')
    assert weak_statement('"Edits my whole repository in one go." \u2014 @janedoe')
