"""The AIVSS formula, computed in one place: the score, its band and every intermediate step.

`compute_aivss` is pure and validates its inputs. Reports print the steps it returns (carried on
AivssResult.steps) instead of recomputing them, so the page and the score cannot disagree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any, NamedTuple

from analyzer.errors import InputError, ScoringError
from analyzer.models import FACTOR_ORDER, AivssResult, AivssSteps, Band, Formula, Rounding, Scale

__all__ = [
    "FORMULA_LINES",
    "MAX_MULTIPLIER",
    "AivssComputation",
    "band_for",
    "check_cvss_base",
    "check_factors",
    "check_multiplier",
    "check_number",
    "choose",
    "compute_aivss",
    "computation_text",
    "display_number",
    "multiplier_text",
    "parse_score_flag",
    "snap_to_spec_scale",
    "steps_of",
]

FORMULA_LINES: dict[Formula, str] = {
    Formula.V0_8: "AIVSS = (CVSS_Base + AARS) × Mitigation_Factor, where AARS = (10 − CVSS_Base) × (Factor_Sum / 10) × ThM",
    Formula.V0_5: "AIVSS = ((CVSS_Base + AARS) / 2) × ThM, where AARS = Factor_Sum",
}

# CVSS band thresholds, highest first: a score belongs to the first band whose floor it reaches.
# Any positive score is at least Low; only exactly 0.0 is None.
_BAND_FLOORS: tuple[tuple[float, Band], ...] = ((9.0, Band.CRITICAL), (7.0, Band.HIGH), (4.0, Band.MEDIUM))
MAX_MULTIPLIER = 1.5  # ThM and MF above this are almost certainly typos (e.g. 83 for 0.83)


class AivssComputation(NamedTuple):
    """One evaluation of the formula. `aars` and `raw` are unrounded; `score` is rounded and clamped."""

    score: float
    band: Band
    aars: float
    factor_sum: float
    raw: float


# --------------------------------------------------------------------------- validation


def check_number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ScoringError(f"{name} must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ScoringError(f"{name} must be a finite number, got {value!r}")
    return number


def parse_score_flag(text: str, flag: str, hint: str, error: type[InputError] = ScoringError) -> float:
    """A command-line value on the 0.0–10.0 score scale (--cvss-base, --max-score): a one-line error naming
    the flag when it is not a number or out of range (nan included)."""
    try:
        value = float(str(text).strip())
    except ValueError:
        raise error(f"{flag} {text!r} is not a number", hint=hint) from None
    if not 0.0 <= value <= 10.0:  # also rejects nan
        raise error(f"{flag} {text!r} is outside 0.0–10.0", hint=hint)
    return value


def check_cvss_base(value: Any) -> float:
    base = check_number("CVSS base", value)
    if not 0.0 <= base <= 10.0:
        raise ScoringError(f"CVSS base {base:g} is outside 0.0–10.0", hint="give a CVSS v4.0 base score such as 7.5")
    return base


def check_multiplier(name: str, value: Any) -> float:
    number = check_number(name, value)
    if not 0.0 < number <= MAX_MULTIPLIER:
        raise ScoringError(
            f"{name} {number:g} is outside the allowed range (0, {MAX_MULTIPLIER:g}]",
            hint="the spec values are 0.5–1.0 (e.g. 0.97 for the threat multiplier, 0.83 for a partial mitigation factor)",
        )
    return number


def check_factors(factors: Sequence[Any]) -> list[float]:
    if isinstance(factors, str | bytes) or not isinstance(factors, Sequence):
        raise ScoringError(f"factors must be a sequence of ten numbers, got {type(factors).__name__}")
    if len(factors) != len(FACTOR_ORDER):
        raise ScoringError(
            f"expected {len(FACTOR_ORDER)} factor values, got {len(factors)}",
            hint="give one value per AIVSS factor, in order: " + ", ".join(FACTOR_ORDER),
        )
    values = []
    for index, (key, raw) in enumerate(zip(FACTOR_ORDER, factors, strict=True), start=1):
        value = check_number(f"factor {index} ({key})", raw)
        if not 0.0 <= value <= 1.0:
            raise ScoringError(f"factor {index} ({key}) = {value:g} is outside 0.0–1.0")
        values.append(value)
    return values


def choose(enum_type: type, value: Any, what: str) -> Any:
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
    value = check_number("AIVSS score", score)
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
    formula = choose(Formula, formula, "formula")
    rounding = choose(Rounding, rounding, "rounding")
    scale = choose(Scale, scale, "scale")
    base = check_cvss_base(cvss_base)
    values = check_factors(factors)
    thm = check_multiplier("threat multiplier", threat_multiplier)
    mf = check_multiplier("mitigation factor", mitigation_factor)
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


def multiplier_text(value: float) -> str:
    """A multiplier or base as the reference pages print it: Python's float text, at most 2 decimals (1.0, 0.97)."""
    return str(round(float(value), 2))


def computation_text(aivss: AivssResult) -> str | None:
    """The arithmetic behind a score, from the steps the scorer recorded; None when there is no score."""
    steps = aivss.steps
    if aivss.score is None or steps is None or aivss.cvss_base is None:
        return None
    c, thm, mf = multiplier_text(aivss.cvss_base), multiplier_text(aivss.threat_multiplier), multiplier_text(aivss.mitigation_factor)
    fs, aars, raw = display_number(steps.factor_sum), display_number(steps.aars, 3), display_number(steps.raw, 3)
    score = f"{aivss.score:.1f}"
    if aivss.formula is Formula.V0_5:
        return f"AARS = Factor_Sum = {fs}; AIVSS = (({c} + {fs}) / 2) × {thm} = {raw} → {score}"
    return f"AARS = (10 − {c}) × ({fs} / 10) × {thm} = {aars}; AIVSS = ({c} + {aars}) × {mf} = {raw} → {score} (rounding: {aivss.rounding.value})"


def steps_of(result: AivssComputation) -> AivssSteps:
    return AivssSteps(factor_sum=result.factor_sum, aars=result.aars, raw=result.raw)
