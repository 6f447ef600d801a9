"""HTML report: one self-contained page (inline CSS, no scripts, fonts or remote resources) to read and print.

Every listing-derived string goes through `esc` (analyzer.report.escape.html_text). The page shell and stylesheet live in
analyzer/data/report_template.html; this module builds the body.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from string import Template

from analyzer.models import EPSILON, Analysis, Band, Evidence, FactorAssessment, LayerStatus, MaestroLayer
from analyzer.report import common, escape
from analyzer.sentences import display_quote
from analyzer.text import plural

TEMPLATE_FILE = "report_template.html"


esc = escape.html_text  # bidi/control characters removed, then html.escape (analyzer/report/escape.py)


@cache
def _template() -> Template:
    return Template(resources.files("analyzer.data").joinpath(TEMPLATE_FILE).read_text("utf-8"))


def page(title: str, body: str, tool_version: str) -> str:
    """A whole self-contained page in the report's style (the batch overview uses it too)."""
    return _template().substitute(title=esc(title), tool_version=esc(tool_version), body=body)


def band_pill(band: str) -> str:
    """A band as a coloured label, in the badge's colours: <span class="pill band-high">High</span>."""
    return f'<span class="pill band-{esc(band.lower())}">{esc(band)}</span>'


def render_html(analysis: Analysis, *, detail: str = "concise") -> str:
    full = detail == "full"
    body = "\n".join(
        part
        for part in (
            _header(analysis),
            _factor_section(analysis, full=full),
            _derivation_section(analysis, full=full),
            _exposure_section(analysis),
            _maestro_section(analysis, full=full),
            _warnings_section(analysis) if full or analysis.warnings else "",
            _footer(analysis, full=full),
        )
        if part
    )
    return page(common.title(analysis), body, analysis.run.tool_version)


def _band_class(analysis: Analysis) -> str:
    band = Band.UNKNOWN if analysis.failed else analysis.aivss.band
    return f"band-{band.value.lower()}"


def _header(analysis: Analysis) -> str:
    a = analysis.aivss
    score = "?" if analysis.failed or a.score is None else common.score_text(a)
    band = "Unknown" if analysis.failed else a.band.value
    meta: list[str] = []
    if kind := common.kind_label(analysis):
        meta.append(esc(kind))
    if analysis.system and analysis.system.developer:
        meta.append(f"by {esc(analysis.system.developer)}")
    meta.append(f"source: {esc(analysis.listing.canonical_url or analysis.listing.source)}")
    parts = [
        '<header class="hero">',
        "<div>",
        '<p class="eyebrow">Agentic threat model · OWASP AIVSS + CSA MAESTRO</p>',
        f"<h1>{esc(common.title(analysis))}</h1>",
        f'<p class="meta">{" · ".join(meta)}</p>',
        "</div>",
        f'<div class="badge {_band_class(analysis)}" role="img" aria-label="{esc(common.badge_text(analysis))}">'
        f'<span class="label">AIVSS</span><span class="score">{esc(score)}</span><span class="band">{esc(band)}</span></div>',
        "</header>",
    ]
    if span := common.range_text(analysis):
        parts.append(f'<p class="range">Range {esc(span)}</p>')
    if analysis.failed:
        parts.append(f'<p class="failure"><strong>{esc(common.failure_text(analysis))}</strong></p>')
    parts.append(f'<p class="summary">{esc(analysis.summary)}</p>')
    if analysis.warnings:
        codes = ", ".join(dict.fromkeys(w.code for w in analysis.warnings))
        parts.append(f'<p class="callout"><strong>{plural(len(analysis.warnings), "warning")}:</strong> {esc(codes)} — see <a href="#warnings">Warnings</a>.</p>')
    return "\n".join(parts)


def _level(value: float) -> str:
    return "lvl-high" if value >= 0.7 - EPSILON else "lvl-mid" if value >= 0.4 - EPSILON else "lvl-low"


def _chart(analysis: Analysis) -> str:
    rows = []
    for f in analysis.factors:
        if f.value is None:
            bar, label = '<div class="fill unknown"></div>', common.UNKNOWN
        else:
            # a sliver for 0.00 so the track still reads as a bar
            width = max(f.value * 100, 0.8)
            bar, label = f'<div class="fill {_level(f.value)}" style="width:{width:.0f}%"></div>', f"{f.value:.2f}"
        rows.append(f'<div class="name">{esc(f.name)}</div><div class="track" aria-hidden="true">{bar}</div><div class="val">{label}</div>')
    return f'<div class="card chart">{"".join(rows)}</div>'


