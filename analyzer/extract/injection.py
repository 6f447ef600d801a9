"""Detect text in a listing that is addressed to an AI / agent / LLM reader (prompt injection).

Such text is data about the listing: it is reported as a 'prompt_injection' warning with the quote, and
no extractor may follow it. Patterns live in analyzer/data/injection_patterns.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from analyzer.cpubudget import charge
from analyzer.models import AnalysisWarning, Listing, Severity
from analyzer.yamlio import load_yaml

PATTERNS_FILE = "injection_patterns.yaml"
CODE = "prompt_injection"
MAX_WARNINGS = 10
MAX_DETAIL = 300
_FLAGS = re.IGNORECASE
_HTML_COMMENT = re.compile(r"<!--(.*?)(?:-->|\Z)", re.DOTALL)


@dataclass(frozen=True)
class InjectionPattern:
    id: str
    severity: Severity
    description: str
    pattern: re.Pattern[str]


@cache
def load_patterns() -> tuple[tuple[InjectionPattern, ...], InjectionPattern]:
    raw = load_yaml(resources.files("analyzer.data").joinpath(PATTERNS_FILE).read_text("utf-8"))

    def build(item: dict[str, str]) -> InjectionPattern:
        return InjectionPattern(item["id"], Severity(item["severity"]), item["description"], re.compile(item["pattern"], _FLAGS))

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
    """Each hit (offset, pattern, quote) and the text spans the flagged passages cover."""
    patterns, hidden = load_patterns()
    text = listing.text
    hits: list[tuple[int, InjectionPattern, str]] = []
    covered: list[tuple[int, int]] = []
    for comment in _HTML_COMMENT.finditer(text):
        body = comment.group(1)
        if hidden.pattern.search(body):
            quote = text[comment.start() : min(comment.end(), comment.start() + MAX_DETAIL)].strip()
            hits.append((comment.start(), hidden, quote))
            covered.append((comment.start(), comment.end()))
    for pat in patterns:
        charge(len(text), "prompt-injection patterns")
        for m in pat.pattern.finditer(text):
            if any(a <= m.start() < b for a, b in covered):
                continue
            quote = _line_around(text, m.start(), m.end())
            hits.append((m.start(), pat, quote))
            line_end = text.find("\n", m.end())
            covered.append((text.rfind("\n", 0, m.start()) + 1, len(text) if line_end < 0 else line_end))
    hits.sort(key=lambda h: (h[0], h[1].id))
    return hits, covered


def injection_spans(listing: Listing) -> list[tuple[int, int]]:
    """(start, end) offsets in `listing.text` of every passage addressed to AI readers, in order.

    No extractor may take evidence from inside them: a sentence written to instruct the analyser is not
    a statement about the system."""
    return sorted(_passages(listing)[1])


def detect_injection(listing: Listing) -> list[AnalysisWarning]:
    """Warnings (code 'prompt_injection') for each passage addressed to an AI reader, quote in `detail`."""
    hits, _ = _passages(listing)
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


__all__ = ["CODE", "detect_injection", "injection_spans", "load_patterns"]
