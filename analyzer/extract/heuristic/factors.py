"""Assess the ten AIVSS factors from phrase rules: the kind's floor, lifted by listing evidence."""

from __future__ import annotations

from analyzer.extract.heuristic.rules import Rules, ValueRule
from analyzer.extract.heuristic.textscan import Match, ScanText
from analyzer.models import FACTOR_NAMES, FACTOR_ORDER, KIND_LABELS, FactorAssessment, FactorKey, FactorStatus, Kind
from analyzer.rubric import floor

MAX_EVIDENCE_PER_FACTOR = 3


def _snap(value: float) -> float:
    return round(min(1.0, max(0.0, value)) * 10) / 10


def assess_factor(scan: ScanText, rules: Rules, kind: Kind, key: FactorKey) -> FactorAssessment:
    base = floor(kind, key)
    cap = rules.caps[kind].get(key, 1.0)
    supported: list[tuple[float, ValueRule, Match]] = []
    for rule in rules.factor_rules[key]:
        value = rule.value_for(kind)
        if value is None or value <= base:
            continue
        hit = scan.first(rule.pattern, include_code=rule.include_code)
        if hit is not None:
            supported.append((min(value, cap), rule, hit))
    # Highest value first; ties keep the YAML order (sorted is stable), so output is deterministic.
    supported.sort(key=lambda s: -s[0])
    name = FACTOR_NAMES[key]
    if not supported or supported[0][0] <= base:
        return FactorAssessment(
            key=key,
            name=name,
            value=_snap(base),
            status=FactorStatus.NOT_STATED,
            rationale=f"The listing states nothing that supports more than the floor ({base:.1f}) for a {KIND_LABELS[kind]}.",
            evidence=[],
            floor_applied=True,
        )
    value, top_rule, _ = supported[0]
    evidence = []
    seen: set[str] = set()
    for _, _, hit in supported:
        if hit.quote not in seen:
            seen.add(hit.quote)
            evidence.append(hit.evidence())
        if len(evidence) >= MAX_EVIDENCE_PER_FACTOR:
            break
    others = [r.rationale for _, r, _ in supported[1:3] if r.rationale != top_rule.rationale]
    rationale = f"{top_rule.rationale[:1].upper()}{top_rule.rationale[1:]}"
    if others:
        rationale += "; also " + "; ".join(others)
    rationale = f"{rationale} (a {KIND_LABELS[kind]} starts at {base:.1f})."
    return FactorAssessment(
        key=key,
        name=name,
        value=_snap(value),
        status=FactorStatus.STATED,
        rationale=rationale[:800],
        evidence=evidence,
        floor_applied=False,
    )


def assess_factors(scan: ScanText, rules: Rules, kind: Kind) -> list[FactorAssessment]:
    return [assess_factor(scan, rules, kind, key) for key in FACTOR_ORDER]
