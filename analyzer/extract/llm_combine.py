"""After the drafts are grounded: self-consistency over samples, the cross-check, and the warnings."""

from __future__ import annotations

import functools
import json
import re
import statistics
from importlib import resources

from analyzer.extract.schema import GroundingTally
from analyzer.extract.llm_settings import DISAGREEMENT_THRESHOLD
from analyzer.extract.grounding import strip_markup
from analyzer.models import EPSILON, FACTOR_NAMES, FACTOR_ORDER, AgenticProfile, AnalysisWarning, Evidence, FactorAssessment, Kind, Listing, Severity


MAX_SPAN_PASSAGE = 600  # a flagged span longer than this (a whole long line) is represented by its quoted window


def injection_passages(listing: Listing, warnings: list[AnalysisWarning]) -> list[str]:
    """The passages addressed to AI readers: every span the detector flags (short enough to be the
    passage itself) and the windows its warnings quote, one per line."""
    from analyzer.extract.injection import CODE, injection_spans

    quoted = [line for w in warnings if w.code == CODE for line in (w.detail or "").splitlines() if line and not line.startswith("… and ")]
    spans = [listing.text[a:b] for a, b in injection_spans(listing) if 0 < b - a <= MAX_SPAN_PASSAGE] if quoted else []
    return list(dict.fromkeys(quoted + spans))


def grounding_warnings(tally: GroundingTally) -> list[AnalysisWarning]:
    if not tally.dropped:
        return []
    shown = " | ".join(q[:160] for q in tally.dropped_quotes[:5])
    reasons = sorted(set(tally.reasons))
    why = f" ({'; '.join(reasons)})" if reasons else ""
    return [AnalysisWarning(
        code="ungrounded_quote", severity=Severity.WARNING,
        message=f"{tally.dropped} of {tally.total} evidence quotes from the LLM were not accepted{why} and were dropped.",
        detail=shown[:1000] or None,
    )]


def disagreement_warnings(llm: AgenticProfile, heuristic: AgenticProfile, threshold: float = DISAGREEMENT_THRESHOLD) -> list[AnalysisWarning]:
    """'llm_disagreement' for each factor where the two extractors differ by more than `threshold`."""
    out: list[AnalysisWarning] = []
    for key in FACTOR_ORDER:
        a, b = llm.factor(key).value, heuristic.factor(key).value
        if a is None or b is None:
            continue
        diff = round(abs(a - b), 2)
        if diff > threshold + EPSILON:
            out.append(AnalysisWarning(
                code="llm_disagreement", severity=Severity.WARNING,
                message=f"{FACTOR_NAMES[key]}: the LLM says {a:.1f}, the offline heuristic says {b:.1f}; check the evidence.",
                detail=f"factor={key.value}; llm={a:.1f} ({llm.factor(key).status.value}); heuristic={b:.1f} ({heuristic.factor(key).status.value}); difference={diff:.1f}",
            ))
    return out


def combine_samples(grounded: list[tuple[AgenticProfile, GroundingTally]], warnings: list[AnalysisWarning]) -> tuple[AgenticProfile, GroundingTally]:
    """Self-consistency: the upper median per factor across samples, the spread reported.

    Each factor's assessment (evidence, rationale, status) is taken from a sample that gave the median
    value; the system description from the sample closest to the medians overall. The upper median is
    an actual sample value, so every value keeps the evidence that supports it.
    """
    if len(grounded) == 1:
        return grounded[0]
    profiles = [p for p, _ in grounded]
    medians: dict[str, float] = {}
    factors: list[FactorAssessment] = []
    spreads: list[str] = []
    for key in FACTOR_ORDER:
        values = [p.factor(key).value or 0.0 for p in profiles]
        median = statistics.median_high(values)
        medians[key.value] = median
        factors.append(next(p.factor(key) for p in profiles if p.factor(key).value == median))
        spread = round(max(values) - min(values), 2)
        if spread > 0:
            spreads.append(f"{key.value}: {', '.join(f'{v:.1f}' for v in values)} (spread {spread:.1f})")
    closest = min(profiles, key=lambda p: sum(abs((p.factor(k).value or 0.0) - medians[k.value]) for k in FACTOR_ORDER))
    kinds = {p.system.kind for p in profiles}
    biggest = max((round(max(v) - min(v), 2) for v in ([p.factor(k).value or 0.0 for p in profiles] for k in FACTOR_ORDER)), default=0.0)
    severity = Severity.WARNING if biggest > 0.2 or len(kinds) > 1 else Severity.INFO
    warnings.append(AnalysisWarning(
        code="sample_spread", severity=severity,
        message=f"{len(profiles)} samples: median per factor; largest spread {biggest:.1f}" + (f"; kinds differed: {', '.join(sorted(k.value for k in kinds))}" if len(kinds) > 1 else "") + ".",
        detail="; ".join(spreads) or "all samples agreed on every factor",
    ))
    tally = GroundingTally()
    for _, t in grounded:
        tally.total += t.total
        tally.verified += t.verified
        tally.dropped_quotes.extend(t.dropped_quotes)
        tally.reasons.extend(t.reasons)
        tally.fallbacks.extend(f for f in t.fallbacks if f not in tally.fallbacks)
    return AgenticProfile(system=closest.system, factors=factors), tally


@functools.cache
def _kind_terms() -> dict[str, re.Pattern[str]]:
    raw = json.loads(resources.files("analyzer.data").joinpath("kind_terms.json").read_text("utf-8"))
    return {k: re.compile(r"\b(?:" + "|".join(re.escape(w) for w in v) + ")", re.IGNORECASE) for k, v in raw.items() if not k.startswith("_") and v}


def kind_supported(kind: Kind, evidence: list[Evidence]) -> bool:
    """Does a verified kind quote say anything about being that kind? ('unknown' needs no words.)"""
    if kind is Kind.UNKNOWN:
        return bool(evidence)
    pattern = _kind_terms().get(kind.value)
    return pattern is not None and any(pattern.search(strip_markup(ev.quote)) for ev in evidence)


def fallback_warning(fallbacks: list[str]) -> list[AnalysisWarning]:
    if not fallbacks:
        return []
    return [AnalysisWarning(
        code="llm_fallback", severity=Severity.WARNING,
        message=f"{len(fallbacks)} item(s) the LLM gave without a verified quote were taken from the offline heuristic instead: {', '.join(fallbacks)}.",
        detail="A kind, exposure fact or mitigation counts only with a verified quote from the listing (system.from_heuristic lists them).",
    )]
