"""The prompt-injection detector's detection rate on generated variants and false-positive rate on real listings.

Usage: python benchmarks/bench_injection.py [LISTINGS_DIR]   (default ../shared/listings beside the repo)

Detection: every variant in tests/injection_variants.py (placements: body, front matter, HTML meta,
OpenGraph, JSON-LD, JSON fields, HTML/Markdown comments, hidden elements; disguises: zero-width, homoglyphs,
full-width, spacing, soft hyphens; eight languages) must raise a prompt_injection *warning*. The variants
were written with the detector, so this is an in-sample figure.
False positives: listings whose gold label (evals gold-dev) says no injection, or that are not labelled,
that raise a warning; listings labelled benign-but-addressed (info) count only if they raise a *warning*.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from analyzer.extract.injection import detect_injection  # noqa: E402
from analyzer.fetch.parse import build_listing  # noqa: E402
from analyzer.pipeline import load_listing  # noqa: E402
from tests.injection_variants import CLASSIFIER_CARD, VARIANTS  # noqa: E402


def _warned(listing) -> list[str]:
    return [w.message for w in detect_injection(listing) if w.severity.value == "warning"]


def main() -> None:
    listings_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO_ROOT.parent.parent / "shared" / "listings"
    if not listings_dir.is_dir():
        listings_dir = Path("/work/shared/listings")
    started = time.perf_counter()
    missed = [name for name, file, text in VARIANTS if not _warned(build_listing(text, source=file, source_type="file", name_hint=file))]
    print(f"detection: {len(VARIANTS) - len(missed)}/{len(VARIANTS)} variants ({(len(VARIANTS) - len(missed)) / len(VARIANTS):.0%})" + (f"; missed: {', '.join(missed)}" if missed else ""))
    classifier = _warned(build_listing(CLASSIFIER_CARD, source="promptshield.md", source_type="file"))
    print(f"prompt-injection classifier card quoting attacks: {'FLAGGED (false positive)' if classifier else 'not flagged'}")

    gold_path = listings_dir.parent / "evals" / "gold-dev.jsonl"
    expected: dict[str, bool] = {}
    if gold_path.is_file():
        for line in gold_path.read_text("utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                slug = record.get("slug") or record.get("id")
                note = record.get("injection")
                expected[str(slug)] = bool(note) and not str(note).lower().startswith("benign")
    files = sorted(p for p in listings_dir.iterdir() if p.is_file() and p.suffix in (".md", ".html", ".json", ".txt"))
    flagged, positives, clean = [], 0, 0
    for path in files:
        slug = path.stem
        warned = _warned(load_listing(str(path)))
        if expected.get(slug):
            positives += 1
            continue
        clean += 1
        if warned:
            flagged.append(slug)
    print(f"shared listings: {len(files)} read, {positives} labelled injections skipped, {clean} others")
    print(f"false positives: {len(flagged)}/{clean} ({len(flagged) / max(clean, 1):.1%})" + (f": {', '.join(flagged)}" if flagged else ""))
    print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
