"""`analyzer score ANALYSIS.json`: re-score a saved or hand-edited analysis without extracting again."""

from __future__ import annotations

import argparse

from analyzer.cli.output import FORMATS, add_detail_argument, choose_format, emit
from analyzer.cli.scoring_args import add_scoring_arguments, scoring_options_from_args
from analyzer.cli.threshold_args import add_threshold_arguments, gate, threshold_from_args

DESCRIPTION = """\
Re-run the deterministic stages (AIVSS scoring and the MAESTRO threat model) on the JSON written by
`analyzer analyze --format json`, or on a bare profile JSON ({"system": ..., "factors": [...]}).
Edit factor values, exposure facts or mitigations in the JSON, then re-score: the analyst's
edit-and-rerun loop. Scoring flags override the derived CVSS base, threat and mitigation inputs."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("score", help="re-score a saved analysis JSON (edit-and-rerun)", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("profile", metavar="PROFILE.json", help="analysis JSON from `analyze --format json` ('-' for stdin)")
    p.add_argument("--format", choices=FORMATS, help="report format (default: from --out suffix, else md)")
    p.add_argument("--out", metavar="PATH", help="write the report here instead of stdout")
    add_detail_argument(p)
    add_scoring_arguments(p)
    add_threshold_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from analyzer.pipeline import load_analysis, rescore
    from analyzer.report import render

    threshold = threshold_from_args(args)
    analysis = rescore(load_analysis(args.profile), scoring_options_from_args(args))
    emit(render(analysis, choose_format(args.format, args.out), detail=args.detail), args.out)
    return 4 if analysis.failed else gate([analysis], threshold)
