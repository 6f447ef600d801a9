"""The eval run log as Pydantic models: written as JSON, read back to compare and gate two runs."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from analyzer.errors import InputError
from analyzer.models import Band, FactorKey, FactValue, Kind, LayerId, LayerStatus, MitigationKind

LOG_SCHEMA = "analyzer-eval-log/1"
MAX_LOG_BYTES = 64 * 1024 * 1024


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SampleRecord(_Record):
    """One sample: gold, prediction and their per-field differences."""

    slug: str
    title: str
    listing: str = ""  # as written in the dataset
    confidence: str | None = None
    status: Literal["ok", "failed"]
    error: str | None = None
    schema_valid: bool
    kind_gold: Kind
    kind_pred: Kind | None = None
    gold_factors: dict[FactorKey, float]
    pred_factors: dict[FactorKey, float | None] | None = None
    factor_errors: dict[FactorKey, float] = {}  # prediction − gold, only where both exist
    gold_evidence: dict[FactorKey, list[str]] = {}
    pred_evidence: dict[FactorKey, list[str]] = {}
    gold_layers: dict[LayerId, LayerStatus]
    pred_layers: dict[LayerId, LayerStatus] | None = None
    layer_errors: list[LayerId] = []
    expects_injection: bool = False
    injection_detected: bool = False
    expected_warnings: list[str] = []
    warnings: list[str] = []  # warning codes the extractor raised
    quotes_total: int = 0
    quotes_verified: int = 0
    aivss_gold: float | None = None
    aivss_pred: float | None = None
    band_gold: Band | None = None
    band_pred: Band | None = None
    latency_seconds: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    cache_hit: bool | None = None
    # exposure gold (None when the sample has none): facts, mitigations and the scores they give
    gold_exposure: dict[str, FactValue] | None = None
    pred_exposure: dict[str, FactValue] | None = None
    gold_mitigations: list[MitigationKind] | None = None
    pred_mitigations: list[MitigationKind] | None = None
    cvss_gold: float | None = None  # the tool's rules on the gold kind, facts and factors
    cvss_pred: float | None = None
    aivss_derived_gold: float | None = None
    band_derived_gold: Band | None = None
    aivss_point_pred: float | None = None  # the predicted headline: predicted facts, factors and mitigations
    band_point_pred: Band | None = None
    range_low_pred: float | None = None
    range_high_pred: float | None = None
    aivss_gold_facts: float | None = None  # the prediction with the gold exposure facts swapped in

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def mae(self) -> float | None:
        if not self.factor_errors:
            return None
        return sum(abs(e) for e in self.factor_errors.values()) / len(self.factor_errors)

    def factor_sum_error(self) -> float | None:
        if not self.ok or not self.pred_factors or any(v is None for v in self.pred_factors.values()):
            return None
        return sum(v for v in self.pred_factors.values() if v is not None) - sum(self.gold_factors.values())


class Interval(_Record):
    low: float
    high: float

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2


class FactorMetrics(_Record):
    key: FactorKey
    n: int
    mae: float | None
    bias: float | None  # mean signed error: > 0 means the extractor over-scores
    within_0_1: float | None
    within_0_2: float | None
    spearman: float | None


class KindMetrics(_Record):
    kind: Kind
    samples: int
    scored: int
    mae: float | None
    within_0_2: float | None
    kind_accuracy: float | None


class Metrics(_Record):
    samples: int
    scored: int
    failed: int
    mae: float | None
    within_0_1: float | None
    within_0_2: float | None
    factor_sum_mae: float | None
    factor_sum_bias: float | None
    aivss_mae: float | None
    band_agreement: float | None
    layer_accuracy: float | None
    kind_accuracy: float | None
    grounding_rate: float | None
    schema_valid_rate: float
    failure_rate: float
    injection_samples: int
    injection_detection: float | None
    injection_false_positive_rate: float | None
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None
    latency_p50: float | None
    latency_p95: float | None
    per_factor: list[FactorMetrics]
    per_kind: list[KindMetrics]
    per_layer: dict[LayerId, float]
    # exposure (over the samples with exposure gold; None without any)
    exposure_samples: int = 0
    exposure_accuracy: float | None = None  # tri-state, over every fact of every sample
    exposure_yes_precision: float | None = None
    exposure_yes_recall: float | None = None
    exposure_accuracy_by_fact: dict[str, float] = {}
    mitigation_precision: float | None = None
    mitigation_recall: float | None = None
    cvss_base_mae: float | None = None  # predicted vs gold-derived CVSS base (both by the tool's rules)
    derived_band_agreement: float | None = None  # predicted headline band vs the band the rules give the gold
    range_coverage: float | None = None  # share of gold-derived scores inside the predicted range
    range_coverage_facts: float | None = None  # the same with only the gold facts swapped into the prediction
    ci: dict[str, Interval]
    ci_level: float
    bootstrap_iterations: int
    bootstrap_seed: int


class RunMeta(_Record):
    provider: str
    model: str | None
    prompt_version: str | None
    prompt_hash: str | None
    dataset: str
    dataset_sha256: str
    tool_version: str
    started_at: datetime
    finished_at: datetime
    wall_seconds: float
    concurrency: int
    band_reference: dict[str, float]  # the CVSS base / ThM / MF used for both gold and prediction bands
    layers_source: str  # 'maestro' (build_threat_model) or 'profile' (LayerStatement.stated)
    python: str


class RunLog(_Record):
    schema_id: str = LOG_SCHEMA
    meta: RunMeta
    metrics: Metrics
    samples: list[SampleRecord]

    def sample(self, slug: str) -> SampleRecord | None:
        return next((s for s in self.samples if s.slug == slug), None)


def write_run_log(log: RunLog, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(log.model_dump_json(indent=2) + "\n", "utf-8")
    return path


def read_run_log(path: str | Path) -> RunLog:
    """Read an eval JSON log back, with errors that name the file."""
    p = Path(path)
    hint = "pass a JSON log written by `analyzer eval --out DIR` (DIR/eval.json) or a baseline under evals/baselines/"
    if not p.is_file():
        raise InputError(f"{p}: no such eval log", hint=hint)
    if p.stat().st_size > MAX_LOG_BYTES:
        raise InputError(f"{p}: too large to be an eval log", hint=hint)
    try:
        data = json.loads(p.read_text("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{p}: not a text file", hint=hint) from None
    except ValueError as exc:
        raise InputError(f"{p}: not valid JSON ({exc})", hint=hint) from None
    if not isinstance(data, dict) or data.get("schema_id") != LOG_SCHEMA:
        raise InputError(f"{p}: not an eval log (schema_id is not {LOG_SCHEMA!r})", hint=hint)
    try:
        return RunLog.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise InputError(f"{p}: invalid eval log: {where}: {err['msg']}", hint=hint) from None
