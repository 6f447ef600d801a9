"""Time the offline pipeline (heuristic extractor + scoring + MAESTRO + all three report formats)
on every listing in ../shared/listings, and the CLI's start-up time.

    python benchmarks/bench_analyze.py [LISTINGS_DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("listings", nargs="?", default=str(ROOT.parent / "shared" / "listings"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from analyzer.extract.heuristic import HeuristicExtractor
    from analyzer.fetch.local import read_local
    from analyzer.pipeline import analyze
    from analyzer.report import render

    paths = sorted(Path(args.listings).glob("*.md"))
    if not paths:
        sys.exit(f"no listings in {args.listings}")
    extractor = HeuristicExtractor()
    per_listing: list[tuple[float, str]] = []
    for path in paths:
        listing = read_local(str(path))
        best = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            analysis = analyze(listing, extractor=extractor)
            for fmt in ("md", "json", "html"):
                render(analysis, fmt)
            best = min(best, time.perf_counter() - start)
        per_listing.append((best, path.name))
    times = [t for t, _ in per_listing]
    slowest = max(per_listing)
    print(f"listings analysed: {len(paths)} (best of {args.repeat} each; extract + score + maestro + md/json/html)")
    print(f"per listing: median {statistics.median(times) * 1000:.1f} ms, max {slowest[0] * 1000:.1f} ms ({slowest[1]}), total {sum(times):.2f} s")

    startups = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "analyzer", "--version"], check=True, capture_output=True)
        startups.append(time.perf_counter() - start)
    full = []
    example = ROOT / "examples" / "tidewater-agent.md"
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "analyzer", "--quiet", "analyze", str(example)], check=True, capture_output=True)
        full.append(time.perf_counter() - start)
    print(f"CLI start-up (analyzer --version): median {statistics.median(startups) * 1000:.0f} ms")
    print(f"CLI end to end on the shipped example (analyze, md to stdout): median {statistics.median(full) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
