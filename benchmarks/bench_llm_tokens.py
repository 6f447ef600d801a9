"""Whole-request tokens per listing: what the LLM extractor really sends (messages + response_format).

    python benchmarks/bench_llm_tokens.py [--listings DIR] [--model NAME] [--mode json_schema|json_object]
                                          [--context-window N] [--per-listing]

Builds the exact first request body for every *.md listing in DIR (default: ../shared/listings beside
the repository) through `LLMExtractor.batch_request_body` (no request is sent) and counts it with the
extractor's own token counter: every message's content plus 4 tokens of chat framing per message, plus
the compact JSON of `response_format`. Prints median / max over the listings for the listing text
alone, the naive full listing and the whole request, and the fixed part (the system message and the
response format, identical across listings so a provider can cache it), and the input cost with and
without that cached prefix.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from analyzer.extract.budget import count_tokens, estimate_cost, metadata_block, token_counter  # noqa: E402
from analyzer.extract.llm import LLMExtractor  # noqa: E402
from analyzer.fetch.local import read_local  # noqa: E402

MESSAGE_FRAMING = 4  # role and separators per chat message (OpenAI's published accounting)


def message_tokens(messages: list[dict[str, str]], model: str) -> int:
    return sum(count_tokens(m["content"], model) + MESSAGE_FRAMING for m in messages)


def format_tokens(body: dict[str, Any], model: str) -> int:
    fmt = body.get("response_format")
    return count_tokens(json.dumps(fmt, separators=(",", ":")), model) if fmt else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default = next((p / "shared" / "listings" for p in (REPO.parent, REPO.parent.parent) if (p / "shared" / "listings").is_dir()), REPO.parent / "shared" / "listings")
    parser.add_argument("--listings", type=Path, default=default)
    parser.add_argument("--model", default="gpt-4.1-mini")
    parser.add_argument("--mode", default="json_schema", choices=("json_schema", "json_object"))
    parser.add_argument("--context-window", type=int, default=None)
    parser.add_argument("--per-listing", action="store_true")
    parser.add_argument("--gold", type=Path, default=None, help="evals dir with gold-dev.jsonl / exposure-dev.jsonl (default: beside --listings)")
    args = parser.parse_args()
    paths = sorted(args.listings.glob("*.md"))
    if not paths:
        print(f"no listings in {args.listings}", file=sys.stderr)
        return 2
    options: dict[str, Any] = {"model": args.model, "base_url": "http://127.0.0.1:9/v1", "api_key": "bench", "use_cache": False,
                               "structured_output": args.mode, "cross_check": False}
    if args.context_window:
        options["context_window"] = args.context_window
    extractor = LLMExtractor.from_options(**options)
    naive, listing_part, whole, fixed = [], [], [], []
    user_messages: dict[str, str] = {}
    systems: set[str] = set()
    started = time.perf_counter()
    for path in paths:
        listing = read_local(str(path))
        naive.append(count_tokens("\n\n".join(filter(None, [metadata_block(listing), listing.text])), args.model))
        body = extractor.batch_request_body(listing)
        messages = body["messages"]
        user_messages[path.stem] = messages[-1]["content"]
        systems.add(messages[0]["content"])
        fixed_part = message_tokens(messages[:1], args.model) + format_tokens(body, args.model)
        total = message_tokens(messages, args.model) + format_tokens(body, args.model)
        fixed.append(fixed_part)
        whole.append(total)
        listing_part.append(total - fixed_part)
        if args.per_listing:
            print(f"{path.stem:40s} naive listing {naive[-1]:6d}   whole request {total:6d}")
    elapsed = time.perf_counter() - started

    def row(name: str, values: list[int]) -> str:
        return f"{name:40s} median {statistics.median(values):8.0f}   max {max(values):7d}   total {sum(values):9d}"

    print(f"{len(paths)} listings from {args.listings}; mode {args.mode}; model {args.model}; tokenizer {token_counter(args.model).name}")
    print(row("listing text, naive (full)", naive))
    print(row("user message (listing part, reduced)", listing_part))
    print(row("whole request (messages + response_format)", whole))
    print(f"fixed part (system message + response_format): {fixed[0]} tokens; identical across listings: {len(systems) == 1 and len(set(fixed)) == 1}")
    print(f"requests over 4,000 tokens: {sum(w > 4000 for w in whole)}; over 6,000: {sum(w > 6000 for w in whole)}")
    plain = estimate_cost(args.model, sum(whole), 0)
    if plain is not None:
        cached = estimate_cost(args.model, sum(whole), 0, cached_input_tokens=sum(fixed[1:])) if _takes_cached() else None
        print(f"estimated input cost for all {len(paths)} listings ({args.model}): ${plain:.4f} uncached"
              + (f", ${cached:.4f} with the fixed prefix cached after the first request" if cached is not None else ""))
    print(f"request building + counting time: {elapsed:.2f}s")
    gold_dir = args.gold or args.listings.parent / "evals"
    coverage = gold_coverage(gold_dir, user_messages)
    if coverage is not None:
        kept, total = coverage
        print(f"gold evidence quotes still in the model's input (normalised as grounding does): {kept}/{total} ({kept / total:.1%})")
    return 0


def gold_quotes(gold_dir: Path) -> dict[str, list[str]]:
    """slug → the gold labels' quotes: factor evidence, exposure facts, mitigations."""
    out: dict[str, list[str]] = {}
    for name in ("gold-dev.jsonl", "exposure-dev.jsonl"):
        path = gold_dir / name
        if not path.is_file():
            continue
        for line in path.read_text("utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            quotes = out.setdefault(row["slug"], [])
            quotes += [q for q in (row.get("evidence") or {}).values() if isinstance(q, str)]
            quotes += [f["quote"] for f in (row.get("exposure") or {}).values() if isinstance(f, dict) and f.get("quote")]
            quotes += [m["quote"] for m in row.get("mitigations") or [] if m.get("quote")]
    return out


def gold_coverage(gold_dir: Path, user_messages: dict[str, str]) -> tuple[int, int] | None:
    """How many gold quotes the reduced listing still contains: the evidence an ideal model could cite."""
    from analyzer.extract.grounding import normalise

    gold = gold_quotes(gold_dir)
    pairs = [(normalise(q), normalise(user_messages[slug])) for slug, qs in gold.items() if slug in user_messages for q in qs]
    if not pairs:
        return None
    return sum(q in text for q, text in pairs), len(pairs)


def _takes_cached() -> bool:
    import inspect

    return "cached_input_tokens" in inspect.signature(estimate_cost).parameters


if __name__ == "__main__":
    sys.exit(main())