def _quote(ev: Evidence) -> str:
    mark = {True: '<span class="ok">✓ verified</span>', False: '<span class="bad">✗ unverified</span>', None: '<span class="muted">unverified (not checked)</span>'}[ev.verified]
    where = f' <span class="where">— {esc(ev.location)}</span>' if ev.location.strip() else ""
    return f"<li>“{esc(display_quote(ev.quote))}”{where} · {mark}</li>"


def _factor_row(analysis: Analysis, f: FactorAssessment, *, full: bool = True) -> str:
    if analysis.failed:
        why = f"<p>{esc(common.FAILED_FACTOR_TEXT)}</p>"
    elif full:
        quotes = "".join(_quote(ev) for ev in f.evidence)
        why = f"<p>{esc(f.rationale)}</p>" + (f'<ul class="quotes">{quotes}</ul>' if quotes else "")
    else:
        quotes = "".join(_quote(ev) for ev in f.evidence[:1])
        why = f"<p>{esc(common.brief_rationale(f.rationale))}</p>" + (f'<ul class="quotes">{quotes}</ul>' if quotes else "")
    status = common.factor_status_text(f)
    css = "status stated" if status == "stated" else "status"
    return (
        f"<tr><td>{esc(f.name)}</td><td class=\"num\">{common.factor_value_text(f)}</td>"
        f'<td><span class="{css}">{esc(status)}</span></td><td>{why}</td></tr>'
    )


def _factor_section(analysis: Analysis, *, full: bool = True) -> str:
    stats = "".join(f"<li>{esc(label)} <b>{esc(value)}</b></li>" for label, value in common.stats(analysis))
    note = "No score: the extraction failed, so the factor values are unknown." if analysis.failed else common.scored_with(analysis.aivss)
    # Concise: the factors at the floor are named once, in one line under the chart, not row by row.
    floors = set() if full else {f.key for f in common.floor_factors(analysis)}
    rows = "".join(_factor_row(analysis, f, full=full) for f in analysis.factors if f.key not in floors)
    floor_line = None if full else common.floor_line(analysis)
    return "\n".join(
        part
        for part in (
            '<section id="aivss">',
            "<h2>OWASP AIVSS score rationale</h2>",
            _chart(analysis),
            f'<p class="formula mono">{esc(common.formula_line(analysis.aivss))}</p>' if full else "",
            f'<ul class="stats">{stats}</ul>',
            f'<p class="muted">{esc(note)}</p>' if full else "",
            f'<p class="floor">{esc(floor_line)}</p>' if floor_line else "",
            "<table><thead><tr><th>Factor</th><th>Value</th><th>Status</th><th>Rationale and evidence</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
            if rows
            else "",
            "</section>",
        )
        if part
    )


