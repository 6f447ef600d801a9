"""Offline batch (heuristic extractor) over the real listings in ../shared/listings.

Prints total and per-listing wall time at a few concurrency levels, the time of a rerun that finds
everything done (the resume check), peak RSS, and the peak Python heap (tracemalloc, separate run,
since tracing slows the code down).

Usage: python benchmarks/bench_batch_offline.py [LISTINGS_DIR] [--formats md,json,html]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from analyzer.batch.inputs import read_inputs  # noqa: E402
from analyzer.batch.runner import BatchOptions, BatchReport, run_batch  # noqa: E402
from analyzer.extract.heuristic import HeuristicExtractor  # noqa: E402

FINGERPRINT = {"provider": "heuristic", "model": None}


def run(src: Path, out: Path, concurrency: int, formats: tuple[str, ...]) -> tuple[BatchReport, float]:
    options = BatchOptions(out_dir=out, formats=formats, concurrency=concurrency, show_progress=False, quiet=True)
    t0 = time.perf_counter()
    report = run_batch(read_inputs(src), options, extractor=HeuristicExtractor(), fingerprint=FINGERPRINT)
    return report, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("listings", nargs="?", default=str(REPO_ROOT.parent / "shared" / "listings"))
    parser.add_argument("--formats", default="md,json,html")
    args = parser.parse_args()
    files = sorted(Path(args.listings).glob("*.md"))
    if not files:
        raise SystemExit(f"no *.md listings in {args.listings}")
    formats = tuple(args.formats.split(","))
    os.environ.setdefault("ANALYZER_CACHE_DIR", tempfile.mkdtemp(prefix="bench-cache-"))
    with tempfile.TemporaryDirectory(prefix="bench-offline-") as tmp:
        src = Path(tmp) / "sources.txt"
        src.write_text("".join(f"{p}\n" for p in files), encoding="utf-8")
        run(src, Path(tmp) / "warm", 2, formats)  # warm-up: imports, rule compilation
        print(f"{len(files)} listings, formats {','.join(formats)}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        print(f"{'concurrency':>11} {'total s':>8} {'ms/listing':>10} {'done':>5} {'failed':>6} {'rerun s':>8}")
        for concurrency in (1, 2, 8):
            out = Path(tmp) / f"out-{concurrency}"
            report, elapsed = run(src, out, concurrency, formats)
            rerun, rerun_elapsed = run(src, out, concurrency, formats)
            assert rerun.attempted == 0 and rerun.done == report.done
            print(f"{concurrency:>11} {elapsed:>8.2f} {1000 * elapsed / len(files):>10.1f} {report.done:>5} {report.failed:>6} {rerun_elapsed:>8.2f}")
        print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        tracemalloc.start()
        run(src, Path(tmp) / "traced", 8, formats)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"peak Python heap during one batch (tracemalloc, concurrency 8): {peak / 1_048_576:.1f} MB")


if __name__ == "__main__":
    main()
