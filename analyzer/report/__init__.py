"""Report renderers: one Analysis → Markdown, JSON or a self-contained HTML page."""

from __future__ import annotations

from typing import Literal

from analyzer.errors import InputError
from analyzer.models import Analysis

Format = Literal["md", "json", "html"]
FORMATS: tuple[str, ...] = ("md", "json", "html")


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
    raise InputError(f"unknown report format {fmt!r}", hint=f"use one of: {', '.join(FORMATS)}")


__all__ = ["FORMATS", "Format", "render"]
