"""The AIVSS scoring flags shared by `analyze`, `score` and `aivss`.

Values are taken as strings and validated here (not by argparse `type=`), so that a bad value is one
`analyzer: error: ...` line with exit code 2 rather than a usage dump.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

from analyzer.errors import ScoringError
from analyzer.formula import parse_score_flag
from analyzer.models import Formula, Rounding, Scale, ScoringOptions
from analyzer.score import parse_mitigation, parse_threat, score_cvss_vector

T = TypeVar("T")

_FORMULAS = ", ".join(f.value for f in Formula)
_ROUNDINGS = ", ".join(r.value for r in Rounding)
_SCALES = ", ".join(s.value for s in Scale)


def add_scoring_arguments(parser: argparse.ArgumentParser, *, require_cvss: bool = False) -> None:
    """Add the scoring flags. With require_cvss, one of --cvss-vector / --cvss-base must be given."""
    about = (
        "Without --threat / --mitigation the spec defaults apply (ThM 0.97, MF 1.0)."
        if require_cvss
        else "By default the CVSS base is derived from the listing's exposure facts,\n"
        "ThM is the spec default 0.97 and MF is derived from the stated mitigations;\n"
        "each flag overrides one input and the report marks it as overridden."
    )
    group = parser.add_argument_group("AIVSS scoring", about)
    cvss = group.add_mutually_exclusive_group(required=require_cvss)
    cvss.add_argument(
        "--cvss-vector",
        metavar="V",
        help="CVSS v4.0 base vector to score with the cvss library, e.g. "
        "'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'",
    )
    cvss.add_argument("--cvss-base", metavar="X", help="CVSS v4.0 base score 0.0–10.0, instead of a vector")
    group.add_argument(
        "--threat",
        metavar="T",
        help="threat multiplier (exploit maturity): attacked (1.0), poc / proof-of-concept (0.97, the default), "
        "unreported (0.5; 0.91 under v0.5) or a number in (0, 1.5]",
    )
    group.add_argument(
        "--mitigation",
        metavar="M",
        help="mitigation factor: none (1.0), partial (0.83), strong (0.67) or a number in (0, 1.5]",
    )
    group.add_argument("--formula", metavar="{v0.8,v0.5}", default=Formula.V0_8.value, help="AIVSS formula version (default: v0.8; v0.5 is the legacy formula)")
    group.add_argument(
        "--rounding",
        metavar="{python,half-up}",
        default=Rounding.PYTHON.value,
        help="python: round(x, 1) on the float, like the reference site (default); half-up: the spec text (9.25 → 9.3)",
    )
    group.add_argument(
        "--scale",
        metavar="{fine,spec}",
        default=Scale.FINE.value,
        help="fine: factors in 0.1 steps (default); spec: factors snapped to 0 / 0.5 / 1 before summing",
    )


def _choice(enum_type: type, value: str, flag: str, choices: str) -> object:
    try:
        return enum_type(str(value).strip().lower())
    except ValueError:
        raise ScoringError(f"{flag} {value!r} is not one of: {choices}") from None


def parse_cvss_base(text: str) -> float:
    return parse_score_flag(text, "--cvss-base", "give a CVSS v4.0 base score such as 7.5")


def scoring_options_from_args(args: argparse.Namespace) -> ScoringOptions:
    """Validated ScoringOptions from the flags; ScoringError (exit 2) names the bad flag."""
    formula = _choice(Formula, getattr(args, "formula", None) or Formula.V0_8.value, "--formula", _FORMULAS)
    rounding = _choice(Rounding, getattr(args, "rounding", None) or Rounding.PYTHON.value, "--rounding", _ROUNDINGS)
    scale = _choice(Scale, getattr(args, "scale", None) or Scale.FINE.value, "--scale", _SCALES)
    vector = getattr(args, "cvss_vector", None)
    base = getattr(args, "cvss_base", None)
    threat = getattr(args, "threat", None)
    mitigation = getattr(args, "mitigation", None)
    if vector is not None:
        vector = _flag(lambda v: score_cvss_vector(v)[0], vector, "--cvss-vector")  # fail early, naming the vector
    return ScoringOptions(
        formula=formula,
        rounding=rounding,
        scale=scale,
        cvss_vector=vector,
        cvss_base=parse_cvss_base(base) if base is not None else None,
        threat_multiplier=_flag(parse_threat, threat, "--threat", formula) if threat is not None else None,
        mitigation_factor=_flag(parse_mitigation, mitigation, "--mitigation") if mitigation is not None else None,
    )


def _flag(parse: Callable[..., T], value: str, flag: str, *extra: object) -> T:
    """Run a score.py parser and prefix its message with the flag name."""
    try:
        return parse(value, *extra)
    except ScoringError as exc:
        raise ScoringError(f"{flag}: {exc.message}", hint=exc.hint) from None
