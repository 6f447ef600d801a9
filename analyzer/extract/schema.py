"""The LLM-facing draft models and their conversion into our AgenticProfile.

The draft is what the model fills in, so it is shaped for strict structured outputs and for size: every
field required (optional values are `X | None`), no free-form dicts, categorical values (factor levels
are the strings "0.0".."1.0", never free floats, because grammars do not enforce numeric bounds), the ten
factors and eight exposure facts as named fields (so none can be missing or repeated), evidence as plain
quote strings (the grounding step finds where each is), and no descriptions: the prompt explains every
field once. The schema uses only what strict-mode providers document (type, properties, required,
additionalProperties, enum, anyOf, $ref, items): no maxLength / maxItems, which some strict servers
reject. Lengths are enforced here instead, by trimming — a long rationale is not a reason to re-ask.

Nothing in a draft is trusted: `to_profile` keeps only quotes that the grounding step verifies; a factor
without one gets the floor for the kind; a kind, exposure fact or mitigation without one is not taken
from the model (`Fallback` supplies the offline heuristic's grounded value instead, and says so).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, BeforeValidator, ConfigDict, create_model

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

DRAFT_SCHEMA_VERSION = "draft-3"

Level = Literal["0.0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1.0"]

QUOTE_CHARS = 300
TEXT_CHARS = 400


def _trim_text(limit: int) -> Callable[[Any], Any]:
    def trim(value: Any) -> Any:
        return value.strip()[:limit] if isinstance(value, str) else value

    return trim


def _trim_list(limit: int) -> Callable[[Any], Any]:
    def trim(value: Any) -> Any:
        return value[:limit] if isinstance(value, list) else value

    return trim


def Text(limit: int) -> Any:  # noqa: N802 - a type factory, used like a type
    """A string trimmed to `limit` characters on our side (the schema carries no length)."""
    return Annotated[str, BeforeValidator(_trim_text(limit))]


def Items(item: Any, limit: int) -> Any:  # noqa: N802
    """A list trimmed to `limit` items on our side (the schema carries no maxItems)."""
    return Annotated[list[item], BeforeValidator(_trim_list(limit))]


Quote = Text(QUOTE_CHARS)


class _Draft(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DraftFactor(_Draft):
    value: Level
    quotes: Items(Quote, 3)  # type: ignore[valid-type]
    rationale: Text(300)  # type: ignore[valid-type]


DraftFactors = create_model("DraftFactors", __base__=_Draft, **{key.value: (DraftFactor, ...) for key in FACTOR_ORDER})  # type: ignore[call-overload]


FactName = Enum("FactName", {name: name for name in EXPOSURE_FACTS}, type=str)  # type: ignore[misc]


class DraftFact(_Draft):
    """One exposure fact the listing states; facts left out are not stated."""

    fact: FactName  # type: ignore[valid-type]
    value: Literal["yes", "no"]
    quotes: Items(Quote, 2)  # type: ignore[valid-type]


class DraftMitigation(_Draft):
    kind: MitigationKind
    quote: Quote  # type: ignore[valid-type]


class DraftLayer(_Draft):
    layer: LayerId
    quotes: Items(Quote, 2)  # type: ignore[valid-type]


class DraftSystem(_Draft):
    name: Text(120)  # type: ignore[valid-type]
    developer: Text(120) | None  # type: ignore[valid-type]
    summary: Text(TEXT_CHARS)  # type: ignore[valid-type]
    kind: Kind
    kind_quotes: Items(Quote, 2)  # type: ignore[valid-type]
    input_modalities: Items(Modality, 7)  # type: ignore[valid-type]
    output_modalities: Items(Modality, 7)  # type: ignore[valid-type]
    underlying_models: Items(Text(80), 5)  # type: ignore[valid-type]
    exposure: Items(DraftFact, 2 * len(EXPOSURE_FACTS))  # type: ignore[valid-type]
    mitigations: Items(DraftMitigation, 6)  # type: ignore[valid-type]
    layers: Items(DraftLayer, 7)  # type: ignore[valid-type]


class ExtractionDraft(_Draft):
    """The whole answer the model returns."""

    system: DraftSystem
    factors: DraftFactors  # type: ignore[valid-type]


# --------------------------------------------------------------------------- schema identity


@cache
def draft_json_schema() -> dict[str, Any]:
    """The strict JSON schema of ExtractionDraft (json_schema mode; also shown in json_object prompts).

    The SDK's strict conversion, without `title` and `description` keys (the prompt explains the fields
    once; titles are noise the server would count as input on every request).
    """
    from openai.lib._pydantic import to_strict_json_schema

    schema = _without_annotations(to_strict_json_schema(ExtractionDraft))
    # short definition names: every $ref repeats them (ten factors, eight facts)
    text = json.dumps(schema)
    for name in sorted(schema.get("$defs", {}), key=len, reverse=True):
        short = name.removeprefix("Draft")
        text = text.replace(f'"#/$defs/{name}"', f'"#/$defs/{short}"').replace(f'"{name}": {{', f'"{short}": {{')
    return json.loads(text)


_ANNOTATIONS = ("title", "description")
_MAPS = ("properties", "$defs")  # keys whose values are maps of names to schemas: names are not annotations


def _without_annotations(node: Any) -> Any:
    if isinstance(node, list):
        return [_without_annotations(x) for x in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _MAPS and isinstance(value, dict):
            out[key] = {name: _without_annotations(sub) for name, sub in value.items()}
        elif key not in _ANNOTATIONS:
            out[key] = _without_annotations(value)
    return out


@cache
def schema_hash() -> str:
    text = json.dumps(draft_json_schema(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- grounding hooks


def iter_quotes(draft: ExtractionDraft) -> Iterator[str]:
    """Every quote in the draft, in a stable order (for counting and reporting)."""
    s = draft.system
    yield from s.kind_quotes
    for fact in s.exposure:
        yield from fact.quotes
    for m in s.mitigations:
        yield m.quote
    for layer in s.layers:
        yield from layer.quotes
    for key in FACTOR_ORDER:
        yield from getattr(draft.factors, key.value).quotes


Verifier = Callable[[str, str], Evidence | None]
"""(quote, location hint) → verified Evidence (location where it was found), or None."""


class KindCheck(Protocol):
    def __call__(self, kind: Kind, evidence: list[Evidence]) -> bool: ...


@dataclass
class GroundingTally:
    total: int = 0
    verified: int = 0
    dropped_quotes: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # why quotes were refused (grounding.Rejection values)
    floored: list[FactorKey] = field(default_factory=list)
    fallbacks: list[str] = field(default_factory=list)  # 'kind', 'fact:<name>', 'mitigation:<kind>' taken from the heuristic

    @property
    def dropped(self) -> int:
        return self.total - self.verified


def _grounded(quotes: list[str], verify: Verifier, tally: GroundingTally) -> list[Evidence]:
    kept: list[Evidence] = []
    seen: set[str] = set()
    for quote in quotes:
        if not quote.strip():
            continue
        tally.total += 1
        ev = verify(quote, "")
        if ev is None:
            tally.dropped_quotes.append(quote)
            continue
        tally.verified += 1
        if ev.quote not in seen:  # the same quote twice is one piece of evidence
            seen.add(ev.quote)
            kept.append(ev)
    return kept


def _any_kind(kind: Kind, evidence: list[Evidence]) -> bool:
    return bool(evidence)


def to_profile(
    draft: ExtractionDraft,
    verify: Verifier,
    fallback: Callable[[], AgenticProfile | None] = lambda: None,
    kind_supported: KindCheck = _any_kind,
) -> tuple[AgenticProfile, GroundingTally]:
    """Convert a draft into an AgenticProfile, keeping only grounded evidence.

    - kind: taken from the draft only with a verified quote that `kind_supported` accepts; else the
      fallback's (the offline heuristic's) kind;
    - each exposure fact: a yes or no only with a verified quote; else the fallback's value for that fact
      (its own quote or its assumption), else not_stated;
    - each mitigation: only with a verified quote; else the fallback's mitigation of that kind, if any;
    - each factor: its value with a verified quote (below the floor as much as above it); else the floor
      for the kind (status not_stated, floor_applied);
    - a layer statement without a verified quote is dropped.
    Everything taken from the fallback is listed in `system.from_heuristic` and `tally.fallbacks`.
    """
    tally = GroundingTally()
    s = draft.system
    heuristic: list[AgenticProfile | None] = []

    def other() -> AgenticProfile | None:
        if not heuristic:
            heuristic.append(fallback())
        return heuristic[0]

    kind_evidence = _grounded(s.kind_quotes, verify, tally)
    kind = s.kind
    if not (kind_evidence and kind_supported(kind, kind_evidence)):
        alt = other()
        if alt is not None:
            kind, kind_evidence = alt.system.kind, list(alt.system.kind_evidence)
            tally.fallbacks.append("kind")
        elif not kind_evidence:
            kind = Kind.UNKNOWN
    stated: dict[str, DraftFact] = {}
    for item in s.exposure:
        stated.setdefault(item.fact.value, item)  # the first entry for a fact counts
    facts: dict[str, ExposureFact] = {}
    for name in EXPOSURE_FACTS:
        d = stated.get(name)
        ev = _grounded(d.quotes, verify, tally) if d is not None else []
        if d is not None and ev:
            facts[name] = ExposureFact(value=FactValue(d.value), evidence=ev, source=FactSource.STATED)
            continue
        alt = other()
        facts[name] = alt.system.exposure.fact(name) if alt is not None else ExposureFact.not_stated()
        if alt is not None and (d is not None or facts[name].value is not FactValue.NOT_STATED):
            tally.fallbacks.append(f"fact:{name}")
    mitigations: list[Mitigation] = []
    for m in s.mitigations:
        if m.kind in {x.kind for x in mitigations}:
            continue
        ev = _grounded([m.quote], verify, tally)
        if ev:
            mitigations.append(Mitigation(kind=m.kind, description=ev[0].quote[:300], evidence=ev))
            continue
        alt = other()
        same = next((x for x in alt.system.mitigations if x.kind == m.kind and x.evidence), None) if alt is not None else None
        if same is not None:
            mitigations.append(same)
            tally.fallbacks.append(f"mitigation:{m.kind.value}")
    layers: list[LayerStatement] = []
    for d in s.layers:
        ev = _grounded(d.quotes, verify, tally)
        if ev and d.layer not in {x.layer for x in layers}:
            layers.append(LayerStatement(layer=d.layer, stated=ev[0].quote[:400], evidence=ev))
    layers.sort(key=lambda x: x.layer.value)
    system = SystemProfile(
        kind=kind,
        name=s.name or "unnamed",
        developer=s.developer or None,
        summary=s.summary,
        input_modalities=list(dict.fromkeys(s.input_modalities)),
        output_modalities=list(dict.fromkeys(s.output_modalities)),
        underlying_models=[m for m in dict.fromkeys(s.underlying_models) if m],
        layers=layers,
        exposure=ExposureFacts(**facts),
        mitigations=mitigations,
        kind_evidence=kind_evidence,
        from_heuristic=list(tally.fallbacks),
    )
    factors: list[FactorAssessment] = []
    for key in FACTOR_ORDER:
        d = getattr(draft.factors, key.value)
        ev = _grounded(d.quotes, verify, tally)
        if ev:
            factors.append(
                FactorAssessment(
                    key=key, name=FACTOR_NAMES[key], value=float(d.value), status=FactorStatus.STATED,
                    rationale=d.rationale, evidence=ev, floor_applied=False,
                )
            )
            continue
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
