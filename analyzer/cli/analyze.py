"""`analyzer analyze SOURCE`: fetch, extract, score and report one listing."""

from __future__ import annotations

import argparse
import sys

from analyzer.cli.llm_args import add_llm_arguments, llm_options_from_args
from analyzer.report.escape import terminal_line
from analyzer.cli.output import FORMATS, add_detail_argument, choose_format, emit
from analyzer.cli.scoring_args import add_scoring_arguments, scoring_options_from_args
from analyzer.cli.threshold_args import add_threshold_arguments, gate, threshold_from_args

DESCRIPTION = """\
Analyse one listing: SOURCE is a file (Markdown, HTML, plain text or JSON), '-' for stdin, or an
http(s) URL (Hugging Face model, GitHub repo or any listing page). Prints an agentic threat model:
the ten OWASP AIVSS agentic risk factors with the quotes behind them, the AIVSS score with the
derivation of its inputs, and the CSA MAESTRO seven-layer threat model.

With no LLM configured (no OPENAI_API_KEY / OPENAI_BASE_URL) the offline heuristic extractor is
used: no network, no key. A failed extraction is reported as unknown (exit 4), never as a score."""

EXAMPLES = """\
examples:
  analyzer analyze examples/tidewater-agent.md
  analyzer analyze card.md --format html --out card.html
  analyzer analyze https://huggingface.co/ORG/MODEL --provider openai --model gpt-4.1-mini
  analyzer analyze card.md --format sarif --out card.sarif --fail-on high
  analyzer analyze card.md --cvss-vector 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'"""


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags about reading the listing, shared with `fetch` and `batch`."""
    group = parser.add_argument_group("fetching")
    group.add_argument("--allow-private", action="store_true", help="allow URLs on private/loopback addresses (internal mirrors, tests); off by default as an SSRF guard")
    group.add_argument("--no-cache", action="store_true", help="do not read or write the on-disk fetch and LLM response caches")
    group.add_argument("--refresh", action="store_true", help="revalidate cached pages with the server now (ETag / If-Modified-Since) instead of trusting a fresh copy")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyze",
        help="analyse a listing (file, '-' or URL) into an agentic threat model",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("source", metavar="SOURCE", help="path to a listing file, '-' for stdin, or an http(s) URL")
    p.add_argument("--format", choices=FORMATS, help="report format (default: from --out suffix, else md)")
    p.add_argument("--out", metavar="PATH", help="write the report here (atomically) instead of stdout")
    add_detail_argument(p)
    add_llm_arguments(p)
    add_scoring_arguments(p)
    add_threshold_arguments(p)
    add_source_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from analyzer.pipeline import analyze
    from analyzer.report import render

    scoring = scoring_options_from_args(args)
    threshold = threshold_from_args(args)
    options = llm_options_from_args(args)
    provider = options.pop("provider", None) or "auto"
    analysis = analyze(
        args.source,
        provider=provider,
        scoring=scoring,
        allow_private=args.allow_private,
        use_cache=not args.no_cache,
        refresh=args.refresh,
        **options,
    )
    fmt = choose_format(args.format, args.out)
    emit(render(analysis, fmt, detail=args.detail), args.out)
    if not args.quiet:
        if args.out and args.out != "-":
            print(f"analyzer: wrote {fmt} report to {args.out}", file=sys.stderr)
        print(f"analyzer: extractor: {analysis.run.provider}" + (f" ({analysis.run.model})" if analysis.run.model else ""), file=sys.stderr)
        for w in analysis.warnings:
            if w.severity.value in ("warning", "error"):
                print(f"analyzer: {w.severity.value}: {terminal_line(w.message)}", file=sys.stderr)
    if analysis.failed:
        print(f"analyzer: error: extraction failed: {terminal_line(analysis.extraction.error)} — the report shows the risk as unknown", file=sys.stderr)
        return 4
    return gate([analysis], threshold)
