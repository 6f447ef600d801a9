"""Assess the ten AIVSS factors from phrase rules: the kind's floor, lifted by listing evidence."""

from __future__ import annotations

from analyzer.extract.heuristic.rules import Rules, ValueRule
from analyzer.extract.heuristic.textscan import Match, ScanText
from analyzer.models import EPSILON, FACTOR_NAMES, FACTOR_ORDER, FactorAssessment, FactorKey, FactorStatus, Kind
from analyzer.rubric import floor
from analyzer.taxonomy import KIND_GROUPS
from analyzer.text import kind_phrase

MAX_EVIDENCE_PER_FACTOR = 3
# A statement that supports about the kind's floor (within this margin, and at least CONFIRM_MIN) is shown
# as evidence for the floor value: "Integrations with Slack, Jira and Linear" backs a coding agent's tool
# use even though it does not raise it. Only for the agency factors: non-determinism and opacity are
# properties of the model, where any sentence mentioning "model" would be a hollow quote.
CONFIRM_MARGIN = 0.1
CONFIRM_MIN = 0.5
CONFIRM_MIN_WORDS = 4  # a confirming quote must be a statement, not a lone heading or badge
_MODEL_PROPERTIES = {FactorKey.NON_DETERMINISM, FactorKey.OPACITY_REFLEXIVITY}


def _snap(value: float) -> float:
    return round(min(1.0, max(0.0, value)) * 10) / 10


MAX_FACTORS_PER_QUOTE = 2  # one sentence does not carry three factors: the third looks for its own evidence


def assess_factor(
    scan: ScanText, rules: Rules, kind: Kind, key: FactorKey, *, not_read: str | None = None, used: dict[str, int] | None = None
) -> FactorAssessment:
    base = floor(kind, key)
    cap = rules.caps[kind].get(key, 1.0)
    confirm_from = max(base - CONFIRM_MARGIN, CONFIRM_MIN) if key not in _MODEL_PROPERTIES else None
    supported: list[tuple[float, ValueRule, Match]] = []
    absent: tuple[float, ValueRule, Match] | None = None
    for rule in rules.factor_rules[key]:
        value = rule.value_for(kind)
        if rule.at_most:
            if absent is None and value is not None and value < base - EPSILON:
                hit = next(iter(scan.find_all(rule.pattern, include_code=rule.include_code, limit=1)), None)
                absent = (value, rule, hit) if hit is not None else None
            continue
        if value is None or (value <= base and (confirm_from is None or value < confirm_from - EPSILON)):
            continue
        hit = next((h for h in scan.find_all(rule.pattern, include_code=rule.include_code, limit=3) if (used or {}).get(h.quote, 0) < MAX_FACTORS_PER_QUOTE), None)
        if hit is not None and (value > base or len(hit.quote.split()) >= CONFIRM_MIN_WORDS):
            supported.append((min(value, cap), rule, hit))
    # Highest value first; ties keep the YAML order (sorted is stable), so output is deterministic.
    supported.sort(key=lambda s: -s[0])
    name = FACTOR_NAMES[key]
    if absent is not None and not any(v > base + EPSILON for v, _, _ in supported):
        value, rule, hit = absent
        return FactorAssessment(
            key=key,
            name=name,
            value=_snap(value),
            status=FactorStatus.STATED,
            rationale=f"{rule.rationale[:1].upper()}{rule.rationale[1:]}, below the typical value for {kind_phrase(kind, with_art=True)} ({base:.1f}).",
            evidence=[hit.evidence()],
            floor_applied=False,
        )
    if not supported or supported[0][0] < base - CONFIRM_MARGIN - EPSILON:
        return FactorAssessment(
            key=key,
            name=name,
            value=_snap(base),
            status=FactorStatus.NOT_STATED,
            rationale=(
                f"Not read: the listing is mostly in {not_read}, which the offline extractor cannot read; the value is the floor ({base:.1f}) for {kind_phrase(kind, with_art=True)}."
                if not_read
                else f"The listing states nothing that supports more than the floor ({base:.1f}) for {kind_phrase(kind, with_art=True)}."
            ),
            evidence=[],
            floor_applied=True,
        )
    value, top_rule, _ = supported[0]
    confirms_floor = value <= base
    value = max(value, base)
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
    if confirms_floor:
        rationale = f"{rationale}, which supports the typical value for {kind_phrase(kind, with_art=True)} ({base:.1f})."
    else:
        rationale = f"{rationale} ({kind_phrase(kind, with_art=True)} starts at {base:.1f})."
    return FactorAssessment(
        key=key,
        name=name,
        value=_snap(value),
        status=FactorStatus.STATED,
        rationale=rationale[:800],
        evidence=evidence,
        floor_applied=False,
    )


# Rubric, Self-Modification 0.3-0.4: "writes to its own memory/context that shapes later behaviour". An agent
# whose memory persists across sessions and is written by the system (Persistent Memory 0.5 and up) changes
# what it does later through that memory, whatever words the listing uses for it. A tool server's store is
# written by its caller, so the coupling is for agents only.
MEMORY_SHAPES_BEHAVIOUR_FROM = 0.5
MEMORY_SHAPED_SELF_MODIFICATION = 0.3


def _memory_shapes_behaviour(kind: Kind, factors: list[FactorAssessment]) -> None:
    if kind not in KIND_GROUPS["agent"]:
        return
    by_key = {f.key: i for i, f in enumerate(factors)}
    memory = factors[by_key[FactorKey.PERSISTENT_MEMORY]]
    current = factors[by_key[FactorKey.SELF_MODIFICATION]]
    if (memory.value or 0.0) < MEMORY_SHAPES_BEHAVIOUR_FROM - EPSILON or (current.value or 0.0) >= MEMORY_SHAPED_SELF_MODIFICATION - EPSILON:
        return
    factors[by_key[FactorKey.SELF_MODIFICATION]] = FactorAssessment(
        key=FactorKey.SELF_MODIFICATION,
        name=current.name,
        value=MEMORY_SHAPED_SELF_MODIFICATION,
        status=FactorStatus.STATED,
        rationale=(
            f"It writes memory that persists across sessions (Persistent Memory {memory.value:.1f}), which shapes what it does later "
            f"({kind_phrase(kind, with_art=True)} starts at {floor(kind, FactorKey.SELF_MODIFICATION):.1f})."
        ),
        evidence=list(memory.evidence[:MAX_EVIDENCE_PER_FACTOR]),
        floor_applied=False,
    )


def assess_factors(scan: ScanText, rules: Rules, kind: Kind, *, not_read: str | None = None) -> list[FactorAssessment]:
    """`not_read` names the language of a listing mostly not in English: floor values say they were not read."""
    used: dict[str, int] = {}
    out = []
    for key in FACTOR_ORDER:
        factor = assess_factor(scan, rules, kind, key, not_read=not_read, used=used)
        for quote in {e.quote for e in factor.evidence}:
            used[quote] = used.get(quote, 0) + 1
        out.append(factor)
    _memory_shapes_behaviour(kind, out)
    return out
