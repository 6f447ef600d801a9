"""Writing a rendered report to stdout or a file, atomically."""

from __future__ import annotations

import sys
from pathlib import Path

from analyzer.atomic import write_atomic
from analyzer.errors import InputError

FORMATS = ("md", "json", "html")
_SUFFIX_FORMAT = {".md": "md", ".markdown": "md", ".json": "json", ".html": "html", ".htm": "html"}


def choose_format(fmt: str | None, out: str | None) -> str:
    """--format wins; else the --out suffix; else Markdown."""
    if fmt:
        return fmt
    if out and out != "-":
        return _SUFFIX_FORMAT.get(Path(out).suffix.lower(), "md")
    return "md"


def emit(text: str, out: str | None) -> None:
    if not out or out == "-":
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        write_atomic(Path(out), text if text.endswith("\n") else text + "\n")
    except OSError as exc:
        raise InputError(f"{out}: cannot write the report ({exc.strerror})", hint="choose a writable --out path") from None
