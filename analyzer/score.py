"""Deterministic OWASP AIVSS scoring of a profile: the CVSS base, ThM and MF, the point and the range.

`score_profile` turns an AgenticProfile into an AivssResult. The CVSS v4.0 base vector is derived from
the exposure facts by the rules of analyzer/data/cvss_derivation.yaml and scored by the `cvss` library;
the mitigation factor from the stated mitigations; the threat multiplier is the spec default. Every input
records a reason, and user overrides win.

Exposure facts are tri-state. The point score uses the facts the listing states plus, for the facts it
does not state, the kind's typical values from analyzer/data/exposure_by_kind.yaml (reported as
"assumed"). The range is the score over every combination of values of the facts not stated (at most
2^8 = 256 evaluations per end), with each factor value the tool judged moved by the margin of
cvss_derivation.yaml `range` (down for the low end, up for the high end): a factor is a judgement on the
rubric's 0.1 scale, not a measurement. Stating a fact or setting a factor can only narrow the range, and
it always contains the point.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, NamedTuple

from cvss import CVSS4
from cvss.exceptions import CVSSError

from analyzer.conditions import Subject, holds, supporting_facts
from analyzer.errors import ScoringError
from analyzer.formula import (
    FORMULA_LINES,
    AivssComputation,
    band_for,
    check_cvss_base,
    check_multiplier,
    choose,
    compute_aivss,
    display_number,
    snap_to_spec_scale,
    steps_of,
)
from analyzer.models import (
    EXPOSURE_FACTS,
    AgenticProfile,
    AivssRange,
    AivssResult,
    Band,
    FactAssumption,
    FactSource,
    FactValue,
    Formula,
    MitigationKind,
    Scale,
    ScoreReason,
    ScoringOptions,
)
from analyzer.rules import cvss_rules, settle, settled_reason, typical_value
from analyzer.taxonomy import FACT_LABELS, KIND_LABELS
from analyzer.text import kind_phrase

__all__ = [
    "FORMULA_LINES",
    "AivssComputation",
    "ExposurePoint",
    "band_for",
    "compute_aivss",
    "derive_cvss",
    "derive_mitigation",
    "display_number",
    "exposure_point",
    "parse_mitigation",
    "parse_threat",
    "score_cvss_vector",
    "score_profile",
    "snap_to_spec_scale",
]

_EXAMPLE_VECTOR = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
_ORIGIN = {FactSource.STATED: "stated", FactSource.ASSUMED: "assumed", FactSource.SET_BY_ANALYST: "set by analyst"}


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
    threat = cvss_rules().threat
    levels = threat.levels if choose(Formula, formula, "formula") is Formula.V0_8 else threat.levels_v0_5
    return _parse_level(text, levels, "threat multiplier", check_multiplier)


def parse_mitigation(text: str) -> float:
    """'none' 1.0, 'partial' 0.83, 'strong' 0.67, or a number."""
    return _parse_level(text, cvss_rules().mitigation.levels, "mitigation factor", check_multiplier)


def score_cvss_vector(vector: str) -> tuple[str, float]:
    """(normalised vector, score) of a CVSS v4.0 vector, scored by the `cvss` library."""
    text = str(vector).strip()
    if text.upper().startswith("CVSS:") and not text.startswith("CVSS:4.0/"):
        raise ScoringError(f"CVSS vector {vector!r} is not CVSS v4.0", hint=f"AIVSS needs a CVSS v4.0 vector, e.g. {_EXAMPLE_VECTOR}")
    if not text.upper().startswith("CVSS:"):
        text = "CVSS:4.0/" + text  # accept a bare 'AV:N/AC:L/...'
    return _scored(text)


@lru_cache(maxsize=4096)  # the range scores the same few vectors over and over
def _scored(text: str) -> tuple[str, float]:
    try:
        parsed = CVSS4(text)
    except (CVSSError, ValueError, KeyError, IndexError) as exc:
        raise ScoringError(f"invalid CVSS v4.0 vector {text!r}: {exc}", hint=f"use the form {_EXAMPLE_VECTOR}") from None
    return parsed.clean_vector(), float(parsed.base_score)


# --------------------------------------------------------------------------- exposure facts → point values


class ExposurePoint(NamedTuple):
    """The fact values the point score uses (yes = True), where each came from, and what the range spans."""

    values: dict[str, bool]
    origins: dict[str, str]  # fact → "stated" / "implied" (by another stated fact) / "assumed" / "set by analyst"
    assumptions: list[FactAssumption]
    unstated: list[str]


def exposure_point(profile: AgenticProfile) -> ExposurePoint:
    """Stated facts as stated; settled facts as the rubric settles them; the rest at the kind's typical value."""
    subject = Subject.of(profile)
    exposure = settle(profile.system.exposure, subject)
    values: dict[str, bool] = {}
    origins: dict[str, str] = {}
    assumptions: list[FactAssumption] = []
    unstated: list[str] = []
    for name in EXPOSURE_FACTS:
        fact = exposure.fact(name)
        origins[name] = "implied" if fact.implied else _ORIGIN[fact.source]
        if fact.value is FactValue.NOT_STATED:
            values[name], why, by_kind = typical_value(subject, name)
            value = FactValue.YES if values[name] else FactValue.NO
            reason = f"typical for {kind_phrase(subject.kind, with_art=True)}: {why}" if by_kind else why
            assumptions.append(FactAssumption(fact=name, value=value, reason=reason))
            origins[name] = "assumed"
            unstated.append(name)
            continue
        values[name] = fact.value is FactValue.YES
        if fact.source is FactSource.ASSUMED:  # a settled no
            why = settled_reason(subject, name) or "settled for this kind of system"
            assumptions.append(FactAssumption(fact=name, value=fact.value, reason=why))
    return ExposurePoint(values=values, origins=origins, assumptions=assumptions, unstated=unstated)


