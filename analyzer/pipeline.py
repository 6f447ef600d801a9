"""The pipeline as its stages: fetch → extract → score → MAESTRO → Analysis.

`analyze()` is the Python API the CLI wraps; `rescore()` re-runs the deterministic stages on a saved
Analysis (the analyst's edit-and-rerun loop).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from analyzer import jsonio
from analyzer import __version__
from analyzer import regexcache
from analyzer.cpubudget import cpu_budget
from analyzer.errors import ProfileError
from analyzer.extract import ExtractionResult, Extractor, get_extractor, resolve_provider
from analyzer.fetch.local import MAX_LISTING_BYTES, read_local
from analyzer.maestro import build_threat_model
from analyzer.models import (
    SCHEMA_VERSION,
    FACTOR_NAMES,
    FACTOR_ORDER,
    AgenticProfile,
    Analysis,
    AnalystEdit,
    FactorAssessment,
    FactorKey,
    FactorStatus,
    FactValue,
    Kind,
    Listing,
    MitigationKind,
    RunManifest,
    ScoringOptions,
    StageTiming,
)
from analyzer.edits import MITIGATION_TARGET, THREAT_TARGET, apply_edits, previous_multiplier
from analyzer.rules import settle_profile
from analyzer.score import parse_mitigation, parse_threat, score_profile

_URL = regexcache.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
T = TypeVar("T")


def is_url(source: str) -> bool:
    return bool(_URL.match(source.strip()))


def load_listing(source: str, *, allow_private: bool = False, use_cache: bool = True, refresh: bool = False) -> Listing:
    """A path, '-' (stdin) or a URL → Listing."""
    if is_url(source):
        from analyzer.fetch import fetch_listing

        return fetch_listing(source, allow_private=allow_private, use_cache=use_cache, refresh=refresh)
    return read_local(source)


def _timed(timings: list[StageTiming], stage: str, fn: Callable[[], T]) -> T:
    start = time.perf_counter()
    try:
        return fn()
    finally:
        timings.append(StageTiming(stage=stage, seconds=round(time.perf_counter() - start, 4)))


def analyze(
    source: str | Listing,
    *,
    provider: str | None = "auto",
    extractor: Extractor | None = None,
    scoring: ScoringOptions | None = None,
    allow_private: bool = False,
    use_cache: bool = True,
    refresh: bool = False,
    **extractor_options: object,
) -> Analysis:
    """Analyse one listing end to end and return the full Analysis.

    `source` is a path, '-', a URL, or an already loaded Listing. `provider` is 'auto' (OpenAI when
    configured, else the offline heuristic), 'heuristic', 'openai' or 'replay'; `extractor` overrides it.
    A failed extraction is returned as an Analysis with status 'failed' and no factor values.
    """
    started = datetime.now(UTC)
    timings: list[StageTiming] = []
    if extractor is None:
        options = dict(extractor_options)
        if resolve_provider(provider) != "heuristic":
            options.setdefault("use_cache", use_cache)
        extractor = get_extractor(provider, **options)
    # One CPU budget for parsing and extraction of this listing (network waits are not CPU time).
    with cpu_budget(source.source if isinstance(source, Listing) else source):
        if isinstance(source, Listing):
            listing = source
        else:
            listing = _timed(timings, "fetch", lambda: load_listing(source, allow_private=allow_private, use_cache=use_cache, refresh=refresh))
        result = _timed(timings, "extract", lambda: extractor.extract(listing))
    return assemble(listing, result, scoring or ScoringOptions(), timings=timings, started_at=started)


def assemble(
    listing: Listing,
    result: ExtractionResult,
    scoring: ScoringOptions,
    *,
    timings: list[StageTiming] | None = None,
    started_at: datetime | None = None,
) -> Analysis:
    """Score an extraction result and write the threat model: the deterministic half of the pipeline."""
    timings = list(timings or [])
    profile = settle_profile(result.profile) if result.outcome.status == "ok" and result.profile is not None else None
    aivss = _timed(timings, "score", lambda: score_profile(profile, scoring))
    threat_model = _timed(timings, "maestro", lambda: build_threat_model(profile, listing))
    factors = profile.factors if profile else unknown_factors(result.outcome.error)
    run = RunManifest(
        tool_version=__version__,
        provider=result.outcome.provider,
        model=result.model,
        prompt_version=result.prompt_version,
        prompt_hash=result.prompt_hash,
        started_at=started_at or datetime.now(UTC),
        timings=timings,
        input_tokens=result.input_tokens,
        output_tokens=result.output_tokens,
        estimated_cost_usd=result.estimated_cost_usd,
        cache_hit=result.cache_hit,
        samples=result.samples,
    )
    return Analysis(
        listing=listing,
        system=profile.system if profile else None,
        factors=factors,
        aivss=aivss,
        summary=threat_model.summary,
        maestro=threat_model.layers,
        cross_layer=threat_model.cross_layer,
        warnings=list(result.warnings),
        extraction=result.outcome,
        run=run,
    )


def unknown_factors(error: str | None) -> list[FactorAssessment]:
    """The ten factors of a failed extraction: status unknown, no value."""
    why = f"Extraction failed: {error}" if error else "Extraction failed."
    return [
        FactorAssessment(key=k, name=FACTOR_NAMES[k], value=None, status=FactorStatus.UNKNOWN, rationale=why, evidence=[], floor_applied=False)
        for k in FACTOR_ORDER
    ]


def rescore(
    analysis: Analysis,
    *,
    kind: Kind | str | None = None,
    set_factors: Mapping[FactorKey | str, float] | None = None,
    facts: Mapping[str, FactValue | str | bool] | None = None,
    stated_mitigations: str | Iterable[str | MitigationKind] | None = None,
    threat: str | float | None = None,
    mitigation: str | float | None = None,
    options: ScoringOptions | None = None,
    note: str | None = None,
) -> Analysis:
    """Re-run scoring and the threat model on a saved Analysis, with the analyst's edits.

    `kind`, `set_factors` ({factor key: value}), `facts` ({fact: yes|no|not_stated}), `stated_mitigations`
    (kinds, or "none"), `threat` and `mitigation` (a level name or a number) are recorded in
    `Analysis.edits` with the value they replace and marked on the edited item; ThM and MF edits are
    kept on later re-scores. `options` are the scoring options (formula, rounding, CVSS overrides).
    Raises ScoringError naming a bad value, ProfileError when there is no profile to edit.
    """
    options = options or ScoringOptions()
    profile = analysis.profile()
    wants_edit = any(v is not None for v in (kind, set_factors, facts, stated_mitigations))
    if profile is None and wants_edit:
        raise ProfileError("the analysis has no extracted profile to edit (the extraction failed)", hint="re-run `analyzer analyze` first")
    edits = list(analysis.edits)
    if profile is not None:
        profile, new = apply_edits(profile, kind=kind, set_factors=set_factors, facts=facts, stated_mitigations=stated_mitigations, note=note)
        profile = settle_profile(profile)
        edits += new
    options, new = _multiplier_edits(analysis, options, threat, mitigation, note)
    edits += new
    timings: list[StageTiming] = []
    aivss = _timed(timings, "score", lambda: score_profile(profile, options))
    threat_model = _timed(timings, "maestro", lambda: build_threat_model(profile, analysis.listing))
    run = analysis.run.model_copy(update={"timings": [*analysis.run.timings, *timings]})
    return analysis.model_copy(
        update={
            "schema_version": SCHEMA_VERSION,  # an older file is read in the current shape and written back in it
            "system": profile.system if profile is not None else analysis.system,
            "factors": profile.factors if profile is not None else analysis.factors,
            "aivss": aivss,
            "summary": threat_model.summary,
            "maestro": threat_model.layers,
            "cross_layer": threat_model.cross_layer,
            "run": run,
            "edits": edits,
        }
    )


def _multiplier_edits(
    analysis: Analysis, options: ScoringOptions, threat: str | float | None, mitigation: str | float | None, note: str | None
) -> tuple[ScoringOptions, list[AnalystEdit]]:
    """ThM / MF: a new analyst value (recorded) or the latest earlier one, unless the options override it."""
    new: list[AnalystEdit] = []
    update: dict[str, float] = {}
    for target, given, parse in ((THREAT_TARGET, threat, lambda t: parse_threat(t, options.formula)), (MITIGATION_TARGET, mitigation, parse_mitigation)):
        if getattr(options, target) is not None:
            continue
        if given is not None:
            value = parse(given)
            previous = previous_multiplier(analysis.edits, target)
            previous = previous if previous is not None else getattr(analysis.aivss, target)
            new.append(AnalystEdit(target=target, previous=f"{previous:g}", value=f"{value:g}", note=note))
            update[target] = value
        elif (earlier := previous_multiplier(analysis.edits, target)) is not None:
            update[target] = earlier
    return options.model_copy(update=update), new


def load_analysis(path: str) -> Analysis:
    """Read an `analyze` JSON (or a bare AgenticProfile JSON) back, with clear errors."""
    p = Path(path)
    if path != "-" and not p.is_file():
        raise ProfileError(f"{path}: no such file", hint="pass the JSON written by `analyzer analyze --format json`")
    if path != "-" and p.stat().st_size > MAX_LISTING_BYTES * 4:
        raise ProfileError(f"{path}: the file is too large to be an analysis JSON", hint="pass the JSON written by `analyzer analyze --format json`")
    try:
        raw = p.read_text("utf-8") if path != "-" else __import__("sys").stdin.read()
        data = jsonio.loads(raw)
    except UnicodeDecodeError:
        raise ProfileError(f"{path}: not a text file", hint="pass the JSON written by `analyzer analyze --format json`") from None
    except ValueError as exc:
        raise ProfileError(f"{path}: not valid JSON ({exc})", hint="pass the JSON written by `analyzer analyze --format json`") from None
    if not isinstance(data, dict):
        raise ProfileError(f"{path}: expected a JSON object", hint="pass the JSON written by `analyzer analyze --format json`")
    try:
        if "listing" in data:
            analysis = Analysis.model_validate(data)
            analysis.profile()  # the factors must be the ten, in order: checked here, not at re-scoring
            return analysis
        profile = AgenticProfile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(f"{path}: invalid analysis: {_first_error(exc)}", hint="fix the field named, or re-run `analyzer analyze`") from None
    from analyzer.extract.base import ExtractionResult
    from analyzer.models import ExtractionOutcome

    listing = Listing(
        source=path, source_type="file", canonical_url=None, title=profile.system.name, text="", sections=[], metadata=[],
        content_hash=Listing.hash_text(""), revision=None, fetched_at=None, content_type="application/json",
    )
    outcome = ExtractionOutcome(status="ok", provider="profile-file", error=None, quotes_total=0, quotes_verified=0, quotes_dropped=0)
    return assemble(listing, ExtractionResult(profile=profile, outcome=outcome), ScoringOptions())


def _first_error(exc: ValidationError) -> str:
    """The first problem on one line: pydantic's own text spans several and repeats the whole input."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    message = " ".join(str(err["msg"]).split())
    if len(message) > 300:
        message = message[:297] + "..."
    return f"{where}: {message}" if where else message
