"""Run an Extractor over a dataset and turn each result into a SampleRecord (gold vs prediction).

Extractors are synchronous, so concurrency is a thread pool. One sample's failure (an exception, an
unreadable listing, a failed extraction) is recorded and counted, never fatal to the run.
"""

from __future__ import annotations

import logging
import platform
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import ValidationError

from analyzer import __version__
from analyzer.errors import AnalyzerError, InputError
from analyzer.evals.dataset import INJECTION_WARNING, Dataset, Sample, load_sample_listing
from analyzer.evals.exposure import exposure_fields
from analyzer.evals.metrics import DEFAULT_ITERATIONS, DEFAULT_LEVEL, DEFAULT_SEED, compute_metrics
from analyzer.evals.records import RunLog, RunMeta, SampleRecord
from analyzer.extract.base import ExtractionResult, Extractor, failed_result
from analyzer.models import FACTOR_ORDER, AgenticProfile, Band, LayerId, LayerStatus, Listing

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BandReference:
    """The CVSS base, ThM and MF used for BOTH the gold and the predicted AIVSS band.

    Holding them fixed makes band agreement measure the factor values alone, and keeps the gold band of
    a sample the same across runs, so two runs compare. 5.0 is mid-scale: the Medium/High/Critical
    boundaries then fall at factor sums of about 4.1 and 8.2, which separates models from agents.
    """

    cvss_base: float = 5.0
    threat_multiplier: float = 0.97
    mitigation_factor: float = 1.0

    def as_dict(self) -> dict[str, float]:
        return {"cvss_base": self.cvss_base, "threat_multiplier": self.threat_multiplier, "mitigation_factor": self.mitigation_factor}


@dataclass(frozen=True)
class EvalSettings:
    concurrency: int = 1
    band_reference: BandReference = BandReference()
    bootstrap_iterations: int = DEFAULT_ITERATIONS
    bootstrap_seed: int = DEFAULT_SEED
    ci_level: float = DEFAULT_LEVEL


Progress = Callable[[SampleRecord], None]


# --------------------------------------------------------------------------- AIVSS and layers


def aivss_of(values: list[float], ref: BandReference) -> tuple[float | None, Band]:
    """Score ten factor values with the reference CVSS/ThM/MF through the project's scorer."""
    from analyzer.models import Formula, Rounding, Scale
    from analyzer.score import compute_aivss

    result = compute_aivss(
        ref.cvss_base,
        values,
        ref.threat_multiplier,
        ref.mitigation_factor,
        formula=Formula.V0_8,
        rounding=Rounding.PYTHON,
        scale=Scale.FINE,
    )
    return result.score, Band(result.band)


def layers_source() -> str:
    try:
        from analyzer.maestro import build_threat_model  # noqa: F401
    except ImportError:
        return "profile"
    return "maestro"


def predicted_layers(profile: AgenticProfile, listing: Listing) -> dict[LayerId, LayerStatus]:
    """Layer tags as the report shows them: from the MAESTRO stage when it exists, else the stated rule."""
    if layers_source() == "maestro":
        from analyzer.maestro import build_threat_model

        model = build_threat_model(profile, listing)
        tags = {layer.layer: layer.status for layer in model.layers}
        if len(tags) == len(LayerId):
            return tags
    stated = {s.layer: s for s in profile.system.layers}
    return {
        layer: LayerStatus.MAPPED if layer in stated and stated[layer].stated is not None else LayerStatus.NOT_CERTAIN
        for layer in LayerId
    }


# --------------------------------------------------------------------------- one sample


def _schema_valid(profile: AgenticProfile | None) -> bool:
    if profile is None:
        return False
    try:
        AgenticProfile.model_validate_json(profile.model_dump_json())
    except ValidationError:
        return False
    return True


