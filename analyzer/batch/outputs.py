"""Batch output files: one report per source, index.json / index.csv, overview.md / overview.html, and
the machine formats combined (results.sarif, bom.cdx.json).

Every file is written to a temp file in the same directory and moved into place with os.replace, so a
reader (or a rerun after a kill) never sees half a file; leftover temp files are removed on the next run.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from analyzer.atomic import TEMP_SUFFIX, write_atomic
from analyzer.models import Analysis
from analyzer.report import EXTENSIONS, escape
from analyzer.text import kind_short

REPORTS_DIR = "reports"
INDEX_FIELDS = ("position", "name", "source", "kind", "score", "band", "range_low", "range_high", "band_low", "band_high", "unstated", "factor_sum", "status", "error", "files", "content_hash", "attempts")


def remove_stale_temp_files(out_dir: Path) -> int:
    """Delete temp files a killed run left behind; returns how many."""
    removed = 0
    for folder in (out_dir, out_dir / REPORTS_DIR):
        if folder.is_dir():
            for p in folder.glob(f".*{TEMP_SUFFIX}"):
                p.unlink(missing_ok=True)
                removed += 1
    return removed


def report_paths(stem: str, formats: Iterable[str]) -> list[str]:
    """Report file paths, relative to the out dir, for one source."""
    return [f"{REPORTS_DIR}/{stem}.{EXTENSIONS[fmt]}" for fmt in formats]


def write_reports(out_dir: Path, stem: str, analysis: Analysis, formats: Iterable[str]) -> list[str]:
    """Render and write one source's reports; returns their paths relative to `out_dir`."""
    from analyzer.report import render

    written = []
    for fmt, rel in zip(formats, report_paths(stem, formats), strict=True):
        text = render(analysis, fmt)  # type: ignore[arg-type]
        write_atomic(out_dir / rel, text if text.endswith("\n") else text + "\n")
        written.append(rel)
    return written


def summarize(analysis: Analysis) -> dict[str, object]:
    """The few numbers the index needs, kept in the state DB so the index never re-reads reports."""
    return {
        "name": (analysis.system.name if analysis.system else None) or analysis.listing.title,
        "kind": analysis.system.kind.value if analysis.system else None,
        "score": analysis.aivss.score,
        "band": analysis.aivss.band.value,
        **_range_summary(analysis),
        "factor_sum": analysis.aivss.factor_sum,
        "provider": analysis.run.provider,
        "model": analysis.run.model,
        "warnings": len(analysis.warnings),
    }


def _range_summary(analysis: Analysis) -> dict[str, object]:
    span = analysis.aivss.range
    if span is None or analysis.failed:
        return {"range_low": None, "range_high": None, "band_low": None, "band_high": None, "unstated": None}
    return {"range_low": span.low, "range_high": span.high, "band_low": span.band_low.value, "band_high": span.band_high.value, "unstated": len(span.unstated)}


@dataclass
class IndexRow:
    position: int
    name: str
    source: str
    kind: str | None
    score: float | None
    band: str
    factor_sum: float | None
    status: str  # done / failed / pending
    error: str | None
    files: list[str]
    content_hash: str | None
    attempts: int
    # AIVSS over every value of the exposure facts the listing does not state (None: no score)
    range_low: float | None = None
    range_high: float | None = None
    band_low: str | None = None
    band_high: str | None = None
    unstated: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {f: getattr(self, f) for f in INDEX_FIELDS}


def sort_by_score(rows: Iterable[IndexRow]) -> list[IndexRow]:
    """Highest score first; rows without a score (failed, pending) after all scored ones, in input order."""
    return sorted(rows, key=lambda r: (r.score is None, -(r.score or 0.0), r.position))


