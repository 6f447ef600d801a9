"""Builders for eval tests: hand-made SampleRecords and RunLogs with known errors."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from analyzer.evals.dataset import Sample
from analyzer.evals.metrics import compute_metrics
from analyzer.evals.records import RunLog, RunMeta, SampleRecord
from analyzer.evals.runner import BandReference, aivss_of
from analyzer.models import FACTOR_ORDER, FactorKey, Kind, LayerId, LayerStatus

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
ALL_NC = "......."


def layers(pattern: str) -> dict[LayerId, LayerStatus]:
    """'MM..M..' → L1/L2/L5 mapped, the rest not certain."""
    return {lid: LayerStatus.MAPPED if c == "M" else LayerStatus.NOT_CERTAIN for lid, c in zip(LayerId, pattern, strict=True)}


def values(vals: Sequence[float]) -> dict[FactorKey, float]:
    return dict(zip(FACTOR_ORDER, [float(v) for v in vals], strict=True))


def make_record(
    slug: str,
    gold: Sequence[float],
    pred: Sequence[float] | None,
    *,
    kind: Kind = Kind.TEXT_LLM,
    kind_pred: Kind | None = None,
    gold_layers: str = ALL_NC,
    pred_layers: str | None = ALL_NC,
    expects_injection: bool = False,
    injection_detected: bool = False,
    latency: float | None = 0.1,
    quotes: tuple[int, int] = (0, 0),
) -> SampleRecord:
    """A record as the runner would build it, with bands scored at the default reference CVSS."""
    ref = BandReference()
    g = values(gold)
    aivss_gold, band_gold = aivss_of(list(g.values()), ref)
    fields: dict[str, object] = {}
    if pred is not None:
        p = values(pred)
        aivss_pred, band_pred = aivss_of(list(p.values()), ref)
        gl, pl = layers(gold_layers), layers(pred_layers) if pred_layers else None
        fields = dict(
            kind_pred=kind_pred or kind,
            pred_factors=p,
            factor_errors={k: round(p[k] - g[k], 4) for k in FACTOR_ORDER},
            pred_layers=pl,
            layer_errors=[lid for lid in LayerId if pl is not None and pl[lid] != gl[lid]],
            aivss_pred=aivss_pred,
            band_pred=band_pred,
        )
    return SampleRecord(
        slug=slug,
        title=slug,
        status="ok" if pred is not None else "failed",
        error=None if pred is not None else "boom",
        schema_valid=pred is not None,
        kind_gold=kind,
        gold_factors=g,
        gold_layers=layers(gold_layers),
        expects_injection=expects_injection,
        injection_detected=injection_detected,
        quotes_total=quotes[0],
        quotes_verified=quotes[1],
        aivss_gold=aivss_gold,
        band_gold=band_gold,
        latency_seconds=latency,
        **fields,  # type: ignore[arg-type]
    )


def make_log(records: list[SampleRecord], *, dataset_sha: str = "abc", provider: str = "fake", iterations: int = 300) -> RunLog:
    meta = RunMeta(
        provider=provider, model=None, prompt_version="p1", prompt_hash="h1", dataset="fixtures.jsonl",
        dataset_sha256=dataset_sha, tool_version="0.1.0", started_at=T0, finished_at=T0, wall_seconds=1.0,
        concurrency=1, band_reference=BandReference().as_dict(), layers_source="profile", python="3.11",
    )
    return RunLog(meta=meta, metrics=compute_metrics(records, iterations=iterations, seed=7), samples=records)


def sample(slug: str, gold: Sequence[float], *, kind: Kind = Kind.TEXT_LLM, injection: str | None = None) -> Sample:
    return Sample(slug=slug, listing=f"{slug}.md", kind=kind, factors=values(gold), layers=layers(ALL_NC), injection=injection)


__all__ = ["ALL_NC", "layers", "make_log", "make_record", "sample", "values"]
