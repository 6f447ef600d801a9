"""Build the SystemProfile (name, developer, modalities, layers, exposure, mitigations) from phrase rules."""

from __future__ import annotations

import re

from analyzer.extract.heuristic.rules import FlagRule, Rules
from analyzer.extract.heuristic.textscan import Match, ScanText, metadata_evidence
from analyzer.models import (
    KIND_LABELS,
    Evidence,
    ExposureFacts,
    Kind,
    LayerId,
    LayerStatement,
    Mitigation,
    MitigationKind,
    Modality,
)

_DEVELOPER_TEXT = re.compile(
    r"(?:developed by|model developers?|developer|created by|built by|maintained by)\**\s*[:：]?\**\s*"
    r"([A-Z][\w.&-]*(?: [A-Z][\w.&-]*){0,3})",
)
_DEVELOPER_KEYS = ("author", "developer", "organization", "owner", "publisher")
_BASE_MODEL_KEYS = ("base_model", "base_model.0")
_SENTENCE = re.compile(r"[A-Z][^\n|]{30,400}?[.!?](?=\s|$)")
_MAX_MODELS = 8


def first_hits(scan: ScanText, rules: tuple[FlagRule, ...]) -> dict[str, tuple[FlagRule, Match]]:
    """The first matching rule (in YAML order) per flag name, with its hit."""
    found: dict[str, tuple[FlagRule, Match]] = {}
    for rule in rules:
        if rule.name in found:
            continue
        hit = scan.first(rule.pattern, include_code=rule.include_code)
        if hit is not None:
            found[rule.name] = (rule, hit)
    return found


def system_name(scan: ScanText) -> str:
    title = re.sub(r"\s+", " ", scan.listing.title).strip(" #*:-")
    title = re.sub(r"^(model card( for)?|model card:)\s*", "", title, flags=re.IGNORECASE).strip(" :-")
    return (title or scan.listing.source.rsplit("/", 1)[-1])[:200]


def developer(scan: ScanText) -> str | None:
    for key in _DEVELOPER_KEYS:
        values = scan.listing.meta(key)
        if values:
            return values[0][:200]
    m = _DEVELOPER_TEXT.search(scan.prose)
    return m.group(1).strip()[:200] if m else None


def summary(scan: ScanText, kind: Kind, name: str) -> str:
    """Kind label plus the first real sentence of prose near the top."""
    lead = scan.prose[:6000]
    sentence = next((m.group(0).strip() for m in _SENTENCE.finditer(lead) if " " in m.group(0).strip()), "")
    label = KIND_LABELS[kind]
    text = f"{name}: {label}." + (f" {sentence}" if sentence else "")
    return text[:800]


def underlying_models(scan: ScanText, rules: Rules) -> list[str]:
    names: list[str] = []
    for key in _BASE_MODEL_KEYS:
        names.extend(scan.listing.meta(key))
    for start, end in rules.model_names.spans(scan.prose_lower, limit=200):
        names.append(scan.text[start:end].strip())
    seen: set[str] = set()
    out: list[str] = []
    for n in names:
        if n.lower() not in seen:
            seen.add(n.lower())
            out.append(n[:120])
        if len(out) >= _MAX_MODELS:
            break
    return out


def modalities(scan: ScanText, rules: tuple[FlagRule, ...], fallback: list[Modality]) -> list[Modality]:
    hits = first_hits(scan, rules)
    found = [Modality(name) for name in hits]
    ordered = [m for m in Modality if m in found]
    return ordered or fallback


def layers(scan: ScanText, rules: Rules, name_models: list[str]) -> list[LayerStatement]:
    by_layer: dict[LayerId, list[tuple[FlagRule, Match]]] = {layer: [] for layer in LayerId}
    for rule in rules.layers:
        hit = scan.first(rule.pattern, include_code=rule.include_code)
        if hit is not None and all(r.description != rule.description for r, _ in by_layer[LayerId(rule.name)]):
            by_layer[LayerId(rule.name)].append((rule, hit))
    out: list[LayerStatement] = []
    for layer in LayerId:
        found = by_layer[layer][:3]
        if layer is LayerId.L1 and not found and name_models:
            out.append(LayerStatement(layer=layer, stated=f"Runs on or is: {', '.join(name_models[:4])}"[:400], evidence=[]))
            continue
        if not found:
            out.append(LayerStatement(layer=layer, stated=None, evidence=[]))
            continue
        stated = "States " + "; ".join(r.description for r, _ in found)
        evidence = _dedupe([h.evidence() for _, h in found])
        out.append(LayerStatement(layer=layer, stated=stated[:400], evidence=evidence))
    return out


def exposure(scan: ScanText, rules: Rules) -> ExposureFacts:
    hits = first_hits(scan, rules.exposure)
    flags = {name: name in hits for name in ExposureFacts.model_fields if name != "evidence"}
    unknown = set(hits) - set(flags)
    if unknown:
        raise ValueError(f"heuristic_rules.yaml names unknown exposure facts: {sorted(unknown)}")
    evidence = _dedupe([hit.evidence() for _, hit in hits.values()])[:8]
    return ExposureFacts(evidence=evidence, **flags)


def mitigations(scan: ScanText, rules: Rules) -> list[Mitigation]:
    hits = first_hits(scan, rules.mitigations)
    return [
        Mitigation(kind=MitigationKind(name), description=rule.description[:300], evidence=[hit.evidence()])
        for name, (rule, hit) in hits.items()
    ]


def kind_metadata_evidence(scan: ScanText) -> list[Evidence]:
    out = []
    for key in ("pipeline_tag", "library_name"):
        for value in scan.listing.meta(key)[:1]:
            out.append(metadata_evidence(scan.listing, key, value))
    return out


def _dedupe(items: list[Evidence]) -> list[Evidence]:
    seen: set[tuple[str, str]] = set()
    out = []
    for e in items:
        if (e.quote, e.location) not in seen:
            seen.add((e.quote, e.location))
            out.append(e)
    return out