def write_index(out_dir: Path, rows: list[IndexRow], *, title: str = "Batch overview") -> list[str]:
    """index.json, index.csv, overview.md and overview.html; returns their names."""
    ordered = sorted(rows, key=lambda r: r.position)
    counts = {s: sum(r.status == s for r in rows) for s in ("done", "failed", "pending")}
    write_atomic(out_dir / "index.json", json.dumps({"counts": {"total": len(rows), **counts}, "sources": [r.as_dict() for r in ordered]}, indent=2, ensure_ascii=False) + "\n")
    write_atomic(out_dir / "index.csv", _csv(ordered))
    by_score = sort_by_score(rows)
    write_atomic(out_dir / "overview.md", _markdown(by_score, counts, title))
    write_atomic(out_dir / "overview.html", _html(by_score, counts, title))
    return ["index.json", "index.csv", "overview.md", "overview.html", *write_combined(out_dir, ordered)]


COMBINED_SARIF = "results.sarif"
COMBINED_BOM = "bom.cdx.json"


def write_combined(out_dir: Path, rows: list[IndexRow]) -> list[str]:
    """The whole batch in one file per machine format: results.sarif (one run per listing, for code
    scanning) and bom.cdx.json (a CycloneDX inventory of every system). Built from the per-source
    files, so a resumed run includes the sources done earlier."""
    from analyzer.report.cyclonedx import merge_boms
    from analyzer.report.sarif import merge_logs

    written = []
    for name, ending, merge in ((COMBINED_SARIF, ".sarif", merge_logs), (COMBINED_BOM, ".cdx.json", merge_boms)):
        paths = [out_dir / f for r in rows if r.status == "done" for f in r.files if f.endswith(ending)]
        if not paths:
            continue
        parts = []
        for path in paths:
            try:
                parts.append(json.loads(path.read_text("utf-8")))
            except (OSError, ValueError):
                continue  # a report removed or damaged by hand: the next run rewrites it (outputs incomplete)
        write_atomic(out_dir / name, json.dumps(merge(parts), indent=1, ensure_ascii=False) + "\n")
        written.append(name)
    return written


