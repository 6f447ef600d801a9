"""Detect text in a listing that is addressed to an AI / agent / LLM reader (prompt injection).

Such text is data about the listing: it is reported as a 'prompt_injection' warning with the quote, and
no extractor may follow it. Patterns live in analyzer/data/injection_patterns.yaml (English and the
common phrasings in Spanish, French, German, Italian, Portuguese, Russian, Chinese and Japanese).

Besides the text as written it reads metadata (front matter, HTML meta/OpenGraph/JSON-LD, JSON fields),
HTML and Markdown comments, hidden HTML elements, and a normalised form of each line (analyzer.extract.
obfuscation: NFKC, invisible characters, homoglyphs, spaced-out letters). benchmarks/bench_injection.py
prints the detection rate on generated variants and the false-positive rate on the shared listings.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple
from functools import cache

from analyzer import regexcache
from analyzer.cpubudget import charge
from analyzer.extract.obfuscation import normalise, squashed
from analyzer.models import AnalysisWarning, Listing, Severity
from analyzer.datafiles import load_data_yaml

PATTERNS_FILE = "injection_patterns.yaml"
CODE = "prompt_injection"
MAX_WARNINGS = 10
MAX_DETAIL = 300
_FLAGS = re.IGNORECASE
_HTML_COMMENT = regexcache.compile(r"<!--(.*?)(?:-->|\Z)", re.DOTALL)
_MD_COMMENT = regexcache.compile(r"^[ \t]*\[(?://|comment|_|#)\]:[ \t]*(?:#|<>)[ \t]*[(\"'](.{0,2000})[)\"'][ \t]*$", re.MULTILINE | re.IGNORECASE)
_HIDDEN_ELEMENT = regexcache.compile(
    r"<(?P<tag>[a-z][a-z0-9]{0,10})\b[^<>]{0,400}?(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0|opacity\s*:\s*0|\shidden\b|aria-hidden)[^<>]{0,400}>"
    r"(?P<body>[^<]{0,2000})",
    re.IGNORECASE,
)
_FENCE_LINE = regexcache.compile(r"^[ \t]*(?:```|~~~)", re.MULTILINE)
_QUOTED = regexcache.compile(r"`[^`\n]{1,500}`|\"[^\"\n]{1,500}\"|\u201c[^\u201d\n]{1,500}\u201d|'[^'\n]{8,500}'")
_ABOUT_SCAN = 5000
_ABOUT_TOPIC = regexcache.compile(r"\bprompt[- ]injections?\b|\bjailbreak", re.IGNORECASE)
_ABOUT_TOOL = regexcache.compile(r"\b(?:classif\w*|detect\w*|guard\w*|filter\w*|moderat\w*|screen\w*|firewall)\b", re.IGNORECASE)
# Letters-only forms of the core appeals, for text spaced or punctuated letter by letter.
_SQUASHED = regexcache.compile(
    r"(?:ignore|disregard|forget)(?:all|any|the|your)?(?:previous|prior|above|earlier|system)(?:instructions?|prompts?|rules)"
    r"|ifyouarean?(?:ai|llm|agent|assistant|languagemodel)|notetoai|newsysteminstructions"
)


class InjectionPattern(NamedTuple):
    id: str
    severity: Severity
    description: str
    pattern: re.Pattern[str]
    needs: tuple[str, ...] = ()  # lower-case words one of which must occur for the pattern to run

    def may_match(self, lowered: str) -> bool:
        return not self.needs or any(word in lowered for word in self.needs)

    def disguised(self) -> InjectionPattern:
        """The same appeal written to slip past a reader (invisible characters, look-alike letters, spacing)."""
        return self._replace(id=f"{self.id}/disguised", severity=Severity.WARNING, description=f"{self.description}, disguised with invisible characters, look-alike letters or spacing")

    def in_metadata(self, key: str) -> InjectionPattern:
        return self._replace(id=f"{self.id}/metadata", severity=Severity.WARNING, description=f"{self.description}, in the listing's metadata ({key}), which is not shown on the page")


@cache
def load_patterns() -> tuple[tuple[InjectionPattern, ...], InjectionPattern]:
    raw = load_data_yaml(PATTERNS_FILE)

    def build(item: dict[str, Any]) -> InjectionPattern:
        needs = tuple(str(w).lower() for w in item.get("needs", ()))
        return InjectionPattern(item["id"], Severity(item["severity"]), item["description"], regexcache.compile(item["pattern"], _FLAGS), needs)

    return tuple(build(p) for p in raw["patterns"]), build(raw["hidden_comment"])


def _line_around(text: str, start: int, end: int) -> str:
    """The line holding the match, cut to MAX_DETAIL characters around it; verbatim from the text."""
    left = text.rfind("\n", 0, start) + 1
    right = text.find("\n", end)
    right = len(text) if right < 0 else right
    if right - left > MAX_DETAIL:
        left = max(left, start - MAX_DETAIL // 3)
        right = min(right, left + MAX_DETAIL)
    return text[left:right].strip()


def _passages(listing: Listing) -> tuple[list[tuple[int, InjectionPattern, str]], list[tuple[int, int]]]:
    """Each hit (offset, pattern, quote) and the text spans the flagged passages cover.

    Read: the text as written; its lines again in normalised form (NFKC, invisible characters removed,
    homoglyphs folded, spaced-out letters joined) when that differs; HTML and Markdown comments and
    hidden HTML elements with the looser hidden-instruction pattern; every metadata value (front matter,
    HTML meta/OpenGraph/JSON-LD, JSON fields, which reach an LLM prompt too). A listing about detecting
    prompt injection that quotes an attack in code or quotation marks as an example is not flagged there.
    """
    patterns, hidden = load_patterns()
    text = listing.text
    examples = _example_spans(text) if _about_injection_detection(listing) else []
    hits: list[tuple[int, InjectionPattern, str]] = []
    covered: list[tuple[int, int]] = []

    def is_example(start: int, end: int) -> bool:
        return any(a <= start and end <= b for a, b in examples)

    def add(start: int, end: int, pat: InjectionPattern, quote: str) -> None:
        hits.append((start, pat, quote))
        covered.append((start, end))

    for block in _hidden_blocks(text):
        body = normalise(block.group(block.lastindex or 0))
        if (hidden.pattern.search(body) or _any(patterns, body)) and not is_example(block.start(), block.end()):
            add(block.start(), block.end(), hidden, text[block.start() : min(block.end(), block.start() + MAX_DETAIL)].strip())
    lowered = text.lower()
    for pat in patterns:
        charge(len(text), "prompt-injection patterns")
        if not pat.may_match(lowered):
            continue
        for m in pat.pattern.finditer(text):
            if any(a <= m.start() < b for a, b in covered) or is_example(m.start(), m.end()):
                continue
            line_start, line_end = _line_bounds(text, m.start(), m.end())
            add(line_start, line_end, pat, _line_around(text, m.start(), m.end()))
    # Disguised spellings: only lines whose normalised form differs are matched again.
    charge(len(text), "normalised prompt-injection patterns")
    offset = 0
    for line in text.split("\n"):
        start, end = offset, offset + len(line)
        offset = end + 1
        if not line.strip() or any(a <= start < b or start <= a < end for a, b in covered):
            continue
        view = normalise(line)
        if view == " ".join(line.split()):
            continue
        pat = _first(patterns, view) or (hidden if _SQUASHED.search(squashed(line)) else None)
        if pat is not None and not is_example(start, end):
            add(start, end, pat.disguised(), line.strip()[:MAX_DETAIL])
    for field in listing.metadata:
        view = normalise(field.value)
        pat = _first(patterns, view) or (hidden if hidden.pattern.search(view) or _SQUASHED.search(squashed(field.value)) else None)
        if pat is not None:
            hits.append((-1, pat.in_metadata(field.key), f"{field.key}: {field.value.strip()[:MAX_DETAIL]}"))
    hits.sort(key=lambda h: (h[0], h[1].id))
    return hits, covered


def _any(patterns: tuple[InjectionPattern, ...], text: str) -> bool:
    return _first(patterns, text) is not None


def _first(patterns: tuple[InjectionPattern, ...], text: str) -> InjectionPattern | None:
    lowered = text.lower()
    return next((p for p in patterns if p.may_match(lowered) and p.pattern.search(text)), None)


def _line_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    line_end = text.find("\n", end)
    return text.rfind("\n", 0, start) + 1, len(text) if line_end < 0 else line_end


def _hidden_blocks(text: str) -> list[re.Match[str]]:
    """HTML comments, Markdown comments ([//]: # (...)) and elements styled or marked as hidden."""
    blocks = list(_HTML_COMMENT.finditer(text)) + list(_MD_COMMENT.finditer(text)) + list(_HIDDEN_ELEMENT.finditer(text))
    return sorted(blocks, key=lambda m: m.start())


def _about_injection_detection(listing: Listing) -> bool:
    """A listing that describes detecting or classifying prompt injection (its examples quote attacks)."""
    head = f"{listing.title}\n{listing.text[:_ABOUT_SCAN]}"
    return len(_ABOUT_TOPIC.findall(head)) >= 1 and bool(_ABOUT_TOOL.search(head))


def _example_spans(text: str) -> list[tuple[int, int]]:
    """Code blocks, inline code and quoted strings: where a detector's card shows its example inputs."""
    spans: list[tuple[int, int]] = []
    fences = [m.start() for m in _FENCE_LINE.finditer(text)]
    for a, b in zip(fences[::2], [*fences[1::2], len(text)], strict=False):
        spans.append((a, b))
    spans += [m.span() for m in _QUOTED.finditer(text)]
    return spans


class InjectionScan(NamedTuple):
    """What one reading of a listing for text addressed to AI readers found."""

    warnings: list[AnalysisWarning]  # code 'prompt_injection', one per kind of appeal, quotes in `detail`
    spans: list[tuple[int, int]]  # offsets in `listing.text` of the flagged passages, in order


def scan_injection(listing: Listing) -> InjectionScan:
    """The warnings and the passages' spans from one reading of the listing (each of `detect_injection`
    and `injection_spans` reads it in full)."""
    hits, covered = _passages(listing)
    return InjectionScan(_warnings(hits), sorted(covered))


def injection_spans(listing: Listing) -> list[tuple[int, int]]:
    """(start, end) offsets in `listing.text` of every passage addressed to AI readers, in order.

    No extractor may take evidence from inside them: a sentence written to instruct the analyser is not
    a statement about the system."""
    return sorted(_passages(listing)[1])


def detect_injection(listing: Listing) -> list[AnalysisWarning]:
    """Warnings (code 'prompt_injection') for each passage addressed to an AI reader, quote in `detail`."""
    return _warnings(_passages(listing)[0])


def _warnings(hits: list[tuple[int, InjectionPattern, str]]) -> list[AnalysisWarning]:
    # One warning per kind of appeal, quoting each passage: four lines of one "sign up as an agent"
    # section are one finding for the analyst, not four.
    grouped: dict[str, tuple[InjectionPattern, list[str]]] = {}
    seen: set[str] = set()
    for _, pat, quote in hits:
        if quote in seen:
            continue
        seen.add(quote)
        grouped.setdefault(pat.id, (pat, []))[1].append(quote)
    warnings: list[AnalysisWarning] = []
    for pat, quotes in grouped.values():
        shown = quotes[:MAX_WARNINGS]
        passages = "1 passage" if len(quotes) == 1 else f"{len(quotes)} passages"
        warnings.append(
            AnalysisWarning(
                code=CODE,
                severity=pat.severity,
                message=f"The listing contains text addressed to AI readers ({pat.description}; {passages}); it was treated as data and not followed.",
                detail="\n".join(shown) + (f"\n… and {len(quotes) - len(shown)} more" if len(quotes) > len(shown) else ""),
            )
        )
    return warnings


__all__ = ["CODE", "InjectionScan", "detect_injection", "injection_spans", "load_patterns", "scan_injection"]