def build_record(
    sample: Sample,
    result: ExtractionResult,
    listing: Listing | None,
    *,
    latency_seconds: float | None,
    ref: BandReference,
) -> SampleRecord:
    """Compare one extraction result with its gold labels."""
    profile = result.profile if result.outcome.status == "ok" else None
    warnings = [w.code for w in result.warnings]
    gold_values = [sample.factors[k] for k in FACTOR_ORDER]
    aivss_gold, band_gold = aivss_of(gold_values, ref)
    fields: dict[str, object] = {}
    if profile is not None:
        pred = {f.key: f.value for f in profile.factors}
        errors = {k: round(v - sample.factors[k], 4) for k, v in pred.items() if v is not None}
        evidence = {f.key: [e.quote for e in f.evidence] for f in profile.factors if f.evidence}
        pred_values = [pred[k] for k in FACTOR_ORDER]
        if all(v is not None for v in pred_values):
            aivss_pred, band_pred = aivss_of([float(v) for v in pred_values if v is not None], ref)
        else:
            aivss_pred, band_pred = None, Band.UNKNOWN
        pred_layers = predicted_layers(profile, listing) if listing is not None else None
        fields = {
            "kind_pred": profile.system.kind,
            "pred_factors": pred,
            "factor_errors": errors,
            "pred_evidence": evidence,
            "pred_layers": pred_layers,
            "layer_errors": [] if pred_layers is None else [lid for lid in LayerId if pred_layers.get(lid) != sample.layers[lid]],
            "aivss_pred": aivss_pred,
            "band_pred": band_pred,
        }
    return SampleRecord(
        slug=sample.slug,
        title=sample.title or sample.slug,
        listing=sample.listing,
        confidence=sample.confidence,
        status="ok" if profile is not None else "failed",
        error=None if profile is not None else (result.outcome.error or "extraction failed"),
        schema_valid=_schema_valid(profile),
        kind_gold=sample.kind,
        gold_factors=dict(sample.factors),
        gold_evidence={k: sample.evidence_quotes(k) for k in sample.evidence},
        gold_layers=dict(sample.layers),
        expects_injection=sample.expects_injection,
        injection_detected=INJECTION_WARNING in warnings,
        expected_warnings=list(sample.expected_warnings),
        warnings=warnings,
        quotes_total=result.outcome.quotes_total,
        quotes_verified=result.outcome.quotes_verified,
        aivss_gold=aivss_gold,
        band_gold=band_gold,
        latency_seconds=None if latency_seconds is None else round(latency_seconds, 4),
        input_tokens=result.input_tokens,
        output_tokens=result.output_tokens,
        cost_usd=result.estimated_cost_usd,
        cache_hit=result.cache_hit,
        **fields,  # type: ignore[arg-type]
        **exposure_fields(sample, profile),  # type: ignore[arg-type]
    )


def run_sample(extractor: Extractor, dataset: Dataset, sample: Sample, ref: BandReference) -> tuple[SampleRecord, ExtractionResult]:
    provider = getattr(extractor, "name", type(extractor).__name__)
    listing: Listing | None = None
    start = time.perf_counter()
    try:
        listing = load_sample_listing(dataset, sample)
        result = extractor.extract(listing)
    except AnalyzerError as exc:
        result = failed_result(provider, f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # one sample must not end the run: count it as a failure
        log.debug("sample %s raised", sample.slug, exc_info=True)
        result = failed_result(provider, f"{type(exc).__name__}: {exc}")
    latency = time.perf_counter() - start
    if result.latency_seconds is not None and not result.cache_hit:
        latency = result.latency_seconds
    return build_record(sample, result, listing, latency_seconds=latency, ref=ref), result


# --------------------------------------------------------------------------- the run


@dataclass
class RunOutput:
    records: list[SampleRecord]
    results: list[ExtractionResult]


def run_samples(
    extractor: Extractor,
    dataset: Dataset,
    *,
    concurrency: int = 1,
    ref: BandReference | None = None,
    progress: Progress | None = None,
) -> RunOutput:
    """Extract every sample (in parallel threads when concurrency > 1); keep dataset order."""
    if concurrency < 1:
        raise InputError(f"--concurrency {concurrency}: must be at least 1", hint="use 1 for sequential runs")
    ref = ref or BandReference()
    lock = threading.Lock()

    def one(sample: Sample) -> tuple[SampleRecord, ExtractionResult]:
        out = run_sample(extractor, dataset, sample, ref)
        if progress is not None:
            with lock:
                progress(out[0])
        return out

    if concurrency == 1:
        pairs = [one(s) for s in dataset.samples]
    else:
        pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="eval")
        try:
            pairs = list(pool.map(one, dataset.samples))
        except BaseException:
            # Ctrl-C: drop the queued samples instead of waiting for the whole dataset.
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
    return RunOutput(records=[p[0] for p in pairs], results=[p[1] for p in pairs])


def _first(values: list[str | None]) -> str | None:
    return next((v for v in values if v), None)


def evaluate(
    extractor: Extractor,
    dataset: Dataset,
    *,
    settings: EvalSettings | None = None,
    provider: str | None = None,
    model: str | None = None,
    progress: Progress | None = None,
) -> RunLog:
    """Run the extractor over the dataset and compute every metric: the whole eval as one call."""
    settings = settings or EvalSettings()
    started = datetime.now(UTC)
    clock = time.perf_counter()
    out = run_samples(extractor, dataset, concurrency=settings.concurrency, ref=settings.band_reference, progress=progress)
    wall = time.perf_counter() - clock
    metrics = compute_metrics(out.records, iterations=settings.bootstrap_iterations, seed=settings.bootstrap_seed, level=settings.ci_level)
    meta = RunMeta(
        provider=provider or getattr(extractor, "name", type(extractor).__name__),
        model=model or _first([r.model for r in out.results]),
        prompt_version=_first([r.prompt_version for r in out.results]),
        prompt_hash=_first([r.prompt_hash for r in out.results]),
        dataset=str(dataset.path),
        dataset_sha256=dataset.sha256,
        tool_version=__version__,
        started_at=started,
        finished_at=datetime.now(UTC),
        wall_seconds=round(wall, 3),
        concurrency=settings.concurrency,
        band_reference=settings.band_reference.as_dict(),
        layers_source=layers_source(),
        python=platform.python_version(),
    )
    return RunLog(meta=meta, metrics=metrics, samples=out.records)


__all__ = ["BandReference", "EvalSettings", "RunOutput", "build_record", "evaluate", "run_sample", "run_samples"]
