"""Time `analyzer eval` with the heuristic provider and print the headline figures.

    /work/venv/bin/python benchmarks/bench_eval.py [--dataset PATH] [--listings DIR] [--concurrency N]

Defaults to ../shared/evals/gold-dev.jsonl with ../shared/listings beside the repository.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", default=str(SHARED / "evals" / "gold-dev.jsonl"))
    parser.add_argument("--listings", default=str(SHARED / "listings"))
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args()
    os.environ.setdefault("ANALYZER_CACHE_DIR", tempfile.mkdtemp(prefix="bench-eval-"))

    start = time.perf_counter()
    from analyzer.evals.dataset import load_dataset
    from analyzer.evals.runner import EvalSettings, evaluate
    from analyzer.extract import get_extractor

    dataset = load_dataset(args.dataset, args.listings)
    log = evaluate(get_extractor("heuristic"), dataset, settings=EvalSettings(concurrency=args.concurrency))
    total = time.perf_counter() - start
    m = log.metrics
    print(f"dataset {args.dataset}: {m.samples} samples, {m.failed} failed")
    print(f"wall: {total:.2f} s total (extraction {log.meta.wall_seconds:.2f} s, rest = imports, loading, metrics + 1000-resample bootstrap)")
    print(f"latency per sample p50 {m.latency_p50:.3f} s, p95 {m.latency_p95:.3f} s")
    ci = m.ci
    print(f"MAE {m.mae:.3f} [{ci['mae'].low:.3f}, {ci['mae'].high:.3f}]; within ±0.1 {m.within_0_1:.1%}; within ±0.2 {m.within_0_2:.1%}")
    print(f"band agreement {m.band_agreement:.1%}; layer-tag accuracy {m.layer_accuracy:.1%}; kind accuracy {m.kind_accuracy:.1%}")
    print(f"factor-sum MAE {m.factor_sum_mae:.3f}; injection detection {m.injection_detection}; false positives {m.injection_false_positive_rate}")
    print("per factor MAE: " + ", ".join(f"{f.key.value} {f.mae:.3f}" for f in m.per_factor))


if __name__ == "__main__":
    main()
