"""Time the heuristic extractor on every listing in a directory (default ../shared/listings).

Usage: python benchmarks/bench_heuristic.py [LISTINGS_DIR] [--repeat N]
Prints median and max seconds per listing (best of N runs each) and the slowest listings.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from analyzer.extract.heuristic import HeuristicExtractor  # noqa: E402
from analyzer.extract.heuristic.rules import load_rules  # noqa: E402
from analyzer.fetch.local import read_local  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("listings", nargs="?", default=str(REPO_ROOT.parent / "shared" / "listings"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    paths = sorted(p for p in Path(args.listings).glob("*") if p.suffix in {".md", ".html", ".txt", ".json"})
    if not paths:
        print(f"{args.listings}: no listings found", file=sys.stderr)
        return 2
    started = time.process_time()
    load_rules()
    print(f"rules load (once per process): {time.process_time() - started:.3f}s")
    extractor = HeuristicExtractor()
    timings: list[tuple[float, str, int]] = []
    for path in paths:
        listing = read_local(str(path))
        best = min(_timed(extractor, listing) for _ in range(max(1, args.repeat)))
        timings.append((best, path.name, len(listing.text)))
    seconds = [t for t, _, _ in timings]
    print(f"listings: {len(timings)}   median {statistics.median(seconds) * 1000:.1f} ms   max {max(seconds) * 1000:.1f} ms   total {sum(seconds):.2f}s")
    print("slowest:")
    for t, name, chars in sorted(timings, reverse=True)[:5]:
        print(f"  {t * 1000:7.1f} ms  {name} ({chars} chars)")
    return 0


def _timed(extractor: HeuristicExtractor, listing: object) -> float:
    started = time.process_time()
    extractor.extract(listing)  # type: ignore[arg-type]
    return time.process_time() - started


if __name__ == "__main__":
    raise SystemExit(main())
