"""Score the heuristic extractor's exposure facts and mitigations against gold labels.

Usage: python benchmarks/calibrate_exposure.py [EXPOSURE_JSONL] [--gold-kind] [--per-listing] [--explain SLUG] [--unlabelled]

Default EXPOSURE_JSONL: ../shared/evals/exposure-dev.jsonl relative to the repository root (format in
../shared/evals/README.md); each sample's listing and kind come from gold-dev.jsonl beside it. A dataset
whose lines carry their own listing, kind and exposure gold works too (evals/fixtures.jsonl).

Prints, in-sample and held out:
- tri-state accuracy per fact and overall, precision (and recall) of `yes`, and how many yes/stated-no
  values carry a quote that is a substring of the listing;
- mitigation precision / recall over (listing, mitigation kind) pairs;
- held-out halves: samples sorted by slug, even-indexed and odd-indexed. Each half is scored with every
  phrase rule switched off that is right on no sample of the other half (a tuner reading only the other
  half would have had no reason to write it), then the two halves are pooled;
- leave-one-out: each sample scored with the rules that are right on no other sample switched off.
The kind is the one the heuristic detects (as in real use) unless --gold-kind is given. The sentence cues
(negation, advice, optional) and the kind defaults are not switched off: they are the rubric's logic,
not phrases fitted to a listing.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from analyzer.extract.heuristic.exposure import (  # noqa: E402
    NO,
    YES,
    ExposureFindings,
    ExposureRules,
    PhraseRule,
    accepted_hits,
    candidate_hits,
    find_exposure,
    load_exposure_rules,
    rejection,
)
from analyzer.extract.heuristic.kind import detect_kind  # noqa: E402
from analyzer.extract.heuristic.rules import load_rules  # noqa: E402
from analyzer.extract.heuristic.system import system_name  # noqa: E402
from analyzer.extract.heuristic.textscan import ScanText  # noqa: E402
from analyzer.extract.injection import injection_spans  # noqa: E402
from analyzer.fetch.local import read_local  # noqa: E402
from analyzer.models import EXPOSURE_FACTS, Kind  # noqa: E402

SHORT = {
    "network_service": "net",
    "processes_untrusted_content": "untr",
    "executes_code": "exec",
    "writes_files": "write",
    "controls_browser_or_desktop": "brow",
    "uses_credentials": "cred",
    "acts_on_external_systems": "acts",
    "human_approval_required": "appr",
}


@dataclass
class Sample:
    slug: str
    kind: Kind
    scan: ScanText
    blocked: list[tuple[int, int]]
    name: str
    gold: dict[str, str]
    gold_quotes: dict[str, str | None]
    gold_mitigations: set[str]


def load_samples(path: Path, gold_kind: bool) -> list[Sample]:
    """Samples from exposure-dev.jsonl (listing and kind from gold-dev.jsonl beside it), or from any
    dataset whose lines carry their own `listing`, `kind`, `exposure` and `mitigations` (evals/fixtures.jsonl)."""
    factor_gold = {}
    dev = path.parent / "gold-dev.jsonl"
    if dev.is_file():
        for line in dev.read_text("utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                factor_gold[d["slug"]] = d
    rules = load_rules()
    samples = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        d = json.loads(line)
        if "exposure" not in d:
            continue
        meta = d if "listing" in d else factor_gold[d["slug"]]
        listing = read_local(str((path.parent / meta["listing"]).resolve()))
        scan = ScanText(listing)
        kind = Kind(meta["kind"]) if gold_kind else detect_kind(scan, rules).kind
        exposure = {f: (v if isinstance(v, dict) else {"value": v, "quote": None}) for f, v in d["exposure"].items()}
        samples.append(
            Sample(
                slug=d["slug"],
                kind=kind,
                scan=scan,
                blocked=injection_spans(listing),
                name=system_name(scan),
                gold={f: exposure[f]["value"] for f in EXPOSURE_FACTS},
                gold_quotes={f: exposure[f].get("quote") for f in EXPOSURE_FACTS},
                gold_mitigations={m["kind"] if isinstance(m, dict) else str(m) for m in d.get("mitigations") or []},
            )
        )
    samples.sort(key=lambda s: s.slug)
    return samples


def right_on(rules: ExposureRules, sample: Sample) -> set[PhraseRule]:
    """The phrase rules whose accepted matches agree with the gold label of this sample."""
    out = set()
    for rule in rules.all_rules():
        if not rule.applies_to(sample.kind):
            continue
        if rule.polarity == "mitigation":
            agrees = rule.target in sample.gold_mitigations
        else:
            agrees = sample.gold[rule.target] == rule.polarity
        if agrees and accepted_hits(sample.scan, rule, rules.cues, sample.blocked, sample.name):
            out.add(rule)
    return out


@dataclass
class Tally:
    correct: dict[str, int]
    total: dict[str, int]
    yes_pred: int = 0
    yes_right: int = 0
    yes_gold: int = 0
    quoted: int = 0  # predicted yes / stated no with a verified quote
    needs_quote: int = 0
    mit_pred: int = 0
    mit_right: int = 0
    mit_gold: int = 0

    @classmethod
    def new(cls) -> Tally:
        return cls(defaultdict(int), defaultdict(int))

    def add(self, sample: Sample, found: ExposureFindings) -> None:
        text = sample.scan.text
        for fact in EXPOSURE_FACTS:
            pred = found.facts[fact]
            gold = sample.gold[fact]
            self.total[fact] += 1
            self.correct[fact] += pred.value == gold
            self.yes_gold += gold == YES
            if pred.value == YES:
                self.yes_pred += 1
                self.yes_right += gold == YES
            if pred.source == "stated":
                self.needs_quote += 1
                self.quoted += bool(pred.evidence) and all(e.quote in text for e in pred.evidence)
        kinds = {m.kind.value for m in found.mitigations}
        self.mit_pred += len(kinds)
        self.mit_right += len(kinds & sample.gold_mitigations)
        self.mit_gold += len(sample.gold_mitigations)

    def accuracy(self) -> float:
        return sum(self.correct.values()) / max(1, sum(self.total.values()))

    def line(self, label: str) -> str:
        per = " ".join(f"{SHORT[f]} {self.correct[f] / max(1, self.total[f]):.0%}" for f in EXPOSURE_FACTS)
        yes_p = self.yes_right / max(1, self.yes_pred)
        yes_r = self.yes_right / max(1, self.yes_gold)
        mp = self.mit_right / max(1, self.mit_pred)
        mr = self.mit_right / max(1, self.mit_gold)
        return (
            f"{label:<22} accuracy {self.accuracy():6.1%} ({sum(self.correct.values())}/{sum(self.total.values())})"
            f"  yes-precision {yes_p:6.1%} ({self.yes_right}/{self.yes_pred})  yes-recall {yes_r:6.1%}"
            f"  mitigations P {mp:5.1%} R {mr:5.1%} ({self.mit_right}/{self.mit_pred} of {self.mit_gold})"
            f"  quoted {self.quoted}/{self.needs_quote}\n{'':<22} per fact: {per}"
        )


def run(samples: list[Sample], rules: ExposureRules, drop_for: dict[str, set[PhraseRule]] | None = None) -> tuple[Tally, dict[str, ExposureFindings]]:
    tally = Tally.new()
    out = {}
    for sample in samples:
        use = rules.without(drop_for[sample.slug]) if drop_for is not None else rules
        found = find_exposure(sample.scan, sample.kind, use, sample.blocked, sample.name)
        tally.add(sample, found)
        out[sample.slug] = found
    return tally, out


def held_out_drops(samples: list[Sample], rules: ExposureRules, support: dict[str, set[PhraseRule]]) -> tuple[dict[str, set[PhraseRule]], dict[str, set[PhraseRule]]]:
    """Rules to switch off per sample: for the even/odd halves, and for leave-one-out."""
    everything = set(rules.all_rules())
    halves = {0: [s.slug for s in samples[0::2]], 1: [s.slug for s in samples[1::2]]}
    half_drop: dict[str, set[PhraseRule]] = {}
    for h, test in halves.items():
        train = halves[1 - h]
        justified = set().union(*(support[t] for t in train))
        for slug in test:
            half_drop[slug] = everything - justified
    loo_drop: dict[str, set[PhraseRule]] = {}
    for s in samples:
        justified = set().union(*(support[t.slug] for t in samples if t.slug != s.slug))
        loo_drop[s.slug] = everything - justified
    return half_drop, loo_drop


def explain(sample: Sample, rules: ExposureRules) -> None:
    print(f"== {sample.slug} ({sample.kind.value})")
    found = find_exposure(sample.scan, sample.kind, rules, sample.blocked, sample.name)
    for fact in EXPOSURE_FACTS:
        f = found.facts[fact]
        mark = "  " if f.value == sample.gold[fact] else "XX"
        quote = f.evidence[0].quote[:140] if f.evidence else ""
        print(f"{mark} {fact:<28} pred {f.value:<10} gold {sample.gold[fact]:<10} [{f.rule or f.source}] {quote}")
        if f.value != sample.gold[fact] and sample.gold_quotes[fact]:
            print(f"   {'':<28} gold quote: {sample.gold_quotes[fact][:160]}")
    print(f"   mitigations pred {sorted(m.kind.value for m in found.mitigations)} gold {sorted(sample.gold_mitigations)}")
    for m in found.mitigations:
        print(f"     {m.kind.value}: {m.evidence[0].quote[:150] if m.evidence else ''}")
    # Rejected matches, to see what the sentence logic threw away.
    for rule in rules.all_rules():
        if not rule.applies_to(sample.kind):
            continue
        for hit in candidate_hits(sample.scan, rule, 5):
            why = rejection(sample.scan, hit, rule, rules.cues, sample.blocked, sample.name)
            if why:
                print(f"   rejected {rule.target}/{rule.polarity}/{rule.id}: {why}: {hit.quote[:120]!r}")


def show_unlabelled(path: Path, samples: list[Sample], rules: ExposureRules) -> None:
    """Facts and quotes for the listings beside the gold that have no labels: read them for wrong reasons."""
    labelled = {s.slug for s in samples}
    kind_rules = load_rules()
    for listing_path in sorted((path.parent.parent / "listings").glob("*.md")):
        if listing_path.stem in labelled:
            continue
        listing = read_local(str(listing_path))
        scan = ScanText(listing)
        kind = detect_kind(scan, kind_rules).kind
        found = find_exposure(scan, kind, rules, injection_spans(listing), system_name(scan))
        print(f"== {listing_path.stem} ({kind.value}) " + " ".join(f"{SHORT[f]}={v.value}" for f, v in found.facts.items()))
        for fact, v in found.facts.items():
            if v.evidence:
                print(f"     {SHORT[fact]:<5} {v.value:<3} [{v.rule}] {v.evidence[0].quote[:150]!r}")
        for m in found.mitigations:
            print(f"     mitigation {m.kind.value} [{m.rule}] {m.evidence[0].quote[:150]!r}")


def _misses(sample: Sample, found: ExposureFindings, exclude: ExposureFindings | None = None) -> str:
    """The wrong facts and mitigations of one run; with `exclude`, only those that run gets right."""
    out = []
    for f in EXPOSURE_FACTS:
        pred, gold = found.facts[f].value, sample.gold[f]
        if pred != gold and (exclude is None or exclude.facts[f].value == gold):
            out.append(f"{SHORT[f]}:{pred}≠{gold}")
    kinds = {m.kind.value for m in found.mitigations}
    base = {m.kind.value for m in exclude.mitigations} if exclude is not None else set()
    extra = sorted(kinds - sample.gold_mitigations - base)
    missed = sorted((sample.gold_mitigations - kinds) - (sample.gold_mitigations - base if exclude is not None else set()))
    if extra:
        out.append(f"mit+{extra}")
    if missed:
        out.append(f"mit-{missed}")
    return " ".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("gold", nargs="?", default=str(REPO_ROOT.parent / "shared" / "evals" / "exposure-dev.jsonl"))
    parser.add_argument("--gold-kind", action="store_true", help="use the gold kind instead of the detected one")
    parser.add_argument("--per-listing", action="store_true", help="one line per listing: wrong facts")
    parser.add_argument("--unlabelled", action="store_true", help="print facts and quotes for the shared listings without gold labels")
    parser.add_argument("--explain", metavar="SLUG", action="append", default=[], help="show every fact, quote and rejected match for a listing")
    args = parser.parse_args()
    path = Path(args.gold)
    if not path.is_file():
        print(f"calibrate_exposure: {path} not found; pass the exposure gold JSONL path", file=sys.stderr)
        return 2
    samples = load_samples(path, args.gold_kind)
    rules = load_exposure_rules()
    if args.unlabelled:
        show_unlabelled(path, samples, rules)
        return 0
    if args.explain:
        for s in samples:
            if s.slug in args.explain:
                explain(s, rules)
        return 0
    kind_note = "gold kind" if args.gold_kind else "detected kind"
    print(f"{len(samples)} listings, {len(samples) * len(EXPOSURE_FACTS)} facts ({kind_note}); {len(rules.all_rules())} phrase rules")
    tally, found = run(samples, rules)
    print(tally.line("in-sample"))
    support = {s.slug: right_on(rules, s) for s in samples}
    half_drop, loo_drop = held_out_drops(samples, rules, support)
    even = [s for s in samples[0::2]]
    odd = [s for s in samples[1::2]]
    t_even, found_even = run(even, rules, half_drop)
    t_odd, found_odd = run(odd, rules, half_drop)
    found_half = {**found_even, **found_odd}
    print(t_even.line("held-out even (odd)"))
    print(t_odd.line("held-out odd (even)"))
    pooled = Tally.new()
    for t in (t_even, t_odd):
        for f in EXPOSURE_FACTS:
            pooled.correct[f] += t.correct[f]
            pooled.total[f] += t.total[f]
        for attr in ("yes_pred", "yes_right", "yes_gold", "quoted", "needs_quote", "mit_pred", "mit_right", "mit_gold"):
            setattr(pooled, attr, getattr(pooled, attr) + getattr(t, attr))
    print(pooled.line("held-out halves pooled"))
    t_loo, found_loo = run(samples, rules, loo_drop)
    print(t_loo.line("leave-one-out"))
    single = sorted({r.id + "/" + r.target for s in samples for r in support[s.slug] if sum(r in support[t.slug] for t in samples) == 1})
    print(f"rules right on exactly one listing (dropped by leave-one-out there): {len(single)}: {', '.join(single)}")
    if args.per_listing:
        # In-sample misses, then what the held-out runs get wrong besides (loo: leave-one-out, half: halves).
        for s in samples:
            line = _misses(s, found[s.slug]) or "ok"
            for label, other in (("loo", found_loo), ("half", found_half)):
                extra = _misses(s, other[s.slug], exclude=found[s.slug])
                if extra:
                    line += f"  {label}: {extra}"
            print(f"  {s.slug:<26} {s.kind.value:<30} {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
