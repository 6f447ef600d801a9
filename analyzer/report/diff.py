"""Rendering an AnalysisDiff (analyzer/diff.py) as Markdown — a CI job summary or PR comment — or JSON."""

from __future__ import annotations

import json

from analyzer.diff import AnalysisDiff, QuoteChange, Side
from analyzer.errors import InputError
from analyzer.models import FACTOR_NAMES, LAYER_NAMES, FactorKey, LayerId
from analyzer.report.escape import md_cell as cell
from analyzer.report.escape import md_text as text
from analyzer.sentences import display_quote

DIFF_FORMATS = ("md", "json")
QUOTES_SHOWN = 20


def _score(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.1f}"


def _value(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.2f}"


def _range(span: tuple[float | None, float | None] | None) -> str:
    if span is None or span[0] is None or span[1] is None:
        return "—"
    return _score(span[0]) if span[0] == span[1] else f"{_score(span[0])}–{_score(span[1])}"


def headline(diff: AnalysisDiff) -> str:
    s = diff.score
    change = ""
    if s.delta is not None:
        change = " (no change)" if s.delta == 0 else f" ({s.delta:+.1f})"
    return f"AIVSS {_score(s.old)} {s.old_band} → {_score(s.new)} {s.new_band}{change}"


def _used_for(label: str) -> str:
    what, _, name = label.partition(":")
    try:
        if what == "factor":
            return FACTOR_NAMES[FactorKey(name)]
        if what == "layer":
            return f"{name} {LAYER_NAMES[LayerId(name)]}"
    except ValueError:
        return label  # a saved analysis from a version with other names
    if what == "fact":
        return f"exposure fact {name}"
    if what == "mitigation":
        return f"mitigation {name}"
    return label


def _quotes(title: str, quotes: list[QuoteChange], h: str) -> list[str]:
    if not quotes:
        return []
    lines = [f"{h} {title} ({len(quotes)})", ""]
    for q in quotes[:QUOTES_SHOWN]:
        lines.append(f"- “{text(display_quote(q.quote))}” — {text(', '.join(_used_for(u) for u in q.used_for))}")
    if len(quotes) > QUOTES_SHOWN:
        lines.append(f"- … and {len(quotes) - QUOTES_SHOWN} more (see `--format json`)")
    return [*lines, ""]


def _added_removed(title: str, added: list[str], removed: list[str], h: str, *, marks: tuple[str, str] = ("added", "removed")) -> list[str]:
    if not added and not removed:
        return []
    return [f"{h} {title}", "", *(f"- {marks[0]}: {text(x)}" for x in added), *(f"- {marks[1]}: {text(x)}" for x in removed), ""]


def _side_rows(old: Side, new: Side) -> list[str]:
    rows = [("Source", old.source, new.source), ("Revision", old.revision or "—", new.revision or "—")]
    if old.content_hash != new.content_hash:
        rows.append(("Content hash", old.content_hash[:12], new.content_hash[:12]))
    rows.append(("Extraction", old.extraction, new.extraction))
    return [f"| {label} | {cell(a)} | {cell(b)} |" for label, a, b in rows]


def render_diff_markdown(diff: AnalysisDiff, *, title: str = "Threat model diff", level: int = 1) -> str:
    """The diff as Markdown; `title` is plain text (escaped here), `level` the title's heading level."""
    h = "#" * (level + 1)
    lines = [f"{'#' * level} {text(title)}", "", f"**{headline(diff)}**", "", "| | old | new |", "|---|---|---|"]
    lines += _side_rows(diff.old, diff.new)
    lines.append(f"| Kind | {cell(diff.old.kind or 'unknown')} | {cell(diff.new.kind or 'unknown')} |")
    lines.append(f"| AIVSS | {_score(diff.score.old)} ({diff.score.old_band}) | {_score(diff.score.new)} ({diff.score.new_band}) |")
    if diff.score.old_range or diff.score.new_range:
        lines.append(f"| Range | {_range(diff.score.old_range)} | {_range(diff.score.new_range)} |")
    lines.append("")
    if not diff.changed:
        lines += ["No change in kind, factors, exposure facts, mitigations, MAESTRO layers, score or quotes.", ""]
        return "\n".join(lines)
    if diff.factors:
        lines += [f"{h} Factors ({len(diff.factors)} changed)", "", "| Factor | old | new |", "|---|---:|---:|"]
        for f in diff.factors:
            lines.append(f"| {f.name} | {_value(f.old)} ({f.old_status}) | {_value(f.new)} ({f.new_status}) |")
        lines.append("")
    if diff.exposure:
        lines += [f"{h} Exposure facts", "", "| Fact | old | new |", "|---|---|---|"]
        lines += [f"| {cell(c.fact)} | {c.old} | {c.new} |" for c in diff.exposure]
        lines.append("")
    lines += _added_removed("Mitigations", diff.mitigations_added, diff.mitigations_removed, h)
    if diff.layers:
        lines += [f"{h} MAESTRO layers", "", "| Layer | old | new | threats added | threats removed |", "|---|---|---|---|---|"]
        for c in diff.layers:
            name = _used_for(f"layer:{c.layer}")
            lines.append(f"| {name} | {c.old_status} | {c.new_status} | {cell(', '.join(c.threats_added) or '—')} | {cell(', '.join(c.threats_removed) or '—')} |")
        lines.append("")
    lines += _added_removed("Cross-layer threats", diff.cross_layer_added, diff.cross_layer_removed, h)
    lines += _added_removed("Warnings", diff.warnings_added, diff.warnings_removed, h, marks=("new", "gone"))
    lines += _quotes("Quotes that appeared", diff.quotes_added, h)
    lines += _quotes("Quotes that disappeared", diff.quotes_removed, h)
    return "\n".join(lines)


def render_diff(diff: AnalysisDiff, fmt: str) -> str:
    if fmt == "md":
        return render_diff_markdown(diff)
    if fmt == "json":
        data = diff.model_dump(mode="json")
        data["score_rose"] = diff.score_rose
        data["changed"] = diff.changed
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    raise InputError(f"unknown diff format {fmt!r}", hint=f"use one of: {', '.join(DIFF_FORMATS)}")


__all__ = ["DIFF_FORMATS", "headline", "render_diff", "render_diff_markdown"]
