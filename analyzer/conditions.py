"""The one condition language of the rule files (`when:` in cvss_derivation.yaml, maestro_catalogue.yaml).

A condition is a Pydantic model, so a typo in a rule file is a ConfigError naming the key when the file
loads, not a rule that silently never fires. Every key present must hold; an empty condition always holds:

    kinds: [..]            the kind is one of these Kind values or taxonomy groups (analyzer/taxonomy.py)
    exposure: [..]         every one of these exposure facts is yes
    any_exposure: [..]     at least one of these exposure facts is yes
    not_exposure: [..]     none of these exposure facts is yes
    factors: {key: v}      every listed factor is at least v
    outputs: [..]          at least one of these output modalities
    mitigations: [..]      at least `min_mitigations` (default 1) of these mitigation kinds are stated
    all_mitigations: [..]  every one of these mitigation kinds is stated
    no_mitigations: [..]   none of these mitigation kinds is stated
    any: [cond, ..]        at least one nested condition holds

Conditions are evaluated against a Subject: the kind, the value each exposure fact takes (yes or not),
factor values, outputs and stated mitigations. The scorer evaluates the same rule under other values of
the unstated facts to compute the range, so a Subject's facts need not be the profile's.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Annotated, NamedTuple

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from analyzer.models import EPSILON, EXPOSURE_FACTS, AgenticProfile, FactorKey, FactValue, Kind, MitigationKind, Modality
from analyzer.taxonomy import expand_kinds

__all__ = ["Condition", "Subject", "holds", "supporting_facts"]



def _fact_name(name: str) -> str:
    if name not in EXPOSURE_FACTS:
        raise ValueError(f"unknown exposure fact {name!r} (facts: {', '.join(EXPOSURE_FACTS)})")
    return name


def _kind_name(name: str) -> str:
    expand_kinds([name])  # raises ValueError naming an unknown kind or group
    return name


Fact = Annotated[str, AfterValidator(_fact_name)]
KindName = Annotated[str, AfterValidator(_kind_name)]


class Condition(BaseModel):
    # Tuples, not lists: the rule files hold hundreds of conditions, and pydantic copies a mutable default
    # for every field left out (an immutable one is shared).
    model_config = ConfigDict(extra="forbid", frozen=True)

    kinds: tuple[KindName, ...] = ()
    exposure: tuple[Fact, ...] = ()
    any_exposure: tuple[Fact, ...] = ()
    not_exposure: tuple[Fact, ...] = ()
    factors: dict[FactorKey, float] = Field(default_factory=dict)
    outputs: tuple[Modality, ...] = ()
    mitigations: tuple[MitigationKind, ...] = ()
    min_mitigations: int = Field(default=1, ge=1)
    all_mitigations: tuple[MitigationKind, ...] = ()
    no_mitigations: tuple[MitigationKind, ...] = ()
    any: tuple[Condition, ...] = ()


@cache
def _kinds(names: tuple[str, ...]) -> frozenset[Kind]:
    return expand_kinds(names)


class Subject(NamedTuple):
    """What conditions are evaluated against: exposure facts as yes (True) or not (False)."""

    kind: Kind
    exposure: Mapping[str, bool]
    factors: Mapping[FactorKey, float]
    outputs: frozenset[Modality]
    mitigations: frozenset[MitigationKind]

    @classmethod
    def of(cls, profile: AgenticProfile, exposure: Mapping[str, bool] | None = None) -> Subject:
        """The profile as a Subject; `exposure` replaces its facts (yes = True), e.g. one combination of the range."""
        system = profile.system
        if exposure is None:
            exposure = {name: value is FactValue.YES for name, value in system.exposure.values().items()}
        return cls(
            kind=system.kind,
            exposure=dict(exposure),
            factors={k: (v if v is not None else 0.0) for k, v in profile.values().items()},
            outputs=frozenset(system.output_modalities),
            mitigations=frozenset(m.kind for m in system.mitigations),
        )

    def fact(self, name: str) -> bool:
        return bool(self.exposure.get(name, False))

    def value(self, key: FactorKey) -> float:
        return self.factors.get(key, 0.0)


def holds(cond: Condition, subject: Subject) -> bool:
    """True when every clause of the condition holds for the subject."""
    if cond.kinds and subject.kind not in _kinds(tuple(cond.kinds)):
        return False
    if not all(subject.fact(f) for f in cond.exposure):
        return False
    if cond.any_exposure and not any(subject.fact(f) for f in cond.any_exposure):
        return False
    if any(subject.fact(f) for f in cond.not_exposure):
        return False
    if not all(subject.value(key) >= minimum - EPSILON for key, minimum in cond.factors.items()):
        return False
    if cond.outputs and not subject.outputs.intersection(cond.outputs):
        return False
    if cond.mitigations and len(subject.mitigations.intersection(cond.mitigations)) < cond.min_mitigations:
        return False
    if not subject.mitigations.issuperset(cond.all_mitigations):
        return False
    if subject.mitigations.intersection(cond.no_mitigations):
        return False
    return not cond.any or any(holds(c, subject) for c in cond.any)


def supporting_facts(cond: Condition, subject: Subject) -> list[str]:
    """The yes facts that a holding condition rests on (its `exposure` and `any_exposure` keys), in order."""
    named = dict.fromkeys([*cond.exposure, *cond.any_exposure])
    return [f for f in named if subject.fact(f)]
