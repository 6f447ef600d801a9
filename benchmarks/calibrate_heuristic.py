"""Print how close the heuristic extractor comes to the gold labels (mean absolute error per factor).

Usage: python benchmarks/calibrate_heuristic.py [GOLD_JSONL] [--per-listing] [--holdout even|odd|loo] [--summary]
       python benchmarks/calibrate_heuristic.py --cv [--gate benchmarks/heuristic_cv_gate.json]
Default GOLD_JSONL: ../shared/evals/gold-dev.jsonl relative to the repository root. Any dataset in the same
JSONL format works, e.g. evals/fixtures.jsonl or tests/fixtures/heuristic_unseen.jsonl (held-out sets: the
rules were not written from them).

Generalisation checks (the rules were written while reading the gold set, so in-sample MAE flatters):
  --holdout even|odd  score one half (every other sample by slug) with every rule switched off whose only
                      support in the gold set lies in that half, i.e. only rules the other half justifies;
  --holdout loo       score each sample with the rules that fire on no other gold sample switched off.
  --summary           one line per check: gold-dev in-sample and held-out halves, evals fixtures, unseen set.
  --cv                the cross-validated figures the README and CI quote: leave-one-out over the pooled
                      labelled sets (gold-dev, evals/fixtures.jsonl, tests/fixtures/heuristic_unseen*.jsonl);
                      each sample is scored with every rule switched off that fires on no other pooled
                      sample. --gate FILE exits 1 when MAE or kind accuracy is worse than the file allows.
                      (A kind with a single gold example, e.g. memory-system, cannot survive its own holdout.)
                      For the samples with exposure gold (gold-dev with exposure-dev.jsonl beside it, the
                      evals fixtures) it also prints range coverage: how often the score the project's
                      rules give from the gold kind, facts, factors and mitigations lies inside the range
                      of the held-out prediction (held-out factors; facts and mitigations as extracted).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from analyzer.evals.dataset import Sample, load_exposure_gold  # noqa: E402
from analyzer.evals.exposure import gold_profile  # noqa: E402
from analyzer.extract.heuristic import HeuristicExtractor  # noqa: E402
from analyzer.extract.heuristic.rules import Rules, load_rules  # noqa: E402
from analyzer.extract.heuristic.textscan import ScanText  # noqa: E402
from analyzer.fetch.local import read_local  # noqa: E402
from analyzer.models import EPSILON, FACTOR_ORDER, FactorKey, Kind, Listing  # noqa: E402
from analyzer.rubric import floor  # noqa: E402
from analyzer.rules import settle_profile  # noqa: E402
from analyzer.score import score_profile  # noqa: E402

SHORT = {
    FactorKey.AUTONOMY_OF_ACTION: "AA",
    FactorKey.GOAL_DRIVEN_PLANNING: "GDP",
    FactorKey.SELF_MODIFICATION: "SM",
    FactorKey.DYNAMIC_TOOL_USE: "DTU",
    FactorKey.PERSISTENT_MEMORY: "PM",
    FactorKey.CONTEXTUAL_AWARENESS: "CA",
    FactorKey.DYNAMIC_IDENTITY: "DI",
    FactorKey.MULTI_AGENT_INTERACTIONS: "MAI",
    FactorKey.NON_DETERMINISM: "ND",
    FactorKey.OPACITY_REFLEXIVITY: "OR",
}


def load_gold(path: Path, split: str | None) -> list[dict]:
    samples = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    samples.sort(key=lambda s: s["slug"])
    if split == "even":
        samples = samples[0::2]
    elif split == "odd":
        samples = samples[1::2]
    return samples


def rule_support(rules: Rules, samples: list[dict], listings: dict[str, Listing]) -> dict[int, set[str]]:
    """For every rule (by id()), the gold slugs on which it fires and could matter."""
    support: dict[int, set[str]] = defaultdict(set)
    for sample in samples:
        listing = listings[sample["slug"]]
        scan = ScanText(listing)
        kind = Kind(sample["kind"])
        for rule in (*rules.kind_rules, *rules.title_rules):
            if next(rule.pattern.spans(scan.prose_lower), None) or rule.pattern.search(listing.title):
                support[id(rule)].add(sample["slug"])
        for key, factor_rules in rules.factor_rules.items():
            for frule in factor_rules:
                value = frule.value_for(kind)
                if value is not None and value > floor(kind, key) and scan.first(frule.pattern, include_code=frule.include_code):
                    support[id(frule)].add(sample["slug"])
    return support


def without_rules(rules: Rules, support: dict[int, set[str]], allowed: set[str]) -> Rules:
    """Drop every rule that fires on no sample in `allowed` (no evidence a tuner could have used)."""

    def keep(rule: object) -> bool:
        return bool(support.get(id(rule), set()) & allowed) or not support.get(id(rule))

    return rules._replace(
        kind_rules=tuple(r for r in rules.kind_rules if keep(r)),
        title_rules=tuple(r for r in rules.title_rules if keep(r)),
        factor_rules={k: tuple(r for r in v if keep(r)) for k, v in rules.factor_rules.items()},
    )


def evaluate(gold_path: Path, split: str | None = None, holdout: str | None = None) -> dict:
    """Run the extractor over the gold samples; return per-sample predictions and errors."""
    exposure = _exposure_gold(gold_path)
    samples = [{**s, **exposure.get(s["slug"], {})} for s in load_gold(gold_path, None)]
    listings = {s["slug"]: read_local(str((gold_path.parent / s["listing"]).resolve())) for s in samples}
    rules = load_rules()
    support = rule_support(rules, samples, listings) if holdout else {}
    slugs = [s["slug"] for s in samples]
    if holdout in ("even", "odd"):
        test = set(slugs[0::2] if holdout == "even" else slugs[1::2])
        train = set(slugs) - test
        samples = [s for s in samples if s["slug"] in test]
    elif split:
        half = {g["slug"] for g in load_gold(gold_path, split)}
        samples = [s for s in samples if s["slug"] in half]
    rows = []
    for sample in samples:
        listing = listings[sample["slug"]]
        if holdout in ("even", "odd"):
            extractor = HeuristicExtractor(without_rules(rules, support, train))
        elif holdout == "loo":
            extractor = HeuristicExtractor(without_rules(rules, support, set(slugs) - {sample["slug"]}))
        else:
            extractor = HeuristicExtractor(rules)
        profile = extractor.extract(listing).profile
        assert profile is not None
        predicted = {f.key: float(f.value or 0.0) for f in profile.factors}
        gold = {k: float(sample["factors"][k.value]) for k in FACTOR_ORDER}
        rows.append(
            {
                "slug": sample["slug"],
                "gold_kind": sample["kind"],
                "kind": profile.system.kind.value,
                "pred": predicted,
                "gold": gold,
                "err": {k: abs(predicted[k] - gold[k]) for k in FACTOR_ORDER},
                "in_range": _inside_range(sample, profile),
            }
        )
    return {"rows": rows}


def report(result: dict, per_listing: bool) -> float:
    rows = result["rows"]
    all_err = [e for r in rows for e in r["err"].values()]
    overall = statistics.fmean(all_err)
    kind_ok = sum(r["kind"] == r["gold_kind"] for r in rows)
    print(f"samples: {len(rows)}   kind accuracy: {kind_ok}/{len(rows)}   MAE overall: {overall:.3f}{_coverage_text(cv_figures(rows))}")
    print("per factor: " + "  ".join(f"{SHORT[k]} {statistics.fmean(r['err'][k] for r in rows):.3f}" for k in FACTOR_ORDER))
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_kind[r["gold_kind"]].append(r)
    print("per gold kind:")
    for kind, group in sorted(by_kind.items()):
        mae = statistics.fmean(e for r in group for e in r["err"].values())
        print(f"  {kind:32} n={len(group):2}  MAE {mae:.3f}")
    if per_listing:
        print("per listing (pred/gold where they differ):")
        for r in sorted(rows, key=lambda r: -sum(r["err"].values())):
            diffs = " ".join(f"{SHORT[k]}{r['pred'][k]:.1f}/{r['gold'][k]:.1f}" for k in FACTOR_ORDER if r["err"][k] > 0.05)
            mark = "" if r["kind"] == r["gold_kind"] else f"  KIND {r['kind']} != {r['gold_kind']}"
            print(f"  {r['slug'][:26]:26} {statistics.fmean(r['err'].values()):.3f}{mark}  {diffs}")
    return overall


def summary(gold: Path) -> None:
    """Every generalisation figure on one screen (MAE and kind accuracy)."""
    checks = [
        ("gold-dev in-sample", gold, None),
        ("gold-dev holdout even", gold, "even"),
        ("gold-dev holdout odd", gold, "odd"),
        ("gold-dev holdout loo", gold, "loo"),
        ("evals fixtures (unseen)", REPO_ROOT / "evals" / "fixtures.jsonl", None),
        ("heuristic_unseen (own set)", REPO_ROOT / "tests" / "fixtures" / "heuristic_unseen.jsonl", None),
    ]
    for label, path, holdout in checks:
        if not path.is_file():
            print(f"{label:28} (missing: {path})")
            continue
        rows = evaluate(path, None, holdout)["rows"]
        mae = statistics.fmean(e for r in rows for e in r["err"].values())
        kind_ok = sum(r["kind"] == r["gold_kind"] for r in rows)
        print(f"{label:28} n={len(rows):2}  MAE {mae:.3f}  kind {kind_ok}/{len(rows)}{_coverage_text(cv_figures(rows))}")


def cv_sets(gold: Path) -> list[tuple[str, Path]]:
    sets = [("gold-dev", gold), ("evals", REPO_ROOT / "evals" / "fixtures.jsonl")]
    sets += [(p.stem, p) for p in sorted((REPO_ROOT / "tests" / "fixtures").glob("heuristic_unseen*.jsonl"))]
    return [(name, path) for name, path in sets if path.is_file()]


def _exposure_gold(gold: Path) -> dict[str, dict]:
    """exposure-dev.jsonl beside the gold-dev file, by slug ({} when it is not there)."""
    path = gold.parent / "exposure-dev.jsonl"
    if not path.is_file():
        return {}
    return {slug: {"exposure": g.exposure, "mitigations": g.mitigations} for slug, g in load_exposure_gold(path).items()}


def _inside_range(sample: dict, profile: object) -> bool | None:
    """Whether the gold-derived score lies in the predicted range; None without exposure gold or a profile."""
    if sample.get("exposure") is None or profile is None:
        return None
    gold = score_profile(gold_profile(Sample.model_validate(sample))).score
    span = score_profile(settle_profile(profile)).range  # type: ignore[arg-type]
    assert gold is not None and span is not None and span.low is not None and span.high is not None
    return span.low - EPSILON <= gold <= span.high + EPSILON


def cross_validate(sets: list[tuple[str, Path]]) -> list[dict]:
    """Leave-one-out over every labelled sample of every set, rules switched off per held-out sample."""
    samples: list[dict] = []
    listings: dict[str, Listing] = {}
    for name, path in sets:
        exposure = _exposure_gold(path) if name == "gold-dev" else {}
        for sample in load_gold(path, None):
            key = f"{name}/{sample['slug']}"
            samples.append({**sample, **exposure.get(sample["slug"], {}), "slug": key, "set": name})
            listings[key] = read_local(str((path.parent / sample["listing"]).resolve()))
    rules = load_rules()
    support = rule_support(rules, samples, listings)
    everyone = {s["slug"] for s in samples}
    rows = []
    for sample in samples:
        extractor = HeuristicExtractor(without_rules(rules, support, everyone - {sample["slug"]}))
        profile = extractor.extract(listings[sample["slug"]]).profile
        predicted = {f.key: float(f.value or 0.0) for f in profile.factors} if profile else {k: 0.0 for k in FACTOR_ORDER}
        gold = {k: float(sample["factors"][k.value]) for k in FACTOR_ORDER}
        kind = profile.system.kind.value if profile else "failed"
        rows.append(
            {
                "set": sample["set"], "slug": sample["slug"], "kind": kind, "gold_kind": sample["kind"],
                "err": {k: abs(predicted[k] - gold[k]) for k in FACTOR_ORDER}, "in_range": _inside_range(sample, profile),
            }
        )  # fmt: skip
    return rows


def cv_figures(rows: list[dict]) -> dict[str, float]:
    covered = [r["in_range"] for r in rows if r["in_range"] is not None]
    figures = {
        "samples": len(rows),
        "mae": round(statistics.fmean(e for r in rows for e in r["err"].values()), 4),
        "kind_accuracy": round(sum(r["kind"] == r["gold_kind"] for r in rows) / len(rows), 4),
    }
    if covered:
        figures |= {"range_samples": len(covered), "range_coverage": round(sum(covered) / len(covered), 4)}
    return figures


def _coverage_text(figures: dict[str, float]) -> str:
    if "range_coverage" not in figures:
        return ""
    return f"  gold-derived score in range {figures['range_coverage']:.1%} (n={figures['range_samples']})"


def print_cv(rows: list[dict]) -> dict[str, float]:
    figures = cv_figures(rows)
    print(
        f"cross-validated (leave-one-out, {figures['samples']} samples): MAE {figures['mae']:.3f}  "
        f"kind accuracy {figures['kind_accuracy']:.1%}{_coverage_text(figures)}"
    )
    for name in dict.fromkeys(r["set"] for r in rows):
        part = cv_figures([r for r in rows if r["set"] == name])
        print(f"  {name:24} n={part['samples']:2}  MAE {part['mae']:.3f}  kind {part['kind_accuracy']:.1%}{_coverage_text(part)}")
    wrong = [f"{r['slug']} ({r['kind']} != {r['gold_kind']})" for r in rows if r["kind"] != r["gold_kind"]]
    if wrong:
        print("  wrong kind: " + "; ".join(wrong))
    missed = [r["slug"] for r in rows if r["in_range"] is False]
    if missed:
        print("  gold-derived score outside the range: " + "; ".join(missed))
    return figures


def check_gate(figures: dict[str, float], gate: Path) -> int:
    """0 when the figures are within the gate file's limits ({"max_mae": x, "min_kind_accuracy": y, and
    optionally "min_range_coverage": z}), else 1."""
    limits = json.loads(gate.read_text("utf-8"))
    failures = []
    if figures["mae"] > limits["max_mae"] + EPSILON:
        failures.append(f"MAE {figures['mae']:.3f} > {limits['max_mae']}")
    if figures["kind_accuracy"] < limits["min_kind_accuracy"] - EPSILON:
        failures.append(f"kind accuracy {figures['kind_accuracy']:.3f} < {limits['min_kind_accuracy']}")
    if "min_range_coverage" in limits and figures.get("range_coverage", 0.0) < limits["min_range_coverage"] - EPSILON:
        failures.append(f"range coverage {figures.get('range_coverage', 0.0):.3f} < {limits['min_range_coverage']}")
    for failure in failures:
        print(f"gate {gate.name}: FAILED: {failure}", file=sys.stderr)
    if not failures:
        coverage = f", min range coverage {limits['min_range_coverage']}" if "min_range_coverage" in limits else ""
        print(f"gate {gate.name}: ok (max MAE {limits['max_mae']}, min kind accuracy {limits['min_kind_accuracy']}{coverage})")
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", nargs="?", default=str(REPO_ROOT.parent / "shared" / "evals" / "gold-dev.jsonl"))
    parser.add_argument("--per-listing", action="store_true")
    parser.add_argument("--split", choices=["even", "odd"], help="score only one half, all rules on")
    parser.add_argument("--holdout", choices=["even", "odd", "loo"], help="see the module docstring")
    parser.add_argument("--summary", action="store_true", help="all generalisation checks, one line each")
    parser.add_argument("--cv", action="store_true", help="leave-one-out over all labelled sets (the quoted figures)")
    parser.add_argument("--gate", metavar="JSON", help="with --cv: exit 1 when worse than these limits")
    args = parser.parse_args(argv)
    gold = Path(args.gold)
    if not gold.is_file():
        print(f"{gold}: no such gold file (pass the path to gold-dev.jsonl)", file=sys.stderr)
        return 2
    if args.cv:
        figures = print_cv(cross_validate(cv_sets(gold)))
        return check_gate(figures, Path(args.gate)) if args.gate else 0
    if args.summary:
        summary(gold)
        return 0
    report(evaluate(gold, args.split, args.holdout), args.per_listing)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
