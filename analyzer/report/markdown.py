"""Markdown report: the reference page's layout, plus evidence, derivation, warnings and provenance.

Listing-derived text is untrusted: it goes through analyzer.report.escape (one line, no raw HTML, no
images or links, no bidi or control characters; table cells also escape `|`).
"""

from __future__ import annotations

import re

from analyzer.models import Analysis, Evidence, LayerStatus
from analyzer.report import common, escape
from analyzer.sentences import display_quote
from analyzer.text import join, plural


CONCISE_CROSS_LAYER = 3  # the concise report shows the leading cross-layer threats; --detail full all of them

# One escaping module for every format (analyzer/report/escape.py); short local names for this renderer.
text = escape.md_text
cell = escape.md_cell
code = escape.md_code


def _evidence_line(ev: Evidence) -> str:
    mark = {True: "✓ verified", False: "✗ unverified", None: "unverified (not checked)"}[ev.verified]
    where = f" — {text(ev.location)}" if ev.location.strip() else ""
    return f"- “{text(display_quote(ev.quote))}”{where} · {mark}"


def render_markdown(analysis: Analysis, *, detail: str = "concise") -> str:
    full = detail == "full"
    out: list[str] = [f"# {text(common.title(analysis))}", ""]
    shown: dict[str, str] = {}  # quote -> what it was first shown for (concise: each quote once)
    badge = f"**{common.badge_text(analysis)}**"
    if span := common.range_text(analysis):
        badge += f" ({text(span)})"
    if analysis.failed:
        badge += f" — {text(common.failure_text(analysis))}"
    elif kind := common.kind_label(analysis):
        developer = analysis.system.developer if analysis.system else None
        badge += f" · {text(kind)}" + (f" · by {text(developer)}" if developer else "")
    out += [badge, "", text(analysis.summary), ""]
    if analysis.warnings:
        codes = ", ".join(dict.fromkeys(w.code for w in analysis.warnings))
        out += [f"> **{plural(len(analysis.warnings), 'warning')}:** {text(codes)} — see [Warnings](#warnings).", ""]

    if full:
        out += _factor_section(analysis)
        out += _evidence_section(analysis)
        out += _derivation_section(analysis)
    else:
        out += _concise_factor_section(analysis, shown)
        out += _concise_derivation(analysis)
    out += _exposure_section(analysis) if full else _concise_exposure(analysis, shown)
    out += _maestro_section(analysis, full=full)
    out += _warnings_section(analysis, full=full)
    out += _footer(analysis) if full else _concise_footer(analysis)
    return "\n".join(out).rstrip() + "\n"


def _quote_once(quote: str, owner: str, shown: dict[str, str]) -> str:
    """The quote the first time; "same quote as X" after (a sentence backing two items is shown once)."""
    if quote in shown:
        return f"same quote as {shown[quote]}"
    shown[quote] = owner
    return f"“{display_quote(quote)}”"


def _concise_factor_section(analysis: Analysis, shown: dict[str, str]) -> list[str]:
    """The ten factors; a stated one with its reason and quote, one at the floor named once, below."""
    out = ["## OWASP AIVSS score rationale", ""]
    rows: list[str] = []
    floors = {f.key for f in common.floor_factors(analysis) if not f.set_by_analyst}
    for f in analysis.factors:
        if f.key in floors:
            continue  # named once, in the line below the table
        if analysis.failed:
            why = common.FAILED_FACTOR_TEXT
        elif f.set_by_analyst:
            why = common.analyst_text(analysis, f"factor:{f.key.value}")
        else:
            why = common.brief_rationale(f.rationale)
            if f.evidence:
                why += " — " + _quote_once(f.evidence[0].quote, f.name, shown)
        rows.append(f"| {cell(f.name)} | {common.factor_value_text(f)} | {cell(why)} |")
    if rows:
        out += ["| Factor | Value | Why |", "|---|---:|---|", *rows, ""]
    if line := common.floor_line(analysis):
        out += [text(line), ""]
    return out


