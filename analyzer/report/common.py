"""What every report format shows, computed once: display numbers, formula and stats lines, derivation
steps and the run facts. Renderers only decide how these look (and escape them for their format).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from analyzer.formula import FORMULA_LINES, computation_text
from analyzer.formula import display_number as trimmed
from analyzer.formula import multiplier_text as plain
from analyzer.models import (
    FACTOR_NAMES,
    Analysis,
    AivssResult,
    CrossLayerThreat,
    FactorAssessment,
    FactorKey,
    FactorStatus,
    LayerStatus,
)
from analyzer.text import join, kind_phrase, kind_short

TITLE_SUFFIX = "agentic threat model"
MAESTRO_INTRO = (
    "Per-layer threats for this agent. Layers tagged “not certain from listing” are general, caveated "
    "commentary where the public description didn’t pin that layer."
)
SCORED_WITH = "Scored with the OWASP AIVSS {formula} formula (rounding: {rounding}, factor scale: {scale}); agentic risk factors estimated from the capabilities the listing describes."
LAYER_TAGS: dict[LayerStatus, str] = {LayerStatus.MAPPED: "mapped", LayerStatus.NOT_CERTAIN: "not certain from listing"}
REASON_LABELS = {
    "cvss_base": "CVSS base",
    "threat_multiplier": "Threat multiplier (ThM)",
    "mitigation_factor": "Mitigation factor (MF)",
    "factors": "Factor sum",
}
UNKNOWN = "unknown"


def title(analysis: Analysis) -> str:
    return f"{display_name(analysis)} — {TITLE_SUFFIX}"


def display_name(analysis: Analysis) -> str:
    name = analysis.system.name.strip() if analysis.system else ""
    return name or analysis.listing.title.strip() or analysis.listing.source


def failure_text(analysis: Analysis) -> str:
    return f"unknown / failed extraction: {analysis.extraction.error or 'no error message recorded'}"


FAILED_FACTOR_TEXT = "unknown / failed extraction (the error is stated once, at the top)"
"""A factor row of a failed extraction: the error itself is shown once, not in all ten rows."""


def score_text(aivss: AivssResult) -> str:
    return f"{aivss.score:.1f}" if aivss.score is not None else "Unknown"


def badge_text(analysis: Analysis) -> str:
    if analysis.failed or analysis.aivss.score is None:
        return "AIVSS Unknown"
    return f"AIVSS {score_text(analysis.aivss)} · {analysis.aivss.band.value}"


def kind_label(analysis: Analysis) -> str | None:
    return kind_short(analysis.system.kind) if analysis.system else None


def factor_value_text(factor: FactorAssessment) -> str:
    return f"{factor.value:.2f}" if factor.value is not None else UNKNOWN


def factor_status_text(factor: FactorAssessment) -> str:
    if factor.status is FactorStatus.STATED:
        return "stated"
    if factor.status is FactorStatus.NOT_STATED:
        return "not stated — kind floor" if factor.floor_applied else "not stated"
    return UNKNOWN


def formula_line(aivss: AivssResult) -> str:
    return FORMULA_LINES[aivss.formula]


def stats(analysis: Analysis) -> list[tuple[str, str]]:
    """The stats line as (label, value) pairs: 'CVSS base 1.5', 'AARS uplift 1.15', ..."""
    a = analysis.aivss
    known = not analysis.failed and a.score is not None
    return [
        ("CVSS base", plain(a.cvss_base) if known else UNKNOWN),
        ("AARS uplift", trimmed(a.aars) if known and a.aars is not None else UNKNOWN),
        ("Factor sum", f"{a.factor_sum:.1f}/10" if known and a.factor_sum is not None else UNKNOWN),
        ("Threat", f"×{plain(a.threat_multiplier)}"),
        ("Mitigation", f"×{plain(a.mitigation_factor)}"),
    ]


def stats_line(analysis: Analysis) -> str:
    return " · ".join(f"{label} {value}" for label, value in stats(analysis))


def scored_with(aivss: AivssResult) -> str:
    return SCORED_WITH.format(formula=aivss.formula.value, rounding=aivss.rounding.value, scale=aivss.scale.value)


def computation(analysis: Analysis) -> str | None:
    """The arithmetic behind the score, with the inputs filled in; None when there is no score."""
    return None if analysis.failed else computation_text(analysis.aivss)


@dataclass(frozen=True)
class DerivationRow:
    label: str
    value: str
    reason: str
    overridden: bool


def derivation(analysis: Analysis) -> list[DerivationRow]:
    return [
        DerivationRow(REASON_LABELS.get(r.input, r.input), r.value, r.reason, r.overridden)
        for r in analysis.aivss.reasons
    ]


def run_facts(analysis: Analysis) -> list[tuple[str, str]]:
    """Provenance for the footer, as (label, value); values are plain text for the renderer to escape."""
    run, listing, ex = analysis.run, analysis.listing, analysis.extraction
    prompt = run.prompt_version or "—"
    if run.prompt_hash:
        prompt += f" (sha256 {run.prompt_hash[:12]})"
    extraction = f"{ex.status} via {ex.provider}; quotes verified {ex.quotes_verified}/{ex.quotes_total}, dropped {ex.quotes_dropped}"
    if ex.error:
        extraction += f"; error: {ex.error}"
    facts = [
        ("Provider", run.provider),
        ("Model", run.model or "—"),
        ("Prompt version", prompt),
        ("Extraction", extraction),
        ("Listing source", f"{listing.source} ({listing.source_type})"),
        ("Canonical URL", listing.canonical_url or "—"),
        ("Revision", listing.revision or "—"),
        ("Content hash", f"sha256 {listing.content_hash}"),
        ("Fetched at", listing.fetched_at.isoformat() if listing.fetched_at else "—"),
        ("Started at", run.started_at.isoformat()),
        ("Tool version", f"analyzer {run.tool_version} · schema {analysis.schema_version}"),
    ]
    if run.input_tokens is not None or run.output_tokens is not None:
        facts.append(("Tokens", f"{run.input_tokens or 0} in / {run.output_tokens or 0} out · samples {run.samples}"))
    if run.estimated_cost_usd is not None:
        facts.append(("Estimated cost", f"${run.estimated_cost_usd:.4f}"))
    if run.cache_hit is not None:
        facts.append(("Cache hit", "yes" if run.cache_hit else "no"))
    if run.timings:
        facts.append(("Timings", ", ".join(f"{t.stage} {t.seconds:.2f}s" for t in run.timings)))
    return facts


def floor_factors(analysis: Analysis) -> list[FactorAssessment]:
    """Factors left at the kind's floor because nothing in the listing supports more."""
    if analysis.failed:
        return []
    return [f for f in analysis.factors if f.status is FactorStatus.NOT_STATED and f.floor_applied and f.value is not None]


