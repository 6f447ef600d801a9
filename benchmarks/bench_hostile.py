"""Worst-case times for hostile inputs: 5 MB red-team listings through `analyze --provider heuristic`, and the parsers.

Usage: python benchmarks/bench_hostile.py [--size BYTES] [--all]
Each text from tests/hostile_inputs.py (runs that a backtracking pattern rescans from every position,
unclosed brackets, spacing, invisible characters ...) is analysed end to end as a Markdown listing at the
5 MB cap, in-process, with the CPU budget lifted so the figure is the real cost. By default a
representative dozen (the issue's findings first); --all runs every generator (several minutes).
Then the parsers: a YAML alias bomb, 10,000-deep JSON and YAML, flatten_metadata over shared references.
Prints seconds per input, the work units the CPU budget counted per character, and the worst case.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ["ANALYZER_CPU_BUDGET"] = "100000"  # measure, do not stop

from analyzer.cpubudget import cpu_budget  # noqa: E402
from analyzer.errors import AnalyzerError  # noqa: E402
from analyzer.extract.heuristic import HeuristicExtractor  # noqa: E402
from analyzer.fetch.parse import build_listing, flatten_metadata  # noqa: E402
from analyzer.pipeline import analyze  # noqa: E402
from tests.hostile_inputs import HOSTILE_TEXTS, alias_bomb, deep_json, deep_yaml_front_matter  # noqa: E402

DEFAULT = (
    "heading_spaces", "image_open", "link_target_open", "digits", "mixed_brackets", "tag_open", "words_no_stop",
    "letters", "newlines", "zero_width", "hf_id", "ignore_previous",
)


def _time(fn) -> tuple[float, str]:
    started = time.perf_counter()
    try:
        fn()
        status = "ok"
    except AnalyzerError as exc:
        status = f"refused: {exc.message[:60]}"
    return time.perf_counter() - started, status


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=5 * 1024 * 1024)
    parser.add_argument("--all", action="store_true")
    args = parser.parse_args()
    extractor = HeuristicExtractor()
    names = sorted(HOSTILE_TEXTS) if args.all else DEFAULT
    rows = []
    for name in names:
        text = HOSTILE_TEXTS[name](args.size)
        with cpu_budget(name) as budget:
            seconds, status = _time(lambda text=text: analyze(build_listing(text, source=f"{name}.md", source_type="file"), extractor=extractor))
        rows.append((name, seconds, budget.work / max(len(text), 1), status))
        print(f"analyze {name:20s} {len(text) / 1e6:4.1f} MB  {seconds:7.2f} s  {rows[-1][2]:6.0f} work/char  {status}", flush=True)
    parsers = {
        "yaml alias bomb (9 levels, 550 B)": lambda: build_listing(alias_bomb(9), source="bomb.md", source_type="file"),
        "json [ x 10,000": lambda: build_listing(deep_json(), source="deep.json", source_type="file", content_type="application/json"),
        "yaml [ x 10,000 front matter": lambda: build_listing(deep_yaml_front_matter(), source="deep.md", source_type="file"),
        "flatten 9**9 shared leaves": lambda: flatten_metadata(_shared(9), source="bench"),
    }
    for label, fn in parsers.items():
        seconds, status = _time(fn)
        rows.append((label, seconds, 0.0, status))
        print(f"parse   {label:34s} {seconds:7.3f} s  {status}", flush=True)
    worst = max(rows, key=lambda r: r[1])
    print(f"worst case: {worst[0]} {worst[1]:.2f} s")


def _shared(levels: int) -> object:
    value: object = [None] * 9
    for _ in range(levels - 1):
        value = [value] * 9
    return {"root": value}


if __name__ == "__main__":
    main()
