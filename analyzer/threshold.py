"""The CI gate: does an analysis reach a failure threshold (`--fail-on BAND`, `--max-score X`)?

A threshold is checked against the point score, or with `use_range` against the top of the score's
range (what the score could be if every unstated fact were the worse case and every judged factor one
step higher). A failed extraction has no
score and never trips the gate: it is reported as a failure of its own (exit 4 / 5).
"""

from __future__ import annotations

from typing import NamedTuple

from analyzer.errors import InputError
from analyzer.formula import parse_score_flag
from analyzer.models import EPSILON, Analysis, Band

EXIT_THRESHOLD = 7
# Lowest to highest; a band "reaches" every band at or below it.
BAND_ORDER: tuple[Band, ...] = (Band.NONE, Band.LOW, Band.MEDIUM, Band.HIGH, Band.CRITICAL)
FAIL_ON_CHOICES: tuple[str, ...] = ("low", "medium", "high", "critical")


class Threshold(NamedTuple):
    """`fail_on`: fail when the band is this one or higher. `max_score`: fail when the score is above it."""

    fail_on: Band | None = None
    max_score: float | None = None
    use_range: bool = False

    @property
    def active(self) -> bool:
        return self.fail_on is not None or self.max_score is not None

    def describe(self) -> str:
        parts = []
        if self.fail_on is not None:
            parts.append(f"--fail-on {self.fail_on.value.lower()}")
        if self.max_score is not None:
            parts.append(f"--max-score {self.max_score:g}")
        return " / ".join(parts) + (" (range top)" if self.use_range else "")


class Breach(NamedTuple):
    """Why an analysis fails the gate, as one line for the CI log."""

    source: str
    score: float
    band: Band
    reason: str

    def message(self) -> str:
        return f"{self.source}: {self.reason}"


def parse_fail_on(text: str) -> Band:
    value = str(text).strip().lower()
    if value in FAIL_ON_CHOICES:
        return Band(value.capitalize())
    raise InputError(f"--fail-on {text!r} is not one of: {', '.join(FAIL_ON_CHOICES)}", hint="e.g. --fail-on high")


def parse_max_score(text: str) -> float:
    return parse_score_flag(text, "--max-score", "give an AIVSS score 0.0–10.0, e.g. --max-score 6.9", InputError)


def gated_score(analysis: Analysis, *, use_range: bool) -> tuple[float, Band, str] | None:
    """(score, band, label) the gate compares; None when there is no score (failed extraction)."""
    from analyzer.score import band_for

    aivss = analysis.aivss
    if analysis.failed or aivss.score is None:
        return None
    if use_range:
        span = aivss.range
        if span is not None and span.high is not None:
            return span.high, band_for(span.high), "range top"
    return aivss.score, aivss.band, "score"


def check(analysis: Analysis, threshold: Threshold) -> Breach | None:
    """The breach, if the analysis reaches the threshold; None when it passes or has no score."""
    if not threshold.active:
        return None
    gated = gated_score(analysis, use_range=threshold.use_range)
    if gated is None:
        return None
    return check_score(analysis.listing.source, *gated, threshold)


def check_score(source: str, score: float, band: Band, label: str, threshold: Threshold) -> Breach | None:
    """`check` on bare numbers (the batch index keeps scores, not whole analyses)."""
    if threshold.fail_on is not None and band in BAND_ORDER and BAND_ORDER.index(band) >= BAND_ORDER.index(threshold.fail_on):
        return Breach(source, score, band, f"AIVSS {label} {score:.1f} ({band.value}) reaches --fail-on {threshold.fail_on.value.lower()}")
    if threshold.max_score is not None and score > threshold.max_score + EPSILON:
        return Breach(source, score, band, f"AIVSS {label} {score:.1f} ({band.value}) is above --max-score {threshold.max_score:g}")
    return None


__all__ = ["BAND_ORDER", "EXIT_THRESHOLD", "FAIL_ON_CHOICES", "Breach", "Threshold", "check", "check_score", "gated_score", "parse_fail_on", "parse_max_score"]
