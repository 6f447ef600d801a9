"""`analyzer eval`: run an extractor over gold-labelled listings, report, and gate against a baseline.

    analyzer eval [--dataset PATH] [--listings DIR] [--exposure FILE] [--provider P] [--model M] [--concurrency N]
                  [--out DIR] [--baseline FILE] [--gate FILE] [--json]   (+ the shared LLM flags)
    analyzer eval compare A.json B.json [--json] [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console

from analyzer.cli.llm_args import add_llm_arguments, llm_options_from_args
from analyzer.errors import EvalGateError, InputError
from analyzer.evals import project_evals_dir
from analyzer.evals.compare import compare_runs, comparison_dict
from analyzer.evals.dataset import load_dataset, load_exposure_gold, with_exposure_gold
from analyzer.evals.gate import GateConfig, GateResult, check, load_gate_config
from analyzer.evals.records import RunLog, SampleRecord, read_run_log
from analyzer.evals.report import print_comparison, print_gate, print_run, write_reports
from analyzer.evals.runner import BandReference, EvalSettings, evaluate
from analyzer.extract import PROVIDERS, get_extractor, resolve_provider


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def _cvss(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 10.0:
        raise argparse.ArgumentTypeError(f"{value} is outside 0.0–10.0")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval",
        help="regression-test extraction against gold labels",
        description="Run an extractor over a JSONL dataset of gold-labelled listings and report factor MAE, "
        "within ±0.1/±0.2, Spearman, band agreement, layer-tag accuracy, grounding, failures, injection "
        "detection, tokens, cost and latency, with bootstrap confidence intervals. With --baseline, exit 6 "
        "when a gated metric is worse beyond its threshold (evals/gate.toml). "
        "`analyzer eval compare A.json B.json` diffs two saved runs.",
        epilog="exit codes: 0 ok, 2 bad input or config, 6 gate failed (worse than the baseline).",
    )
    p.add_argument("--dataset", metavar="PATH", help="JSONL dataset (default: the project's evals/fixtures.jsonl)")
    p.add_argument("--listings", metavar="DIR", help="folder with the listing files; overrides the dataset's paths by file name")
    p.add_argument("--exposure", metavar="FILE", help="exposure gold JSONL (format of ../shared/evals/exposure-dev.jsonl), matched to the samples by slug")
    # Added before the shared LLM flags so that eval's default is the deterministic heuristic, not 'auto'.
    p.add_argument("--provider", default="heuristic", choices=PROVIDERS, help="extractor to evaluate (default: heuristic)")
    p.add_argument("--concurrency", type=_positive_int, default=1, metavar="N", help="samples extracted in parallel (default 1)")
    p.add_argument("--out", metavar="DIR", help="write eval.json (run log), eval.md and eval.html into DIR")
    p.add_argument("--baseline", metavar="FILE", help="a saved eval.json to gate against (exit 6 when worse)")
    p.add_argument("--gate", metavar="FILE", help="gate thresholds (default: evals/gate.toml)")
    p.add_argument("--json", action="store_true", help="print the JSON run log on stdout instead of tables")
    p.add_argument("--sample", action="append", metavar="SLUG", help="only this sample (repeatable)")
    p.add_argument("--no-cache", action="store_true", help="LLM providers: do not read or write the response cache")
    p.add_argument("--cvss-base", type=_cvss, default=BandReference.cvss_base, metavar="X",
                   help="reference CVSS base used for gold and predicted AIVSS bands (default 5.0)")
    p.add_argument("--bootstrap", type=_positive_int, default=1000, metavar="N", help="bootstrap resamples for intervals (default 1000)")
    p.add_argument("--seed", type=int, default=20240601, help="bootstrap seed (default 20240601)")
    add_llm_arguments(p)
    p.set_defaults(func=run)
    actions = p.add_subparsers(dest="eval_action", metavar="ACTION")
    c = actions.add_parser("compare", help="per-metric and per-sample differences between two run logs",
                           description="Compare two eval run logs (A = reference, B = candidate; deltas are B − A).")
    c.add_argument("a", metavar="A.json")
    c.add_argument("b", metavar="B.json")
    c.add_argument("--json", action="store_true", help="print the comparison as JSON")
    c.add_argument("--check", action="store_true", help="also apply the gate (A as baseline) and exit 6 on a regression")
    c.add_argument("--gate", metavar="FILE", help="gate thresholds (default: evals/gate.toml)")
    c.add_argument("--limit", type=_positive_int, default=20, help="changed samples to list (default 20)")
    c.set_defaults(func=run_compare)


def _console(stderr: bool = False) -> Console:
    # Piped output (CI logs, files) gets a wide fixed width instead of rich's 80-column default.
    stream = sys.stderr if stderr else sys.stdout
    return Console(stderr=stderr, highlight=False, width=None if stream.isatty() else 160)


def _gate_config(path: str | None) -> GateConfig:
    return load_gate_config(path or project_evals_dir() / "gate.toml")


def _default_dataset() -> Path:
    path = project_evals_dir() / "fixtures.jsonl"
    try:  # shown in reports and stored in the log: keep it short and machine-independent when possible
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _progress(console: Console, total: int):  # type: ignore[no-untyped-def]
    done = [0]

    def report(record: SampleRecord) -> None:
        done[0] += 1
        status = "ok" if record.ok else f"FAILED ({record.error})"
        console.print(f"[{done[0]}/{total}] {record.slug}: {status}", highlight=False)

    return report


def run(args: argparse.Namespace) -> int:
    if getattr(args, "eval_action", None) not in (None, "run"):
        raise InputError(f"unknown eval action {args.eval_action!r}", hint="use `analyzer eval` or `analyzer eval compare A.json B.json`")
    err, out = _console(stderr=True), _console()
    quiet = bool(getattr(args, "quiet", False))
    dataset = load_dataset(args.dataset or _default_dataset(), args.listings)
    if args.exposure:
        dataset = with_exposure_gold(dataset, load_exposure_gold(args.exposure))
    if args.sample:
        dataset = dataset.subset(args.sample)
    # Read the baseline and the gate before the (possibly slow, possibly paid) run, so mistakes show early.
    baseline: RunLog | None = read_run_log(args.baseline) if args.baseline else None
    gate_config = _gate_config(args.gate) if baseline is not None else None
    options = llm_options_from_args(args)
    provider = resolve_provider(options.pop("provider"))
    if provider != "heuristic":
        options["use_cache"] = not args.no_cache
    extractor = get_extractor(provider, **options)
    settings = EvalSettings(
        concurrency=args.concurrency,
        band_reference=BandReference(cvss_base=args.cvss_base),
        bootstrap_iterations=args.bootstrap,
        bootstrap_seed=args.seed,
    )
    progress = _progress(err, len(dataset.samples)) if not quiet and sys.stderr.isatty() else None
    log = evaluate(extractor, dataset, settings=settings, provider=provider, model=args.model, progress=progress)
    gate: GateResult | None = check(baseline, log, gate_config) if baseline is not None and gate_config is not None else None
    if args.out:
        try:
            paths = write_reports(log, args.out, gate)
        except OSError as exc:
            raise InputError(f"{args.out}: cannot write the eval reports ({exc.strerror or exc})", hint="pass a writable directory to --out") from None
        if not quiet:
            err.print("wrote " + ", ".join(str(p) for p in paths.values()))
    if args.json:
        sys.stdout.write(log.model_dump_json(indent=2) + "\n")
    else:
        print_run(log, out)
    if gate is not None and gate_config is not None:
        print_gate(gate, err if args.json else out, gate_config.source)
        if not gate.passed:
            names = ", ".join(f"{r.metric} ({r.reason})" for r in gate.failures)
            raise EvalGateError(f"eval is worse than the baseline {args.baseline}: {names}",
                                hint="fix the regression, or refresh the baseline if the change is intended (see README: Evals)")
    return 0


def run_compare(args: argparse.Namespace) -> int:
    a, b = read_run_log(args.a), read_run_log(args.b)
    comparison = compare_runs(a, b)
    out = _console()
    if args.json:
        sys.stdout.write(json.dumps(comparison_dict(comparison), indent=2, default=str) + "\n")
    else:
        print_comparison(comparison, out, limit=args.limit)
    if args.check:
        config = _gate_config(args.gate)
        result = check(a, b, config)
        print_gate(result, _console(stderr=True) if args.json else out, config.source)
        if not result.passed:
            raise EvalGateError(f"{args.b} is worse than {args.a}: " + ", ".join(r.metric for r in result.failures),
                                hint="see the gate table above")
    return 0