def _concise_derivation(analysis: Analysis) -> list[str]:
    if analysis.failed:
        return ["No score: the extraction failed, so the factor values are unknown.", ""]
    out = ["| Input | Value | Why |", "|---|---|---|"]
    for row in common.derivation(analysis):
        if row.label == common.REASON_LABELS["factors"]:
            continue  # the computation below shows the sum
        value = row.value + (" (overridden)" if row.overridden else "")
        out.append(f"| {cell(row.label)} | {cell(value)} | {cell(common.short_reason(row.reason))} |")
    out.append("")
    if analysis.aivss.cvss_vector:
        out += [f"CVSS v4.0 vector: {code(analysis.aivss.cvss_vector)}", ""]
    if step := common.computation(analysis):
        out += [f"{step}.", ""]  # the arithmetic itself; the formula's general form is in --detail full
    return out


def _exposure_section(analysis: Analysis) -> list[str]:
    """The eight exposure facts behind the CVSS base (stated / assumed / not stated), mitigations, edits."""
    rows = common.exposure_rows(analysis)
    if not rows:
        return []
    out = ["### Exposure facts", "", "| Fact | Value | Source |", "|---|---|---|"]
    for r in rows:
        source = r.source + (f" — “{display_quote(r.quote)}”" if r.quote else "")
        out.append(f"| {cell(r.label)} | {cell(r.value)} | {cell(source)} |")
    out.append("")
    if note := common.range_note(analysis):
        out += [text(note), ""]
    mitigations = common.mitigation_lines(analysis)
    out += [f"Mitigations: {text('; '.join(mitigations)) if mitigations else 'none stated'}.", ""]
    if edits := common.edit_lines(analysis):
        out += ["Analyst edits:", "", *(f"- {text(e)}" for e in edits), ""]
    return out


def _concise_exposure(analysis: Analysis, shown: dict[str, str]) -> list[str]:
    """The exposure facts in a few lines: stated ones with their quote, the open ones named once."""
    rows = common.exposure_rows(analysis)
    if not rows:
        return []
    out = ["### Exposure facts", ""]
    def short(label: str) -> str:
        return re.sub(r"\s*\([^)]*\)", "", label)  # "holds or uses credentials (API keys, …)" -> "holds or uses credentials"

    by_analyst = [r for r in rows if r.source.startswith("set by analyst")]
    stated_yes = [short(r.label) for r in rows if r.quote and r.value == "yes" and not r.implied and r not in by_analyst]
    implied_yes = [f"{short(r.label)} ({r.source})" for r in rows if r.implied and r not in by_analyst]
    stated_no = [short(r.label) for r in rows if r.quote and r.value == "no" and r not in by_analyst]
    edited = [f"{short(r.label)}: {r.value}, {r.source}" for r in by_analyst]
    open_facts = [short(r.label) for r in rows if r.value == "not stated" and r not in by_analyst]
    other = [f"{short(r.label)}: {r.value}, {r.source}" for r in rows if not r.quote and r.value != "not stated" and r not in by_analyst]
    if stated_yes:
        out.append(f"- Stated (quotes in `--detail full`): it {text(join(stated_yes))}.")
    if implied_yes:
        out.append(f"- Implied: it {text(join(implied_yes))}.")
    if stated_no:
        out.append(f"- Stated as not so: {text(join(stated_no))}.")
    out += [f"- {text(line)}" for line in (*edited, *other)]
    if open_facts:
        out.append(f"- Not stated, so the range covers yes and no: {text(join(open_facts))}.")
    out.append("")
    if note := common.range_note(analysis):
        out += [text(note), ""]
    mitigations = [m.kind.value.replace("_", " ") + (" (set by analyst)" if m.set_by_analyst else "") for m in (analysis.system.mitigations if analysis.system else [])]
    out += [f"Mitigations stated: {text(join(mitigations)) if mitigations else 'none'}.", ""]
    if edits := common.edit_lines(analysis):
        out += ["Analyst edits:", "", *(f"- {text(e)}" for e in edits), ""]
    return out


def _concise_footer(analysis: Analysis) -> list[str]:
    return [
        "---",
        "",
        f"Run: {text(common.run_line(analysis))}. `--detail full` shows all quotes and the run record.",
        "",
        "MAESTRO — the 7-layer agentic threat-modeling framework (Cloud Security Alliance / Ken Huang). OWASP AIVSS — Agentic AI Vulnerability Scoring System.",
    ]


