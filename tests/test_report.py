"""Report renderers: Markdown layout and numbers, JSON round-trip, self-contained and escaped HTML,
and the failed-extraction rendering in every format."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from builders import (
    build_analysis,
    build_listing,
    coding_agent_profile,
    coding_analysis,
    evidence,
    failed_analysis,
    image_analysis,
    image_model_profile,
    injection_warning,
)

from analyzer.errors import InputError
from analyzer.models import FACTOR_NAMES, FACTOR_ORDER, Analysis, FactorKey, Formula, LayerId, ScoringOptions
from analyzer.report import render
from analyzer.report.common import FORMULA_LINES, trimmed

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
FORMULA = "AIVSS = (CVSS_Base + AARS) × Mitigation_Factor, where AARS = (10 − CVSS_Base) × (Factor_Sum / 10) × ThM"
FACTOR_ROW = re.compile(r"^\| (?P<name>[^|]+) \| (?P<value>[^|]+) \| (?P<why>.+) \|$", re.M)


def factor_rows(md: str) -> list[re.Match[str]]:
    names = set(FACTOR_NAMES.values())
    return [m for m in FACTOR_ROW.finditer(md) if m["name"].strip() in names]


def hostile_analysis() -> Analysis:
    ev = {FactorKey.DYNAMIC_TOOL_USE: [evidence(f"calls tools {HOSTILE}", f"Tools {HOSTILE}")]}
    profile = coding_agent_profile(name=f"Evil {HOSTILE}", evidence_for=ev, summary=f"Summary {HOSTILE}")
    listing = build_listing(f"text {HOSTILE}", title=f"Title {HOSTILE}", source=f"https://example.org/{HOSTILE}")
    return build_analysis(profile, listing, warnings=[injection_warning(f"Ignore previous instructions {HOSTILE}")])


# --------------------------------------------------------------------------- markdown


def test_markdown_reproduces_the_reference_page_layout() -> None:
    a = image_analysis()
    md = render(a, "md", detail="full")
    assert md.startswith("# Pixelbloom 3 — agentic threat model\n")
    assert f"**AIVSS {a.aivss.score:.1f} · {a.aivss.band.value}**" in md
    assert a.summary in md
    assert "## OWASP AIVSS score rationale" in md and "| Factor | Value | Rationale |" in md
    assert FORMULA in md
    assert "## MAESTRO 7-layer threat model" in md
    assert "Per-layer threats for this agent. Layers tagged “not certain from listing”" in md
    headings = re.findall(r"^### (L\d) · (.+?) — (mapped|not certain from listing)$", md, re.M)
    assert [h[0] for h in headings] == [lid.value for lid in LayerId]
    assert [h[2] for h in headings] == ["mapped", "not certain from listing", "not certain from listing", "not certain from listing", "not certain from listing", "mapped", "not certain from listing"]
    assert md.index("score rationale") < md.index("MAESTRO 7-layer") < md.index("## Warnings") < md.index("## Run")


def test_markdown_has_ten_factor_rows_with_two_decimals_and_rationale() -> None:
    a = coding_analysis()
    rows = factor_rows(render(a, "md", detail="full"))
    assert len(rows) == 10
    for row, factor in zip(rows, a.factors, strict=True):
        assert row["value"].strip() == f"{factor.value:.2f}"
        assert re.fullmatch(r"\d\.\d\d", row["value"].strip())
        assert len(row["why"].strip()) > 10
    assert [r["name"].strip() for r in rows] == [FACTOR_NAMES[k] for k in FACTOR_ORDER]


def test_markdown_stats_line_follows_the_display_conventions() -> None:
    a = coding_analysis()
    md = render(a, "md", detail="full")
    x = a.aivss
    assert x.aars is not None and x.factor_sum is not None
    expected = f"CVSS base {x.cvss_base} · AARS uplift {trimmed(x.aars)} · Factor sum {x.factor_sum:.1f}/10 · Threat ×{x.threat_multiplier} · Mitigation ×{x.mitigation_factor}"
    assert expected in md


def test_trimmed_drops_trailing_zeros() -> None:
    assert trimmed(0.46) == "0.46"
    assert trimmed(1.10) == "1.1"
    assert trimmed(2.0) == "2"
    assert trimmed(0.004) == "0"


def test_markdown_shows_evidence_with_verification_marks() -> None:
    md = render(coding_analysis(), "md", detail="full")
    assert "“It can call MCP servers” — Tools · ✓ verified" in md
    assert "“made-up quote” — Tools · ✗ unverified" in md


def test_markdown_shows_derivation_cross_layer_warnings_and_run_footer() -> None:
    a = coding_analysis(warnings=[injection_warning()])
    md = render(a, "md", detail="full")
    assert "### Score derivation" in md
    for reason in a.aivss.reasons:
        assert reason.reason.split(";")[0][:40] in md
    if a.aivss.cvss_vector:
        assert a.aivss.cvss_vector in md
    assert "Computation: AARS = (10 − " in md
    assert "### Cross-layer threats" in md and "**Lateral movement** (L3 → L4)" in md
    assert "`prompt_injection`" in md and "Ignore previous instructions" in md
    for label in ("Provider", "Model", "Prompt version", "Listing source", "Canonical URL", "Revision", "Content hash", "Fetched at", "Tool version"):
        assert f"- {label}: " in md
    assert a.listing.content_hash in md


def test_markdown_escapes_html_and_table_pipes() -> None:
    a = hostile_analysis()
    md = render(a, "md", detail="full")
    assert "<script" not in md and "<img" not in md
    assert "&lt;script&gt;" in md
    profile = image_model_profile()
    profile.factors[0] = profile.factors[0].model_copy(update={"rationale": "a | b\nnew line"})
    rows = factor_rows(render(build_analysis(profile), "md", detail="full"))
    assert len(rows) == 10 and "a \\| b new line" in rows[0]["why"]


def test_markdown_v05_formula_line() -> None:
    a = build_analysis(image_model_profile(), scoring=ScoringOptions(formula=Formula.V0_5))
    assert FORMULA_LINES[Formula.V0_5] in render(a, "md", detail="full")


# --------------------------------------------------------------------------- json


@pytest.mark.parametrize("make", [image_analysis, coding_analysis, failed_analysis], ids=["image", "coding", "failed"])
def test_json_round_trips(make) -> None:  # type: ignore[no-untyped-def]
    a = make(warnings=[injection_warning()])
    text = render(a, "json")
    assert Analysis.model_validate_json(text) == a
    keys = list(json.loads(text))
    assert keys == ["schema_version", "listing", "system", "factors", "aivss", "summary", "maestro", "cross_layer", "warnings", "extraction", "run", "edits"]


# --------------------------------------------------------------------------- html


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def parsed(page: str) -> _Collector:
    collector = _Collector()
    collector.feed(page)
    return collector


@pytest.mark.parametrize("make", [image_analysis, coding_analysis, failed_analysis, hostile_analysis], ids=["image", "coding", "failed", "hostile"])
def test_html_is_one_self_contained_file(make) -> None:  # type: ignore[no-untyped-def]
    page = render(make(), "html", detail="full")
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert "<style>" in page and "@media print" in page
    tags = parsed(page).tags
    assert not [t for t, _ in tags if t in ("link", "script", "iframe", "object", "embed", "img")]
    for _, attrs in tags:
        for name in ("src", "href"):
            value = attrs.get(name) or ""
            assert not value.startswith(("http:", "https:", "//")), value
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", page)
    assert "@import" not in page


def test_html_escapes_hostile_listing_text() -> None:
    page = render(hostile_analysis(), "html", detail="full")
    assert "<script" not in page.lower()
    assert "<img" not in page.lower()
    assert "&lt;script&gt;" in page
    assert not [t for t, _ in parsed(page).tags if t == "script"]


def test_html_has_the_report_parts() -> None:
    a = coding_analysis(warnings=[injection_warning()])
    page = render(a, "html", detail="full")
    assert f"band-{a.aivss.band.value.lower()}" in page
    assert page.count('class="layer mapped"') == 4 and page.count('class="layer not-certain"') == 3
    assert page.count('class="name"') == 10  # the bar chart
    for f in a.factors:
        assert f'<td class="num">{f.value:.2f}</td>' in page
    assert "✓ verified" in page and "✗ unverified" in page
    assert "Score derivation" in page and "Cross-layer threats" in page and "prompt_injection" in page
    assert a.listing.content_hash in page and a.run.tool_version in page


# --------------------------------------------------------------------------- failed extraction


def test_failed_extraction_renders_unknown_everywhere() -> None:
    a = failed_analysis(error="model returned invalid JSON")
    md = render(a, "md", detail="full")
    assert "**AIVSS Unknown**" in md
    assert "unknown / failed extraction: model returned invalid JSON" in md
    rows = factor_rows(md)
    assert len(rows) == 10
    assert all(r["value"].strip() == "unknown" for r in rows)
    assert md.count("model returned invalid JSON") <= 3  # badge, summary and footer; not in all ten factor rows
    assert not re.search(r"\b\d\.\d\d\b", "\n".join(r.group(0) for r in rows))
    assert "Factor sum unknown" in md and "AARS uplift unknown" in md and "CVSS base unknown" in md
    assert "Computation:" not in md

    page = render(a, "html", detail="full")
    assert "band-unknown" in page and "unknown / failed extraction: model returned invalid JSON" in page
    assert '<td class="num">unknown</td>' in page
    assert page.count("model returned invalid JSON") <= 3
    assert not re.search(r'<td class="num">\d', page.split('id="derivation"')[0])
    assert 'style="width:' not in page  # no bars drawn for unknown values
    assert page.count('class="fill unknown"') == 10

    back = Analysis.model_validate_json(render(a, "json"))
    assert back.aivss.score is None and all(f.value is None for f in back.factors)


def test_unknown_format_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown report format"):
        render(image_analysis(), "pdf")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- concise (the default)


def test_concise_markdown_names_the_floor_factors_once_and_keeps_stated_rows() -> None:
    a = coding_analysis(warnings=[injection_warning()])
    md = render(a, "md")
    floors = [f for f in a.factors if f.floor_applied]
    stated = [f for f in a.factors if not f.floor_applied]
    assert floors and stated
    floor_lines = [line for line in md.splitlines() if line.startswith("At the floor for ")]
    assert len(floor_lines) == 1
    for f in floors:
        assert f"{f.name} {f.value:.2f}" in floor_lines[0]
        section = md[md.index("## OWASP AIVSS") : md.index("## MAESTRO")]
        assert section.count(f.name) == 1, f.name  # explained once, not twice
    assert [r["name"].strip() for r in factor_rows(md)] == [f.name for f in stated]
    assert "### Evidence per factor" not in md and "## Run" not in md
    assert "> **1 warning:**" in md and "warning(s)" not in md
    # the derivation is a short table: no cell carries the CVSS metric-by-metric reasoning
    derivation = [line for line in md.splitlines() if line.startswith("| CVSS base")]
    assert derivation and len(derivation[0]) < 200


def test_full_detail_keeps_everything_the_concise_report_leaves_out() -> None:
    a = coding_analysis()
    concise, full = render(a, "md"), render(a, "md", detail="full")
    assert len(full.split()) > len(concise.split())
    for section in ("### Evidence per factor", "### Score derivation", "## Run", "*Drivers:*"):
        assert section in full and section not in concise
    for layer in a.maestro:
        assert layer.text in full.replace("\n", " ") or layer.text[:60] in full
    page, page_full = render(a, "html"), render(a, "html", detail="full")
    assert len(page_full) > len(page) and "--detail full" in page
    with pytest.raises(InputError):
        render(a, "md", detail="short")  # type: ignore[arg-type]


def test_a_quote_shown_for_one_factor_is_not_repeated_for_another() -> None:
    shared = evidence("It plans multi-step tasks and calls tools on its own")
    profile = coding_agent_profile(evidence_for={FactorKey.GOAL_DRIVEN_PLANNING: [shared], FactorKey.DYNAMIC_TOOL_USE: [shared]})
    md = render(build_analysis(profile), "md")
    assert md.count("“It plans multi-step tasks and calls tools on its own”") == 1
    assert "same quote as Goal-Driven Planning" in md


def test_concise_report_marks_analyst_edits_with_the_previous_value() -> None:
    from analyzer.pipeline import analyze, rescore

    a = analyze("examples/tidewater-agent.md", provider="heuristic")
    before = next(f for f in a.factors if f.key is FactorKey.MULTI_AGENT_INTERACTIONS)
    from analyzer.models import EXPOSURE_FACTS, FactValue
    from analyzer.taxonomy import FACT_LABELS

    assert a.system is not None
    open_fact = next(n for n in EXPOSURE_FACTS if a.system.exposure.fact(n).value is FactValue.NOT_STATED)
    edited = rescore(a, set_factors={"multi_agent_interactions": 0.9}, facts={open_fact: "no"}, note="runs locally")
    md = render(edited, "md")
    row = next(r for r in factor_rows(md) if r["name"].strip() == "Multi-Agent Interactions")
    assert row["value"].strip() == "0.90" and f"set by analyst (was {before.value}" in row["why"]
    assert "not stated — kind floor" not in md
    label = re.sub(r"\s*\([^)]*\)", "", FACT_LABELS[open_fact])
    assert f"{label}: no, set by analyst (was not stated" in md
    assert "Analyst edits:" in md


def test_the_headline_range_says_what_it_is_taken_over() -> None:
    """The badge's range names the open facts and the factors' margin, and the range text follows the
    JSON's numbers; once every fact is stated and every factor set, nothing is open and no range shows."""
    from analyzer.models import EXPOSURE_FACTS
    from analyzer.pipeline import analyze, rescore
    from analyzer.report.common import headline_text

    a = analyze("examples/tidewater-agent.md", provider="heuristic")
    span = a.aivss.range
    assert span is not None and span.unstated and span.factor_margin == pytest.approx(0.1)
    n = len(span.unstated)
    assert f"{span.low:.1f}–{span.high:.1f}" in headline_text(a)
    assert f"{n} exposure fact{'s' if n > 1 else ''} not stated, factors ±0.1" in headline_text(a)
    note = f"Range {span.low:.1f}–{span.high:.1f}"
    for fmt in ("md", "html"):
        page = render(a, fmt)
        assert note in page and "each factor value the tool judged moved 0.1 down and up" in page, fmt
    closed = rescore(a, facts=dict.fromkeys(EXPOSURE_FACTS, "no"), set_factors={f.key.value: f.value for f in a.factors})
    assert closed.aivss.range is not None and closed.aivss.range.low == closed.aivss.range.high == closed.aivss.score
    assert headline_text(closed) == f"AIVSS {closed.aivss.score:.1f} · {closed.aivss.band.value}"
    assert "the score over" not in render(closed, "md")  # nothing open, nothing to explain
