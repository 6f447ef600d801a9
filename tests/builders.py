"""Builders for test objects: listings, profiles and whole Analyses, with short invented fixtures.

Any test may import these (`from builders import ...`; pytest puts tests/ on sys.path). The two
reference profiles are a plain open-weights image model and a coding agent with shell access.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from analyzer.extract.base import ExtractionResult, failed_result
from analyzer.models import (
    EXPOSURE_FACTS,
    FACTOR_NAMES,
    FACTOR_ORDER,
    AgenticProfile,
    Analysis,
    AnalysisWarning,
    Evidence,
    ExposureFact,
    ExposureFacts,
    ExtractionOutcome,
    FactSource,
    FactValue,
    FactorAssessment,
    FactorKey,
    FactorStatus,
    Kind,
    LayerId,
    LayerStatement,
    Listing,
    Mitigation,
    MitigationKind,
    Modality,
    ScoringOptions,
    Severity,
    SystemProfile,
)

FIXED_TIME = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

IMAGE_MODEL_TEXT = """# Pixelbloom 3

Pixelbloom 3 is a 4B-parameter rectified-flow transformer that turns text prompts into images.

## License
Released under a non-commercial licence with an acceptable-use policy.
"""

CODING_AGENT_TEXT = """# Shellwright

Shellwright is a terminal coding agent. It plans multi-step tasks, edits files and runs shell commands.

## Tools
It can call MCP servers and uses your GitHub token to open pull requests.

