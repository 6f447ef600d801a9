"""analyzer: turn a public AI model or agent listing into an agentic threat model (OWASP AIVSS + CSA MAESTRO).

The public API is re-exported here. Only the version and the exception hierarchy load eagerly; the
models and the pipeline (pydantic, every stage) load on first use, so `analyzer --version` and scripts
that only catch errors start fast. Type checkers see the real types through the TYPE_CHECKING imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
    UnreachableError,
)

if TYPE_CHECKING:
    from analyzer.models import (
        AgenticProfile,
        AivssResult,
        Analysis,
        FactorAssessment,
        FactorKey,
        Kind,
        Listing,
        ScoringOptions,
    )
    from analyzer.pipeline import analyze, assemble, load_analysis, load_listing, rescore

# Public name -> the module that defines it, imported on first attribute access (PEP 562).
_LAZY = {
    **dict.fromkeys(
        ("AgenticProfile", "AivssResult", "Analysis", "FactorAssessment", "FactorKey", "Kind", "Listing", "ScoringOptions"),
        "analyzer.models",
    ),
    **dict.fromkeys(("analyze", "assemble", "load_analysis", "load_listing", "rescore"), "analyzer.pipeline"),
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'analyzer' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


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
    "UnreachableError",
    "ScoringOptions",
    "__version__",
    "analyze",
    "assemble",
    "load_analysis",
    "load_listing",
    "rescore",
]
