"""Eval metrics over sample records, with seeded bootstrap confidence intervals.

Error metrics (MAE, within ±k, factor-sum error, band, layer and kind agreement) are computed over the
samples whose extraction succeeded; failures are reported as their own rate, so a provider cannot look
better by failing on the hard samples without the failure rate showing it (and the gate checks both).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from analyzer.evals.exposure import exposure_metrics
from analyzer.evals.records import FactorMetrics, Interval, KindMetrics, Metrics, SampleRecord
from analyzer.models import EPSILON, FACTOR_ORDER, Kind, LayerId

HEADLINE = ("mae", "within_0_1", "within_0_2", "factor_sum_mae", "band_agreement", "layer_accuracy", "kind_accuracy", "failure_rate")
DEFAULT_ITERATIONS = 1000
DEFAULT_SEED = 20240601
DEFAULT_LEVEL = 0.95


# --------------------------------------------------------------------------- small statistics


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0–100), like numpy's default."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks; ties get the mean of the ranks they span."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        avg = (i + j) / 2 + 1
        for k in range(i, j + 1):
            out[order[k]] = avg
        i = j + 1
    return out


def pearson(x: Sequence[float], y: Sequence[float]) -> float | None:
    n = len(x)
    if n != len(y) or n < 2:
        return None
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    if sxx <= EPSILON or syy <= EPSILON:
        return None  # a constant series has no rank order to agree with
    return sxy / math.sqrt(sxx * syy)


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman's rho: Pearson correlation of the (tie-averaged) ranks. None when undefined."""
    if len(x) != len(y) or len(x) < 3:
        return None
    return pearson(ranks(x), ranks(y))


# --------------------------------------------------------------------------- per-sample aggregates


@dataclass(frozen=True)
class SampleStats:
    """What one sample contributes to the headline metrics: sums, so resampling is cheap."""

    ok: bool
    abs_err_sum: float = 0.0
    pairs: int = 0
    within1: int = 0
    within2: int = 0
    factor_sum_abs: float | None = None
    band_match: bool | None = None
    layer_match: int = 0
    layer_n: int = 0
    kind_match: bool | None = None


