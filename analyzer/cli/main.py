"""`analyzer` entry point: builds the parser from the command modules and maps errors to exit codes.

Exit codes: 0 ok; 1 internal error; 2 bad usage or input (incl. a URL refused by policy); 3 fetch
failed; 4 extraction failed; 5 batch finished with failures; 6 eval gate failed; 7 AIVSS threshold reached
(--fail-on / --max-score); 130 interrupted.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import os
import sys
from typing import NoReturn

from analyzer import __version__
from analyzer.errors import AnalyzerError

COMMANDS = ("analyze", "score", "aivss", "schema", "fetch", "eval", "batch", "diff", "serve")

EPILOG = """\
exit codes: 0 ok, 1 internal error, 2 bad usage or input, 3 fetch failed, 4 extraction failed,
5 batch finished with failures, 6 eval gate failed (worse than baseline), 7 AIVSS threshold
reached (--fail-on / --max-score), 130 interrupted; `diff` exits 1 when the score rose.
Run `analyzer COMMAND --help` for each command's options."""


class OneLineErrorParser(argparse.ArgumentParser):
    """argparse prints a usage block on errors; we print one line that says what to do."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} — see `{self.prog} --help`\n")


_GLOBAL_FLAGS = ("--debug", "--verbose", "--quiet")


def _commands_to_load(argv: list[str]) -> tuple[str, ...]:
    """Only the command being run is imported (each pulls in its own stage); `--help`, no command or an
    unknown one need them all for the listing or the error, and a lone `--version` needs none."""
    for arg in argv:
        if arg in _GLOBAL_FLAGS or arg == "--version":
            continue
        if arg.startswith("-") or arg not in COMMANDS:
            return COMMANDS
        return (arg,)
    return () if "--version" in argv else COMMANDS


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The CLI parser; with `argv`, only the commands that parsing it needs are imported."""
    parser = OneLineErrorParser(
        prog="analyzer",
        description="Turn a public AI model or agent listing (file or URL) into an agentic threat model: "
        "ten OWASP AIVSS agentic risk factors with quoted evidence, the AIVSS score, and a CSA MAESTRO "
        "seven-layer threat model.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"analyzer {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser.add_argument("--verbose", action="store_true", help="log progress (fetches, retries, cache hits) to stderr")
    parser.add_argument("--quiet", action="store_true", help="only print results and errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS if argv is None else _commands_to_load(argv):
        try:
            module = importlib.import_module(f"analyzer.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"analyzer.cli.{name}":
                continue  # command not built yet
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Pydantic scans every installed distribution's entry points for plugins when the first model class
    # is built (~5 ms of each start-up here, more in a big environment); the command uses none. Set only
    # in the command, never by `import analyzer`, so a library user's plugins still load, and only as a
    # default: PYDANTIC_DISABLE_PLUGINS set by the user (even to '') wins.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors: return the code, do not raise
        return exc.code if isinstance(exc.code, int) else 2
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO if args.verbose and not args.quiet else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not args.debug:
        for noisy in ("httpx", "httpx2", "openai", "httpcore"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except AnalyzerError as exc:
        if args.debug:
            raise
        from analyzer.report.escape import terminal_line

        print(f"analyzer: error: {terminal_line(exc)}", file=sys.stderr)  # CR/LF or escapes from a URL stay visible, one line
        return exc.exit_code
    except KeyboardInterrupt:
        print("analyzer: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the last line of defence: one line, never a traceback
        if args.debug:
            raise
        from analyzer.report.escape import terminal_line

        print(f"analyzer: internal error: {type(exc).__name__}: {terminal_line(exc)} (re-run with --debug for the traceback)", file=sys.stderr)
        return 1



# Start-up builds ~45,000 long-lived objects (modules, classes, pydantic schemas, rule tables) and hardly
# any cyclic garbage, yet at the default first-generation threshold (700 allocations) the collector ran
# ~90 times over them during one offline analysis: ~10% of its CPU time. At this threshold one analysis
# runs without a collection, and long runs (batch, serve, eval) still collect, so the cyclic garbage
# waiting for a collection stays bounded (at most this many container objects, a few MB).
GC_THRESHOLD = 100_000


def run() -> NoReturn:
    """The `analyzer` command (console script and `python -m analyzer`): `main()`, then exit.

    The collector runs less often (`GC_THRESHOLD`). At exit CPython garbage-collects every object it
    tracks; with pydantic's and the rule tables' objects that was ~50 ms of each run, a fifth of an
    offline analysis. `gc.freeze()` first moves them out of that last collection: atexit handlers still
    run and objects freed by reference counting are still finalized; objects left in reference cycles are
    released with the process. Not done in `main()`, which tests and scripts call in-process (a frozen
    object is never collected afterwards).
    """
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    run()