def floor_line(analysis: Analysis) -> str | None:
    """One line naming every factor at the floor: 'At the floor for a coding agent (…): Self-Modification 0.20, …'."""
    floors = floor_factors(analysis)
    if not floors:
        return None
    kind = kind_phrase(analysis.system.kind, with_art=True) if analysis.system else "this kind of system"
    names = join([f"{f.name} {factor_value_text(f)}" for f in floors])
    return f"At the floor for {kind}, since nothing in the listing supports more: {names}."


_VECTOR = re.compile(r":?\s*CVSS:4\.0/[A-Z:/]+")


def short_reason(reason: str, limit: int = 160) -> str:
    """A derivation reason cut to its first clause (the full text is in --detail full and the JSON)."""
    first = _VECTOR.sub("", reason.split("; ")[0]).strip(" :;")
    if len(first) > limit:
        first = first[: limit - 1].rsplit(" ", 1)[0] + "…"
    return first


def run_line(analysis: Analysis) -> str:
    """The provenance that fits on one line: provider, model, quotes verified, content hash, tool version."""
    run, ex = analysis.run, analysis.extraction
    parts = [f"{ex.provider}" + (f" ({run.model})" if run.model else ""), f"quotes verified {ex.quotes_verified}/{ex.quotes_total}"]
    parts += [f"listing sha256 {analysis.listing.content_hash[:12]}", f"analyzer {run.tool_version}"]
    return " · ".join(parts)


_STARTS_AT = re.compile(r"\s*\((?:an?|the) [^()]{1,80} starts at \d(?:\.\d+)?\)")


def brief_rationale(rationale: str) -> str:
    """A stated factor's rationale without the kind-floor aside ("(a coding agent starts at 0.7)")."""
    return _STARTS_AT.sub("", rationale)


def brief_cross_layer(analysis: Analysis, threat: CrossLayerThreat) -> str:
    """A cross-layer threat's text without its closing list of driver values (the factor table has them)."""
    values = {f.key: f.value for f in analysis.factors}
    labels = ", ".join(f"{FACTOR_NAMES[k]} {values[k]:.2f}" for k in threat.drivers if values.get(k) is not None)
    return threat.text.replace(f" ({labels})", "") if labels else threat.text


def factor_names(keys: list[FactorKey]) -> str:
    return ", ".join(FACTOR_NAMES[k] for k in keys)
