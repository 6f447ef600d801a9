"""Extraction: listing text → AgenticProfile. `get_extractor` picks the provider."""

from __future__ import annotations

import os

from analyzer.errors import ConfigError
from analyzer.extract.base import ExtractionResult, Extractor, failed_result

PROVIDERS = ("auto", "heuristic", "openai", "replay")


def resolve_provider(provider: str | None) -> str:
    """'auto' means openai when an API key or base URL is configured, else the offline heuristic."""
    provider = (provider or "auto").lower()
    if provider not in PROVIDERS:
        raise ConfigError(f"unknown provider {provider!r}", hint=f"use one of: {', '.join(PROVIDERS)}")
    if provider == "auto":
        return "openai" if (os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL")) else "heuristic"
    return provider


def get_extractor(provider: str | None = "auto", **options: object) -> Extractor:
    """Build the extractor for a provider. Options are passed to the provider's constructor."""
    name = resolve_provider(provider)
    if name == "heuristic":
        from analyzer.extract.heuristic import HeuristicExtractor

        return HeuristicExtractor()
    if name == "openai":
        from analyzer.extract.llm import LLMExtractor

        return LLMExtractor.from_options(**options)
    from analyzer.extract.llm import LLMExtractor

    return LLMExtractor.from_options(replay=True, **options)


__all__ = ["PROVIDERS", "ExtractionResult", "Extractor", "failed_result", "get_extractor", "resolve_provider"]
