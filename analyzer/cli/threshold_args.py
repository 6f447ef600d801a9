"""The CI-gate flags shared by `analyze`, `score` and `batch`: --fail-on, --max-score, --fail-on-range."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable

from analyzer.models import Analysis
from analyzer.threshold import EXIT_THRESHOLD, FAIL_ON_CHOICES, Breach, Threshold, check, parse_fail_on, parse_max_score


def add_threshold_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "CI gate",
        f"Exit {EXIT_THRESHOLD} (after writing the report) when the AIVSS score reaches a threshold.\n"
        "A failed extraction has no score: it exits 4 (batch: 5), never 7.",
    )
    group.add_argument("--fail-on", metavar="{" + ",".join(FAIL_ON_CHOICES) + "}", help=f"exit {EXIT_THRESHOLD} when the AIVSS band is this one or higher")
    group.add_argument("--max-score", metavar="X", help=f"exit {EXIT_THRESHOLD} when the AIVSS score is above X (0.0–10.0)")
    group.add_argument("--fail-on-range", action="store_true", help="compare the top of the score's range (unstated facts taken as the worse case, judged factors one 0.1 step up) instead of the point score")


def threshold_from_args(args: argparse.Namespace) -> Threshold:
    fail_on = getattr(args, "fail_on", None)
    max_score = getattr(args, "max_score", None)
    return Threshold(
        fail_on=parse_fail_on(fail_on) if fail_on is not None else None,
        max_score=parse_max_score(max_score) if max_score is not None else None,
        use_range=bool(getattr(args, "fail_on_range", False)),
    )


def report_breaches(breaches: Iterable[Breach]) -> int:
    """Print one line per breach; the exit code the gate asks for (0 when nothing breached)."""
    found = list(breaches)
    for breach in found:
        print(f"analyzer: threshold: {breach.message()}", file=sys.stderr)
    return EXIT_THRESHOLD if found else 0


def gate(analyses: Iterable[Analysis], threshold: Threshold) -> int:
    return report_breaches(b for b in (check(a, threshold) for a in analyses) if b is not None)
