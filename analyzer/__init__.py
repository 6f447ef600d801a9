"""analyzer: turn a public AI model or agent listing into an agentic threat model (OWASP AIVSS + CSA MAESTRO)."""

from __future__ import annotations

__version__ = "0.1.0"

from analyzer.errors import (  # noqa: E402
    AnalyzerError,
    BlockedURLError,
    BudgetExceededError,
    ConfigError,
    ContentError,
    EvalGateError,
    ExtractionError,
    FetchError,
    GatedError,
    InputError,
    NotFoundError,
    ProfileError,
    ScoringError,
)
from analyzer.models import (  # noqa: E402
    AgenticProfile,
    AivssResult,
    Analysis,
    FactorAssessment,
    FactorKey,
    Kind,
    Listing,
    ScoringOptions,
)


def __getattr__(name: str) -> object:
    # The pipeline imports every stage; load it on first use so `import analyzer` stays cheap.
    if name in ("analyze", "rescore", "load_listing", "load_analysis", "assemble"):
        from analyzer import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'analyzer' has no attribute {name!r}")


__all__ = [
    "AgenticProfile",
    "AivssResult",
    "Analysis",
    "AnalyzerError",
    "BlockedURLError",
    "BudgetExceededError",
    "ConfigError",
    "ContentError",
    "EvalGateError",
    "ExtractionError",
    "FactorAssessment",
    "FactorKey",
    "FetchError",
    "GatedError",
    "InputError",
    "Kind",
    "Listing",
    "NotFoundError",
    "ProfileError",
    "ScoringError",
    "ScoringOptions",
    "__version__",
    "analyze",
    "assemble",
    "load_analysis",
    "load_listing",
    "rescore",
]
