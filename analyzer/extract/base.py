"""The extractor contract: a Listing in, an ExtractionResult out. Providers plug in behind it."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from analyzer.models import AgenticProfile, AnalysisWarning, ExtractionOutcome, Listing


class ExtractionResult(BaseModel):
    """What one extraction run produced. `profile` is None exactly when `outcome.status == 'failed'`."""

    model_config = ConfigDict(extra="forbid")

    profile: AgenticProfile | None
    outcome: ExtractionOutcome
    warnings: list[AnalysisWarning] = []
    model: str | None = None
    prompt_version: str | None = None
    prompt_hash: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    estimated_cost_usd: float | None = None
    cache_hit: bool | None = None
    samples: int = 1
    latency_seconds: float | None = None


@runtime_checkable
class Extractor(Protocol):
    """Anything with a provider name and an `extract` method is an extractor."""

    name: str

    def extract(self, listing: Listing) -> ExtractionResult: ...


def failed_result(provider: str, error: str, **fields: object) -> ExtractionResult:
    """An explicit failed extraction: no factor values, the error kept for the report."""
    return ExtractionResult(
        profile=None,
        outcome=ExtractionOutcome(status="failed", provider=provider, error=error, quotes_total=0, quotes_verified=0, quotes_dropped=0),
        **fields,  # type: ignore[arg-type]
    )
