"""Batch throughput against a local OpenAI-compatible server that answers after a fixed delay.

Prints listings/second at each concurrency and the ratio to the ideal `concurrency / delay` (the goal:
at least 80% of ideal up to concurrency 16 on a 2-core machine). The server runs in its own process so
it does not share the GIL with the batch runner; the LLM response cache is off so every listing is a
real request. Each listing goes through the whole pipeline: read, extract (LLM + grounding + the
heuristic cross-check), score, MAESTRO, md+json reports, state DB.

A second table (--stub, on by default) replaces the LLM extractor by one that only sleeps for the delay
and returns a fixed result: it measures the batch runner's own overhead (scheduling, state DB, scoring,
reports) apart from the LLM extractor's CPU cost per call.

Usage: python benchmarks/bench_batch_throughput.py [--delay 0.3] [--levels 1,4,16,64] [--per-level N] [--no-stub]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "tests"))

from analyzer.batch.inputs import read_inputs  # noqa: E402
from analyzer.batch.runner import BatchOptions, run_batch  # noqa: E402
from batch_fixtures import write_listings, write_source_list  # noqa: E402


def start_server(delay: float) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([sys.executable, str(REPO_ROOT / "tests" / "batch_servers.py"), str(delay)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


class SleepingExtractor:
    """Waits like an LLM call (no CPU) and returns one precomputed heuristic result."""

    name = "openai"

    def __init__(self, delay: float, sample: Path) -> None:
        from analyzer.extract.heuristic import HeuristicExtractor
        from analyzer.fetch.local import read_local

        self.delay = delay
        self.result = HeuristicExtractor().extract(read_local(str(sample)))

    def extract(self, listing: object) -> object:
        time.sleep(self.delay)
        return self.result


def run_level(base_url: str | None, concurrency: int, count: int, work: Path, *, delay: float = 0.0) -> tuple[float, float]:
    from analyzer.extract import get_extractor

    folder = work / f"{'stub' if base_url is None else 'llm'}-c{concurrency}"
    listings = write_listings(folder / "cards", count, prefix=f"c{concurrency}")
    src = write_source_list(folder / "sources.txt", listings)
    if base_url is None:
        extractor = SleepingExtractor(delay, listings[0])
    else:
        extractor = get_extractor("openai", model="fake-model", base_url=base_url, api_key="sk-bench", use_cache=False)
    options = BatchOptions(out_dir=folder / "out", concurrency=concurrency, show_progress=False, quiet=True)
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    report = run_batch(read_inputs(src), options, extractor=extractor, fingerprint={"provider": "openai", "model": "fake-model"}, llm=True)
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    if report.done != count:
        raise SystemExit(f"concurrency {concurrency}: only {report.done} of {count} done ({report.failures[:3]})")
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.3)
    parser.add_argument("--levels", default="1,4,16,64")
    parser.add_argument("--per-level", type=int, default=0, help="listings per level (default: max(20, 20 x concurrency): about 6 s of ideal run time, so start-up and the last wave weigh little)")
    parser.add_argument("--no-stub", action="store_true", help="skip the runner-only table")
    args = parser.parse_args()
    cache_dir = None if "ANALYZER_CACHE_DIR" in os.environ else tempfile.TemporaryDirectory(prefix="bench-cache-")
    if cache_dir is not None:  # removed at the end, like the batch folders
        os.environ["ANALYZER_CACHE_DIR"] = cache_dir.name
    server, base_url = start_server(args.delay)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
            run_level(base_url, 2, 4, Path(tmp))  # warm-up: imports, prompt rendering, first connections
            print(f"server delay {args.delay * 1000:.0f} ms, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
            tables = [("LLM extractor -> local server", base_url)] + ([] if args.no_stub else [("runner only (sleeping stub extractor)", None)])
            for title, url in tables:
                print(f"\n{title}")
                print(f"{'concurrency':>11} {'listings':>8} {'seconds':>8} {'listings/s':>10} {'ideal/s':>8} {'% ideal':>8} {'CPU ms/listing':>14}")
                for level in (int(x) for x in args.levels.split(",")):
                    count = args.per_level or max(20, 20 * level)
                    elapsed, cpu = run_level(url, level, count, Path(tmp), delay=args.delay)
                    rate = count / elapsed
                    ideal = level / args.delay
                    print(f"{level:>11} {count:>8} {elapsed:>8.2f} {rate:>10.1f} {ideal:>8.1f} {100 * rate / ideal:>7.0f}% {1000 * cpu / count:>14.1f}")
    finally:
        server.terminate()
        server.wait()
        if cache_dir is not None:
            cache_dir.cleanup()
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
