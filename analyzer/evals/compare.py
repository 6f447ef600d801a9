"""Differences between two eval runs: per metric, and per sample (which factor values moved)."""

from __future__ import annotations

from dataclasses import dataclass, field

from analyzer.evals.records import RunLog, SampleRecord
from analyzer.models import EPSILON, FACTOR_ORDER, FactorKey

# Direction of "better" for each compared metric; None = informational only.
COMPARED: dict[str, str | None] = {
    "mae": "lower",
    "within_0_1": "higher",
    "within_0_2": "higher",
    "factor_sum_mae": "lower",
    "aivss_mae": "lower",
    "band_agreement": "higher",
    "layer_accuracy": "higher",
    "kind_accuracy": "higher",
    "grounding_rate": "higher",
    "schema_valid_rate": "higher",
    "failure_rate": "lower",
    "injection_detection": "higher",
    "injection_false_positive_rate": "lower",
    "exposure_accuracy": "higher",
    "exposure_yes_precision": "higher",
    "exposure_yes_recall": "higher",
    "mitigation_precision": "higher",
    "mitigation_recall": "higher",
    "cvss_base_mae": "lower",
    "derived_band_agreement": "higher",
    "range_coverage": "higher",
    "range_coverage_facts": "higher",
    "input_tokens": None,
    "output_tokens": None,
    "cost_usd": None,
    "latency_p50": None,
    "latency_p95": None,
}


@dataclass(frozen=True)
class MetricDiff:
    metric: str
    a: float | None
    b: float | None
    delta: float | None  # b − a
    verdict: str  # 'better' | 'worse' | 'same' | 'n/a'


@dataclass(frozen=True)
class FactorChange:
    key: FactorKey
    gold: float
    a: float | None
    b: float | None


@dataclass(frozen=True)
class SampleDiff:
    slug: str
    status_a: str | None  # None: the sample is not in run A
    status_b: str | None
    mae_a: float | None
    mae_b: float | None
    kind_a: str | None
    kind_b: str | None
    band_a: str | None
    band_b: str | None
    factor_changes: list[FactorChange] = field(default_factory=list)
    layer_changes: list[str] = field(default_factory=list)

    @property
    def mae_delta(self) -> float | None:
        return None if self.mae_a is None or self.mae_b is None else self.mae_b - self.mae_a


@dataclass
class Comparison:
    a_label: str
    b_label: str
    metrics: list[MetricDiff]
    samples: list[SampleDiff]  # only samples where something changed, biggest MAE change first
    unchanged: int
    notes: list[str]


def _verdict(direction: str | None, delta: float | None) -> str:
    if delta is None:
        return "n/a"
    if abs(delta) <= EPSILON:
        return "same"
    if direction is None:
        return "changed"
    return "better" if (delta < 0) == (direction == "lower") else "worse"


def _label(log: RunLog) -> str:
    parts = [log.meta.provider, log.meta.model or "", log.meta.prompt_version or ""]
    return " ".join(p for p in parts if p) + f" @ {log.meta.started_at:%Y-%m-%d %H:%M}"


def _sample_diff(slug: str, a: SampleRecord | None, b: SampleRecord | None) -> SampleDiff:
    changes: list[FactorChange] = []
    layers: list[str] = []
    if a is not None and b is not None:
        pa, pb = a.pred_factors or {}, b.pred_factors or {}
        for key in FACTOR_ORDER:
            if pa.get(key) != pb.get(key):
                changes.append(FactorChange(key=key, gold=b.gold_factors[key], a=pa.get(key), b=pb.get(key)))
        la, lb = a.pred_layers or {}, b.pred_layers or {}
        layers = [f"{lid.value}: {la.get(lid, '-')} → {lb.get(lid, '-')}" for lid in sorted(set(la) | set(lb)) if la.get(lid) != lb.get(lid)]
    return SampleDiff(
        slug=slug,
        status_a=a.status if a else None,
        status_b=b.status if b else None,
        mae_a=a.mae if a else None,
        mae_b=b.mae if b else None,
        kind_a=a.kind_pred.value if a and a.kind_pred else None,
        kind_b=b.kind_pred.value if b and b.kind_pred else None,
        band_a=a.band_pred.value if a and a.band_pred else None,
        band_b=b.band_pred.value if b and b.band_pred else None,
        factor_changes=changes,
        layer_changes=layers,
    )


def _changed(d: SampleDiff) -> bool:
    return bool(
        d.factor_changes or d.layer_changes or d.status_a != d.status_b or d.kind_a != d.kind_b or d.band_a != d.band_b
    )


def compare_runs(a: RunLog, b: RunLog) -> Comparison:
    """Run A is the reference (e.g. the baseline), run B the candidate; deltas are B − A."""
    metrics = []
    for name, direction in COMPARED.items():
        va, vb = getattr(a.metrics, name), getattr(b.metrics, name)
        delta = None if va is None or vb is None else round(float(vb) - float(va), 6)
        metrics.append(MetricDiff(metric=name, a=va, b=vb, delta=delta, verdict=_verdict(direction, delta)))
    a_by, b_by = {r.slug: r for r in a.samples}, {r.slug: r for r in b.samples}
    slugs = list(dict.fromkeys([*a_by, *b_by]))
    diffs = [_sample_diff(s, a_by.get(s), b_by.get(s)) for s in slugs]
    changed = [d for d in diffs if _changed(d)]
    changed.sort(key=lambda d: -abs(d.mae_delta) if d.mae_delta is not None else -99.0)
    notes = []
    if a.meta.dataset_sha256 != b.meta.dataset_sha256:
        notes.append("the runs used different dataset files")
    only_a, only_b = sorted(set(a_by) - set(b_by)), sorted(set(b_by) - set(a_by))
    if only_a:
        notes.append(f"only in A: {', '.join(only_a)}")
    if only_b:
        notes.append(f"only in B: {', '.join(only_b)}")
    return Comparison(_label(a), _label(b), metrics, changed, unchanged=len(diffs) - len(changed), notes=notes)


def comparison_dict(c: Comparison) -> dict[str, object]:
    """A JSON-ready view of a comparison (for `eval compare --json`)."""
    return {
        "a": c.a_label,
        "b": c.b_label,
        "metrics": [m.__dict__ for m in c.metrics],
        "samples": [
            {
                "slug": d.slug,
                "status": [d.status_a, d.status_b],
                "mae": [d.mae_a, d.mae_b],
                "kind": [d.kind_a, d.kind_b],
                "band": [d.band_a, d.band_b],
                "factors": [{"key": f.key.value, "gold": f.gold, "a": f.a, "b": f.b} for f in d.factor_changes],
                "layers": d.layer_changes,
            }
            for d in c.samples
        ],
        "unchanged_samples": c.unchanged,
        "notes": c.notes,
    }
