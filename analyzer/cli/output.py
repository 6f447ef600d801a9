"""Writing a rendered report to stdout or a file, atomically."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

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


def write_atomic(path: Path, text: str) -> None:
    """Write via a temp file and os.replace, so a reader never sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def emit(text: str, out: str | None) -> None:
    if not out or out == "-":
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        write_atomic(Path(out), text if text.endswith("\n") else text + "\n")
    except OSError as exc:
        raise InputError(f"{out}: cannot write the report ({exc.strerror})", hint="choose a writable --out path") from None
