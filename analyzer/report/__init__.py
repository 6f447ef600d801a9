"""Report renderers: one Analysis → Markdown, JSON, a self-contained HTML page, or SARIF for code scanning."""

from __future__ import annotations

from typing import Literal

from analyzer.errors import InputError
from analyzer.models import Analysis

Format = Literal["md", "json", "html", "sarif"]
FORMATS: tuple[str, ...] = ("md", "json", "html", "sarif")
# File name endings per format (batch reports, --out suffix detection).
EXTENSIONS: dict[str, str] = {"md": "md", "json": "json", "html": "html", "sarif": "sarif"}


def render(analysis: Analysis, fmt: Format) -> str:
    """Render an Analysis in one of FORMATS; the result is the whole document as text."""
    if fmt == "md":
        from analyzer.report.markdown import render_markdown

        return render_markdown(analysis)
    if fmt == "json":
        from analyzer.report.json import render_json

        return render_json(analysis)
    if fmt == "html":
        from analyzer.report.html import render_html

        return render_html(analysis)
    if fmt == "sarif":
        from analyzer.report.sarif import render_sarif

        return render_sarif(analysis)
    raise InputError(f"unknown report format {fmt!r}", hint=f"use one of: {', '.join(FORMATS)}")


__all__ = ["EXTENSIONS", "FORMATS", "Format", "render"]
