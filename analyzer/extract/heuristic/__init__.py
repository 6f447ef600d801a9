"""The offline, deterministic, rule-based extractor (`--provider heuristic`).

It recognises the kind of system from weighted phrases and metadata, starts every factor at the rubric
floor for that kind, and lifts a factor only where a phrase rule matches; each lifted value carries the
verbatim sentence it matched. All phrases live in analyzer/data/heuristic_rules.yaml.
"""

from __future__ import annotations

import time

from analyzer.cpubudget import cpu_budget
from analyzer.errors import BudgetExceededError, InputError
from analyzer.extract.base import ExtractionResult, failed_result
from analyzer.extract.heuristic.factors import assess_factors
from analyzer.extract.heuristic.kind import KindDecision, detect_kind
from analyzer.extract.heuristic.layers import layer_statements
from analyzer.extract.heuristic.rules import Rules, load_rules
from analyzer.extract.heuristic.system import (
    developer,
    exposure_and_mitigations,
    kind_metadata_evidence,
    modalities,
    system_name,
    underlying_models,
)
from analyzer.extract.heuristic.summary import summary
from analyzer.extract.heuristic.textscan import ScanText, verify_quote
from analyzer.extract.injection import scan_injection
from analyzer.language import LLM_ADVICE, detect_language, foreign_language_warning
from analyzer.models import EXPOSURE_FACTS, AgenticProfile, Evidence, ExposureFact, ExtractionOutcome, FactSource, Kind, Listing, Modality, SystemProfile
from analyzer.taxonomy import KIND_GROUPS

PROVIDER = "heuristic"
RULES_VERSION = "heuristic-rules-3"

_DEFAULT_OUTPUT: dict[Kind, list[Modality]] = {
    Kind.IMAGE_VIDEO_AUDIO_MODEL: [Modality.IMAGE],
    Kind.CLASSIFIER_EMBEDDING_ASR: [Modality.STRUCTURED_DATA],
    Kind.MCP_SERVER_OR_TOOL: [Modality.STRUCTURED_DATA],
}


class HeuristicExtractor:
    """Rule-based extractor: same listing in, same profile out, no network, no model."""

    name = PROVIDER

    def __init__(self, rules: Rules | None = None) -> None:
        self.rules = rules or load_rules()

    def extract(self, listing: Listing) -> ExtractionResult:
        if not isinstance(listing, Listing):
            raise InputError("heuristic extractor: expected a Listing", hint="load the listing with analyzer.pipeline.load_listing first")
        started = time.perf_counter()
        with cpu_budget(listing.source):
            try:
                warnings, blocked = scan_injection(listing)
                scan = ScanText(listing, blocked)
                decision = detect_kind(scan, self.rules)
                language = detect_language(listing.text)
                if decision.catalogue or decision.dataset:
                    # A list's items are other projects' capabilities, a dataset's rows (agent trajectories, tool
                    # calls) no system's: scoring them as this listing's would be untrue.
                    said = f" ('{decision.evidence[0].quote[:120]}')" if decision.evidence else ""
                    error = (
                        f"the listing describes itself as a list of other projects{said}, not one system, so there is nothing to score; analyse the listing of the project you mean"
                        if decision.catalogue
                        else f"the listing describes a dataset or benchmark{said}, not a model or agent that runs, so there is nothing to score; analyse the listing of a model trained on it or of a system that uses it"
                    )
                    return failed_result(PROVIDER, error, warnings=warnings, prompt_version=RULES_VERSION, latency_seconds=round(time.perf_counter() - started, 6))
                if language.mostly_foreign:
                    warnings.append(foreign_language_warning(language))
                    if not any(e.location.startswith("metadata:") for e in decision.evidence):
                        # English phrases in a Chinese card (a benchmark table, a licence line) do not say
                        # what the system is: unknown, not a guessed kind with a made-up score.
                        error = f"the listing is mostly in {language.name}, which the offline extractor cannot read, so it cannot tell what this system is; {LLM_ADVICE}"
                        return failed_result(PROVIDER, error, warnings=warnings, prompt_version=RULES_VERSION, latency_seconds=round(time.perf_counter() - started, 6))
                factors = assess_factors(scan, self.rules, decision.kind, not_read=language.name if language.mostly_foreign else None)
                profile = AgenticProfile(system=self._system(scan, decision, blocked), factors=factors)
            except BudgetExceededError as exc:
                # Unknown, not low risk: a listing too costly to read is reported as a failed extraction.
                return failed_result(PROVIDER, str(exc), prompt_version=RULES_VERSION, latency_seconds=round(time.perf_counter() - started, 6))
        profile, total, dropped = _keep_verified(listing, profile)
        return ExtractionResult(
            profile=profile,
            outcome=ExtractionOutcome(
                status="ok", provider=PROVIDER, error=None, quotes_total=total, quotes_verified=total - dropped, quotes_dropped=dropped
            ),
            warnings=warnings,
            model=None,
            prompt_version=RULES_VERSION,
            latency_seconds=round(time.perf_counter() - started, 6),
        )

    def _system(self, scan: ScanText, decision: KindDecision, blocked: list[tuple[int, int]]) -> SystemProfile:
        kind = decision.kind
        name = system_name(scan)
        models = underlying_models(scan, self.rules)
        output_fallback = _DEFAULT_OUTPUT.get(kind, [Modality.TEXT])
        outputs = modalities(scan, self.rules.output_modalities, output_fallback)
        exposure, mitigations = exposure_and_mitigations(scan, kind, name, blocked)
        if kind in KIND_GROUPS["agent"] and Modality.ACTIONS not in outputs:
            outputs = [*outputs, Modality.ACTIONS]
        return SystemProfile(
            kind=kind,
            name=name,
            developer=developer(scan),
            summary=summary(scan, kind, name),
            input_modalities=modalities(scan, self.rules.input_modalities, [Modality.TEXT]),
            output_modalities=outputs,
            underlying_models=models,
            layers=layer_statements(scan, self.rules, kind),
            exposure=exposure,
            mitigations=mitigations,
            kind_evidence=decision.evidence + kind_metadata_evidence(scan),
        )


def _keep_verified(listing: Listing, profile: AgenticProfile) -> tuple[AgenticProfile, int, int]:
    """Count every quote and drop any that is not verbatim (a rule bug must not become a fake quote)."""
    total = dropped = 0

    def keep(items: list[Evidence]) -> list[Evidence]:
        nonlocal total, dropped
        kept = []
        for e in items:
            total += 1
            if verify_quote(listing, e):
                kept.append(e)
            else:
                dropped += 1
        return kept

    system = profile.system
    for layer in system.layers:
        layer.evidence = keep(layer.evidence)
    for name in EXPOSURE_FACTS:
        fact = system.exposure.fact(name)
        fact.evidence = keep(fact.evidence)
        if fact.source is FactSource.STATED and not fact.evidence:  # a stated fact whose quote fails is not stated
            setattr(system.exposure, name, ExposureFact.not_stated())
    for m in system.mitigations:
        m.evidence = keep(m.evidence)
    system.kind_evidence = keep(system.kind_evidence)
    for f in profile.factors:
        f.evidence = keep(f.evidence)
    return profile, total, dropped


__all__ = ["PROVIDER", "HeuristicExtractor"]
