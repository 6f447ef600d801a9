"""Recognise what kind of system a listing describes, from weighted phrases and metadata.

Phrases near the top of the listing (title, tagline, first paragraphs) say what the system *is*; the
rest often names other systems it works with, so lead matches weigh more.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from analyzer import regexcache
from analyzer.extract.heuristic.fastre import FastPattern
from analyzer.extract.heuristic.rules import Rules
from analyzer.extract.heuristic.textscan import ScanText, metadata_evidence
from analyzer.models import Evidence, Kind
from analyzer.taxonomy import MODEL_KINDS

MAX_HITS_PER_RULE = 3
_TASK_KEY = "pipeline_tag"
# "X is a framework for ...", "X lets you ...": the sentence where a listing defines itself.
_DEFINITION = regexcache.compile(r"\b(?:is|are)\s+(?:an?|the|your)\b[^.\n]{0,200}|\b(?:lets|enables|allows)\s+(?:you|your|developers|users|an?)\b[^.\n]{0,200}", re.IGNORECASE)
MAX_DEFINITIONS = 2
# The tagline: the first sentences of readable prose ("Your AI teammate in the terminal.", "A Go library
# for building agents.") define a system as surely as an "X is a ..." sentence, whatever their wording.
_TAGLINE_SENTENCE = regexcache.compile(r"[^\s#>|*\-][^.!?\n]{12,240}(?:[.!?](?=\s|$)|(?=\n))")
MAX_TAGLINES = 2
MAX_TAGLINE_SCAN = 20_000
# A README that opens with news or benchmarks still defines itself in its "Introduction" section.
_INTRO_HEADING = regexcache.compile(
    r"^#{1,4}[ \t]+[^\n]{0,6}(?:introduction|overview|about|what (?:[\w-]+ ){0,2}(?:is|does|can)|model (?:details|information|summary|description)|description)\b[^\n]*$",
    re.IGNORECASE | re.MULTILINE,
)

# A listing that defines itself as a list of other projects ("A curated list of tools for building agents",
# "Awesome MCP servers") describes no system of its own: the capabilities in its items are those of the
# projects it links to, so it gets no kind (and no agent's factors) from them.
_CATALOGUE_NOUNS = r"(?:list|collection|directory|catalogue|catalog|index|compilation)"
# "a collection of pretrained models" is a model family, so a bare "collection of" is not enough.
_CATALOGUE_DEFINITION = regexcache.compile(
    r"\b(?:curated|awesome|hand-picked|community-maintained) (?:\w+ )?" + _CATALOGUE_NOUNS + r"\b"
    r"|^(?:(?:is|are) )?(?:an?|the|this) (?:\w+ ){0,2}(?:list|directory|index) of (?:\w+ ){0,3}(?:links|resources|projects|repositories|repos|tools|apps|servers)\b"
    r"|\b(?:does not|doesn't) contain (?:any )?code\b",
    re.IGNORECASE,
)
_CATALOGUE_TITLE = regexcache.compile(r"^\W*awesome[- ]", re.IGNORECASE)
_CATALOGUE_QUOTE = FastPattern.for_rule(r"\b(?:curated|awesome|hand-picked) " + _CATALOGUE_NOUNS + r"\b|\b" + _CATALOGUE_NOUNS + r" of (?:\w+ ){0,4}(?:tools|projects|resources|papers|repositories|apps|agents|models|servers|links|frameworks|libraries)\b")


# A dataset or benchmark card ("A dataset of 300k agent trajectories", "X is a benchmark for ...", HF dataset
# front matter) describes data, not a system that runs: what its rows show agents doing is not its own.
_DATASET_DEFINITION = regexcache.compile(
    r"^(?:(?:is|are) )?(?:an?|the|this|our) (?:[\w-]+ ){0,3}(?:dataset|corpus|benchmark)s?\b(?!-)(?! (?:card|loader|results?|scores?)\b)(?! (?:and|&|with) (?:an? |the )?(?:models?|code|tools?|agents?|baselines?)\b)",
    re.IGNORECASE,
)
_DATASET_KEYS = ("task_categories", "dataset_info", "size_categories")  # the first present is quoted
_MODEL_KEYS = frozenset({"pipeline_tag", "library_name", "base_model", "base_model.0", "model_name"})
# A sentence in a setup section (textscan.SETUP_SECTION) weighs this much for the kind and is never the opening.
SETUP_WEIGHT = 0.5


class KindDecision(NamedTuple):
    kind: Kind
    scores: dict[Kind, float]
    evidence: list[Evidence]
    catalogue: bool = False  # the listing is a list of other projects, not one system
    dataset: bool = False  # the listing describes a dataset or benchmark, not a system


_NOT_WORDS = regexcache.compile(r"!\[[^\[\]\n]*\]\([^()\n]*\)|\]\([^()\n]*\)|\]\[[^\[\]\n]*\]|https?://\S+|&\w+;")  # linear: see textscan


def lead_end(prose: str, chars: int) -> int:
    """Offset where the first `chars` characters of readable prose end.

    Badges, images and link targets do not count: a README that opens with a wall of badges still has
    its tagline in the lead.
    """
    readable = _NOT_WORDS.sub(lambda m: " " * len(m.group(0)), prose)
    seen = 0
    for m in re.finditer(r"\S+", readable):
        seen += m.end() - m.start()
        if seen >= chars:
            return m.end()
    return len(prose)


def detect_kind(scan: ScanText, rules: Rules) -> KindDecision:
    decision = _detect(scan, rules, rules.kind_scan_chars)
    if decision.kind is Kind.UNKNOWN and not (decision.catalogue or decision.dataset) and len(scan.prose) > rules.kind_scan_chars:
        # A long README whose opening is history, install steps and a changelog says what the system does in a
        # late section: read it all (only then, so long listings that do define themselves early stay fast).
        decision = _detect(scan, rules, None)
    return decision


def _detect(scan: ScanText, rules: Rules, end: int | None) -> KindDecision:
    scores: dict[Kind, float] = {k: 0.0 for k in Kind}
    best_hit: dict[Kind, tuple[float, Evidence]] = {}
    cutoff = lead_end(scan.prose, rules.lead_chars)
    lead = [(0, cutoff)]
    intro = _INTRO_HEADING.search(scan.prose, cutoff)
    if intro is not None:
        lead.append((intro.start(), intro.end() + lead_end(scan.prose[intro.end() :], rules.lead_chars)))
    title = scan.listing.title
    defined = [(m.start(), m.group(0)) for a, b in lead for m in _DEFINITION.finditer(scan.prose, a, b) if not scan.in_setup(m.start())][:MAX_DEFINITIONS]
    opening = [(at, t) for at, t in taglines(scan.prose, cutoff) if not scan.in_setup(at)]
    defined += [(at, t) for at, t in opening if not any(t in d or d in t for _, d in defined)]
    definitions = [d for _, d in defined]
    if (title and _CATALOGUE_TITLE.search(title)) or any(_CATALOGUE_DEFINITION.search(d) for d in definitions):
        hit = scan.first(_CATALOGUE_QUOTE)
        return KindDecision(Kind.UNKNOWN, scores, [hit.evidence()] if hit is not None and hit.start < cutoff else [], catalogue=True)
    dataset = _dataset_evidence(scan, opening + defined)
    if dataset is not None:
        return KindDecision(Kind.UNKNOWN, scores, [dataset], dataset=True)
    for rule in rules.kind_rules:
        if title and rule.pattern.search(title):
            scores[rule.kind] += rule.weight * rules.title_multiplier
        for sentence in definitions:
            if rule.pattern.search(sentence):
                scores[rule.kind] += rule.weight * rules.definition_multiplier
        for hit in scan.find_all(rule.pattern, include_code=rule.include_code, limit=MAX_HITS_PER_RULE, end=end):
            if scan.in_setup(hit.start) and scan.unit_at(hit.start) is not None:  # prose of a setup section (code cues keep their weight)
                gain = rule.weight * SETUP_WEIGHT
            else:
                gain = rule.weight * (rules.lead_multiplier if any(a <= hit.start < b for a, b in lead) else 1.0)
            scores[rule.kind] += gain
            if gain > best_hit.get(rule.kind, (0.0, None))[0]:  # type: ignore[comparison-overlap]
                best_hit[rule.kind] = (gain, hit.evidence())
    for trule in rules.title_rules:
        if title and trule.pattern.search(title):
            scores[trule.kind] += trule.weight
    model_task = False  # the hub's own task tag says the repository holds a model
    for mrule in rules.meta_kind_rules:
        for field in scan.listing.metadata:
            if field.key.lower() in mrule.keys and mrule.pattern.search(field.value):
                model_task = model_task or (field.key.lower() == _TASK_KEY and mrule.kind in MODEL_KINDS)
                gain = mrule.weight
                scores[mrule.kind] += gain
                if gain > best_hit.get(mrule.kind, (0.0, None))[0]:  # type: ignore[comparison-overlap]
                    best_hit[mrule.kind] = (gain, metadata_evidence(scan.listing, field.key, field.value))
                break
    order = {k: i for i, k in enumerate(rules.kind_order)}
    refined_only = {r.to for r in rules.refinements}
    candidates = [k for k in scores if k not in refined_only]
    if model_task:
        # A model card's prose says what the model is trained for ("to edit files and fix bugs inside an
        # agent scaffold", "point your coding agent at it"): the agent is the host's, the listing a model.
        candidates = [k for k in candidates if k in MODEL_KINDS]
    kind = max(candidates, key=lambda k: (round(scores[k], 6), -order.get(k, len(order))))
    if scores[kind] < rules.min_kind_score:
        return _fallback(scan, rules, scores, kind, best_hit, cutoff)
    # Some kinds are a refinement of another: an LLM card that also advertises tool calling.
    for refinement in rules.refinements:
        if kind is refinement.source and scores[refinement.to] >= refinement.min_score:
            kind = refinement.to
            break
    evidence = [best_hit[kind][1]] if kind in best_hit else []
    return KindDecision(kind, scores, evidence)


def _dataset_evidence(scan: ScanText, defined: list[tuple[int, str]]) -> Evidence | None:
    """The quote that shows the listing is a dataset or benchmark card, or None."""
    keys = {f.key.lower(): f for f in scan.listing.metadata}
    if keys.keys() & _MODEL_KEYS:
        return None
    for at, sentence in defined:
        if _DATASET_DEFINITION.search(sentence):
            return Evidence(quote=scan.text[at : at + len(sentence)], location=scan.location(at), verified=True)
    key = next((k for k in _DATASET_KEYS if k in keys), None)
    return None if key is None else metadata_evidence(scan.listing, keys[key].key, keys[key].value)


def taglines(prose: str, cutoff: int) -> list[tuple[int, str]]:
    """The first sentences of readable prose in the lead (headings, lists and quotes skipped), with their offsets."""
    # Bounded: a lead with no spaces ends only at the end of the text, and the sentence pattern looks
    # up to 240 characters ahead from every position.
    readable = _NOT_WORDS.sub(lambda m: " " * len(m.group(0)), prose[: min(cutoff, MAX_TAGLINE_SCAN)])
    out: list[tuple[int, str]] = []
    for m in _TAGLINE_SENTENCE.finditer(readable):
        sentence = m.group(0).strip()
        line_start = readable.rfind("\n", 0, m.start()) + 1
        if readable[line_start : m.start()].strip(" \t*_>"):
            continue  # inside a heading, list item or table row, not a tagline (a quoted line is: "> The framework for ...")
        if len(sentence.split()) >= 3:
            raw = prose[m.start() : m.end()]
            out.append((m.start() + len(raw) - len(raw.lstrip()), raw.strip()))
        if len(out) >= MAX_TAGLINES:
            break
    return out


def _fallback(
    scan: ScanText, rules: Rules, scores: dict[Kind, float], top: Kind, best_hit: dict[Kind, tuple[float, Evidence]], cutoff: int
) -> KindDecision:
    """Weak but real evidence still names a kind; plain words for 'agent' or 'app' pick a generic one."""
    if scores[top] >= rules.fallback_min_score and top in best_hit:
        return KindDecision(top, scores, [best_hit[top][1]])
    for rule in rules.fallbacks:
        hit = scan.first(rule.pattern)
        if hit is not None and hit.start < max(cutoff, 1):
            return KindDecision(rule.kind, scores, [hit.evidence()])
    return KindDecision(Kind.UNKNOWN, scores, [])
