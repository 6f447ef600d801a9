"""Fault-injected batch: 200 sources, 20% of LLM calls failing (429 / 500 / timeout), then a rerun.

The LLM extractor's own retries are cut to one (so faults reach the batch level as failed sources),
the request timeout to 1 s (the timeout fault answers after 2 s). After the rerun every source must be
done or reported failed, with exactly one set of report files per done source (no duplicates, no stray
or half-written files) and nothing that was done lost. Prints the counts and the LLM calls of each run.

Usage: python benchmarks/bench_batch_faults.py [--sources 200] [--fault-rate 0.2] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "tests"))

from analyzer.batch.inputs import read_inputs  # noqa: E402
from analyzer.batch.runner import BatchOptions, BatchReport, run_batch  # noqa: E402
from analyzer.extract import get_extractor  # noqa: E402
from batch_fixtures import write_listings, write_source_list  # noqa: E402
from batch_servers import FakeOpenAI  # noqa: E402

FORMATS = ("md", "json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    os.environ["ANALYZER_CACHE_DIR"] = tempfile.mkdtemp(prefix="bench-cache-")
    rng = random.Random(args.seed)
    injected: dict[str, int] = {"429": 0, "500": 0, "timeout": 0}

    def fault(_: int) -> int | str | None:
        if rng.random() >= args.fault_rate:
            return None
        kind = rng.choice((429, 500, "timeout"))
        injected[str(kind)] += 1
        return kind

    with tempfile.TemporaryDirectory(prefix="bench-faults-") as tmp, FakeOpenAI(delay=0.05, fault=fault, timeout_sleep=2.0) as server:
        listings = write_listings(Path(tmp) / "cards", args.sources)
        src = write_source_list(Path(tmp) / "sources.txt", listings)
        out = Path(tmp) / "out"

        def run() -> tuple[BatchReport, int, float]:
            extractor = get_extractor(
                "openai", model="fake-model", base_url=server.base_url, api_key="sk-bench",
                max_retries=1, retry_wait_initial=0.05, retry_wait_max=0.2, timeout=1.0,
            )
            before = server.chat_requests
            t0 = time.perf_counter()
            options = BatchOptions(out_dir=out, formats=FORMATS, concurrency=args.concurrency, show_progress=False, quiet=True)
            report = run_batch(read_inputs(src), options, extractor=extractor, fingerprint={"provider": "openai", "model": "fake-model"}, llm=True)
            return report, server.chat_requests - before, time.perf_counter() - t0

        first, calls1, t1 = run()
        done_after_first = {row["source"]: row["files"] for row in json.loads((out / "index.json").read_text())["sources"] if row["status"] == "done"}
        second, calls2, t2 = run()

        index = json.loads((out / "index.json").read_text())
        rows = index["sources"]
        listed = [f for r in rows for f in r["files"]]
        on_disk = sorted(p.relative_to(out).as_posix() for p in (out / "reports").iterdir())
        checks = {
            "every source done or failed (none pending)": index["counts"]["pending"] == 0 and index["counts"]["total"] == args.sources,
            "failed ones carry an error and no score": all(r["error"] and r["score"] is None for r in rows if r["status"] == "failed"),
            "one report per done source and format": len(listed) == len(set(listed)) == len(FORMATS) * index["counts"]["done"],
            "no stray, duplicate or half-written files": on_disk == sorted(listed) and not list(out.rglob("*.partial")),
            "nothing done in run 1 lost or redone": all(next(r for r in rows if r["source"] == s)["files"] == f for s, f in done_after_first.items()),
            "rerun asked only for the failed sources": calls2 <= 2 * first.failed,
        }
        print(f"{args.sources} sources, {args.fault_rate:.0%} of LLM calls faulty (seed {args.seed}); extractor retries 1, timeout 1 s")
        print(f"injected faults: {injected['429']} x 429, {injected['500']} x 500, {injected['timeout']} x timeout")
        print(f"run 1: {first.done} done, {first.failed} failed, {calls1} LLM calls, {t1:.1f} s")
        print(f"rerun: {second.attempted} retried, {second.done} done, {second.failed} failed, {calls2} LLM calls, {t2:.1f} s")
        for name, ok in checks.items():
            print(f"  [{'ok' if ok else 'FAILED'}] {name}")
        if not all(checks.values()):
            raise SystemExit(1)


if __name__ == "__main__":
    main()
