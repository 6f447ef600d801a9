"""What every report format shows, computed once: display numbers, formula and stats lines, derivation
steps and the run facts. Renderers only decide how these look (and escape them for their format).
"""

from __future__ import annotations

from typing import NamedTuple

from analyzer import regexcache
from analyzer.formula import FORMULA_LINES, computation_text
from analyzer.formula import display_number as trimmed
from analyzer.formula import multiplier_text as plain
from analyzer.models import (
    EPSILON,
    EXPOSURE_FACTS,
    FACTOR_NAMES,
    Analysis,
    AnalystEdit,
    AivssRange,
    AivssResult,
    CrossLayerThreat,
    FactorAssessment,
    FactorKey,
    FactorStatus,
    FactSource,
    FactValue,
    LayerStatus,
)
from analyzer.taxonomy import FACT_LABELS
from analyzer.text import join, kind_phrase, kind_short, plural

TITLE_SUFFIX = "agentic threat model"
MAESTRO_INTRO_BRIEF = "Layers tagged “not certain from listing” are general, caveated commentary where the listing does not pin that layer."
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


def _open_range(analysis: Analysis) -> AivssRange | None:
    """The score's range when something is open (a fact not stated, or a factor margin); else None."""
    span = analysis.aivss.range
    if analysis.failed or span is None or span.low is None or span.high is None:
        return None
    return span if span.unstated or span.factor_margin > EPSILON else None


def _span(span: AivssRange) -> str | None:
    """'3.9–8.1, Low–Medium' (bands only when they differ); None when the ends print the same."""
    if f"{span.low:.1f}" == f"{span.high:.1f}":
        return None
    bands = f", {span.band_low.value}–{span.band_high.value}" if span.band_low is not span.band_high else ""
    return f"{span.low:.1f}–{span.high:.1f}{bands}"


def range_text(analysis: Analysis) -> str | None:
    """'3.9–8.1: 3 exposure facts not stated, factors ±0.1' (bands added when they differ); None when
    nothing is open (every fact stated or set, and no factor margin)."""
    span = _open_range(analysis)
    if span is None:
        return None
    open_parts = [f"{plural(len(span.unstated), 'exposure fact')} not stated"] if span.unstated else []
    if span.factor_margin > EPSILON:
        open_parts.append(f"factors ±{span.factor_margin:g}")
    what = ", ".join(open_parts)
    ends = _span(span)
    return f"{ends}: {what}" if ends else f"the same with {what}"  # else: what is open cannot move this score


def range_note(analysis: Analysis) -> str | None:
    """What the range is taken over, in one sentence for the exposure section; None when nothing is open."""
    span = _open_range(analysis)
    if span is None:
        return None
    parts = []
    if span.unstated:
        parts.append("every value of the exposure facts not stated")
    if span.factor_margin > EPSILON:
        parts.append(
            f"each factor value the tool judged moved {span.factor_margin:g} down and up (its resolution on the rubric's "
            "scale; a value an analyst sets with analyzer score --set stays)"
        )
    over = " and ".join(parts)
    ends = _span(span)
    return f"Range {ends}: the score over {over}." if ends else f"The score is {span.low:.1f} over {over}."


def headline_text(analysis: Analysis) -> str:
    """The badge with the range: 'AIVSS 6.2 · Medium (3.9–8.1: 3 exposure facts not stated, factors ±0.1)'."""
    span = range_text(analysis)
    return badge_text(analysis) + (f" ({span})" if span else "")


def edit_for(analysis: Analysis, target: str) -> AnalystEdit | None:
    """The latest analyst edit of a target ('kind', 'factor:<key>', 'fact:<name>', 'mitigations', ...)."""
    return next((e for e in reversed(analysis.edits) if e.target == target), None)


def analyst_text(analysis: Analysis, target: str) -> str:
    """'set by analyst (was 0.3)'; with the analyst's note when there is one."""
    edit = edit_for(analysis, target)
    if edit is None:
        return "set by analyst"
    note = f"; {edit.note}" if edit.note else ""
    return f"set by analyst (was {edit.previous.replace('_', ' ')}{note})"


def kind_label(analysis: Analysis) -> str | None:
    if analysis.system is None:
        return None
    label = kind_short(analysis.system.kind)
    return f"{label} ({analyst_text(analysis, 'kind')})" if analysis.system.kind_set_by_analyst else label


class ExposureRow(NamedTuple):
    """One exposure fact as every format shows it: value, where it came from, and its quote if stated."""

    fact: str
    label: str
    value: str  # "yes" / "no" / "not stated"
    source: str  # "stated", "implied by …", "assumed: <why>", "not stated — point assumes no (<why>); the range covers both", "set by analyst (was …)"
    quote: str | None
    implied: bool = False  # a yes that follows from another stated fact; the quote is that fact's


def exposure_rows(analysis: Analysis) -> list[ExposureRow]:
    if analysis.system is None or analysis.failed:
        return []
    assumed = {a.fact: a for a in analysis.aivss.assumptions}
    rows = []
    for name in EXPOSURE_FACTS:
        fact = analysis.system.exposure.fact(name)
        value = fact.value.value.replace("_", " ")
        assumption = assumed.get(name)
        if fact.source is FactSource.SET_BY_ANALYST:
            source = analyst_text(analysis, f"fact:{name}")
        elif fact.source is FactSource.STATED:
            source = f"implied by {fact.implied_by}" if fact.implied else "stated"
        elif fact.value is FactValue.NOT_STATED:
            point = f"point assumes {assumption.value.value} ({assumption.reason})" if assumption else "not used by the score"
            source = f"{point}; the range covers yes and no"
        else:
            source = f"assumed: {assumption.reason}" if assumption else "assumed"
        if fact.source is FactSource.SET_BY_ANALYST and fact.value is FactValue.NOT_STATED and assumption:
            source += f"; point assumes {assumption.value.value}, the range covers yes and no"
        rows.append(ExposureRow(name, FACT_LABELS[name], value, source, fact.evidence[0].quote if fact.evidence else None, fact.implied))
    return rows


def mitigation_lines(analysis: Analysis) -> list[str]:
    """'sandbox — stated: “…”' or 'approval gate — set by analyst' per mitigation (quote text unescaped)."""
    if analysis.system is None or analysis.failed:
        return []
    out = []
    for m in analysis.system.mitigations:
        name = m.kind.value.replace("_", " ")
        if m.set_by_analyst:
            out.append(f"{name} — {analyst_text(analysis, 'mitigations')}")
        elif m.evidence:
            out.append(f"{name} — stated: “{m.evidence[0].quote}”")
        else:
            out.append(f"{name} — {m.description}")
    return out


def edit_lines(analysis: Analysis) -> list[str]:
    """Every analyst edit, oldest first: 'fact:network_service: not_stated → no (our deployment is local)'."""
    return [f"{e.target}: {e.previous} → {e.value}" + (f" ({e.note})" if e.note else "") for e in analysis.edits]


def factor_value_text(factor: FactorAssessment) -> str:
    return f"{factor.value:.2f}" if factor.value is not None else UNKNOWN


def factor_status_text(factor: FactorAssessment) -> str:
    if factor.set_by_analyst:
        return "set by analyst"
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


class DerivationRow(NamedTuple):
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
    return f"At the floor for {kind} (nothing in the listing supports more): {names}."


_VECTOR = regexcache.compile(r":?\s*CVSS:4\.0/[A-Z:/]+")


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


_STARTS_AT = regexcache.compile(r"\s*\((?:an?|the) [^()]{1,80} starts at \d(?:\.\d+)?\)")


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