## Safety
Commands run in an optional Docker sandbox; an allow-list restricts shell commands.
"""

IMAGE_VALUES = dict(zip(FACTOR_ORDER, (0.0, 0.0, 0.0, 0.0, 0.0, 0.1, 0.0, 0.0, 0.6, 0.7), strict=True))
CODING_VALUES = dict(zip(FACTOR_ORDER, (0.8, 0.7, 0.3, 0.9, 0.3, 0.8, 0.3, 0.2, 0.7, 0.6), strict=True))


def evidence(quote: str, location: str = "", verified: bool | None = True) -> Evidence:
    return Evidence(quote=quote, location=location, verified=verified)


def build_listing(text: str = IMAGE_MODEL_TEXT, title: str = "Pixelbloom 3", source: str = "pixelbloom.md") -> Listing:
    return Listing(
        source=source,
        source_type="file",
        canonical_url=None,
        title=title,
        text=text,
        sections=[],
        metadata=[],
        content_hash=Listing.hash_text(text),
        revision=None,
        fetched_at=FIXED_TIME,
        content_type="text/markdown",
    )


def build_factors(
    values: Mapping[FactorKey, float],
    evidence_for: Mapping[FactorKey, list[Evidence]] | None = None,
    rationale: Mapping[FactorKey, str] | None = None,
) -> list[FactorAssessment]:
    evidence_for = evidence_for or {}
    rationale = rationale or {}
    out = []
    for key in FACTOR_ORDER:
        quotes = evidence_for.get(key, [])
        out.append(
            FactorAssessment(
                key=key,
                name=FACTOR_NAMES[key],
                value=values[key],
                status=FactorStatus.STATED if quotes else FactorStatus.NOT_STATED,
                rationale=rationale.get(key, f"{FACTOR_NAMES[key]} rated {values[key]:.1f} from the listing."),
                evidence=quotes,
                floor_applied=not quotes,
            )
        )
    return out


def build_fact(value: bool | str | FactValue) -> ExposureFact:
    """True / 'yes' and False / 'no' are stated with a made-up quote; 'not_stated' (or None) is not stated."""
    if value is None or value == FactValue.NOT_STATED:
        return ExposureFact.not_stated()
    fact_value = FactValue.YES if value is True else FactValue.NO if value is False else FactValue(value)
    return ExposureFact(value=fact_value, evidence=[evidence(f"stated {fact_value.value} for a test", "Test")], source=FactSource.STATED)


def build_exposure(**facts: bool | str | None) -> ExposureFacts:
    """Exposure facts for a test; a fact not named is a stated 'no' (the 1.0 default of false)."""
    unknown = set(facts) - set(EXPOSURE_FACTS)
    if unknown:
        raise TypeError(f"unknown exposure facts {sorted(unknown)}")
    return ExposureFacts(**{n: build_fact(facts.get(n, False)) for n in EXPOSURE_FACTS})


def build_profile(
    *,
    kind: Kind,
    name: str,
    values: Mapping[FactorKey, float],
    stated: Mapping[LayerId, str] | None = None,
    exposure: ExposureFacts | None = None,
    mitigations: list[Mitigation] | None = None,
    underlying_models: list[str] | None = None,
    outputs: list[Modality] | None = None,
    summary: str = "",
    developer: str | None = None,
    evidence_for: Mapping[FactorKey, list[Evidence]] | None = None,
) -> AgenticProfile:
    stated = stated or {}
    layers = [LayerStatement(layer=lid, stated=stated.get(lid), evidence=[]) for lid in LayerId]
    system = SystemProfile(
        kind=kind,
        name=name,
        developer=developer,
        summary=summary,
        input_modalities=[Modality.TEXT],
        output_modalities=outputs or [Modality.TEXT],
        underlying_models=underlying_models or [],
        layers=layers,
        exposure=exposure or build_exposure(),
        mitigations=mitigations or [],
        kind_evidence=[],
    )
    return AgenticProfile(system=system, factors=build_factors(values, evidence_for))


def image_model_profile(**overrides: object) -> AgenticProfile:
    """A plain open-weights text-to-image model: L1 and L6 pinned, no agency."""
    args: dict[str, object] = dict(
        kind=Kind.IMAGE_VIDEO_AUDIO_MODEL,
        name="Pixelbloom 3",
        values=IMAGE_VALUES,
        stated={LayerId.L1: "4B-parameter rectified-flow transformer, open weights", LayerId.L6: "Non-commercial licence with an acceptable-use policy"},
        underlying_models=["Pixelbloom 3 4B"],
        outputs=[Modality.IMAGE],
        summary="Pixelbloom 3 is an open-weights model that turns text prompts into images.",
        developer="Bloom Labs",
        evidence_for={
            FactorKey.CONTEXTUAL_AWARENESS: [evidence("turns text prompts into images", "Pixelbloom 3")],
            FactorKey.NON_DETERMINISM: [evidence("rectified-flow transformer", "Pixelbloom 3")],
        },
    )
    args.update(overrides)
    return build_profile(**args)  # type: ignore[arg-type]


def coding_agent_profile(**overrides: object) -> AgenticProfile:
    """A terminal coding agent with shell access, credentials and MCP servers."""
    args: dict[str, object] = dict(
        kind=Kind.CODING_AGENT,
        name="Shellwright",
        values=CODING_VALUES,
        stated={
            LayerId.L1: "Runs on a hosted frontier LLM chosen by the user",
            LayerId.L3: "Plans multi-step tasks, edits files and runs shell commands through tools and MCP servers",
            LayerId.L4: "Runs locally in the user's terminal, with an optional Docker sandbox",
            LayerId.L7: "Connects to MCP servers and opens GitHub pull requests",
        },
        exposure=build_exposure(
            processes_untrusted_content=True, executes_code=True, writes_files=True, uses_credentials=True, acts_on_external_systems=True
        ),
        mitigations=[
            Mitigation(kind=MitigationKind.SANDBOX, description="Optional Docker sandbox for commands", evidence=[]),
            Mitigation(kind=MitigationKind.ALLOW_LIST, description="Allow-list of shell commands", evidence=[]),
        ],
        underlying_models=["Frontier-LLM"],
        outputs=[Modality.TEXT, Modality.CODE, Modality.ACTIONS],
        summary="Shellwright is a terminal coding agent that plans tasks, edits files and runs shell commands.",
        evidence_for={
            FactorKey.AUTONOMY_OF_ACTION: [evidence("plans multi-step tasks, edits files and runs shell commands", "Shellwright")],
            FactorKey.DYNAMIC_TOOL_USE: [evidence("It can call MCP servers", "Tools"), evidence("made-up quote", "Tools", verified=False)],
        },
    )
    args.update(overrides)
    return build_profile(**args)  # type: ignore[arg-type]


def ok_result(profile: AgenticProfile, warnings: list[AnalysisWarning] | None = None) -> ExtractionResult:
    outcome = ExtractionOutcome(status="ok", provider="heuristic", error=None, quotes_total=4, quotes_verified=3, quotes_dropped=1)
    return ExtractionResult(profile=profile, outcome=outcome, warnings=warnings or [], model=None, prompt_version="test-1")


def injection_warning(detail: str = "Ignore previous instructions") -> AnalysisWarning:
    return AnalysisWarning(code="prompt_injection", severity=Severity.WARNING, message="The listing contains text addressed to AI readers.", detail=detail)


def build_analysis(
    profile: AgenticProfile | None,
    listing: Listing | None = None,
    *,
    warnings: list[AnalysisWarning] | None = None,
    error: str = "model returned invalid JSON",
    scoring: ScoringOptions | None = None,
) -> Analysis:
    """A whole Analysis through the real deterministic half of the pipeline (score + MAESTRO)."""
    from analyzer.pipeline import assemble

    listing = listing or build_listing()
    result = ok_result(profile, warnings) if profile is not None else failed_result("openai", error, warnings=warnings or [])
    return assemble(listing, result, scoring or ScoringOptions(), started_at=FIXED_TIME)


def image_analysis(**kwargs: object) -> Analysis:
    return build_analysis(image_model_profile(), build_listing(), **kwargs)  # type: ignore[arg-type]


def coding_analysis(**kwargs: object) -> Analysis:
    listing = build_listing(CODING_AGENT_TEXT, title="Shellwright", source="https://example.org/shellwright")
    return build_analysis(coding_agent_profile(), listing, **kwargs)  # type: ignore[arg-type]


def failed_analysis(**kwargs: object) -> Analysis:
    return build_analysis(None, build_listing(), **kwargs)  # type: ignore[arg-type]