def _csv(rows: list[IndexRow]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(INDEX_FIELDS)
    for r in rows:
        d = r.as_dict()
        d["files"] = ";".join(r.files)
        writer.writerow([escape.csv_cell("" if d[f] is None else d[f]) for f in INDEX_FIELDS])  # names are untrusted: no formulas
    return buf.getvalue()


def _score_text(r: IndexRow) -> str:
    return "unknown" if r.score is None else f"{r.score:.1f}"


def _range_text(r: IndexRow) -> str:
    """'3.9–8.1 (3 not stated)', or the score alone when every fact is stated; 'unknown' without a score."""
    if r.range_low is None or r.range_high is None:
        return "unknown"
    span = f"{r.range_low:.1f}–{r.range_high:.1f}"
    return f"{span} ({r.unstated} not stated)" if r.unstated else span


def _range_band(r: IndexRow) -> str:
    if not r.band_low or not r.band_high:
        return "Unknown"
    return r.band_low if r.band_low == r.band_high else f"{r.band_low}–{r.band_high}"


def _sum_text(r: IndexRow) -> str:
    return "unknown" if r.factor_sum is None else f"{r.factor_sum:.1f}"


# Names, sources and errors come from untrusted listings and servers: escaped for each format.
_md_cell = escape.md_cell


def _report_link(r: IndexRow, preferred: tuple[str, ...]) -> str | None:
    for ext in preferred:
        for f in r.files:
            if f.endswith("." + ext):
                return f
    return r.files[0] if r.files else None


def _range_legend() -> str:
    from analyzer.rules import cvss_rules

    margin = cvss_rules().range.factor_margin
    moved = f", with each factor value the tool judged moved {margin:g} down and up" if margin > 0 else ""
    return f"Range: the score over every value of the exposure facts a listing does not state (how many in brackets){moved}."


def _markdown(rows: list[IndexRow], counts: dict[str, int], title: str) -> str:
    lines = [f"# {title}", "", f"{len(rows)} sources: {counts['done']} done, {counts['failed']} failed, {counts['pending']} pending.", ""]
    scored = [r for r in rows if r.status == "done"]
    if scored:
        lines += [_range_legend(), "", "| # | Name | Kind | AIVSS | Band | Range | Range band | Factor sum | Report |", "|---:|---|---|---:|---|---|---|---:|---|"]
        for i, r in enumerate(scored, start=1):
            link = _report_link(r, ("md", "html", "json"))
            report = escape.md_link(link.rsplit("/", 1)[-1], link) if link else ""
            lines.append(f"| {i} | {_md_cell(r.name)} | {_md_cell(_kind(r.kind))} | {_score_text(r)} | {r.band} | {_range_text(r)} | {_range_band(r)} | {_sum_text(r)} | {report} |")
        lines.append("")
    failed = [r for r in rows if r.status == "failed"]
    if failed:
        lines += ["## Failed (risk unknown)", "", "| Source | AIVSS | Error |", "|---|---|---|"]
        lines += [f"| {_md_cell(r.source)} | unknown | {_md_cell(r.error or 'unknown error')} |" for r in failed]
        lines.append("")
    pending = [r for r in rows if r.status == "pending"]
    if pending:
        lines += ["## Not analysed yet (rerun the same command to resume)", ""]
        lines += [f"- {_md_cell(r.source)}" for r in pending]
        lines.append("")
    return "\n".join(lines)




def _kind(kind: str | None) -> str:
    """The kind as people say it ("coding agent", "MCP server or tool"), not its slug."""
    try:
        return kind_short(kind) if kind else "unknown kind"
    except ValueError:
        return kind or "unknown kind"


def _html(rows: list[IndexRow], counts: dict[str, int], title: str) -> str:
    # The report's page and stylesheet (analyzer/data/report_template.html): one look for both.
    from analyzer import __version__
    from analyzer.report.html import band_pill, page

    e = escape.html_text
    parts = [
        '<header class="hero"><div><p class="eyebrow">Agentic threat models · OWASP AIVSS + CSA MAESTRO</p>',
        f"<h1>{e(title)}</h1>",
        f'<p class="meta">{len(rows)} sources: {counts["done"]} done, {counts["failed"]} failed, {counts["pending"]} pending.</p></div></header>',
    ]
    scored = [r for r in rows if r.status == "done"]
    if scored:
        parts.append(f"<h2>Scored</h2><p class='meta'>{e(_range_legend())}</p><table><thead><tr><th>#</th><th>Name</th><th>Kind</th><th>AIVSS</th><th>Band</th><th>Range</th><th>Range band</th><th>Factor sum</th><th>Report</th></tr></thead><tbody>")
        for i, r in enumerate(scored, start=1):
            link = _report_link(r, ("html", "md", "json"))
            report = f'<a href="{e(escape.safe_url(link))}">{e(link.rsplit("/", 1)[-1])}</a>' if link else ""
            parts.append(
                f'<tr><td class="num">{i}</td><td>{e(r.name)}</td><td>{e(_kind(r.kind))}</td>'
                f'<td class="num">{_score_text(r)}</td><td>{band_pill(r.band)}</td>'
                f'<td class="num">{e(_range_text(r))}</td><td>{e(_range_band(r))}</td>'
                f'<td class="num">{_sum_text(r)}</td><td>{report}</td></tr>'
            )
        parts.append("</tbody></table>")
    failed = [r for r in rows if r.status == "failed"]
    if failed:
        parts.append("<h2>Failed (risk unknown)</h2><table><thead><tr><th>Source</th><th>AIVSS</th><th>Error</th></tr></thead><tbody>")
        parts += [f"<tr><td>{e(r.source)}</td><td>unknown</td><td>{e(r.error or 'unknown error')}</td></tr>" for r in failed]
        parts.append("</tbody></table>")
    pending = [r for r in rows if r.status == "pending"]
    if pending:
        parts.append("<h2>Not analysed yet (rerun the same command to resume)</h2><ul>")
        parts += [f"<li>{e(r.source)}</li>" for r in pending]
        parts.append("</ul>")
    return page(title, "\n".join(parts), __version__)
