"""`analyzer batch INPUT --out DIR`: analyse many listings concurrently and resumably."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from analyzer.cli.llm_args import add_llm_arguments, llm_options_from_args
from analyzer.report.escape import terminal_line
from analyzer.cli.threshold_args import add_threshold_arguments, report_breaches, threshold_from_args
from analyzer.errors import ConfigError, InputError

from analyzer.models import Band
from analyzer.report import FORMATS
from analyzer.threshold import Breach, Threshold, check_score

if TYPE_CHECKING:
    from analyzer.batch.runner import BatchReport

DESCRIPTION = """\
Analyse many listings: INPUT is a text file with one URL or path per line (# starts a comment) or a
JSONL manifest with one object per line ({"source": "card.md", "slug": "my-model"}; the source may
also be in "path", "file", "listing", "url" or "listing_url"). Relative paths are resolved against
INPUT's directory.

Writes one report per source to DIR/reports/ (stable names: slug + short hash of the source),
DIR/index.json and DIR/index.csv (name, source, kind, AIVSS score and band, factor sum, status,
error, report files) and DIR/overview.md / overview.html (a table sorted by score; failed sources are
listed with their error and an unknown risk, never a score). With --format sarif, DIR/results.sarif
holds every listing's run in one SARIF log for code scanning; with --format cyclonedx, DIR/bom.cdx.json
is a CycloneDX inventory of every system analysed.

Resumable: state is kept in DIR/batch-state.sqlite3. Rerunning the same command skips what is done
and retries what failed (sources that failed on their input -- a missing file, a blocked or missing
URL -- only with --retry-failed). Ctrl-C once finishes the in-flight sources and stops; twice stops
at once. Listings with the same content are extracted once.

With --openai-batch the extraction requests go through the OpenAI Batch API (half the token price,
results within 24 h): the requests are uploaded as JSONL, the batch is polled, and the results are
scored and reported. A rerun after an interruption resumes polling the same batch.

Exit codes: 0 every source done; 5 some sources failed (listed in the index); 7 a source reached the
--fail-on / --max-score threshold (and none failed); 130 interrupted (rerun to resume); 2 bad input or
options."""

EXAMPLES = """\
examples:
  analyzer batch sources.txt --out results/
  analyzer batch manifest.jsonl --out results/ --format md --format html --concurrency 16
  analyzer batch urls.txt --out results/ --provider openai --model gpt-4.1-mini --rpm 500 --tpm 200000
  analyzer batch urls.txt --out results/ --provider openai --openai-batch --poll-interval 60"""

DEFAULT_FORMATS = ("md", "json")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "batch",
        help="analyse many listings (a list of URLs/paths or a JSONL manifest) into reports and an index",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", metavar="INPUT", help="text file of URLs/paths (one per line) or a JSONL manifest")
    p.add_argument("--out", metavar="DIR", required=True, help="output directory (reports, index, overview, state DB)")
    p.add_argument(
        "--format",
        action="append",
        choices=FORMATS,
        help="report format per source; repeat for several (default: md and json)",
    )
    add_llm_arguments(p)
    limits = p.add_argument_group("concurrency and rate limits")
    limits.add_argument("--concurrency", metavar="N", default="8", help="extractions (LLM requests) in flight at once; up to twice as many sources are loaded and reported around them (default 8)")
    limits.add_argument("--per-host", metavar="N", default="2", help="URL fetches in flight per host (default 2)")
    limits.add_argument("--rpm", metavar="N", help="LLM requests per minute (default: unlimited)")
    limits.add_argument("--tpm", metavar="N", help="LLM tokens per minute, estimated before and settled after each call (default: unlimited)")
    run = p.add_argument_group("resume and the OpenAI Batch API")
    run.add_argument("--retry-failed", action="store_true", help="also retry sources that failed on their input (missing file, blocked or missing URL)")
    run.add_argument("--openai-batch", action="store_true", help="send the extraction requests through the OpenAI Batch API (provider openai)")
    run.add_argument("--poll-interval", metavar="SECONDS", default="30", help="with --openai-batch: seconds between batch status checks (default 30)")
    from analyzer.cli.analyze import add_source_arguments

    add_source_arguments(p)
    add_threshold_arguments(p)
    p.set_defaults(func=run_command)


def _positive(text: str | None, flag: str, *, integer: bool = True) -> float | None:
    if text is None:
        return None
    try:
        value: float = int(text) if integer else float(text)
    except ValueError:
        raise InputError(f"{flag} {text!r}: not a {'whole ' if integer else ''}number", hint=f"pass e.g. {flag} 8") from None
    if value <= 0:
        raise InputError(f"{flag} {text}: must be greater than 0", hint=f"pass e.g. {flag} 8")
    return value


def run_command(args: argparse.Namespace) -> int:
    from analyzer.batch.inputs import read_inputs
    from analyzer.batch.runner import BatchOptions, run_batch
    from analyzer.extract import get_extractor, resolve_provider

    concurrency = int(_positive(args.concurrency, "--concurrency") or 8)
    per_host = int(_positive(args.per_host, "--per-host") or 2)
    rpm = _positive(args.rpm, "--rpm", integer=False)
    tpm = _positive(args.tpm, "--tpm", integer=False)
    poll = _positive(args.poll_interval, "--poll-interval", integer=False) or 30.0
    threshold = threshold_from_args(args)
    sources = read_inputs(args.input)
    if not getattr(args, "debug", False):
        # per-source log lines would bury the progress bar; every failure is in the summary and the index
        for name in ("analyzer.fetch", "analyzer.extract"):
            logging.getLogger(name).setLevel(logging.ERROR)
    out_dir = Path(args.out)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{args.out}: exists and is not a directory", hint="pass a directory for --out")

    options = llm_options_from_args(args)
    provider = resolve_provider(str(options.pop("provider", None) or "auto"))
    if args.openai_batch and provider != "openai":
        raise ConfigError(
            f"--openai-batch needs the openai provider, not {provider!r}",
            hint="pass --provider openai and set OPENAI_API_KEY (or OPENAI_BASE_URL for a compatible server)",
        )
    if provider != "heuristic":
        options.setdefault("use_cache", not args.no_cache)
    extractor = get_extractor(provider, **options)
    settings = getattr(extractor, "settings", None)
    fingerprint = {"provider": provider, "model": getattr(settings, "model", None) or options.get("model")}
    formats = tuple(dict.fromkeys(args.format or DEFAULT_FORMATS))
    batch_options = BatchOptions(
        out_dir=out_dir,
        formats=formats,
        concurrency=concurrency,
        per_host=per_host,
        rpm=rpm,
        tpm=tpm,
        allow_private=args.allow_private,
        use_cache=not args.no_cache,
        refresh=args.refresh,
        retry_failed=args.retry_failed,
        show_progress=not args.quiet,
        quiet=args.quiet,
        poll_interval=poll,
    )
    report = run_batch(sources, batch_options, extractor=extractor, fingerprint=fingerprint, llm=provider != "heuristic", openai_batch=args.openai_batch)
    _print_summary(report, out_dir, quiet=args.quiet)
    gated = report_breaches(batch_breaches(report, threshold))
    return report.exit_code or gated


def batch_breaches(report: BatchReport, threshold: Threshold) -> list[Breach]:
    """Done sources that reach the threshold, highest score first."""
    from analyzer.score import band_for

    found: list[Breach] = []
    if not threshold.active:
        return found
    for row in report.rows:
        if row.status != "done" or row.score is None:
            continue
        if threshold.use_range and row.range_high is not None:
            breach = check_score(row.source, row.range_high, band_for(row.range_high), "range top", threshold)
        else:  # a point score, or a source done by a version that kept no range: its point score
            breach = check_score(row.source, row.score, Band(row.band), "score", threshold)
        if breach is not None:
            found.append(breach)
    return sorted(found, key=lambda b: -b.score)


def _print_summary(report: BatchReport, out_dir: Path, *, quiet: bool) -> None:
    """The counts and where the files are (not with --quiet), and the failures (always: they are errors)."""
    err = sys.stderr
    if not quiet:
        print(
            f"analyzer: batch: {report.total} sources: {report.done} done, {report.failed} failed, {report.pending} pending "
            f"({report.skipped_done} already done; {report.attempted} processed, {report.extractions} extraction calls, "
            f"{report.reused} reused) in {report.elapsed_seconds:.1f} s",
            file=err,
        )
    for source, error in report.failures[:20]:
        print(f"analyzer: failed: {terminal_line(source)}: {terminal_line(error)}", file=err)
    if len(report.failures) > 20:
        print(f"analyzer: ... and {len(report.failures) - 20} more failures: see {out_dir / 'index.csv'}", file=err)
    if quiet:
        return
    if report.kept_failed:
        print(f"analyzer: {report.kept_failed} source(s) that failed on their input were not retried; pass --retry-failed to retry them", file=err)
    if report.interrupted:
        print("analyzer: interrupted: rerun the same command to resume", file=err)
    print(f"analyzer: wrote {out_dir / 'index.json'}, " + ", ".join(report.index_files[1:]), file=err)
