"""Analyst edits: state what the listing does not (kind, factor values, exposure facts, mitigations, ThM, MF).

`apply_edits` returns the edited profile and one AnalystEdit per changed value (with the previous value);
the edited items are marked (`set_by_analyst`, `kind_set_by_analyst`, fact source `set_by_analyst`), so
every report format can say "set by analyst". Values are validated here, and a bad one is a ScoringError
naming it (exit 2 on the CLI). pipeline.rescore re-derives the score and threat model from the result.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from analyzer import rubric
from analyzer.errors import ScoringError
from analyzer.formula import display_number
from analyzer.models import (
    EPSILON,
    EXPOSURE_FACTS,
    FACTOR_ORDER,
    AgenticProfile,
    AnalystEdit,
    ExposureFact,
    FactorKey,
    FactorStatus,
    FactSource,
    FactValue,
    Kind,
    Mitigation,
    MitigationKind,
)
from analyzer.rules import unsettle

__all__ = [
    "MITIGATION_TARGET",
    "THREAT_TARGET",
    "apply_edits",
    "parse_fact_name",
    "parse_fact_value",
    "parse_factor_key",
    "parse_kind",
    "parse_mitigation_kinds",
    "previous_multiplier",
]

THREAT_TARGET = "threat_multiplier"
MITIGATION_TARGET = "mitigation_factor"
_NO_MITIGATIONS = "none"


def _choices(values: Iterable[str]) -> str:
    return ", ".join(values)


def parse_kind(value: Any) -> Kind:
    try:
        return Kind(str(value).strip())
    except ValueError:
        raise ScoringError(f"unknown kind {value!r}", hint=f"choose one of: {_choices(k.value for k in Kind)}") from None


def parse_factor_key(value: Any) -> FactorKey:
    try:
        return FactorKey(str(value).strip())
    except ValueError:
        raise ScoringError(f"unknown factor {value!r}", hint=f"choose one of: {_choices(k.value for k in FACTOR_ORDER)}") from None


def _factor_value(key: FactorKey, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not 0.0 <= number <= 1.0 or abs(round(number * 10) - number * 10) > 1e-6:  # nan fails the range
        raise ScoringError(f"factor {key.value} = {value!r} is not a value 0.0–1.0 in 0.1 steps", hint="e.g. 0.7")
    return round(number * 10) / 10


def parse_fact_name(value: Any) -> str:
    name = str(value).strip()
    if name not in EXPOSURE_FACTS:
        raise ScoringError(f"unknown exposure fact {value!r}", hint=f"choose one of: {_choices(EXPOSURE_FACTS)}")
    return name


def parse_fact_value(name: str, value: Any) -> FactValue:
    text = {True: "yes", False: "no"}.get(value, value) if isinstance(value, bool) else str(value).strip().lower()
    try:
        return FactValue(text.replace("-", "_").replace(" ", "_"))
    except ValueError:
        raise ScoringError(f"exposure fact {name} = {value!r} is not yes, no or not_stated") from None


def parse_mitigation_kinds(value: str | Iterable[str | MitigationKind]) -> list[MitigationKind]:
    """'sandbox,approval_gate' or a list of kinds; 'none' (or an empty list) means no mitigations."""
    raw = value.split(",") if isinstance(value, str) else [getattr(v, "value", v) for v in value]
    items = [str(p).strip() for p in raw if str(p).strip()]
    if isinstance(value, str) and not items:
        raise ScoringError(f"no mitigation kinds in {value!r}", hint=f"give kinds such as sandbox,approval_gate, or {_NO_MITIGATIONS}")
    if items == [_NO_MITIGATIONS]:
        return []
    out: list[MitigationKind] = []
    for item in items:
        try:
            kind = MitigationKind(item)
        except ValueError:
            choices = _choices(k.value for k in MitigationKind)
            raise ScoringError(f"unknown mitigation kind {item!r}", hint=f"choose from: {choices} (comma-separated), or {_NO_MITIGATIONS} alone") from None
        if kind not in out:
            out.append(kind)
    return out


def _mitigations_text(kinds: Iterable[MitigationKind]) -> str:
    return ",".join(k.value for k in kinds) or _NO_MITIGATIONS


def apply_edits(
    profile: AgenticProfile,
    *,
    kind: Kind | str | None = None,
    set_factors: Mapping[FactorKey | str, float] | None = None,
    facts: Mapping[str, FactValue | str | bool] | None = None,
    stated_mitigations: str | Iterable[str | MitigationKind] | None = None,
    note: str | None = None,
) -> tuple[AgenticProfile, list[AnalystEdit]]:
    """The profile with the analyst's values and one AnalystEdit per value that changed."""
    profile = profile.model_copy(deep=True)
    system = profile.system
    edits: list[AnalystEdit] = []

    def record(target: str, previous: str, value: str) -> None:
        edits.append(AnalystEdit(target=target, previous=previous, value=value, note=note))

    if kind is not None:
        new_kind = parse_kind(kind)
        if new_kind is not system.kind:
            record("kind", system.kind.value, new_kind.value)
            system.kind, system.kind_set_by_analyst = new_kind, True
            system.exposure = unsettle(system.exposure)  # the new kind's rules settle them again
            for factor in profile.factors:  # a floor of the old kind becomes the floor of the new one
                if factor.floor_applied and not factor.set_by_analyst:
                    factor.value = rubric.floor(new_kind, factor.key)

    for raw_key, raw_value in (set_factors or {}).items():
        key = parse_factor_key(raw_key)
        value = _factor_value(key, raw_value)
        factor = profile.factor(key)
        previous = "unknown" if factor.value is None else display_number(factor.value, 1)
        if factor.value is None or abs(factor.value - value) > EPSILON:
            record(f"factor:{key.value}", previous, display_number(value, 1))
            factor.rationale = f"Set by analyst (was {previous}). " + factor.rationale[: 800 - 40]
            factor.value, factor.status, factor.floor_applied, factor.set_by_analyst = value, FactorStatus.NOT_STATED, False, True
        elif not factor.set_by_analyst:  # confirmed: the value stands with its evidence, but is now exact (no range margin)
            record(f"factor:{key.value}", previous, display_number(value, 1))
            factor.set_by_analyst = True

    for raw_name, raw_value in (facts or {}).items():
        name = parse_fact_name(raw_name)
        value = parse_fact_value(name, raw_value)
        current = system.exposure.fact(name)
        if current.value is value:  # nothing changes: the listing's own value (and quote) stand
            continue
        record(f"fact:{name}", current.value.value, value.value)
        evidence = current.evidence if current.value is value else []  # a quote for the old value would mislead
        setattr(system.exposure, name, ExposureFact(value=value, evidence=evidence, source=FactSource.SET_BY_ANALYST))

    if stated_mitigations is not None:
        wanted = parse_mitigation_kinds(stated_mitigations)
        previous_kinds = [m.kind for m in system.mitigations]
        if set(wanted) != set(previous_kinds):
            record("mitigations", _mitigations_text(previous_kinds), _mitigations_text(wanted))
            kept = {m.kind: m for m in system.mitigations}
            system.mitigations = [
                kept[k] if k in kept else Mitigation(kind=k, description="stated by the analyst", evidence=[], set_by_analyst=True) for k in wanted
            ]
    return profile, edits


def previous_multiplier(edits: Iterable[AnalystEdit], target: str) -> float | None:
    """The latest analyst value of ThM or MF, so a later re-score keeps it; None if none (or reset to derived)."""
    value = None
    for edit in edits:
        if edit.target == target:
            try:
                value = float(edit.value)
            except ValueError:  # a reset ("auto"): back to the derived value
                value = None
    return value
