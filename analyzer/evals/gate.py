"""The regression gate: is a run worse than its baseline beyond the allowed amount, and beyond noise?

Thresholds live in a TOML file (evals/gate.toml). Each gated metric names its better direction, the
worsening it tolerates, and its noise rule:
- noise = "ci": fail only when the worsening exceeds `max_worsening` AND the paired bootstrap interval
  of the change (both runs resampled over the same samples) lies wholly on the worse side, so a change
  that one or two samples could produce by chance is reported, not called a regression;
- noise = "none": fail as soon as the worsening exceeds `max_worsening` (rates that should never move).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from analyzer.errors import ConfigError
from analyzer.evals.metrics import DEFAULT_ITERATIONS, DEFAULT_LEVEL, DEFAULT_SEED, HEADLINE, metric_value, paired_delta_interval, sample_stats
from analyzer.evals.records import Interval, Metrics, RunLog
from analyzer.models import EPSILON

Direction = Literal["lower", "higher"]
Noise = Literal["ci", "none"]
_GATEABLE = (set(HEADLINE) | {n for n, f in Metrics.model_fields.items() if f.annotation in (float, float | None)}) - {"ci_level"}


@dataclass(frozen=True)
class MetricRule:
    name: str
    direction: Direction
    max_worsening: float
    noise: Noise = "ci"


@dataclass(frozen=True)
class GateConfig:
    rules: list[MetricRule]
    iterations: int = DEFAULT_ITERATIONS
    seed: int = DEFAULT_SEED
    level: float = DEFAULT_LEVEL
    source: str = "<defaults>"


@dataclass(frozen=True)
class GateRow:
    metric: str
    direction: Direction
    baseline: float | None
    candidate: float | None
    worsening: float | None  # > 0 means worse, in the metric's own units
    allowed: float
    interval: Interval | None  # interval of the worsening (same sign convention)
    status: Literal["pass", "fail", "skip"]
    reason: str


@dataclass
class GateResult:
    rows: list[GateRow]
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(r.status != "fail" for r in self.rows)

    @property
    def failures(self) -> list[GateRow]:
        return [r for r in self.rows if r.status == "fail"]


def load_gate_config(path: str | Path) -> GateConfig:
    """Read the gate thresholds, with errors that name the file and the key."""
    p = Path(path)
    hint = "see evals/gate.toml in the repository for the format"
    if not p.is_file():
        raise ConfigError(f"{p}: no such gate config", hint="pass --gate FILE, or run from a checkout that has evals/gate.toml")
    try:
        data = tomllib.loads(p.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: not valid TOML ({exc})", hint=hint) from None
    settings = data.get("bootstrap", {})
    metrics = data.get("metrics")
    if not isinstance(metrics, dict) or not metrics:
        raise ConfigError(f"{p}: no [metrics.NAME] tables", hint=hint)
    rules = []
    for name, spec in metrics.items():
        where = f"{p}: [metrics.{name}]"
        if name not in _GATEABLE:
            raise ConfigError(f"{where}: unknown metric", hint=f"gateable metrics: {', '.join(sorted(_GATEABLE))}")
        if not isinstance(spec, dict):
            raise ConfigError(f"{where}: must be a table", hint=hint)
        direction = spec.get("direction")
        if direction not in ("lower", "higher"):
            raise ConfigError(f"{where}: direction must be 'lower' or 'higher' (which is better)", hint=hint)
        worsening = spec.get("max_worsening")
        if isinstance(worsening, bool) or not isinstance(worsening, int | float) or worsening < 0 or not math.isfinite(worsening):
            raise ConfigError(f"{where}: max_worsening must be a number ≥ 0", hint=hint)
        noise = spec.get("noise", "ci")
        if noise not in ("ci", "none"):
            raise ConfigError(f"{where}: noise must be 'ci' or 'none'", hint=hint)
        if noise == "ci" and name not in HEADLINE:
            raise ConfigError(f"{where}: noise = 'ci' needs a bootstrapped metric ({', '.join(HEADLINE)})", hint="use noise = 'none'")
        rules.append(MetricRule(name=name, direction=direction, max_worsening=float(worsening), noise=noise))
    try:
        return GateConfig(
            rules=rules,
            iterations=int(settings.get("iterations", DEFAULT_ITERATIONS)),
            seed=int(settings.get("seed", DEFAULT_SEED)),
            level=float(settings.get("level", DEFAULT_LEVEL)),
            source=str(p),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{p}: [bootstrap] values must be numbers ({exc})", hint=hint) from None


def _worse(direction: Direction, baseline: float, candidate: float) -> float:
    return candidate - baseline if direction == "lower" else baseline - candidate


def check(baseline: RunLog, candidate: RunLog, config: GateConfig) -> GateResult:
    """Apply every rule of the config to a candidate run against its baseline."""
    notes: list[str] = []
    if baseline.meta.dataset_sha256 != candidate.meta.dataset_sha256:
        notes.append("the two runs used different dataset files; paired over the samples they share")
    base_by_slug = {r.slug: r for r in baseline.samples}
    pairs = [(sample_stats(base_by_slug[r.slug]), sample_stats(r)) for r in candidate.samples if r.slug in base_by_slug]
    if not pairs:
        notes.append("no shared samples: noise margins come from each run's own intervals")
    rows = [_check_rule(rule, baseline, candidate, pairs, config) for rule in config.rules]
    return GateResult(rows=rows, notes=notes)


def _check_rule(rule: MetricRule, baseline: RunLog, candidate: RunLog, pairs: list, config: GateConfig) -> GateRow:
    base = metric_value(baseline.metrics, rule.name)
    cand = metric_value(candidate.metrics, rule.name)
    common = {"metric": rule.name, "direction": rule.direction, "baseline": base, "candidate": cand, "allowed": rule.max_worsening}
    if base is None and cand is None:
        return GateRow(**common, worsening=None, interval=None, status="skip", reason="not measured in either run")
    if base is None:
        return GateRow(**common, worsening=None, interval=None, status="skip", reason="not measured in the baseline")
    if cand is None:
        return GateRow(**common, worsening=None, interval=None, status="fail", reason="measured in the baseline but not in this run")
    worsening = _worse(rule.direction, base, cand)
    if worsening <= rule.max_worsening + EPSILON:
        reason = "better" if worsening < -EPSILON else "unchanged" if abs(worsening) <= EPSILON else "worse, within the allowed amount"
        return GateRow(**common, worsening=worsening, interval=None, status="pass", reason=reason)
    if rule.noise == "none":
        return GateRow(**common, worsening=worsening, interval=None, status="fail", reason=f"worse by {worsening:.4f} > {rule.max_worsening}")
    interval = _worsening_interval(rule, baseline, candidate, pairs, config)
    if interval is None:
        return GateRow(**common, worsening=worsening, interval=None, status="fail", reason=f"worse by {worsening:.4f} > {rule.max_worsening} (no interval)")
    if interval.low > EPSILON:
        return GateRow(**common, worsening=worsening, interval=interval, status="fail", reason=f"worse by {worsening:.4f} > {rule.max_worsening}, beyond noise")
    return GateRow(**common, worsening=worsening, interval=interval, status="pass", reason="worse, but within bootstrap noise")


def _worsening_interval(rule: MetricRule, baseline: RunLog, candidate: RunLog, pairs: list, config: GateConfig) -> Interval | None:
    if pairs:
        delta = paired_delta_interval(pairs, rule.name, iterations=config.iterations, seed=config.seed, level=config.level)
        if delta is None:
            return None
        if rule.direction == "lower":
            return delta
        return Interval(low=-delta.high, high=-delta.low)
    # Unpaired: centre on the observed worsening, half-width from both runs' own intervals.
    a, b = baseline.metrics.ci.get(rule.name), candidate.metrics.ci.get(rule.name)
    if a is None or b is None:
        return None
    worsening = _worse(rule.direction, metric_value(baseline.metrics, rule.name) or 0.0, metric_value(candidate.metrics, rule.name) or 0.0)
    half = math.hypot(a.half_width, b.half_width)
    return Interval(low=worsening - half, high=worsening + half)
