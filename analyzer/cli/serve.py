"""`analyzer serve`: run the local drafting web app (analyse, edit and re-score live, keep drafts, export)."""

from __future__ import annotations

import argparse
import sys

DESCRIPTION = """\
Run a local web app for drafting threat reports: analyse a listing (URL, uploaded file or pasted text),
edit every value of the report in place — factor values, kind, exposure facts, mitigations, threat
multiplier, mitigation factor — with the score, derivation and MAESTRO text re-computed on each edit,
keep drafts (SQLite in the data directory), export them and compare one with a newer revision.

It listens on 127.0.0.1 only unless --host says otherwise. The LLM extractor is offered when the server's
environment configures one (OPENAI_API_KEY / OPENAI_BASE_URL); the key never reaches the browser."""

EXAMPLES = """\
examples:
  analyzer serve                      # http://127.0.0.1:8000/
  analyzer serve --port 0             # any free port (printed)
  analyzer serve --db ./drafts.sqlite3"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the local web app for drafting threat reports", description=DESCRIPTION, epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1; anything else is reachable by others and warned about)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    p.add_argument("--db", metavar="PATH", help="drafts database (default: drafts.sqlite3 in $ANALYZER_DATA_DIR or the user data dir)")
    p.add_argument("--allowed-host", dest="allowed_hosts", action="append", default=[], metavar="NAME", help="another Host name to accept, e.g. a reverse proxy's (repeatable)")
    p.add_argument("--allow-private", action="store_true", help="let pasted URLs reach private/loopback addresses (internal mirrors); off by default as an SSRF guard")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from analyzer.errors import InputError
    from analyzer.serve import ServeConfig, bind
    from analyzer.serve import run as serve
    from analyzer.serve.server import public_warning

    if not 0 <= args.port <= 65535:
        raise InputError(f"--port {args.port} is outside 0–65535", hint="pass a port such as 8000")
    config = ServeConfig(host=args.host, port=args.port, db_path=Path(args.db) if args.db else None, allow_private=args.allow_private, extra_hosts=tuple(h.lower() for h in args.allowed_hosts))
    sock = bind(config)
    if warning := public_warning(config):
        print(f"analyzer: warning: {warning}", file=sys.stderr)
    shown = f"[{config.host}]" if ":" in config.host else config.host
    if shown in ("0.0.0.0", "[::]"):
        shown = "127.0.0.1"
    print(f"analyzer: serving on http://{shown}:{config.port}/ (Ctrl-C to stop)", file=sys.stderr, flush=True)
    serve(config, sock=sock, log_level="info" if args.verbose else "warning")
    return 0
