"""Writing a rendered report to stdout or a file, atomically."""

from __future__ import annotations

import sys
from pathlib import Path

from analyzer.atomic import write_atomic
from analyzer.errors import InputError
from analyzer.report import DETAILS, FORMATS
from analyzer.report.escape import terminal

__all__ = ["DETAILS", "FORMATS", "add_detail_argument", "choose_format", "emit"]


def add_detail_argument(parser) -> None:  # type: ignore[no-untyped-def]
    parser.add_argument(
        "--detail",
        choices=DETAILS,
        default="concise",
        help="md/html report length: concise (default: what matters in about a page) or full (evidence per factor, whole derivation, run record)",
    )

# Longest endings first: "x.cdx.json" is a CycloneDX BOM, "x.json" an analysis.
_SUFFIX_FORMAT = {".cdx.json": "cyclonedx", ".bom.json": "cyclonedx", ".sarif.json": "sarif", ".sarif": "sarif", ".md": "md", ".markdown": "md", ".json": "json", ".html": "html", ".htm": "html"}


def choose_format(fmt: str | None, out: str | None) -> str:
    """--format wins; else the --out suffix; else Markdown."""
    if fmt:
        return fmt
    if out and out != "-":
        name = Path(out).name.lower()
        return next((fmt for suffix, fmt in _SUFFIX_FORMAT.items() if name.endswith(suffix)), "md")
    return "md"


def emit(text: str, out: str | None) -> None:
    if not out or out == "-":
        if sys.stdout.isatty():  # a terminal runs escape sequences: a listing must not drive it
            text = terminal(text)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        write_atomic(Path(out), text if text.endswith("\n") else text + "\n")
    except OSError as exc:
        raise InputError(f"{out}: cannot write the report ({exc.strerror})", hint="choose a writable --out path") from None
