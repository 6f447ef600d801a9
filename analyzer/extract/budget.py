"""Input budget, token counting and cost estimates for LLM extraction.

Long listings (READMEs with install matrices, benchmarks, citations) are reduced to the sections that
carry evidence — capabilities, tools, usage, limitations, safety, deployment — within a token budget.
Sections are kept in their original order and cut only at line boundaries, so every quote the model
takes from the reduced text is still verbatim listing text.

Token counting: `tiktoken` with the o200k_base encoding shipped in the package (tokenizer.py; never
downloaded), else len(text) / 4.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from analyzer.errors import ConfigError
from analyzer.extract.grounding import strip_markup
from analyzer.extract.tokenizer import ENCODING_NAME, o200k_encoding
from analyzer.models import Listing, Section

log = logging.getLogger(__name__)

DEFAULT_INPUT_BUDGET = 3700  # listing tokens; with the ~2,100-token fixed part a whole request stays under 6,000
MAX_METADATA_FIELDS = 40
MAX_METADATA_VALUE = 200
_FENCE = re.compile(r"^\s*(```|~~~)")
_BADGE_LINE = re.compile(r"^\s*(?:\[?!\[[^\]]*\]\([^)]*\)\]?(?:\([^)]*\))?\s*)+$")
_HTML_ONLY_LINE = re.compile(r"^\s*(?:<[^>]+>\s*)+$")
_LINK_ONLY_LINE = re.compile(r"^\s*(?:\[[^\]]+\]:\s*)?<?https?://\S+>?\s*$")  # link definitions, bare URLs
CODE_LINES_KEPT = 3  # non-blank lines: an install, serve or run command; the rest of a block is rarely evidence
_CODE_IMPORT = re.compile(r"^\s*(?:import\s+[\w.]+(?:\s+as\s+\w+)?\s*$|from\s+[\w.]+\s+import\s)")
_SCORE_SAMPLE = 20_000
_TOC_HEADING = re.compile(r"^\s*(?:table of contents|contents|toc)\s*$", re.IGNORECASE)
_SPACES = re.compile(r"(?<=\S)[ \t]{2,}")
_NESTED_ITEM = re.compile(r"^[ \t]{2,}(?:[-*+]|\d+[.)])\s")
_TABLE_ROW = re.compile(r"^\s*\|")


# --------------------------------------------------------------------------- token counting


class _Encoder(Protocol):
    def encode(self, text: str, *, allowed_special: Any = ..., disallowed_special: Any = ...) -> list[int]: ...


@dataclass(frozen=True)
class TokenCounter:
    name: str  # "tiktoken:o200k_base" or "chars/4"
    encoder: _Encoder | None

    def count(self, text: str) -> int:
        if not text:
            return 0
        if self.encoder is None:
            return max(1, (len(text) + 3) // 4)
        if len(text) > _CHUNK_CHARS:  # BPE on one huge piece is slow (or refused): count it in line-aligned chunks
            return sum(self.count(chunk) for chunk in _chunks(text))
        return len(self.encoder.encode(text, disallowed_special=()))


_CHUNK_CHARS = 100_000


def _chunks(text: str) -> list[str]:
    out: list[str] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + _CHUNK_CHARS)
        if end < len(text):
            cut = text.rfind("\n", start + _CHUNK_CHARS // 2, end)
            end = cut + 1 if cut != -1 else end
        out.append(text[start:end])
        start = end
    return out


@cache
def token_counter(model: str = "gpt-4.1-mini") -> TokenCounter:
    # Current OpenAI models use o200k_base; older ones (cl100k_base) and local models' own tokenizers
    # count within a few per cent of it, which is all an input budget needs. ANALYZER_NO_TIKTOKEN=1
    # forces the chars/4 estimate.
    if os.environ.get("ANALYZER_NO_TIKTOKEN") != "1":
        try:
            return TokenCounter(f"tiktoken:{ENCODING_NAME}", o200k_encoding())
        except ImportError as exc:
            log.debug("tiktoken unavailable (%s); estimating tokens as chars/4", exc)
    return TokenCounter("chars/4", None)


def count_tokens(text: str, model: str = "gpt-4.1-mini") -> int:
    return token_counter(model).count(text)


# --------------------------------------------------------------------------- listing reduction


@cache
def _section_rules() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    raw = json.loads(resources.files("analyzer.data").joinpath("budget_sections.json").read_text("utf-8"))

    def alternation(words: list[str]) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{w})" for w in words), re.IGNORECASE)

    # Body terms are word starts: anchoring them at a word boundary lets the engine skip most positions
    # (55 alternatives tried at every character made a 1 MB listing take seconds).
    body = re.compile(r"\b(?=\w)(?:" + "|".join(f"(?:{w})" for w in raw["body_terms"]) + ")", re.IGNORECASE)
    return alternation(raw["heading_high"]), alternation(raw["heading_low"]), body


@dataclass(frozen=True)
class ReducedInput:
    """The listing text the model reads, and what the reduction did."""

    text: str
    tokens: int
    full_tokens: int
    sections_total: int
    sections_kept: int
    reduced: bool
    tokenizer: str
    dropped: tuple[str, ...] = ()  # headings of the sections left out
    shortened: tuple[str, ...] = ()  # headings of the sections cut short (nested list items first, then the tail)


def metadata_block(listing: Listing) -> str:
    lines = [f"- {m.key}: {m.value[:MAX_METADATA_VALUE]}" for m in listing.metadata[:MAX_METADATA_FIELDS]]
    return "Metadata:\n" + "\n".join(lines) if lines else ""


def _render_section(section: Section, body: str) -> str:
    if section.level == 0 and not section.heading:
        return body
    return f"{'#' * max(1, section.level)} {section.heading}\n{body}".rstrip()


def compact_body(text: str) -> str:
    """Drop badge/HTML-only lines and shorten code blocks; prose lines in reader form (link text without
    URLs, no HTML tags or entities), which the grounding step matches as verbatim listing text."""
    out: list[str] = []
    in_code = False
    code_lines = 0
    for line in text.splitlines():
        if _FENCE.match(line):
            if in_code and code_lines > CODE_LINES_KEPT:
                out.append("…")
            in_code = not in_code
            code_lines = 0
            out.append(line)
            continue
        if in_code:
            if not line.strip() or _CODE_IMPORT.match(line):
                continue  # blank lines and imports: the calls and commands after them are what show capability
            code_lines += 1
            if code_lines <= CODE_LINES_KEPT:
                out.append(line)
            continue
        if _BADGE_LINE.match(line) or _HTML_ONLY_LINE.match(line) or _LINK_ONLY_LINE.match(line) or _numeric_row(line):
            continue
        out.append(_SPACES.sub(" ", strip_markup(line)).rstrip())
    if in_code and code_lines > CODE_LINES_KEPT:
        out.append("…")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()


_NUMBER_CELL = re.compile(r"^[\s*~<>=±%().,:/+\-\d]*$|^\s*[-:]+\s*$")


def _numeric_row(line: str) -> bool:
    """A table row of numbers (benchmark results): no capability evidence, many tokens."""
    if not _TABLE_ROW.match(line):
        return False
    cells = [c for c in line.strip().strip("|").split("|")]
    numeric = sum(1 for c in cells[1:] if _NUMBER_CELL.match(c))
    return len(cells) >= 3 and numeric >= max(2, (len(cells) - 1) * 2 // 3) and not all(_NUMBER_CELL.match(c) and "-" in c for c in cells)


def _score(index: int, section: Section, body: str) -> float:
    high, low, terms = _section_rules()
    if index == 0 or (section.level == 0 and not section.heading):
        return 1000.0  # the opening: what the system is
    score = 0.0
    if high.search(section.heading):
        score += 10.0
    if low.search(section.heading):
        score -= 10.0
    sample = body[:_SCORE_SAMPLE]  # term density: a sample is as good as the whole, and bounded in time
    hits = len(terms.findall(sample))
    score += min(10.0, 1000.0 * hits / max(200, len(sample)))
    return score - index * 0.01  # ties: earlier sections first


def _fit_section(text: str, tokens: int, counter: TokenCounter) -> str:
    """A section cut to `tokens` without losing list items: nested sub-items go first (a tool list keeps
    every tool, without its parameter lines), then the tail, never ending inside a table."""
    flat = "\n".join(line for line in text.splitlines() if not _NESTED_ITEM.match(line))
    if counter.count(flat) <= tokens:
        return flat
    lines = _truncate_to(flat, tokens, counter).splitlines()
    while lines and _TABLE_ROW.match(lines[-1]) and len(lines) < len(flat.splitlines()) and _TABLE_ROW.match(flat.splitlines()[len(lines)]):
        lines.pop()  # a table is kept whole or not at all
        while lines and _TABLE_ROW.match(lines[-1]):
            lines.pop()
    return "\n".join(lines).rstrip()


def _truncate_to(text: str, tokens: int, counter: TokenCounter) -> str:
    """The longest prefix of whole lines within `tokens`."""
    lines = text.splitlines()
    lo, hi = 0, len(lines)
    while lo < hi:  # binary search on the number of lines
        mid = (lo + hi + 1) // 2
        if counter.count("\n".join(lines[:mid])) <= tokens:
            lo = mid
        else:
            hi = mid - 1
    return "\n".join(lines[:lo]).rstrip()


def reduce_listing(listing: Listing, budget: int = DEFAULT_INPUT_BUDGET, model: str = "gpt-4.1-mini") -> ReducedInput:
    """The listing as the model should read it, metadata block first: every section (compacted) if that
    fits `budget` tokens, else the sections that carry evidence, in document order."""
    counter = token_counter(model)
    meta = metadata_block(listing)
    full_tokens = counter.count("\n\n".join(filter(None, [meta, listing.text])))
    sections = listing.sections or [Section(heading="", level=0, text=listing.text)]
    # Badges, HTML-only lines, bare links and the middle of long code blocks go first, always: they cost
    # tokens and carry no quotable evidence.
    # A table of contents repeats the headings: no evidence, always dropped.
    rendered = ["" if _TOC_HEADING.match(s.heading) else _render_section(s, compact_body(s.text)) for s in sections]
    compact = "\n\n".join(filter(None, [meta, *rendered]))
    compact_tokens = counter.count(compact)
    if compact_tokens <= budget:
        return ReducedInput(compact, compact_tokens, full_tokens, len(sections), len(sections), False, counter.name)
    if not listing.sections and len(rendered) == 1:  # one long text without headings: cut it by paragraphs
        sections = [Section(heading="", level=0, text=p) for p in re.split(r"\n\s*\n", rendered[0]) if p.strip()] or sections
        rendered = [s.text for s in sections]

    meta_tokens = counter.count(meta)
    if meta_tokens > budget // 4:  # metadata must not crowd out the text
        meta = _truncate_to(meta, budget // 4, counter)
        meta_tokens = counter.count(meta)
    remaining = budget - meta_tokens - 8
    costs = [counter.count(r) + 2 for r in rendered]
    scores = [_score(i, sections[i], rendered[i]) for i in range(len(sections))]
    order = sorted(range(len(sections)), key=lambda i: scores[i], reverse=True)
    chosen: dict[int, str] = {}
    shortened: list[str] = []
    for i in order:
        if remaining <= 40:
            break
        if scores[i] < -5 and chosen:
            continue  # low-value sections only when nothing else is left
        if costs[i] <= remaining:
            chosen[i] = rendered[i]
            remaining -= costs[i]
        elif remaining > 150:
            part = _fit_section(rendered[i], remaining - 4, counter)
            if part and part.count("\n") >= 1:
                chosen[i] = part
                shortened.append(sections[i].heading or "(opening)")
                remaining -= counter.count(part) + 2
    body = "\n\n".join(chosen[i] for i in sorted(chosen))
    text = "\n\n".join(filter(None, [meta, body]))
    dropped = tuple(sections[i].heading or "(untitled)" for i in range(len(sections)) if i not in chosen)
    return ReducedInput(text, counter.count(text), full_tokens, len(sections), len(chosen), True, counter.name, dropped, tuple(shortened))


# --------------------------------------------------------------------------- cost


@cache
def _builtin_prices() -> dict[str, Any]:
    return json.loads(resources.files("analyzer.data").joinpath("prices.json").read_text("utf-8"))


def load_prices(override: str | Path | dict[str, Any] | None = None) -> dict[str, Any]:
    """The price table: built-in, or a JSON file / dict of the same shape (ANALYZER_PRICES or option).

    An override may give only `prices_usd_per_million_tokens` (merged over the built-in table)."""
    table = dict(_builtin_prices())
    source = override if override is not None else os.environ.get("ANALYZER_PRICES")
    if not source:
        return table
    if isinstance(source, dict):
        extra = source
    else:
        path = Path(source)
        try:
            extra = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"price table {path}: cannot read it ({exc})", hint="pass a JSON file shaped like analyzer/data/prices.json") from None
    if not isinstance(extra, dict):
        raise ConfigError("price table override must be a JSON object", hint="see analyzer/data/prices.json for the shape")
    prices = dict(table["prices_usd_per_million_tokens"])
    prices.update(extra.get("prices_usd_per_million_tokens", {k: v for k, v in extra.items() if isinstance(v, dict)}))
    table["prices_usd_per_million_tokens"] = prices
    return table


def model_price(model: str, prices: dict[str, Any]) -> dict[str, float] | None:
    table: dict[str, dict[str, float]] = prices["prices_usd_per_million_tokens"]
    if model in table:
        return table[model]
    matches = [name for name in table if model.startswith(name)]
    return table[max(matches, key=len)] if matches else None


def estimate_cost(model: str, input_tokens: int, output_tokens: int, prices: dict[str, Any] | None = None,
                  cached_input_tokens: int = 0) -> float | None:
    """USD estimate for the tokens, or None when the model has no price (e.g. a local server).

    `cached_input_tokens` (part of `input_tokens`: the provider's prompt-cache hits, from the usage block)
    are charged at the model's `cached_input` price when the table has one."""
    price = model_price(model, prices or load_prices())
    if price is None:
        return None
    cached = min(max(0, cached_input_tokens), input_tokens)
    cached_price = float(price.get("cached_input", price["input"]))
    total = (input_tokens - cached) * float(price["input"]) + cached * cached_price + output_tokens * float(price["output"])
    return round(total / 1_000_000, 8)
