"""Build the SystemProfile (name, developer, modalities, layers, exposure, mitigations) from phrase rules."""

from __future__ import annotations

import re
from collections.abc import Sequence

from analyzer import regexcache
from analyzer.extract.heuristic.exposure import NOT_STATED, find_exposure
from analyzer.extract.heuristic.rules import FlagRule, Rules
from analyzer.extract.heuristic.textscan import Match, ScanText, metadata_evidence
from analyzer.models import (
    EXPOSURE_FACTS,
    Evidence,
    ExposureFact,
    ExposureFacts,
    FactSource,
    FactValue,
    Kind,
    Mitigation,
    Modality,
)
from analyzer.taxonomy import KIND_LABELS

_DEVELOPER_TEXT = regexcache.compile(
    r"(?:developed by|model developers?|developer|created by|built by|maintained by)\**\s*[:：]?\**\s*"
    r"([A-Z][\w.&-]*(?: [A-Z][\w.&-]*){0,3})",
)
_DEVELOPER_KEYS = ("author", "developer", "organization", "owner", "publisher")
_BASE_MODEL_KEYS = ("base_model", "base_model.0")
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


_NAME_KEYS = ("title", "name", "model_name", "pretty_name", "og:title")
# Headings that name a section, not the system ("Model Details", "Latest updates -- ...").
_SECTION_HEADING = regexcache.compile(
    r"^(?:model (?:details|information|card|summary|overview|description)|introduction|overview|about|features|key features"
    r"|installation|install|quick ?start|getting started|usage|news|updates?|latest (?:news|updates?)|release notes|changelog"
    r"|table of contents|contents|abstract|description|summary|highlights|license|licence|citation|requirements|demo)\b",
    re.IGNORECASE,
)
_QUESTION_NAME = regexcache.compile(r"^(?:what is|what's|what can|why|how does)\s+(.+?)(?:\s+do)?\s*\??$", re.IGNORECASE)
_CARD_WORDS = regexcache.compile(r"^(?:model card(?: for)?|model card:)\s*|\s+model card$", re.IGNORECASE)
_SUBTITLE = regexcache.compile(r"\s*(?::|\s[-–—]{1,2})\s+(?P<rest>.+)$")
_DEFINED_NAME = regexcache.compile(r"(?:\*\*|`)([^*`\n]{2,60})(?:\*\*|`)\s+(?:is|are)\s+(?:an?|the)\b")
_SYMBOLS = regexcache.compile(r"^[^\w(\[]+|[^\w)\].!?]+$")


def system_name(scan: ScanText) -> str:
    """The system's own name: metadata title, the opening heading, a bold name defined in the lead, or the
    file/URL stem with the casing the listing itself uses ("openhands" -> "OpenHands")."""
    listing = scan.listing
    for key in _NAME_KEYS:
        for value in listing.meta(key)[:1]:
            if _clean_name(value):
                return _clean_name(value)
    stem = _stem(listing.source)
    title = listing.title.strip()
    if title and title != stem:
        question = _QUESTION_NAME.match(title.strip(" #*"))
        if question:
            return _clean_name(question.group(1)) or _stem_spelling(scan, stem)[0]
        cleaned = _clean_name(title)  # "Model Card for X" -> "X" before judging it
        if cleaned and not _SECTION_HEADING.match(cleaned):
            return cleaned
    spelled, count = _stem_spelling(scan, stem)
    defined = _DEFINED_NAME.search(scan.text[:3000])
    if defined and _clean_name(defined.group(1)) and count < 2:
        return _clean_name(defined.group(1))
    return spelled


def _clean_name(raw: str) -> str:
    name = re.sub(r"\s+", " ", raw[:1000]).strip(" #*_`:-")  # names are cut to 200 below; bound the regex work
    name = _CARD_WORDS.sub("", name).strip(" :-")
    name = re.sub(r"\s*\((?:paper|code|demo|arxiv|project page)[^)]*\)\s*$", "", name, flags=re.IGNORECASE)
    subtitle = _SUBTITLE.search(name)
    if subtitle and len(subtitle.group("rest").split()) >= 3 and subtitle.start() > 0:
        name = name[: subtitle.start()]  # "CogAgent: An open-sourced VLM-based GUI Agent" -> "CogAgent"
    name = _SYMBOLS.sub("", name).strip()
    return name[:200] if re.search(r"\w", name) else ""


def _stem(source: str) -> str:
    tail = source.rstrip("/").rsplit("/", 1)[-1]
    return tail.rsplit(".", 1)[0] if "." in tail and not tail.startswith(".") else tail


def _stem_spelling(scan: ScanText, stem: str) -> tuple[str, int]:
    """The stem as the listing spells it ("private-gpt" -> "PrivateGPT", "llama-3-2-vision" -> "Llama 3.2-Vision"):
    the most frequent cased variant, separators optional; with how often it occurs."""
    if not stem:
        return scan.listing.source[:200], 0
    parts = [re.escape(p) for p in re.split(r"[-_. ]+", stem) if p]
    pattern = re.compile(r"(?<![\w-])" + r"[-_. ]?".join(parts) + r"(?![\w-])", re.IGNORECASE)
    counts: dict[str, int] = {}
    for m in pattern.finditer(scan.prose):
        variant = m.group(0)
        if variant != variant.lower():
            counts[variant] = counts.get(variant, 0) + 1
    if not counts:
        return stem[:200], 0
    best = max(counts, key=lambda v: (counts[v], v))
    return best[:200], counts[best]


def developer(scan: ScanText) -> str | None:
    for key in _DEVELOPER_KEYS:
        values = scan.listing.meta(key)
        if values:
            return values[0][:200]
    m = _DEVELOPER_TEXT.search(scan.prose)
    return m.group(1).strip()[:200] if m else None


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


def exposure_and_mitigations(scan: ScanText, kind: Kind, name: str, blocked: Sequence[tuple[int, int]]) -> tuple[ExposureFacts, list[Mitigation]]:
    """The eight tri-state facts and the stated mitigations (analyzer/extract/heuristic/exposure.py).

    A yes or a stated no carries its own quote (source stated); a value the rubric settles from the kind
    alone (a model runs no code of its own), or a closed tool list, has no quote and is "assumed";
    everything else is not_stated. `blocked`: passages flagged as prompt injection, never evidence."""
    found = find_exposure(scan, kind, blocked=blocked, name=name)
    facts = {}
    for fact_name in EXPOSURE_FACTS:
        f = found.facts[fact_name]
        if f.source == "stated":
            facts[fact_name] = ExposureFact(value=FactValue(f.value), evidence=list(f.evidence), source=FactSource.STATED, implied_by=f.implied_by)
        elif f.value != NOT_STATED:
            facts[fact_name] = ExposureFact(value=FactValue(f.value), evidence=[], source=FactSource.ASSUMED)
        else:
            facts[fact_name] = ExposureFact.not_stated()
    mitigations = [Mitigation(kind=m.kind, description=m.description, evidence=list(m.evidence)) for m in found.mitigations]
    return ExposureFacts(**facts), mitigations


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
