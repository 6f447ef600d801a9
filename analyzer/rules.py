"""The scoring rule files, loaded once and validated: cvss_derivation.yaml and exposure_by_kind.yaml.

Both use the one condition language of analyzer/conditions.py. A malformed file is a ConfigError naming
the file and the key, raised the first time a score is computed.

exposure_by_kind.yaml settles what the rubric settles without a quote (a text LLM runs no code of its
own: `settled`), and gives, per kind, the typical value the point score takes for each fact the listing
leaves not stated (`typical`). Reports label both "assumed"; the range covers every not-stated fact.
"""

from __future__ import annotations

from functools import cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from analyzer.conditions import Condition, Fact, Subject, holds
from analyzer.errors import ConfigError
from analyzer.models import EXPOSURE_FACTS, AgenticProfile, ExposureFact, ExposureFacts, FactSource, FactValue, MitigationKind
from analyzer.datafiles import load_data_yaml, yaml_error

__all__ = [
    "CvssRules",
    "ExposureRules",
    "cvss_rules",
    "exposure_rules",
    "settle",
    "settle_profile",
    "typical_value",
    "unsettle",
]

CVSS_FILE = "cvss_derivation.yaml"
EXPOSURE_FILE = "exposure_by_kind.yaml"
CVSS_METRICS = ("AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- cvss_derivation.yaml


class MetricRule(_Strict):
    value: str
    reason: str
    when: Condition | None = None


class MitigationRule(_Strict):
    level: str
    reason: str
    when: Condition | None = None


class ThreatRules(_Strict):
    default: float
    reason: str
    levels: dict[str, float]
    levels_v0_5: dict[str, float]


class MitigationRules(_Strict):
    levels: dict[str, float]
    kind_labels: dict[MitigationKind, str]
    rules: list[MitigationRule] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> MitigationRules:
        for i, rule in enumerate(self.rules):
            if rule.level not in self.levels:
                raise ValueError(f"rules[{i}]: unknown level {rule.level!r}")
        if self.rules[-1].when is not None:
            raise ValueError("rules: the last rule must be a default (no `when`)")
        if set(self.kind_labels) != set(MitigationKind):
            raise ValueError("kind_labels must name every mitigation kind")
        return self


class CvssMetrics(_Strict):
    metrics: dict[str, list[MetricRule]]

    @model_validator(mode="after")
    def _check(self) -> CvssMetrics:
        if tuple(self.metrics) != CVSS_METRICS:
            raise ValueError(f"metrics must be the CVSS v4.0 base metrics in order: {', '.join(CVSS_METRICS)}")
        for metric, rules in self.metrics.items():
            if not rules or rules[-1].when is not None:
                raise ValueError(f"metrics.{metric}: the last rule must be a default (no `when`)")
        return self


class RangeRules(_Strict):
    factor_margin: float = Field(ge=0.0, le=0.5)
    reason: str


class CvssRules(_Strict):
    cvss: CvssMetrics
    threat: ThreatRules
    mitigation: MitigationRules
    range: RangeRules


# --------------------------------------------------------------------------- exposure_by_kind.yaml


class SettledRule(_Strict):
    when: Condition
    facts: list[Fact] = Field(min_length=1)
    reason: str


class TypicalRule(_Strict):
    when: Condition = Field(default_factory=Condition)
    values: dict[Fact, bool] = Field(description="yes / no (YAML booleans)")
    reason: str


class ExposureRules(_Strict):
    settled: list[SettledRule]
    typical: list[TypicalRule] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> ExposureRules:
        last = self.typical[-1]
        if last.when != Condition() or set(last.values) != set(EXPOSURE_FACTS):
            raise ValueError("typical: the last entry must have no `when` and give a value for every fact")
        for i, rule in enumerate(self.settled):
            if rule.when != Condition(kinds=rule.when.kinds):
                raise ValueError(f"settled[{i}]: `when` may name kinds only (what the kind alone settles)")
        return self


def _load(file: str, model: type[_Strict]) -> _Strict:
    try:
        data = load_data_yaml(file)
        if isinstance(data, dict):  # top-level keys starting with "_" hold YAML anchors only
            data = {k: v for k, v in data.items() if not str(k).startswith("_")}
        return model.model_validate(data)
    except (ValidationError, yaml_error()) as exc:
        raise ConfigError(f"analyzer/data/{file}: invalid rules: {exc}", hint="fix the rules file (see the notes at its top)") from None


@cache
def cvss_rules() -> CvssRules:
    return _load(CVSS_FILE, CvssRules)  # type: ignore[return-value]


@cache
def exposure_rules() -> ExposureRules:
    return _load(EXPOSURE_FILE, ExposureRules)  # type: ignore[return-value]


# --------------------------------------------------------------------------- applying the exposure rules


def settled_reason(subject: Subject, fact: str) -> str | None:
    """Why the rubric settles this fact as no for the subject's kind without a quote; None if it does not."""
    for rule in exposure_rules().settled:
        if fact in rule.facts and holds(rule.when, subject):
            return rule.reason
    return None


def settle(exposure: ExposureFacts, subject: Subject) -> ExposureFacts:
    """Facts not stated that the rubric settles for this kind become an assumed no (no quote needed)."""
    out = exposure.model_copy(deep=True)
    for name in EXPOSURE_FACTS:
        fact = out.fact(name)
        if fact.value is FactValue.NOT_STATED and fact.source is FactSource.ASSUMED and settled_reason(subject, name):
            setattr(out, name, ExposureFact(value=FactValue.NO, evidence=[], source=FactSource.ASSUMED))
    return out


def unsettle(exposure: ExposureFacts) -> ExposureFacts:
    """Undo `settle` (before a kind change): every assumed no is not stated again."""
    out = exposure.model_copy(deep=True)
    for name in EXPOSURE_FACTS:
        fact = out.fact(name)
        if fact.source is FactSource.ASSUMED and fact.value is FactValue.NO:
            setattr(out, name, ExposureFact.not_stated())
    return out


def typical_value(subject: Subject, fact: str) -> tuple[bool, str, bool]:
    """(yes?, reason, kind-specific?): the value the point score takes for a fact the listing does not state."""
    for rule in exposure_rules().typical:
        if fact in rule.values and holds(rule.when, subject):
            return rule.values[fact], rule.reason, rule.when != Condition()
    raise AssertionError("unreachable: the last typical entry covers every fact")  # pragma: no cover


def settle_profile(profile: AgenticProfile) -> AgenticProfile:
    """The profile with its exposure settled for its kind (what the pipeline stores and reports)."""
    settled = settle(profile.system.exposure, Subject.of(profile))
    return profile.model_copy(update={"system": profile.system.model_copy(update={"exposure": settled})})
