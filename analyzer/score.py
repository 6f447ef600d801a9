"""Deterministic OWASP AIVSS scoring: the formula, its inputs, and how each input was chosen.

`compute_aivss` is the pure formula. `score_profile` turns an extracted AgenticProfile into an
AivssResult: it derives a CVSS v4.0 base vector from the stated exposure facts (scored by the `cvss`
library), the mitigation factor from the stated mitigations, takes the spec's default threat
multiplier, applies user overrides, and records a reason for every input. The derivation rules live
in analyzer/data/cvss_derivation.yaml.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import cache
from importlib import resources
from typing import Any

import yaml
from cvss import CVSS4
from cvss.exceptions import CVSSError

from analyzer.errors import ConfigError, ScoringError
from analyzer.models import (
    EXPOSURE_FACTS,
    FACTOR_ORDER,
    KIND_LABELS,
    AgenticProfile,
    AivssResult,
    Band,
    FactorKey,
    FactValue,
    Formula,
    Kind,
    MitigationKind,
    Rounding,
    Scale,
    ScoreReason,
    ScoringOptions,
)
from analyzer.yamlio import load_yaml

__all__ = [
    "FORMULA_LINES",
    "AivssComputation",
    "band_for",
    "compute_aivss",
    "derive_cvss",
    "derive_mitigation",
    "display_number",
    "parse_mitigation",
    "parse_threat",
    "score_cvss_vector",
    "score_profile",
    "snap_to_spec_scale",
]

FORMULA_LINES: dict[Formula, str] = {
    Formula.V0_8: "AIVSS = (CVSS_Base + AARS) × Mitigation_Factor, where AARS = (10 − CVSS_Base) × (Factor_Sum / 10) × ThM",
    Formula.V0_5: "AIVSS = ((CVSS_Base + AARS) / 2) × ThM, where AARS = Factor_Sum",
}

# CVSS band thresholds, highest first: a score belongs to the first band whose floor it reaches.
# Any positive score is at least Low; only exactly 0.0 is None.
_BAND_FLOORS: tuple[tuple[float, Band], ...] = ((9.0, Band.CRITICAL), (7.0, Band.HIGH), (4.0, Band.MEDIUM))
MAX_MULTIPLIER = 1.5  # ThM and MF above this are almost certainly typos (e.g. 83 for 0.83)
_EXAMPLE_VECTOR = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


@dataclass(frozen=True)
class AivssComputation:
    """One evaluation of the formula. `aars` and `raw` are unrounded; `score` is rounded and clamped."""

    score: float
    band: Band
    aars: float
    factor_sum: float
    raw: float


# --------------------------------------------------------------------------- validation


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ScoringError(f"{name} must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ScoringError(f"{name} must be a finite number, got {value!r}")
    return number


def _check_cvss_base(value: Any) -> float:
    base = _number("CVSS base", value)
    if not 0.0 <= base <= 10.0:
        raise ScoringError(f"CVSS base {base:g} is outside 0.0–10.0", hint="give a CVSS v4.0 base score such as 7.5")
    return base


def _check_multiplier(name: str, value: Any) -> float:
    number = _number(name, value)
    if not 0.0 < number <= MAX_MULTIPLIER:
        raise ScoringError(
            f"{name} {number:g} is outside the allowed range (0, {MAX_MULTIPLIER:g}]",
            hint="the spec values are 0.5–1.0 (e.g. 0.97 for the threat multiplier, 0.83 for a partial mitigation factor)",
        )
    return number


def _check_factors(factors: Sequence[Any]) -> list[float]:
    if isinstance(factors, str | bytes) or not isinstance(factors, Sequence):
        raise ScoringError(f"factors must be a sequence of ten numbers, got {type(factors).__name__}")
    if len(factors) != len(FACTOR_ORDER):
        raise ScoringError(
            f"expected {len(FACTOR_ORDER)} factor values, got {len(factors)}",
            hint="give one value per AIVSS factor, in order: " + ", ".join(FACTOR_ORDER),
        )
    values = []
    for index, (key, raw) in enumerate(zip(FACTOR_ORDER, factors, strict=True), start=1):
        value = _number(f"factor {index} ({key})", raw)
        if not 0.0 <= value <= 1.0:
            raise ScoringError(f"factor {index} ({key}) = {value:g} is outside 0.0–1.0")
        values.append(value)
    return values


def _enum(enum_type: type, value: Any, what: str) -> Any:
    try:
        return enum_type(value)
    except ValueError:
        choices = ", ".join(member.value for member in enum_type)
        raise ScoringError(f"unknown {what} {value!r}", hint=f"choose one of: {choices}") from None


# --------------------------------------------------------------------------- the formula


def snap_to_spec_scale(value: float) -> float:
    """Snap a 0–1 factor to the spec's 0 / 0.5 / 1, ties upward (0.25 → 0.5, 0.75 → 1.0)."""
    halves = (Decimal(repr(float(value))) * 2).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return float(halves) / 2


