"""MAESTRO layer statements: what the listing itself says for each of the seven layers.

A layer is stated only when a facet rule (analyzer/data/heuristic_rules.yaml, `layers`) matches prose or a
metadata field. The `stated` text is built from the matched clauses themselves ("runs on GPT-4.1, Claude
Sonnet or local models served through Ollama"; "licence: apache-2.0"), so the MAESTRO writer can render
it directly; each clause is also the layer's verbatim evidence quote.
"""

from __future__ import annotations

import re

from analyzer import regexcache
from analyzer.extract.heuristic.rules import LayerFacet, Rules
from analyzer.extract.heuristic.textscan import Match, ScanText, metadata_evidence
from analyzer.models import Evidence, Kind, LayerId, LayerStatement
from analyzer.sentences import display_quote

MAX_FRAGMENTS = 3
MAX_STATED = 400
SHORT_FRAGMENT = 20  # a table cell like "MMLU" is kept only when nothing longer matches
HITS_PER_FACET = 8
_TRIM = " \t\r\n*-#>_`|•:;,"
_WORD = regexcache.compile(r"[^\W_]{2,}")
_PLACEHOLDERS = {"", "unknown", "none", "n/a", "license", "licence", "tbd"}


def layer_statements(scan: ScanText, rules: Rules, kind: Kind) -> list[LayerStatement]:
    out = []
    for layer in LayerId:
        facets = [f for f in rules.layers if f.layer is layer and f.applies_to(kind)]
        fragments = _text_fragments(scan, facets)
        fragments += _metadata_fragments(scan, rules.layer_metadata.get(layer, ()), [t for t, _ in fragments])
        fragments = fragments[:MAX_FRAGMENTS]
        if not fragments:
            out.append(LayerStatement(layer=layer, stated=None, evidence=[]))
            continue
        stated = "; ".join(text for text, _ in fragments)
        if len(stated) > MAX_STATED:
            stated = stated[: MAX_STATED - 1].rsplit(" ", 1)[0] + "…"
        out.append(LayerStatement(layer=layer, stated=stated, evidence=[e for _, e in fragments]))
    return out


def _text_fragments(scan: ScanText, facets: list[LayerFacet]) -> list[tuple[str, Evidence]]:
    """The first good clause per facet, in YAML order, without two fragments from the same clause."""
    taken: list[tuple[int, int]] = []
    out: list[tuple[str, Evidence]] = []
    for facet in facets:
        if len(out) >= MAX_FRAGMENTS:
            break
        best: tuple[int, int] | None = None
        best_hit: Match | None = None
        for hit in scan.find_all(facet.pattern, include_code=facet.include_code, limit=HITS_PER_FACET):
            if _on_heading(scan.text, hit.start) or not _sentence_ok(facet, hit):
                continue
            span = clause(scan.text, hit)
            if len(_WORD.findall(scan.text[span[0] : span[1]])) < 2 and hit.location.startswith("("):
                continue  # a lone word outside any section says too little
            if any(a < span[1] and span[0] < b for a, b in taken):
                best = None  # an earlier facet already quotes this clause: the layer says it once
                break
            if best is None or (best[1] - best[0] < SHORT_FRAGMENT <= span[1] - span[0]):
                best, best_hit = span, hit
            if best[1] - best[0] >= SHORT_FRAGMENT:
                break
        if best is not None and best_hit is not None:
            taken.append(best)
            fragment = scan.text[best[0] : best[1]]
            location = scan.location(best[0])
            text = _readable(fragment)
            if len(_WORD.findall(fragment)) < 2 and not location.startswith("("):
                text = f"{_readable(location)}: {text}"  # a table cell or bare value reads with its heading
            # The layer text is the clause; the evidence is the whole sentence or list item it sits in.
            out.append((text, best_hit.evidence()))
    return out


def _metadata_fragments(scan: ScanText, keys: tuple[str, ...], already: list[str]) -> list[tuple[str, Evidence]]:
    out = []
    seen = _squeeze(" ".join(already))
    for key in keys:
        for value in scan.listing.meta(key)[:1]:
            value = value.strip()
            # "license: apache-2.0" says nothing new beside "License: Apache 2.0"
            if _squeeze(value) not in seen and value.lower() not in _PLACEHOLDERS and value.lower() != key:
                label = key.split(".")[0].replace("_", " ")
                out.append((f"{label}: {value[:120]}", metadata_evidence(scan.listing, key, value)))
                seen += " " + _squeeze(value)
    return out


def _squeeze(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def _sentence_ok(facet: LayerFacet, hit: Match) -> bool:
    """`context` and `unless` look at the sentence and its section heading ("## Training", "## Providers")."""
    where = f"{hit.quote}\n{hit.location}"
    if facet.context is not None and facet.context.search(where) is None:
        return False
    return facet.unless is None or facet.unless.search(where) is None


def clause(text: str, hit: Match) -> tuple[int, int]:
    """The clause around a match inside its sentence: the whole sentence when it is short, else the text
    between the clause breaks (";", ":", dashes, ", ") around the match — never cut mid-phrase."""
    qs = hit.quote_start if hit.quote_start >= 0 else hit.start
    qe = qs + len(hit.quote) if hit.quote_start >= 0 else hit.end
    if qe - qs <= SENTENCE_CHARS:
        return qs, qe
    breaks = [(m.start(), m.end()) for m in _CLAUSE_BREAK.finditer(text, qs, qe)]
    left = max((b for a, b in breaks if b <= hit.start), default=qs)
    after = [a for a, _ in breaks if a >= hit.end]
    right = after[0] if after else qe
    for a in after[1:]:  # a clause too short to read on its own takes the next one too
        if right - left >= SHORT_FRAGMENT:
            break
        right = a
    while left < right and text[left] in _TRIM:
        left += 1
    while right > left and text[right - 1] in _TRIM:
        right -= 1
    return (left, right) if right > left else (hit.start, hit.end)


_CLAUSE_BREAK = regexcache.compile(r"[;:|]\s|\s[—–-]{1,2}\s|,\s")
SENTENCE_CHARS = 200  # a sentence up to this long is the clause itself


def _readable(quote: str) -> str:
    return display_quote(quote).strip(" .")


def _on_heading(text: str, offset: int) -> bool:
    line_start = text.rfind("\n", 0, offset) + 1
    return text[line_start:offset].lstrip().startswith("#")
