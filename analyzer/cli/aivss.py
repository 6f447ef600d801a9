"""`analyzer aivss`: the AIVSS calculator — score given inputs directly, no listing involved."""

from __future__ import annotations

import argparse
import json

from analyzer.cli.scoring_args import add_scoring_arguments, scoring_options_from_args
from analyzer.errors import ScoringError
from analyzer.models import FACTOR_NAMES, FACTOR_ORDER, ScoringOptions
from analyzer.score import FORMULA_LINES, AivssComputation, compute_aivss, display_number, score_cvss_vector

DESCRIPTION = """\
Compute an OWASP AIVSS score from its inputs: a CVSS v4.0 base (score or vector), the ten agentic risk
factor values, the threat multiplier and the mitigation factor. Useful to check a published score or to
explore what-ifs without analysing a listing."""

EXAMPLES = """\
examples:
  analyzer aivss --cvss-base 8.5 --factors 0.2,0.1,0.1,0.3,0.2,0.4,0.1,0.5,0.3,0.2 --threat attacked --mitigation 0.7
  analyzer aivss --cvss-vector 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' \\
      --factors 0.8,0.7,0.3,0.9,0.4,0.8,0.3,0.2,0.7,0.6 --json"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "aivss",
        help="compute an AIVSS score from CVSS base, ten factors, threat and mitigation",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--factors",
        metavar="a,b,...,j",
        required=True,
        help="ten comma-separated factor values 0.0–1.0, in order: " + ", ".join(FACTOR_ORDER),
    )
    p.add_argument("--json", action="store_true", help="print a JSON object (aivss, band, aars, factor_sum, inputs)")
    add_scoring_arguments(p, require_cvss=True)
    p.set_defaults(func=run)


def parse_factors(text: str) -> list[float]:
    """Comma-separated numbers; how many and their range are checked by the scorer itself."""
    values = []
    for index, part in enumerate((p.strip() for p in str(text).split(",")), start=1):
        try:
            values.append(float(part))
        except ValueError:
            raise ScoringError(f"--factors: value {index} {part!r} is not a number", hint="one value 0.0–1.0 per factor, in order: " + ", ".join(FACTOR_ORDER)) from None
    return values


def run(args: argparse.Namespace) -> int:
    options = scoring_options_from_args(args)
    factors = parse_factors(args.factors)
    if options.cvss_vector is not None:
        vector, base = score_cvss_vector(options.cvss_vector)
    else:
        vector, base = None, float(options.cvss_base)  # type: ignore[arg-type]  # argparse requires one of the two
    thm = options.threat_multiplier if options.threat_multiplier is not None else 0.97
    mf = options.mitigation_factor if options.mitigation_factor is not None else 1.0
    result = compute_aivss(base, factors, thm, mf, formula=options.formula, rounding=options.rounding, scale=options.scale)
    inputs = {
        "cvss_base": base,
        "cvss_vector": vector,
        "factors": dict(zip((str(k) for k in FACTOR_ORDER), factors, strict=True)),
        "threat_multiplier": thm,
        "mitigation_factor": mf,
        "formula": options.formula.value,
        "rounding": options.rounding.value,
        "scale": options.scale.value,
    }
    if args.json:
        payload = {
            "aivss": result.score,
            "band": result.band.value,
            "aars": round(result.aars, 2),
            "factor_sum": round(result.factor_sum, 2),
            "inputs": inputs,
        }
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        print(_human(result, options, base, vector, factors, thm, mf))
    return 0


def _human(result: AivssComputation, options: ScoringOptions, base: float, vector: str | None, factors: list[float], thm: float, mf: float) -> str:
    mf_note = "  (not used by v0.5)" if options.formula.value == "v0.5" else ""
    lines = [
        f"AIVSS {result.score:.1f} · {result.band.value}",
        FORMULA_LINES[options.formula],
        f"  CVSS base     {base:g}" + (f"  ({vector})" if vector else ""),
        f"  Factor sum    {result.factor_sum:.1f}/10" + ("  (snapped to 0 / 0.5 / 1)" if options.scale.value == "spec" else ""),
        f"  Threat        ×{_multiplier(thm)}",
        f"  Mitigation    ×{_multiplier(mf)}{mf_note}",
        f"  AARS uplift   {display_number(result.aars)}",
        f"  Raw           {result.raw:.4f} → {result.score:.1f} ({options.rounding.value} rounding)",
        "  Factors:",
    ]
    lines += [f"    {FACTOR_NAMES[key]:<26} {value:.2f}" for key, value in zip(FACTOR_ORDER, factors, strict=True)]
    return "\n".join(lines)


def _multiplier(value: float) -> str:
    text = f"{value:g}"
    return text if "." in text else f"{text}.0"