def _split_top_level(text: str, sep: str = "; ") -> list[str]:
    """Split on `sep` outside parentheses ('a (b; c); d' → ['a (b; c)', 'd'])."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        depth += (ch == "(") - (ch == ")")
        if depth <= 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            start = i = i + len(sep)
            continue
        i += 1
    return [*parts, text[start:]]


def _reason(reason: str) -> str:
    """A long '; '-separated reason (the CVSS metric by metric) reads better as a list."""
    parts = [p.strip() for p in _split_top_level(reason) if p.strip()]
    if len(parts) < 3:
        return esc(reason)
    return f"{esc(parts[0])}<ul class=\"reasons\">{''.join(f'<li>{esc(p)}</li>' for p in parts[1:])}</ul>"


def _derivation_section(analysis: Analysis, *, full: bool = True) -> str:
    overridden = ' <span class="status">overridden</span>'
    rows = "".join(
        f'<tr><td>{esc(r.label)}</td><td class="num">{esc(r.value)}{overridden if r.overridden else ""}</td>'
        f"<td>{_reason(r.reason) if full else esc(common.short_reason(r.reason))}</td></tr>"
        for r in common.derivation(analysis)
        if full or r.label != common.REASON_LABELS["factors"]
    )
    parts = [
        '<section id="derivation">',
        "<h2>Score derivation</h2>",
        f"<table><thead><tr><th>Input</th><th>Value</th><th>Reason</th></tr></thead><tbody>{rows}</tbody></table>",
    ]
    if analysis.aivss.cvss_vector:
        parts.append(f'<p class="vector">CVSS v4.0 vector: <code>{esc(analysis.aivss.cvss_vector)}</code></p>')
    if step := common.computation(analysis):
        parts.append(f'<p class="formula mono">{esc(step)}</p>')
    parts.append("</section>")
    return "\n".join(parts)


def _exposure_section(analysis: Analysis) -> str:
    rows = common.exposure_rows(analysis)
    if not rows:
        return ""
    body = "".join(
        f"<tr><td>{esc(r.label)}</td><td>{esc(r.value)}</td><td>{esc(r.source)}"
        + (f' <q class="quote">{esc(display_quote(r.quote))}</q>' if r.quote else "")
        + "</td></tr>"
        for r in rows
    )
    mitigations = common.mitigation_lines(analysis)
    parts = [
        '<section id="exposure">',
        "<h2>Exposure facts</h2>",
        f"<table><thead><tr><th>Fact</th><th>Value</th><th>Source</th></tr></thead><tbody>{body}</tbody></table>",
        f"<p>Mitigations: {esc('; '.join(mitigations)) if mitigations else 'none stated'}.</p>",
    ]
    if note := common.range_note(analysis):
        parts.insert(3, f"<p>{esc(note)}</p>")
    if edits := common.edit_lines(analysis):
        parts.append("<p>Analyst edits:</p><ul>" + "".join(f"<li>{esc(e)}</li>" for e in edits) + "</ul>")
    parts.append("</section>")
    return "\n".join(parts)


def _layer_card(layer: MaestroLayer, *, full: bool = True) -> str:
    mapped = layer.status is LayerStatus.MAPPED
    facts = []
    if mapped and layer.threats:
        facts.append(f"<dt>Threats</dt><dd>{esc('; '.join(layer.threats))}</dd>")
    if layer.drivers and full:
        facts.append(f"<dt>Drivers</dt><dd>{esc(common.factor_names(layer.drivers))}</dd>")
    if layer.aivss_risks and full:
        facts.append(f"<dt>AIVSS core risks</dt><dd>{esc('; '.join(layer.aivss_risks))}</dd>")
    body = layer.text if full or not layer.brief else layer.brief
    return (
        f'<article class="layer {"mapped" if mapped else "not-certain"}">'
        f'<header><span class="lid">{layer.layer.value}</span><h3>{esc(layer.name)}</h3>'
        f'<span class="tag">{esc(common.LAYER_TAGS[layer.status])}</span></header>'
        f"<p>{esc(body)}</p>" + (f"<dl>{''.join(facts)}</dl>" if facts else "") + "</article>"
    )


def _maestro_section(analysis: Analysis, *, full: bool = True) -> str:
    cards = "\n".join(_layer_card(layer, full=full) for layer in analysis.maestro)
    if analysis.cross_layer:
        cross = "\n".join(
            f'<article class="layer cross"><header><h3>{esc(t.name)}</h3><span class="path">{" → ".join(lid.value for lid in t.layers)}</span></header>'
            f"<p>{esc(t.text if full else common.brief_cross_layer(analysis, t))}</p>"
            + (f"<dl><dt>Drivers</dt><dd>{esc(common.factor_names(t.drivers))}</dd></dl>" if t.drivers and full else "")
            + "</article>"
            for t in analysis.cross_layer
        )
    else:
        reason = "the extraction failed" if analysis.failed else "none of the catalogue's cross-layer conditions hold for this profile"
        cross = f'<p class="muted">None raised: {reason}.</p>'
    return "\n".join(
        (
            '<section id="maestro">',
            "<h2>MAESTRO 7-layer threat model</h2>",
            f'<p class="muted">{esc(common.MAESTRO_INTRO)}</p>',
            f'<div class="layers">{cards}</div>',
            "<h2>Cross-layer threats</h2>",
            f'<div class="layers">{cross}</div>',
            "</section>",
        )
    )


def _warnings_section(analysis: Analysis) -> str:
    if not analysis.warnings:
        items = '<p class="muted">None.</p>'
    else:
        lis = "".join(
            f'<li class="sev-{esc(w.severity.value)}"><strong>{esc(w.severity.value)}</strong> <code>{esc(w.code)}</code> {esc(w.message)}'
            + (f'<span class="detail">{esc(w.detail)}</span>' if w.detail else "")
            + "</li>"
            for w in analysis.warnings
        )
        items = f'<ul class="warnings">{lis}</ul>'
    return f'<section id="warnings"><h2>Warnings</h2>{items}</section>'


def _footer(analysis: Analysis, *, full: bool = True) -> str:
    if full:
        facts = f"<dl>{''.join(f'<dt>{esc(label)}</dt><dd>{esc(value)}</dd>' for label, value in common.run_facts(analysis))}</dl>"
    else:
        facts = f"<p>Run: {esc(common.run_line(analysis))}. <code>--detail full</code> adds the evidence per factor, the full derivation and the run record.</p>"
    return (
        f"<footer>{facts}"
        "<p>MAESTRO — the 7-layer agentic threat-modeling framework (Cloud Security Alliance / Ken Huang). "
        "OWASP AIVSS — Agentic AI Vulnerability Scoring System.</p></footer>"
    )
