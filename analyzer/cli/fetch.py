"""`analyzer fetch URL`: show exactly what the analyzer will read from a URL (or a file)."""

from __future__ import annotations

import argparse
import sys

from analyzer.models import Listing


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "fetch",
        help="fetch a listing URL and print the text and metadata the analyzer will read",
        description="Fetch a Hugging Face model, GitHub repo or web page (or read a file) and print the "
        "listing the analyzer reads: title, canonical URL, revision, metadata and clean text.",
    )
    parser.add_argument("source", metavar="URL", help="a URL (https://huggingface.co/ORG/MODEL, https://github.com/OWNER/REPO, any page), a file path, or '-'")
    parser.add_argument("--format", choices=("md", "json"), default="md", help="md: readable summary + text (default); json: the Listing JSON")
    parser.add_argument("--allow-private", action="store_true", help="allow private, loopback and link-local addresses (internal mirrors, tests); off by default as an SSRF guard")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the HTTP cache")
    parser.add_argument("--refresh", action="store_true", help="revalidate cached responses with the server before using them")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from analyzer.pipeline import load_listing

    listing = load_listing(args.source, allow_private=args.allow_private, use_cache=not args.no_cache, refresh=args.refresh)
    out = listing.model_dump_json(indent=2) if args.format == "json" else render_markdown(listing)
    sys.stdout.write(out if out.endswith("\n") else out + "\n")
    return 0


def render_markdown(listing: Listing) -> str:
    rows = [
        ("Source", listing.source),
        ("Source type", listing.source_type),
        ("Canonical URL", listing.canonical_url),
        ("Revision", listing.revision),
        ("Fetched at", listing.fetched_at.isoformat() if listing.fetched_at else None),
        ("Content type", listing.content_type),
        ("Content hash", f"sha256:{listing.content_hash}"),
        ("Sections", str(len(listing.sections))),
    ]
    lines = [f"# {listing.title}", ""]
    lines += [f"- **{label}:** {value}" for label, value in rows if value]
    if listing.metadata:
        lines += ["", "## Metadata", "", "| key | value | source |", "|---|---|---|"]
        lines += [f"| {_cell(m.key)} | {_cell(m.value)} | {m.source} |" for m in listing.metadata]
    lines += ["", "## Text", "", listing.text]
    return "\n".join(lines)


def _cell(value: str) -> str:
    text = value.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= 200 else text[:199] + "…"