# --------------------------------------------------------------------------- derivation


def derive_cvss(profile: AgenticProfile, exposure: Mapping[str, bool] | None = None, origins: Mapping[str, str] | None = None) -> tuple[str, float, list[str]]:
    """A CVSS v4.0 base vector from the exposure facts (yes = True), kind and factors.

    Without `exposure`, the point values of `exposure_point`. Returns (vector, base score from the `cvss`
    library, one reason per metric such as "AV:N — attacker input can reach it over the network
    (stated: runs as a network-reachable service or hosted API)").
    """
    if exposure is None:
        point = exposure_point(profile)
        exposure, origins = point.values, point.origins
    subject = Subject.of(profile, exposure)
    parts, reasons = [], []
    for metric, rules in cvss_rules().cvss.metrics.items():
        rule = next(r for r in rules if r.when is None or holds(r.when, subject))
        parts.append(f"{metric}:{rule.value}")
        reasons.append(f"{metric}:{rule.value} — {rule.reason}{_because(rule.when, subject, origins)}")
    vector, base = score_cvss_vector("CVSS:4.0/" + "/".join(parts))
    return vector, base, reasons


def _because(when: Any, subject: Subject, origins: Mapping[str, str] | None) -> str:
    if when is None:
        return ""
    by_origin: dict[str, list[str]] = {}
    for fact in supporting_facts(when, subject):
        by_origin.setdefault((origins or {}).get(fact, "stated"), []).append(FACT_LABELS[fact])
    if when.kinds:
        by_origin.setdefault("kind", []).append(KIND_LABELS[subject.kind])
    parts = [f"{origin}: {'; '.join(labels)}" for origin, labels in by_origin.items()]
    return f" ({'; '.join(parts)})" if parts else ""


def derive_mitigation(profile: AgenticProfile) -> tuple[float, str]:
    """The mitigation factor from the mitigations the listing states: none 1.0 / partial 0.83 / strong 0.67."""
    rules = cvss_rules().mitigation
    subject = Subject.of(profile)
    rule = next(r for r in rules.rules if r.when is None or holds(r.when, subject))
    stated = subject.mitigations
    names = [rules.kind_labels[k] for k in MitigationKind if k in stated]
    by_analyst = {m.kind for m in profile.system.mitigations if m.set_by_analyst}
    marked = [f"{rules.kind_labels[k]} (set by analyst)" if k in by_analyst else rules.kind_labels[k] for k in MitigationKind if k in stated]
    suffix = f" (stated: {', '.join(marked)})" if names else ""
    return rules.levels[rule.level], f"{rule.level}: {rule.reason}{suffix}"


def _moved(profile: AgenticProfile, margin: float, direction: int) -> AgenticProfile:
    """The profile with each judged factor value moved by `margin` in `direction` (analyst-set ones stay)."""
    if margin <= 0.0:
        return profile
    factors = [
        f if f.set_by_analyst or f.value is None else f.model_copy(update={"value": round(min(1.0, max(0.0, f.value + direction * margin)), 2)})
        for f in profile.factors
    ]
    return profile.model_copy(update={"factors": factors})


def _range(profile: AgenticProfile, point: ExposurePoint, score_at: Any, fixed_base: float | None = None) -> AivssRange:
    """Min and max of the score over every value of the unstated facts, the judged factors moved down for
    the low end and up for the high end. Every rule and the formula are monotone in both, so the two
    extremes bound every combination, and the point (margin 0) is inside. With a user-given CVSS base
    (`fixed_base`) the facts do not enter the score, so only the factors move."""
    judged = any(not f.set_by_analyst for f in profile.factors)
    margin = cvss_rules().range.factor_margin if judged else 0.0
    unstated = point.unstated if fixed_base is None else []
    ends = []
    for direction, pick in ((-1, min), (1, max)):
        moved = _moved(profile, margin, direction)
        scores = []
        for combo in itertools.product((False, True), repeat=len(unstated)):
            values = point.values | dict(zip(unstated, combo, strict=True))
            base = fixed_base if fixed_base is not None else derive_cvss(moved, values, point.origins)[1]
            scores.append(score_at([f.value for f in moved.factors], base))
        ends.append(pick(scores))
    low, high = ends
    return AivssRange(low=low, high=high, band_low=band_for(low), band_high=band_for(high), unstated=list(unstated), factor_margin=margin)


# --------------------------------------------------------------------------- the stage