def _factor_section(analysis: Analysis) -> list[str]:
    out = ["## OWASP AIVSS score rationale", "", "| Factor | Value | Rationale |", "|---|---:|---|"]
    for f in analysis.factors:
        rationale = common.FAILED_FACTOR_TEXT if analysis.failed else f.rationale
        out.append(f"| {cell(f.name)} | {common.factor_value_text(f)} | {cell(rationale)} |")
    out += ["", common.formula_line(analysis.aivss), "", common.stats_line(analysis), ""]
    out += [common.scored_with(analysis.aivss) if not analysis.failed else "No score: the extraction failed, so the factor values are unknown.", ""]
    return out


def _evidence_section(analysis: Analysis) -> list[str]:
    out = ["### Evidence per factor", ""]
    if analysis.failed:
        return out + [f"None — {text(common.FAILED_FACTOR_TEXT)}.", ""]
    for f in analysis.factors:
        out.append(f"**{text(f.name)}** — {common.factor_value_text(f)}, {common.factor_status_text(f)}")
        out += [_evidence_line(ev) for ev in f.evidence] or ["- no quote in the listing supports more than the floor for this kind"]
        out.append("")
    return out


def _derivation_section(analysis: Analysis) -> list[str]:
    a = analysis.aivss
    out = ["### Score derivation", "", "| Input | Value | Reason |", "|---|---|---|"]
    for row in common.derivation(analysis):
        value = row.value + (" (overridden)" if row.overridden else "")
        out.append(f"| {cell(row.label)} | {cell(value)} | {cell(row.reason)} |")
    out.append("")
    if a.cvss_vector:
        out += [f"CVSS v4.0 vector: {code(a.cvss_vector)}", ""]
    if step := common.computation(analysis):
        out += [f"Computation: {step}", ""]
    return out


def _maestro_section(analysis: Analysis, *, full: bool = True) -> list[str]:
    out = ["## MAESTRO 7-layer threat model", "", common.MAESTRO_INTRO if full else common.MAESTRO_INTRO_BRIEF, ""]
    for layer in analysis.maestro:
        body = layer.text if full or not layer.brief else layer.brief
        out += [f"### {layer.layer.value} · {text(layer.name)} — {common.LAYER_TAGS[layer.status]}", "", text(body), ""]
        tags = []
        if layer.status is LayerStatus.MAPPED and layer.threats and full:
            tags.append(f"*Threats:* {text('; '.join(layer.threats))}")
        if layer.drivers and full:
            tags.append(f"*Drivers:* {common.factor_names(layer.drivers)}")
        if layer.aivss_risks and full:
            tags.append(f"*AIVSS core risks:* {text('; '.join(layer.aivss_risks))}")
        if tags:
            out += [" · ".join(tags), ""]
    out += ["### Cross-layer threats", ""]
    if not analysis.cross_layer:
        reason = "the extraction failed" if analysis.failed else "none of the catalogue's cross-layer conditions hold for this profile"
        return out + [f"None raised: {reason}.", ""]
    threats = analysis.cross_layer if full else analysis.cross_layer[:CONCISE_CROSS_LAYER]
    for threat in threats:
        path = " → ".join(lid.value for lid in threat.layers)
        body = threat.text if full else common.brief_cross_layer(analysis, threat)
        out += [f"**{text(threat.name)}** ({path})", "", text(body), ""]
        if threat.drivers and full:
            out += [f"*Drivers:* {common.factor_names(threat.drivers)}", ""]
    if len(threats) < len(analysis.cross_layer):
        more = [t.name for t in analysis.cross_layer[len(threats) :]]
        out += [f"Also raised (explained in `--detail full`): {text(join(more))}.", ""]
    return out


def _warnings_section(analysis: Analysis, *, full: bool = True) -> list[str]:
    out = ["## Warnings", ""]
    if not analysis.warnings:
        return out + ["None.", ""] if full else []
    for w in analysis.warnings:
        out.append(f"- **{w.severity.value}** {code(w.code)}: {text(w.message)}")
        for line in (w.detail or "").splitlines():
            if line.strip():
                out.append(f"  - “{text(line)}”")
    return out + [""]


def _footer(analysis: Analysis) -> list[str]:
    out = ["---", "", "## Run", ""]
    out += [f"- {label}: {text(value)}" for label, value in common.run_facts(analysis)]
    out += ["", "MAESTRO — the 7-layer agentic threat-modeling framework (Cloud Security Alliance / Ken Huang). OWASP AIVSS — Agentic AI Vulnerability Scoring System."]
    return out
