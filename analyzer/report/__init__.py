"""Report renderers: one Analysis → Markdown, JSON, a self-contained HTML page, SARIF for
code scanning, or a CycloneDX ML-BOM."""

from __future__ import annotations

from typing import Literal

from analyzer.errors import InputError
from analyzer.models import Analysis

Format = Literal["md", "json", "html", "sarif", "cyclonedx"]
Detail = Literal["concise", "full"]
DETAILS: tuple[str, ...] = ("concise", "full")
FORMATS: tuple[str, ...] = ("md", "json", "html", "sarif", "cyclonedx")
# File name endings per format (batch reports, --out suffix detection).
EXTENSIONS: dict[str, str] = {"md": "md", "json": "json", "html": "html", "sarif": "sarif", "cyclonedx": "cdx.json"}


def render(analysis: Analysis, fmt: Format, *, detail: Detail = "concise") -> str:
    """Render an Analysis in one of FORMATS; the result is the whole document as text.

    `detail` applies to the reading formats (md, html): "concise" (the default) says what matters in about
    a page; "full" adds per-factor evidence lists, the whole derivation, drivers and core risks per layer
    and the run provenance.
    """
    if detail not in DETAILS:
        raise InputError(f"unknown report detail {detail!r}", hint=f"use one of: {', '.join(DETAILS)}")
    if fmt == "md":
        from analyzer.report.markdown import render_markdown

        return render_markdown(analysis, detail=detail)
    if fmt == "json":
        from analyzer.report.json import render_json

        return render_json(analysis)
    if fmt == "html":
        from analyzer.report.html import render_html

        return render_html(analysis, detail=detail)
    if fmt == "sarif":
        from analyzer.report.sarif import render_sarif

        return render_sarif(analysis)
    if fmt == "cyclonedx":
        from analyzer.report.cyclonedx import render_cyclonedx

        return render_cyclonedx(analysis)
    raise InputError(f"unknown report format {fmt!r}", hint=f"use one of: {', '.join(FORMATS)}")


__all__ = ["DETAILS", "EXTENSIONS", "FORMATS", "Detail", "Format", "render"]
