"""The LLM-facing draft models and their conversion into our AgenticProfile.

The draft is what the model fills in, so it is shaped for strict structured outputs: every field
required (optional values are `X | None`), no free-form dicts, categorical values (factor levels are the
strings "0.0".."1.0", never free floats, because grammars do not enforce numeric bounds), the ten
factors as named fields (so none can be missing or repeated) and a `maxLength`/`maxItems` on free text
and lists so a small model cannot ramble until it hits the token limit. Over-long text or lists are
trimmed on our side rather than rejected: a long rationale is not a reason to re-ask.

Nothing in a draft is trusted: `to_profile` keeps only quotes that the grounding step verifies, and a
factor without grounded evidence falls back to the floor for the system's kind.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model

from analyzer import rubric
from analyzer.models import (
    EXPOSURE_FACTS,
    FACTOR_NAMES,
    FACTOR_ORDER,
    AgenticProfile,
    Evidence,
    ExposureFact,
    ExposureFacts,
    FactSource,
    FactValue,
    FactorAssessment,
    FactorKey,
    FactorStatus,
    Kind,
    LayerId,
    LayerStatement,
    Mitigation,
    MitigationKind,
    Modality,
    SystemProfile,
)

DRAFT_SCHEMA_VERSION = "draft-2"

Level = Literal["0.0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1.0"]


def _trim_text(limit: int) -> Callable[[Any], Any]:
    def trim(value: Any) -> Any:
        return value.strip()[:limit] if isinstance(value, str) else value

    return trim


def _trim_list(limit: int) -> Callable[[Any], Any]:
    def trim(value: Any) -> Any:
        return value[:limit] if isinstance(value, list) else value

    return trim


def Text(limit: int, description: str | None = None) -> Any:  # noqa: N802 - a type factory, used like a type
    """A string the schema caps at `limit` characters and validation trims instead of rejecting."""
    return Annotated[str, BeforeValidator(_trim_text(limit)), Field(max_length=limit, description=description)]


def Items(item: Any, limit: int, description: str | None = None) -> Any:  # noqa: N802
    return Annotated[list[item], BeforeValidator(_trim_list(limit)), Field(max_length=limit, description=description)]


class _Draft(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DraftEvidence(_Draft):
    quote: Text(300, "Verbatim words copied from the listing or a metadata value; no paraphrase.")  # type: ignore[valid-type]
    location: Text(120, "Section heading the quote is under, or 'metadata:<key>'.")  # type: ignore[valid-type]


class DraftFactor(_Draft):
    value: Level = Field(description="Rubric level 0.0–1.0 in 0.1 steps.")
    stated: bool = Field(description="True only if the listing states evidence for this value.")
    rationale: Text(300, "One or two sentences: why this level, citing the evidence.")  # type: ignore[valid-type]
    evidence: Items(DraftEvidence, 3)  # type: ignore[valid-type]


class DraftFactors(_Draft):
    autonomy_of_action: DraftFactor
    goal_driven_planning: DraftFactor
    self_modification: DraftFactor
    dynamic_tool_use: DraftFactor
    persistent_memory: DraftFactor
    contextual_awareness: DraftFactor
    dynamic_identity: DraftFactor
    multi_agent_interactions: DraftFactor
    non_determinism: DraftFactor
    opacity_reflexivity: DraftFactor


class DraftLayer(_Draft):
    layer: LayerId
    stated: Text(300, "What the listing states for this layer.")  # type: ignore[valid-type]
    evidence: Items(DraftEvidence, 2)  # type: ignore[valid-type]


class DraftExposureFact(_Draft):
    value: FactValue = Field(description="yes / no only when the listing states it (quote it); not_stated when it depends on the deployment.")
    evidence: Items(DraftEvidence, 2)  # type: ignore[valid-type]


# One field per exposure fact, described as in models.ExposureFacts (one definition of each fact).
DraftExposure = create_model(
    "DraftExposure",
    __base__=_Draft,
    **{name: (DraftExposureFact, Field(description=ExposureFacts.model_fields[name].description)) for name in EXPOSURE_FACTS},  # type: ignore[call-overload]
)


class DraftMitigation(_Draft):
    kind: MitigationKind
    description: Text(200)  # type: ignore[valid-type]
    evidence: Items(DraftEvidence, 2)  # type: ignore[valid-type]


class DraftSystem(_Draft):
    kind: Kind
    name: Text(120)  # type: ignore[valid-type]
    developer: Text(120) | None  # type: ignore[valid-type]
    summary: Text(400, "One or two sentences: what the system is and does.")  # type: ignore[valid-type]
    input_modalities: Items(Modality, 7)  # type: ignore[valid-type]
    output_modalities: Items(Modality, 7)  # type: ignore[valid-type]
    underlying_models: Items(Annotated[str, BeforeValidator(_trim_text(80)), Field(max_length=80)], 5, "Model names it is or runs on, as stated.")  # type: ignore[valid-type]
    kind_evidence: Items(DraftEvidence, 2)  # type: ignore[valid-type]
    layers: Items(DraftLayer, 7, "Only the MAESTRO layers the listing states something about.")  # type: ignore[valid-type]
    exposure: DraftExposure  # type: ignore[valid-type]
    mitigations: Items(DraftMitigation, 6)  # type: ignore[valid-type]


class ExtractionDraft(_Draft):
    """The whole answer the model returns."""

    system: DraftSystem
    factors: DraftFactors


# --------------------------------------------------------------------------- schema identity


@cache
def draft_json_schema() -> dict[str, Any]:
    """The strict JSON schema the SDK sends for ExtractionDraft (also shown in json_object prompts)."""
    from openai.lib._pydantic import to_strict_json_schema

    return to_strict_json_schema(ExtractionDraft)


@cache
def schema_hash() -> str:
    text = json.dumps(draft_json_schema(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- grounding hooks


def iter_evidence(draft: ExtractionDraft) -> Iterator[DraftEvidence]:
    """Every quote in the draft, in a stable order (for counting and reporting)."""
    s = draft.system
    yield from s.kind_evidence
    for layer in s.layers:
        yield from layer.evidence
    for name in EXPOSURE_FACTS:
        yield from getattr(s.exposure, name).evidence
    for m in s.mitigations:
        yield from m.evidence
    for key in FACTOR_ORDER:
        yield from getattr(draft.factors, key.value).evidence


Verifier = Callable[[str, str], Evidence | None]
"""(quote, location) → verified Evidence (location corrected to where it was found), or None."""


@dataclass
class GroundingTally:
    total: int = 0
    verified: int = 0
    dropped_quotes: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # why quotes were refused (grounding.Rejection values)
    floored: list[FactorKey] = field(default_factory=list)

    @property
    def dropped(self) -> int:
        return self.total - self.verified


def _grounded(items: list[DraftEvidence], verify: Verifier, tally: GroundingTally) -> list[Evidence]:
    kept: list[Evidence] = []
    seen: set[str] = set()
    for item in items:
        tally.total += 1
        ev = verify(item.quote, item.location)
        if ev is None:
            tally.dropped_quotes.append(item.quote)
            continue
        tally.verified += 1
        if ev.quote not in seen:  # the same quote twice is one piece of evidence
            seen.add(ev.quote)
            kept.append(ev)
    return kept


def _grounded_fact(draft: DraftExposureFact, verify: Verifier, tally: GroundingTally) -> ExposureFact:
    """A yes or no counts as stated only with a grounded quote; anything else is not stated."""
    ev = _grounded(draft.evidence, verify, tally)
    if draft.value is FactValue.NOT_STATED or not ev:
        return ExposureFact.not_stated()
    return ExposureFact(value=draft.value, evidence=ev, source=FactSource.STATED)


def to_profile(draft: ExtractionDraft, verify: Verifier) -> tuple[AgenticProfile, GroundingTally]:
    """Convert a draft into an AgenticProfile, keeping only grounded evidence.

    A factor with no grounded quote (or that the model itself marks as not stated) gets the rubric floor for the kind (status not_stated,
    floor_applied). A layer statement or a mitigation with no grounded quote is dropped: it would
    otherwise let unsupported (or injected) claims change the threat model or lower the score.
    """
    tally = GroundingTally()
    s = draft.system
    kind = s.kind
    kind_evidence = _grounded(s.kind_evidence, verify, tally)
    layers: list[LayerStatement] = []
    for d in s.layers:
        ev = _grounded(d.evidence, verify, tally)
        if ev and d.layer not in {x.layer for x in layers}:
            layers.append(LayerStatement(layer=d.layer, stated=d.stated or None, evidence=ev))
    layers.sort(key=lambda x: x.layer.value)
    exposure = ExposureFacts(**{name: _grounded_fact(getattr(s.exposure, name), verify, tally) for name in EXPOSURE_FACTS})
    mitigations: list[Mitigation] = []
    for m in s.mitigations:
        ev = _grounded(m.evidence, verify, tally)
        if ev:
            mitigations.append(Mitigation(kind=m.kind, description=m.description, evidence=ev))
    system = SystemProfile(
        kind=kind,
        name=s.name or "unnamed",
        developer=s.developer or None,
        summary=s.summary,
        input_modalities=list(dict.fromkeys(s.input_modalities)),
        output_modalities=list(dict.fromkeys(s.output_modalities)),
        underlying_models=[m for m in dict.fromkeys(s.underlying_models) if m],
        layers=layers,
        exposure=exposure,
        mitigations=mitigations,
        kind_evidence=kind_evidence,
    )
    factors: list[FactorAssessment] = []
    for key in FACTOR_ORDER:
        d = getattr(draft.factors, key.value)
        ev = _grounded(d.evidence, verify, tally)
        if ev and d.stated:
            factors.append(
                FactorAssessment(
                    key=key, name=FACTOR_NAMES[key], value=float(d.value), status=FactorStatus.STATED,
                    rationale=d.rationale, evidence=ev, floor_applied=False,
                )
            )
        else:
            tally.floored.append(key)
            floor = rubric.floor(kind, key)
            why = "No grounded evidence in the listing; the value is the floor for this kind of system."
            if d.rationale and float(d.value) != floor:
                why += f" (The model proposed {d.value} without a verifiable quote: {d.rationale})"
            factors.append(
                FactorAssessment(
                    key=key, name=FACTOR_NAMES[key], value=floor, status=FactorStatus.NOT_STATED,
                    rationale=why[:800], evidence=[], floor_applied=True,
                )
            )
    return AgenticProfile(system=system, factors=factors), tally
