"""Measure what an analyst reading the Markdown reports would notice, over a folder of listings.

Usage: python benchmarks/report_quality.py [LISTINGS_DIR] [--detail concise|full] [--show]
Default LISTINGS_DIR: ../shared/listings relative to the repository root (every *.md file in it).

Prints, with the offline heuristic extractor (no network, no key):
- article slips: "a" before a vowel sound or "an" before a consonant sound in the report's own text
  (quotes from the listing are not counted: they are the listing's words);
- quotes cut mid-sentence (ending in a word with no closing punctuation where the source sentence goes on,
  or ending after "e.g."/"i.e."/an opening parenthesis) and quotes with unbalanced Markdown (`, **, [ ]);
- how many summaries' first sentence defines the system (names a kind of thing, no announcement,
  badge or benchmark line);
- median / min / max words per report.
--show prints each slip and bad quote with its listing.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from analyzer.extract.heuristic import HeuristicExtractor  # noqa: E402
from analyzer.fetch.local import read_local  # noqa: E402
from analyzer.pipeline import analyze  # noqa: E402
from analyzer.report import render  # noqa: E402
from analyzer.text import article_slips, first_sentence, is_defining_sentence  # noqa: E402

_QUOTE = re.compile(r"“([^”\n]*)”")
# A quote ending like this stops mid-sentence ("(e.g.", "audit log in", "unless you start it with;"); a
# lead-in ending in ":" or a sentence ending in "etc." is whole.
_CUT_AFTER = re.compile(r"(?:\b(?:e\.g|i\.e|vs|cf)\.|\(|[,;]|\b(?:a|an|the|and|or|of|to|in|with|for|by|your|our)\b)$", re.IGNORECASE)


def quote_problems(quote: str) -> list[str]:
    """Why a displayed quote is not a whole sentence or list item, if it is not."""
    problems = []
    q = quote.strip().rstrip("…").strip()
    if _CUT_AFTER.search(q):
        problems.append("cut mid-sentence")
    if q.count("`") % 2:
        problems.append("unbalanced backtick")
    if q.count("**") % 2:
        problems.append("unbalanced **")
    if q.count("[") != q.count("]"):
        problems.append("unbalanced [ ]")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("listings", nargs="?", default=str(REPO_ROOT.parent / "shared" / "listings"))
    parser.add_argument("--detail", choices=("concise", "full"), default="concise")
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args(argv)
    paths = sorted(Path(args.listings).glob("*.md"))
    if not paths:
        print(f"{args.listings}: no *.md listings", file=sys.stderr)
        return 2
    extractor = HeuristicExtractor()
    words: list[int] = []
    slips = bad_quotes = quotes = defining = 0
    for path in paths:
        listing = read_local(str(path))
        analysis = analyze(listing, extractor=extractor)
        report = render(analysis, "md", detail=args.detail)
        words.append(len(report.split()))
        own_text = _QUOTE.sub("“”", report)
        found = article_slips(own_text)
        slips += len(found)
        for slip in found:
            if args.show:
                print(f"{path.stem}: article slip: {slip}")
        for q in _QUOTE.findall(report):
            quotes += 1
            problems = quote_problems(q)
            if problems:
                bad_quotes += 1
                if args.show:
                    print(f"{path.stem}: quote {', '.join(problems)}: “{q}”")
        first = first_sentence(analysis.summary)
        if is_defining_sentence(first):
            defining += 1
        elif args.show:
            print(f"{path.stem}: first sentence does not define the system: {first!r}")
    print(f"listings: {len(paths)} (detail {args.detail})")
    print(f"article slips: {slips}")
    print(f"quotes cut mid-sentence or with unbalanced Markdown: {bad_quotes} of {quotes}")
    print(f"first sentence defines the system: {defining} of {len(paths)}")
    print(f"report words: median {statistics.median(words):.0f}, min {min(words)}, max {max(words)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