def band_for(score: float | None) -> Band:
    """The CVSS-convention band of an AIVSS score; Unknown when there is no score."""
    if score is None:
        return Band.UNKNOWN
    value = _number("AIVSS score", score)
    if not 0.0 <= value <= 10.0:
        raise ScoringError(f"AIVSS score {value:g} is outside 0.0–10.0")
    for floor, band in _BAND_FLOORS:
        if value >= floor:
            return band
    return Band.LOW if value > 0.0 else Band.NONE


def _evaluate(base: Any, factor_sum: Any, thm: Any, mf: Any, formula: Formula) -> tuple[Any, Any]:
    """(aars, raw) with the arithmetic of whatever number type is passed (float or Decimal)."""
    if formula is Formula.V0_5:
        aars = factor_sum
        return aars, ((base + aars) / 2) * thm
    aars = (10 - base) * (factor_sum / 10) * thm
    return aars, (base + aars) * mf


def compute_aivss(
    cvss_base: float,
    factors: Sequence[float],
    threat_multiplier: float = 0.97,
    mitigation_factor: float = 1.0,
    *,
    formula: Formula | str = Formula.V0_8,
    rounding: Rounding | str = Rounding.PYTHON,
    scale: Scale | str = Scale.FINE,
) -> AivssComputation:
    """Evaluate the AIVSS formula. Pure; raises ScoringError on out-of-range input.

    v0.8 (default) uses the mitigation factor; v0.5 ignores it (the v0.5 formula has none).
    Rounding.PYTHON is `round(x, 1)` on the binary float (the reference site); Rounding.HALF_UP is the
    spec text, evaluated in exact decimal arithmetic so that 9.25 becomes 9.3.
    """
    formula = _enum(Formula, formula, "formula")
    rounding = _enum(Rounding, rounding, "rounding")
    scale = _enum(Scale, scale, "scale")
    base = _check_cvss_base(cvss_base)
    values = _check_factors(factors)
    thm = _check_multiplier("threat multiplier", threat_multiplier)
    mf = _check_multiplier("mitigation factor", mitigation_factor)
    if scale is Scale.SPEC:
        values = [snap_to_spec_scale(v) for v in values]

    if rounding is Rounding.PYTHON:
        factor_sum = math.fsum(values)
        aars, raw = _evaluate(base, factor_sum, thm, mf, formula)
        score = round(min(10.0, max(0.0, raw)), 1)
    else:
        with localcontext() as ctx:
            ctx.prec = 60  # exact for any product of these few decimal inputs
            exact = [Decimal(repr(v)) for v in values]
            dec_sum = sum(exact, Decimal(0))
            dec_aars, dec_raw = _evaluate(Decimal(repr(base)), dec_sum, Decimal(repr(thm)), Decimal(repr(mf)), formula)
            clamped = min(Decimal(10), max(Decimal(0), dec_raw))
            score = float(clamped.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
        factor_sum, aars, raw = float(dec_sum), float(dec_aars), float(dec_raw)
    score = score + 0.0  # normalise -0.0
    return AivssComputation(score=score, band=band_for(score), aars=aars, factor_sum=factor_sum, raw=raw)


def display_number(value: float, places: int = 2) -> str:
    """The reference pages' style: at most `places` decimals, trailing zeros dropped (0.60 → '0.6')."""
    text = f"{round(value, places):.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


# --------------------------------------------------------------------------- rules data


@dataclass(frozen=True)
class _Condition:
    any: tuple[str, ...] = ()
    all: tuple[str, ...] = ()
    none: tuple[str, ...] = ()
    kind_in: tuple[Kind, ...] = ()
    factor_at_least: tuple[tuple[FactorKey, float], ...] = ()


@dataclass(frozen=True)
class _MetricRule:
    value: str
    reason: str
    when: _Condition | None


@dataclass(frozen=True)
class _MitigationRule:
    level: str
    reason: str
    all_of: frozenset[MitigationKind]
    any_of: frozenset[MitigationKind]
    min_distinct: int
    counted: frozenset[MitigationKind]
    is_default: bool


@dataclass(frozen=True)
class _Rules:
    fact_labels: Mapping[str, str]
    metric_order: tuple[str, ...]
    metrics: Mapping[str, tuple[_MetricRule, ...]]
    threat_default: float
    threat_reason: str
    threat_levels: Mapping[Formula, Mapping[str, float]]
    mitigation_levels: Mapping[str, float]
    mitigation_labels: Mapping[MitigationKind, str]
    mitigation_rules: tuple[_MitigationRule, ...]


_RULES_FILE = "cvss_derivation.yaml"
_FACTS = EXPOSURE_FACTS


def _bad_rules(message: str) -> ConfigError:
    return ConfigError(f"analyzer/data/{_RULES_FILE}: {message}", hint="fix the rules file (see the syntax notes at its top)")


def _parse_condition(raw: Mapping[str, Any] | None, where: str) -> _Condition | None:
    if raw is None:
        return None
    unknown = set(raw) - {"any", "all", "none", "kind_in", "factor_at_least"}
    if unknown:
        raise _bad_rules(f"{where}: unknown condition keys {sorted(unknown)}")
    facts = {name: tuple(raw.get(name, ())) for name in ("any", "all", "none")}
    for name, listed in facts.items():
        for fact in listed:
            if fact not in _FACTS:
                raise _bad_rules(f"{where}: unknown exposure fact {fact!r} in {name}")
    try:
        kinds = tuple(Kind(k) for k in raw.get("kind_in", ()))
        thresholds = tuple((FactorKey(k), float(v)) for k, v in dict(raw.get("factor_at_least", {})).items())
    except (ValueError, TypeError) as exc:
        raise _bad_rules(f"{where}: {exc}") from None
    return _Condition(any=facts["any"], all=facts["all"], none=facts["none"], kind_in=kinds, factor_at_least=thresholds)


def _parse_mitigation_kinds(raw: Any, where: str) -> frozenset[MitigationKind]:
    try:
        return frozenset(MitigationKind(k) for k in raw or ())
    except ValueError as exc:
        raise _bad_rules(f"{where}: {exc}") from None


@cache
def _rules() -> _Rules:
    text = resources.files("analyzer.data").joinpath(_RULES_FILE).read_text("utf-8")
    try:
        data = load_yaml(text)
        cvss = data["cvss"]
        order = tuple(cvss["order"])
        metrics: dict[str, tuple[_MetricRule, ...]] = {}
        for metric in order:
            rules = []
            for i, rule in enumerate(cvss["metrics"][metric]):
                where = f"cvss.metrics.{metric}[{i}]"
                rules.append(_MetricRule(value=str(rule["value"]), reason=str(rule["reason"]), when=_parse_condition(rule.get("when"), where)))
            if not rules or rules[-1].when is not None:
                raise _bad_rules(f"cvss.metrics.{metric}: the last rule must be a default (no `when`)")
            metrics[metric] = tuple(rules)
        threat = data["threat"]
        mitigation = data["mitigation"]
        levels = {str(k): float(v) for k, v in mitigation["levels"].items()}
        mitigation_rules = []
        for i, rule in enumerate(mitigation["rules"]):
            where = f"mitigation.rules[{i}]"
            when = rule.get("when") or {}
            if rule["level"] not in levels:
                raise _bad_rules(f"{where}: unknown level {rule['level']!r}")
            mitigation_rules.append(
                _MitigationRule(
                    level=str(rule["level"]),
                    reason=str(rule["reason"]),
                    all_of=_parse_mitigation_kinds(when.get("all_of"), where),
                    any_of=_parse_mitigation_kinds(when.get("any_of"), where),
                    min_distinct=int(when.get("min_distinct", 0)),
                    counted=_parse_mitigation_kinds(when.get("counted"), where),
                    is_default=not when,
                )
            )
        if not mitigation_rules or not mitigation_rules[-1].is_default:
            raise _bad_rules("mitigation.rules: the last rule must be a default (no `when`)")
        return _Rules(
            fact_labels={str(k): str(v) for k, v in data["fact_labels"].items()},
            metric_order=order,
            metrics=metrics,
            threat_default=float(threat["default"]),
            threat_reason=str(threat["reason"]),
            threat_levels={
                Formula.V0_8: {str(k): float(v) for k, v in threat["levels"].items()},
                Formula.V0_5: {str(k): float(v) for k, v in threat["levels_v0_5"].items()},
            },
            mitigation_levels=levels,
            mitigation_labels={MitigationKind(k): str(v) for k, v in mitigation["kind_labels"].items()},
            mitigation_rules=tuple(mitigation_rules),
        )
    except (KeyError, TypeError, ValueError, yaml.YAMLError) as exc:
        raise _bad_rules(f"malformed rules ({type(exc).__name__}: {exc})") from None


# --------------------------------------------------------------------------- user-facing parsers


def _parse_level(text: str, levels: Mapping[str, float], name: str, validate: Any) -> float:
    if isinstance(text, int | float) and not isinstance(text, bool):
        return validate(name, text)
    word = str(text).strip().lower()
    if word in levels:
        return levels[word]
    try:
        number = float(word)
    except ValueError:
        raise ScoringError(f"unknown {name} {text!r}", hint=f"use one of {', '.join(levels)} or a number such as 0.9") from None
    return validate(name, number)


def parse_threat(text: str, formula: Formula | str = Formula.V0_8) -> float:
    """'attacked' 1.0, 'poc' / 'proof-of-concept' 0.97, 'unreported' 0.5 (0.91 under v0.5), or a number."""
    levels = _rules().threat_levels[_enum(Formula, formula, "formula")]
    return _parse_level(text, levels, "threat multiplier", _check_multiplier)


def parse_mitigation(text: str) -> float:
    """'none' 1.0, 'partial' 0.83, 'strong' 0.67, or a number."""
    return _parse_level(text, _rules().mitigation_levels, "mitigation factor", _check_multiplier)


def score_cvss_vector(vector: str) -> tuple[str, float]:
    """(normalised vector, score) of a CVSS v4.0 vector, scored by the `cvss` library."""
    text = str(vector).strip()
    if text.upper().startswith("CVSS:") and not text.startswith("CVSS:4.0/"):
        raise ScoringError(f"CVSS vector {vector!r} is not CVSS v4.0", hint=f"AIVSS needs a CVSS v4.0 vector, e.g. {_EXAMPLE_VECTOR}")
    if not text.upper().startswith("CVSS:"):
        text = "CVSS:4.0/" + text  # accept a bare 'AV:N/AC:L/...'
    try:
        parsed = CVSS4(text)
    except (CVSSError, ValueError, KeyError, IndexError) as exc:
        raise ScoringError(f"invalid CVSS v4.0 vector {vector!r}: {exc}", hint=f"use the form {_EXAMPLE_VECTOR}") from None
    return parsed.clean_vector(), float(parsed.base_score)


# --------------------------------------------------------------------------- derivation from a profile


def _condition_holds(cond: _Condition, profile: AgenticProfile) -> tuple[bool, list[str]]:
    """Whether the condition holds, and the stated facts / kind that made it hold (for the reason)."""
    exposure = profile.system.exposure
    fact = {name: v is FactValue.YES for name, v in exposure.values().items()}
    if cond.any and not any(fact[f] for f in cond.any):
        return False, []
    if cond.all and not all(fact[f] for f in cond.all):
        return False, []
    if any(fact[f] for f in cond.none):
        return False, []
    if cond.kind_in and profile.system.kind not in cond.kind_in:
        return False, []
    values = profile.values()
    for key, threshold in cond.factor_at_least:
        value = values[key]
        if value is None or value < threshold - 1e-9:
            return False, []
    labels = _rules().fact_labels
    because = [labels[f] for f in dict.fromkeys(cond.all + cond.any) if fact[f]]
    if cond.kind_in:
        because.append(f"kind: {KIND_LABELS[profile.system.kind]}")
    return True, because


def derive_cvss(profile: AgenticProfile) -> tuple[str, float, list[str]]:
    """A CVSS v4.0 base vector built from the profile's exposure facts, kind and factors.

    Returns (vector, base score from the `cvss` library, one reason per metric such as
    "AV:N — attacker input can reach it over the network (stated: runs as a network-reachable service ...)").
    """
    rules = _rules()
    parts: list[str] = []
    reasons: list[str] = []
    for metric in rules.metric_order:
        for rule in rules.metrics[metric]:
            holds, because = (True, []) if rule.when is None else _condition_holds(rule.when, profile)
            if holds:
                parts.append(f"{metric}:{rule.value}")
                suffix = f" (stated: {'; '.join(because)})" if because else ""
                reasons.append(f"{metric}:{rule.value} — {rule.reason}{suffix}")
                break
    vector, base = score_cvss_vector("CVSS:4.0/" + "/".join(parts))
    return vector, base, reasons


def derive_mitigation(profile: AgenticProfile) -> tuple[float, str]:
    """The mitigation factor from the mitigations the listing states: none 1.0 / partial 0.83 / strong 0.67."""
    rules = _rules()
    stated = {m.kind for m in profile.system.mitigations}
    for rule in rules.mitigation_rules:
        if not rule.is_default:
            if rule.all_of and not rule.all_of <= stated:
                continue
            if rule.any_of and not rule.any_of & stated:
                continue
            if rule.min_distinct and len(rule.counted & stated) < rule.min_distinct:
                continue
        factor = rules.mitigation_levels[rule.level]
        names = [rules.mitigation_labels[k] for k in MitigationKind if k in stated]
        suffix = f" (stated: {', '.join(names)})" if names else ""
        return factor, f"{rule.level}: {rule.reason}{suffix}"
    raise AssertionError("unreachable: the rules file ends with a default rule")  # pragma: no cover


# --------------------------------------------------------------------------- the stage


def score_profile(profile: AgenticProfile | None, options: ScoringOptions | None = None) -> AivssResult:
    """Score a profile (None = failed extraction: no score, band Unknown, inputs still shown)."""
    options = options or ScoringOptions()
    formula, rounding, scale = Formula(options.formula), Rounding(options.rounding), Scale(options.scale)
    reasons: list[ScoreReason] = []

    # CVSS base: a user vector, a user base score, or derived from the exposure facts.
    if options.cvss_vector is not None and options.cvss_base is not None:
        raise ScoringError("both a CVSS vector and a CVSS base score were given", hint="give only one of --cvss-vector / --cvss-base")
    vector: str | None
    if options.cvss_vector is not None:
        vector, base = score_cvss_vector(options.cvss_vector)
        reasons.append(ScoreReason(input="cvss_base", value=f"{base:g}", reason=f"user-supplied vector {vector}, scored with the cvss library", overridden=True))
    elif options.cvss_base is not None:
        vector, base = None, _check_cvss_base(options.cvss_base)
        reasons.append(ScoreReason(input="cvss_base", value=f"{base:g}", reason="user-supplied CVSS v4.0 base score", overridden=True))
    elif profile is not None:
        vector, base, why = derive_cvss(profile)
        reasons.append(ScoreReason(input="cvss_base", value=f"{base:g}", reason=f"derived from the stated exposure facts: {vector}; " + "; ".join(why), overridden=False))
    else:
        vector, base = None, None
        reasons.append(ScoreReason(input="cvss_base", value="unknown", reason="extraction failed: no exposure facts to derive a CVSS v4.0 vector from", overridden=False))

    # Threat multiplier: the listing states no exploit maturity, so the spec default unless overridden.
    if options.threat_multiplier is not None:
        thm = _check_multiplier("threat multiplier", options.threat_multiplier)
        reasons.append(ScoreReason(input="threat_multiplier", value=f"{thm:g}", reason="user-supplied threat multiplier", overridden=True))
    else:
        thm = _rules().threat_default
        reasons.append(ScoreReason(input="threat_multiplier", value=f"{thm:g}", reason=_rules().threat_reason, overridden=False))

    # Mitigation factor: from the stated mitigations unless overridden.
    unused = " (not used by the v0.5 formula)" if formula is Formula.V0_5 else ""
    if options.mitigation_factor is not None:
        mf = _check_multiplier("mitigation factor", options.mitigation_factor)
        reasons.append(ScoreReason(input="mitigation_factor", value=f"{mf:g}", reason="user-supplied mitigation factor" + unused, overridden=True))
    elif profile is not None:
        mf, why = derive_mitigation(profile)
        reasons.append(ScoreReason(input="mitigation_factor", value=f"{mf:g}", reason=why + unused, overridden=False))
    else:
        mf = _rules().mitigation_levels["none"]
        reasons.append(ScoreReason(input="mitigation_factor", value=f"{mf:g}", reason="extraction failed: mitigations unknown, none assumed" + unused, overridden=False))

    if profile is None:
        reasons.append(ScoreReason(input="factors", value="unknown", reason="extraction failed: no factor values, so no AIVSS score", overridden=False))
        return AivssResult(
            score=None, band=Band.UNKNOWN, cvss_base=base, cvss_vector=vector, threat_multiplier=thm, mitigation_factor=mf,
            aars=None, factor_sum=None, formula=formula, rounding=rounding, scale=scale, reasons=reasons,
        )  # fmt: skip

    values = [f.value for f in profile.factors]
    if any(v is None for v in values):  # AgenticProfile's validators make this impossible; guard anyway
        raise ScoringError("a factor of the profile has no value", hint="re-run the extraction or fill in every factor value")
    assert base is not None  # only a failed extraction leaves the base unknown
    result = compute_aivss(base, values, thm, mf, formula=formula, rounding=rounding, scale=scale)  # type: ignore[arg-type]
    how = "snapped to 0 / 0.5 / 1 (spec scale), then summed" if scale is Scale.SPEC else "sum of the ten factor values"
    reasons.append(ScoreReason(input="factors", value=f"{result.factor_sum:.2f}".rstrip("0").rstrip("."), reason=how, overridden=False))
    return AivssResult(
        score=result.score, band=result.band, cvss_base=base, cvss_vector=vector, threat_multiplier=thm, mitigation_factor=mf,
        aars=round(result.aars, 2), factor_sum=round(result.factor_sum, 2), formula=formula, rounding=rounding, scale=scale,
        reasons=reasons,
    )  # fmt: skip