def sample_stats(record: SampleRecord) -> SampleStats:
    if not record.ok:
        return SampleStats(ok=False)
    errors = [abs(e) for e in record.factor_errors.values()]
    fse = record.factor_sum_error()
    band = None if record.band_gold is None or record.band_pred is None else record.band_gold == record.band_pred
    layer_n = len(record.gold_layers) if record.pred_layers is not None else 0
    return SampleStats(
        ok=True,
        abs_err_sum=sum(errors),
        pairs=len(errors),
        within1=sum(e <= 0.1 + EPSILON for e in errors),
        within2=sum(e <= 0.2 + EPSILON for e in errors),
        factor_sum_abs=None if fse is None else abs(fse),
        band_match=band,
        layer_match=layer_n - len(record.layer_errors) if layer_n else 0,
        layer_n=layer_n,
        kind_match=None if record.kind_pred is None else record.kind_pred == record.kind_gold,
    )


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _share(flags: list[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def headline(stats: Sequence[SampleStats]) -> dict[str, float | None]:
    ok = [s for s in stats if s.ok]
    pairs = sum(s.pairs for s in ok)
    return {
        "mae": _ratio(sum(s.abs_err_sum for s in ok), pairs),
        "within_0_1": _ratio(sum(s.within1 for s in ok), pairs),
        "within_0_2": _ratio(sum(s.within2 for s in ok), pairs),
        "factor_sum_mae": mean([s.factor_sum_abs for s in ok if s.factor_sum_abs is not None]),
        "band_agreement": _share([s.band_match for s in ok if s.band_match is not None]),
        "layer_accuracy": _ratio(sum(s.layer_match for s in ok), sum(s.layer_n for s in ok)),
        "kind_accuracy": _share([s.kind_match for s in ok if s.kind_match is not None]),
        "failure_rate": _share([not s.ok for s in stats]),
    }


# --------------------------------------------------------------------------- bootstrap


def _interval(values: list[float], level: float) -> Interval | None:
    if not values:
        return None
    tail = (1 - level) / 2 * 100
    low, high = percentile(values, tail), percentile(values, 100 - tail)
    assert low is not None and high is not None
    return Interval(low=round(low, 6), high=round(high, 6))


def bootstrap(
    stats: Sequence[SampleStats],
    *,
    iterations: int = DEFAULT_ITERATIONS,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
) -> dict[str, Interval]:
    """Percentile bootstrap over samples (a sample's ten factors move together, so resample samples)."""
    if not stats or iterations <= 0:
        return {}
    rng = random.Random(seed)
    n = len(stats)
    draws: dict[str, list[float]] = {name: [] for name in HEADLINE}
    for _ in range(iterations):
        resample = [stats[rng.randrange(n)] for _ in range(n)]
        for name, value in headline(resample).items():
            if value is not None:
                draws[name].append(value)
    out: dict[str, Interval] = {}
    for name, values in draws.items():
        # A metric that is undefined in most resamples (e.g. one sample carries it) gets no interval.
        interval = _interval(values, level) if len(values) >= iterations / 2 else None
        if interval is not None:
            out[name] = interval
    return out


def paired_delta_interval(
    pairs: Sequence[tuple[SampleStats, SampleStats]],
    metric: str,
    *,
    iterations: int = DEFAULT_ITERATIONS,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
) -> Interval | None:
    """Bootstrap interval of (candidate − baseline) for one metric, resampling the shared samples jointly."""
    if not pairs or iterations <= 0:
        return None
    rng = random.Random(seed)
    n = len(pairs)
    deltas: list[float] = []
    for _ in range(iterations):
        picked = [pairs[rng.randrange(n)] for _ in range(n)]
        base = headline([p[0] for p in picked])[metric]
        cand = headline([p[1] for p in picked])[metric]
        if base is not None and cand is not None:
            deltas.append(cand - base)
    return _interval(deltas, level) if len(deltas) >= iterations / 2 else None


# --------------------------------------------------------------------------- the full metric set


def _factor_metrics(ok: list[SampleRecord]) -> list[FactorMetrics]:
    rows = []
    for key in FACTOR_ORDER:
        errs = [r.factor_errors[key] for r in ok if key in r.factor_errors]
        # Values from the record itself (not gold + error), so float noise never breaks a tie.
        gold = [r.gold_factors[key] for r in ok if key in r.factor_errors]
        pred = [float((r.pred_factors or {}).get(key) or 0.0) for r in ok if key in r.factor_errors]
        abs_errs = [abs(e) for e in errs]
        rows.append(
            FactorMetrics(
                key=key,
                n=len(errs),
                mae=_round(mean(abs_errs)),
                bias=_round(mean(errs)),
                within_0_1=_round(_share([e <= 0.1 + EPSILON for e in abs_errs])),
                within_0_2=_round(_share([e <= 0.2 + EPSILON for e in abs_errs])),
                spearman=_round(spearman(gold, pred)),
            )
        )
    return rows


def _kind_metrics(records: list[SampleRecord]) -> list[KindMetrics]:
    rows = []
    for kind in Kind:
        of_kind = [r for r in records if r.kind_gold is kind]
        if not of_kind:
            continue
        h = headline([sample_stats(r) for r in of_kind])
        rows.append(
            KindMetrics(
                kind=kind,
                samples=len(of_kind),
                scored=sum(r.ok for r in of_kind),
                mae=_round(h["mae"]),
                within_0_2=_round(h["within_0_2"]),
                kind_accuracy=_round(h["kind_accuracy"]),
            )
        )
    return rows


def _per_layer(ok: list[SampleRecord]) -> dict[LayerId, float]:
    out: dict[LayerId, float] = {}
    for layer in LayerId:
        flags = [r.pred_layers.get(layer) == r.gold_layers[layer] for r in ok if r.pred_layers is not None]
        if flags:
            out[layer] = round(sum(flags) / len(flags), 6)
    return out


def _sum_or_none(values: list[int | float | None]) -> int | float | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)


def compute_metrics(
    records: Sequence[SampleRecord],
    *,
    iterations: int = DEFAULT_ITERATIONS,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
) -> Metrics:
    records = list(records)
    ok = [r for r in records if r.ok]
    stats = [sample_stats(r) for r in records]
    h = headline(stats)
    fse = [e for e in (r.factor_sum_error() for r in ok) if e is not None]
    aivss_err = [abs(r.aivss_pred - r.aivss_gold) for r in ok if r.aivss_pred is not None and r.aivss_gold is not None]
    quotes_total = sum(r.quotes_total for r in ok)
    inj = [r for r in records if r.expects_injection]
    clean = [r for r in records if not r.expects_injection and r.ok]
    latencies = [r.latency_seconds for r in records if r.latency_seconds is not None]
    cost = _sum_or_none([r.cost_usd for r in records])
    pick: Callable[[str], float | None] = lambda name: _round(h[name])  # noqa: E731
    return Metrics(
        samples=len(records),
        scored=len(ok),
        failed=len(records) - len(ok),
        mae=pick("mae"),
        within_0_1=pick("within_0_1"),
        within_0_2=pick("within_0_2"),
        factor_sum_mae=pick("factor_sum_mae"),
        factor_sum_bias=_round(mean(fse)),
        aivss_mae=_round(mean(aivss_err)),
        band_agreement=pick("band_agreement"),
        layer_accuracy=pick("layer_accuracy"),
        kind_accuracy=pick("kind_accuracy"),
        grounding_rate=_round(_ratio(sum(r.quotes_verified for r in ok), quotes_total)),
        schema_valid_rate=round(sum(r.schema_valid for r in records) / len(records), 6) if records else 0.0,
        failure_rate=pick("failure_rate") or 0.0,
        injection_samples=len(inj),
        injection_detection=_round(_share([r.injection_detected for r in inj])),
        injection_false_positive_rate=_round(_share([r.injection_detected for r in clean])),
        input_tokens=_sum_or_none([r.input_tokens for r in records]),  # type: ignore[arg-type]
        output_tokens=_sum_or_none([r.output_tokens for r in records]),  # type: ignore[arg-type]
        cost_usd=None if cost is None else round(cost, 6),
        latency_p50=_round(percentile(latencies, 50), 4),
        latency_p95=_round(percentile(latencies, 95), 4),
        per_factor=_factor_metrics(ok),
        per_kind=_kind_metrics(records),
        per_layer=_per_layer(ok),
        **exposure_metrics(records),  # type: ignore[arg-type]
        ci=bootstrap(stats, iterations=iterations, seed=seed, level=level),
        ci_level=level,
        bootstrap_iterations=iterations,
        bootstrap_seed=seed,
    )


def metric_value(metrics: Metrics, name: str) -> float | None:
    value = getattr(metrics, name)
    return None if value is None else float(value)
