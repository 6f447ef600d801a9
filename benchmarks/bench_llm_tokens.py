"""Tokens per listing sent to the LLM: the naive full text vs the budget-reduced input.

    python benchmarks/bench_llm_tokens.py [--listings DIR] [--budget N] [--model NAME] [--per-listing]

Reads every *.md listing in DIR (default: ../shared/listings beside the repository), counts tokens with
the same counter the extractor uses, and prints median / max / total for the listing text alone and for
the whole request (system prompt + user message), plus the estimated input cost for the model.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from analyzer.extract.budget import DEFAULT_INPUT_BUDGET, count_tokens, estimate_cost, metadata_block, reduce_listing, token_counter  # noqa: E402
from analyzer.extract.prompting import build_messages, load_prompt  # noqa: E402
from analyzer.fetch.local import read_local  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listings", type=Path, default=REPO.parent / "shared" / "listings")
    parser.add_argument("--budget", type=int, default=DEFAULT_INPUT_BUDGET)
    parser.add_argument("--model", default="gpt-4.1-mini")
    parser.add_argument("--per-listing", action="store_true")
    args = parser.parse_args()
    paths = sorted(args.listings.glob("*.md"))
    if not paths:
        print(f"no listings in {args.listings}", file=sys.stderr)
        return 2
    template = load_prompt()
    naive, reduced, naive_req, reduced_req = [], [], [], []
    started = time.perf_counter()
    for path in paths:
        listing = read_local(str(path))
        full_text = "\n\n".join(filter(None, [metadata_block(listing), listing.text]))
        small = reduce_listing(listing, args.budget, args.model)
        naive.append(count_tokens(full_text, args.model))
        reduced.append(small.tokens)
        full_input = small.__class__(full_text, naive[-1], naive[-1], len(listing.sections), len(listing.sections), False, small.tokenizer)
        naive_req.append(sum(count_tokens(m["content"], args.model) for m in build_messages(template, listing, full_input, json_object=False)))
        reduced_req.append(sum(count_tokens(m["content"], args.model) for m in build_messages(template, listing, small, json_object=False)))
        if args.per_listing:
            print(f"{path.stem:40s} naive {naive[-1]:6d}  reduced {reduced[-1]:6d}  ({small.sections_kept}/{small.sections_total} sections)")
    elapsed = time.perf_counter() - started

    def row(name: str, values: list[int]) -> str:
        return f"{name:34s} median {statistics.median(values):8.0f}   max {max(values):7d}   total {sum(values):9d}"

    print(f"{len(paths)} listings from {args.listings}; budget {args.budget} tokens; tokenizer {token_counter(args.model).name}")
    print(row("listing text, naive (full)", naive))
    print(row("listing text, reduced", reduced))
    print(row("whole request, naive", naive_req))
    print(row("whole request, reduced", reduced_req))
    saved = 1 - sum(reduced) / sum(naive)
    print(f"listings over budget: {sum(n > args.budget for n in naive)}; listing tokens saved: {saved:.1%}")
    for label, values in (("naive", naive_req), ("reduced", reduced_req)):
        cost = estimate_cost(args.model, sum(values), 0)
        if cost is not None:
            print(f"estimated input cost for all {len(paths)} listings ({label}, {args.model}): ${cost:.4f}")
    print(f"reduction + counting time: {elapsed:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
