"""`analyzer score ANALYSIS.json`: re-score a saved or hand-edited analysis without extracting again."""

from __future__ import annotations

import argparse

from analyzer.cli.output import FORMATS, add_detail_argument, choose_format, emit
from analyzer.cli.scoring_args import add_scoring_arguments, scoring_options_from_args
from analyzer.cli.threshold_args import add_threshold_arguments, gate, threshold_from_args
from analyzer.errors import ScoringError
from analyzer.models import EXPOSURE_FACTS, Kind, MitigationKind

DESCRIPTION = """\
Re-run the deterministic stages (AIVSS scoring and the MAESTRO threat model) on the JSON written by
`analyzer analyze --format json`, or on a bare profile JSON ({"system": ..., "factors": [...]}).
Edit factor values, exposure facts or mitigations in the JSON, then re-score: the analyst's
edit-and-rerun loop. Scoring flags override the derived CVSS base, threat and mitigation inputs.

State what the listing does not: --kind, --set FACTOR=VALUE, --fact FACT=yes|no|not_stated and
--stated-mitigations KIND,KIND (or none). CVSS, ThM, MF and the range are re-derived; every edited value
is marked "set by analyst" (with the value it replaces) in every format and kept in the JSON's `edits`,
so re-scoring the written JSON keeps them. --threat / --mitigation given here are recorded the same way.

examples:
  analyzer score a.json --fact network_service=no --fact human_approval_required=yes
  analyzer score a.json --kind coding-agent --set autonomy_of_action=0.9 --stated-mitigations sandbox,approval_gate"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("score", help="re-score a saved analysis JSON (edit-and-rerun)", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("profile", metavar="PROFILE.json", help="analysis JSON from `analyze --format json` ('-' for stdin)")
    p.add_argument("--format", choices=FORMATS, help="report format (default: from --out suffix, else md)")
    p.add_argument("--out", metavar="PATH", help="write the report here instead of stdout")
    add_detail_argument(p)
    edits = p.add_argument_group("analyst edits (recorded and marked 'set by analyst')")
    edits.add_argument("--kind", metavar="KIND", help="the kind of system: " + ", ".join(k.value for k in Kind))
    edits.add_argument("--set", dest="set_factors", action="append", default=[], metavar="FACTOR=VALUE", help="a factor value 0.0–1.0, e.g. autonomy_of_action=0.8 (repeatable)")
    edits.add_argument("--fact", dest="facts", action="append", default=[], metavar="FACT=VALUE", help="an exposure fact: yes, no or not_stated, e.g. network_service=no (repeatable); facts: " + ", ".join(EXPOSURE_FACTS))
    edits.add_argument("--stated-mitigations", metavar="KIND,KIND", help="the system's mitigations, replacing the extracted ones: " + ", ".join(m.value for m in MitigationKind) + ", or none")
    edits.add_argument("--note", metavar="TEXT", help="why: stored with each edit of this run")
    add_scoring_arguments(p)
    add_threshold_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from analyzer.pipeline import load_analysis, rescore
    from analyzer.report import render

    threshold = threshold_from_args(args)
    options = scoring_options_from_args(args)
    edits = {
        "kind": args.kind,
        "set_factors": _pairs(args.set_factors, "--set", "FACTOR=VALUE, e.g. autonomy_of_action=0.8"),
        "facts": _pairs(args.facts, "--fact", "FACT=yes|no|not_stated, e.g. network_service=no"),
        "stated_mitigations": args.stated_mitigations,
    }
    # --threat / --mitigation are analyst edits here: recorded, and kept when the JSON is re-scored
    threat, mitigation = options.threat_multiplier, options.mitigation_factor
    options = options.model_copy(update={"threat_multiplier": None, "mitigation_factor": None})
    analysis = rescore(load_analysis(args.profile), **edits, threat=threat, mitigation=mitigation, options=options, note=args.note)
    emit(render(analysis, choose_format(args.format, args.out), detail=args.detail), args.out)
    return 4 if analysis.failed else gate([analysis], threshold)


def _pairs(items: list[str], flag: str, form: str) -> dict[str, str] | None:
    """'KEY=VALUE' flags as a dict (a later repeat of a key wins); ScoringError (exit 2) on a bad one."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ScoringError(f"{flag} {item!r} is not of the form {form}")
        out[key.strip()] = value.strip()
    return out or None