def score_profile(profile: AgenticProfile | None, options: ScoringOptions | None = None) -> AivssResult:
    """Score a profile (None = failed extraction: no score, band Unknown, inputs still shown)."""
    options = options or ScoringOptions()
    formula, rounding, scale = options.formula, options.rounding, options.scale
    rules = cvss_rules()
    reasons: list[ScoreReason] = []
    point = exposure_point(profile) if profile is not None else None

    # CVSS base: a user vector, a user base score, or derived from the exposure facts.
    if options.cvss_vector is not None and options.cvss_base is not None:
        raise ScoringError("both a CVSS vector and a CVSS base score were given", hint="give only one of --cvss-vector / --cvss-base")
    vector: str | None
    overridden_base = options.cvss_vector is not None or options.cvss_base is not None
    if options.cvss_vector is not None:
        vector, base = score_cvss_vector(options.cvss_vector)
        reasons.append(ScoreReason(input="cvss_base", value=f"{base:g}", reason=f"user-supplied vector {vector}, scored with the cvss library", overridden=True))
    elif options.cvss_base is not None:
        vector, base = None, check_cvss_base(options.cvss_base)
        reasons.append(ScoreReason(input="cvss_base", value=f"{base:g}", reason="user-supplied CVSS v4.0 base score", overridden=True))
    elif profile is not None and point is not None:
        vector, base, why = derive_cvss(profile, point.values, point.origins)
        reasons.append(ScoreReason(input="cvss_base", value=f"{base:g}", reason=f"derived from the exposure facts: {vector}; " + "; ".join(why), overridden=False))
    else:
        vector, base = None, None
        reasons.append(ScoreReason(input="cvss_base", value="unknown", reason="extraction failed: no exposure facts to derive a CVSS v4.0 vector from", overridden=False))

    # Threat multiplier: the listing states no exploit maturity, so the spec default unless overridden.
    if options.threat_multiplier is not None:
        thm = check_multiplier("threat multiplier", options.threat_multiplier)
        reasons.append(ScoreReason(input="threat_multiplier", value=f"{thm:g}", reason="user-supplied threat multiplier", overridden=True))
    else:
        thm = rules.threat.default
        reasons.append(ScoreReason(input="threat_multiplier", value=f"{thm:g}", reason=rules.threat.reason, overridden=False))

    # Mitigation factor: from the stated mitigations unless overridden.
    unused = " (not used by the v0.5 formula)" if formula is Formula.V0_5 else ""
    if options.mitigation_factor is not None:
        mf = check_multiplier("mitigation factor", options.mitigation_factor)
        reasons.append(ScoreReason(input="mitigation_factor", value=f"{mf:g}", reason="user-supplied mitigation factor" + unused, overridden=True))
    elif profile is not None:
        mf, why = derive_mitigation(profile)
        reasons.append(ScoreReason(input="mitigation_factor", value=f"{mf:g}", reason=why + unused, overridden=False))
    else:
        mf = rules.mitigation.levels["none"]
        reasons.append(ScoreReason(input="mitigation_factor", value=f"{mf:g}", reason="extraction failed: mitigations unknown, none assumed" + unused, overridden=False))

    if profile is None or point is None:
        reasons.append(ScoreReason(input="factors", value="unknown", reason="extraction failed: no factor values, so no AIVSS score", overridden=False))
        return AivssResult(
            score=None, band=Band.UNKNOWN, cvss_base=base, cvss_vector=vector, threat_multiplier=thm, mitigation_factor=mf,
            aars=None, factor_sum=None, formula=formula, rounding=rounding, scale=scale, reasons=reasons,
        )  # fmt: skip

    values = [f.value for f in profile.factors]
    if any(v is None for v in values):  # AgenticProfile's validators make this impossible; guard anyway
        raise ScoringError("a factor of the profile has no value", hint="re-run the extraction or fill in every factor value")
    assert base is not None  # only a failed extraction leaves the base unknown

    def score_at(factors: list[float], cvss_base: float) -> float:
        return compute_aivss(cvss_base, factors, thm, mf, formula=formula, rounding=rounding, scale=scale).score

    result = compute_aivss(base, values, thm, mf, formula=formula, rounding=rounding, scale=scale)  # type: ignore[arg-type]
    how = "snapped to 0 / 0.5 / 1 (spec scale), then summed" if scale is Scale.SPEC else "sum of the ten factor values"
    reasons.append(ScoreReason(input="factors", value=f"{result.factor_sum:.2f}".rstrip("0").rstrip("."), reason=how, overridden=False))
    if overridden_base:
        span, assumptions = _range(profile, point, score_at, fixed_base=base), []
    else:
        span, assumptions = _range(profile, point, score_at), point.assumptions
    return AivssResult(
        score=result.score, band=result.band, cvss_base=base, cvss_vector=vector, threat_multiplier=thm, mitigation_factor=mf,
        aars=round(result.aars, 2), factor_sum=round(result.factor_sum, 2), formula=formula, rounding=rounding, scale=scale,
        reasons=reasons, range=span, assumptions=assumptions, steps=steps_of(result),
    )  # fmt: skip
