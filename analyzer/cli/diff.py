"""`analyzer diff OLD NEW` / `analyzer diff URL --rev A --rev B`: what changed between two analyses."""

from __future__ import annotations

import argparse
import sys

from analyzer.cli.llm_args import add_llm_arguments, llm_options_from_args
from analyzer.cli.output import emit
from analyzer.errors import InputError

EXIT_SCORE_ROSE = 1
DESCRIPTION = """\
Compare two analyses of a listing: the kind, the AIVSS score, band and range, the ten factors, the
exposure facts, the stated mitigations, the MAESTRO layer tags and threats, the cross-layer threats,
the warnings, and which verified quotes appeared or disappeared.

OLD and NEW are analysis JSON files (`analyze --format json`), used as they are, or listings (files or
URLs), analysed now with the extractor flags below. With --rev A --rev B, give one Hugging Face or
GitHub URL: it is fetched and analysed at revision A (old) and B (new).

Exit codes: 0 the score did not rise; 1 the score rose (for CI); 4 the new side's extraction failed;
2 bad input; 3 fetch failed."""

EXAMPLES = """\
examples:
  analyzer diff old.json new.json
  analyzer diff cards/agent-v1.md cards/agent-v2.md --format json
  analyzer diff https://huggingface.co/ORG/MODEL --rev 3f2a9c1 --rev main --out diff.md"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("diff", help="what changed between two analyses (files, or two revisions of a URL)", description=DESCRIPTION, epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("sources", nargs="+", metavar="OLD NEW", help="two analysis JSON files or listings; with --rev, one Hugging Face / GitHub URL")
    p.add_argument("--rev", action="append", metavar="REV", help="a revision (branch, tag or commit) of the URL; give it twice: old, then new")
    p.add_argument("--format", choices=("md", "json"), default=None, help="md (default) or json")
    p.add_argument("--out", metavar="PATH", help="write the diff here instead of stdout")
    add_llm_arguments(p)
    from analyzer.cli.analyze import add_source_arguments

    add_source_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from analyzer.diff import diff_revisions, diff_sources
    from analyzer.report.diff import render_diff

    options = llm_options_from_args(args)
    options["provider"] = options.pop("provider", None) or "auto"
    options.update(allow_private=args.allow_private, use_cache=not args.no_cache, refresh=args.refresh)
    if args.rev:
        if len(args.rev) != 2 or len(args.sources) != 1:
            raise InputError("--rev needs exactly two revisions and one URL", hint="e.g. analyzer diff https://huggingface.co/ORG/MODEL --rev OLD --rev NEW")
        _, after, diff = diff_revisions(args.sources[0], args.rev[0], args.rev[1], **options)
    else:
        if len(args.sources) != 2:
            raise InputError(f"diff needs two sources, got {len(args.sources)}", hint="analyzer diff OLD NEW, or one URL with --rev A --rev B")
        _, after, diff = diff_sources(args.sources[0], args.sources[1], **options)
    fmt = args.format or ("json" if args.out and args.out.lower().endswith(".json") else "md")
    emit(render_diff(diff, fmt), args.out)
    if after.failed:
        print(f"analyzer: error: the new side's extraction failed: {after.extraction.error} — its risk is unknown", file=sys.stderr)
        return 4
    if diff.score_rose:
        if not args.quiet:
            from analyzer.report.diff import headline

            print(f"analyzer: score rose: {headline(diff)}", file=sys.stderr)
        return EXIT_SCORE_ROSE
    return 0
