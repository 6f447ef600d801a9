"""Server-rendered pages: the start page (analyse + list of drafts), the draft editor and the comparison.

The draft's report part is one fragment (`report_fragment`) that the page swaps in after every edit, so
the score, band, derivation and MAESTRO text always come from the server's own rendering. Every string
that comes from a listing or a user is escaped here; the pages carry no inline script or style (the CSP
forbids both), only data attributes that /static/app.js reads.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from analyzer import __version__
from analyzer.models import (
    FACTOR_NAMES,
    Analysis,
    EXPOSURE_FACTS,
    Evidence,
    ExposureFacts,
    FactorAssessment,
    FactSource,
    FactValue,
    Kind,
    MitigationKind,
)
from analyzer.report import common
from analyzer.report import escape
from analyzer.report import html as report_html
from analyzer.serve.locate import find_quote, page_text
from analyzer.serve.store import DraftInfo
from analyzer.taxonomy import KIND_LABELS

esc = escape.html_text
QUOTES_SHOWN = 20
FACTOR_STEPS = tuple(i / 10 for i in range(11))
FACT_SOURCE_TEXT = {FactSource.STATED: "stated", FactSource.ASSUMED: "assumed", FactSource.SET_BY_ANALYST: "set by analyst"}
MITIGATION_LABELS: dict[MitigationKind, str] = {
    MitigationKind.SANDBOX: "sandbox / container",
    MitigationKind.APPROVAL_GATE: "human approval gate",
    MitigationKind.ALLOW_LIST: "allow-list of tools, paths or domains",
    MitigationKind.GUARDRAIL: "guardrail / content filter",
    MitigationKind.ACCESS_CONTROL: "access control / least privilege",
    MitigationKind.AUDIT_LOG: "audit log / tracing",
    MitigationKind.READ_ONLY: "read-only mode",
}


def layout(title: str, body: str, *, csrf_token: str, page: str) -> str:
    return (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="csrf-token" content="{esc(csrf_token)}">\n'
        f'<meta name="generator" content="analyzer {esc(__version__)}">\n'
        f"<title>{esc(title)}</title>\n"
        '<link rel="icon" href="data:,">\n<link rel="stylesheet" href="/static/report.css">\n<link rel="stylesheet" href="/static/app.css">\n'
        '<script src="/static/app.js" defer></script>\n'
        f'</head>\n<body data-page="{esc(page)}">\n{body}\n</body>\n</html>\n'
    )


# --------------------------------------------------------------------------- start page


def start_page(drafts: Sequence[DraftInfo], *, providers: Sequence[str], csrf_token: str, max_mb: int) -> str:
    options = "".join(f'<option value="{esc(p)}">{esc(_provider_label(p))}</option>' for p in providers)
    body = f"""<main class="app">
<header class="apphead"><p class="eyebrow">analyzer {esc(__version__)} · local drafting</p><h1>Draft an agentic threat report</h1></header>
<section class="card start" id="start">
<h2>Analyse a listing</h2>
<form id="analyze-form" autocomplete="off">
<div class="inputs">
<label>URL of a model card, repository or listing page
<input type="url" name="source" id="source" placeholder="https://huggingface.co/ORG/MODEL" maxlength="2000"></label>
<label>or upload a file (Markdown, HTML, text, JSON; up to {max_mb} MB)
<input type="file" name="file" id="file" accept=".md,.markdown,.txt,.html,.htm,.json,text/*,application/json"></label>
<label>or paste the listing text
<textarea name="text" id="text" rows="7" placeholder="# My agent&#10;It runs shell commands…"></textarea></label>
<label class="inline">file name for pasted text <input type="text" name="filename" id="filename" value="pasted.md" maxlength="200"></label>
</div>
<div class="actions">
<label class="inline">extractor <select name="provider" id="provider">{options}</select></label>
<button type="submit" id="analyze">Analyse</button>
</div>
<p id="progress" class="progress" role="status" aria-live="polite"></p>
</form>
</section>
<section id="drafts">
<h2>Drafts</h2>
{_drafts_table(drafts)}
</section>
</main>"""
    return layout("analyzer — drafts", body, csrf_token=csrf_token, page="start")


def _provider_label(provider: str) -> str:
    return {"heuristic": "offline heuristic (no network)", "openai": "LLM (configured on the server)"}.get(provider, provider)


def _drafts_table(drafts: Sequence[DraftInfo]) -> str:
    if not drafts:
        return '<p class="muted" id="no-drafts">No drafts yet: analyse a listing above.</p>'
    rows = "".join(
        f'<tr data-draft="{esc(d.id)}"><td><a href="/drafts/{esc(d.id)}">{esc(d.title)}</a>'
        + (' <span class="status">copy</span>' if d.parent else "")
        + f'</td><td class="src">{esc(d.source)}</td>'
        f'<td class="num"><span class="pill band-{esc(d.band.lower())}">{esc(_score(d.score))} {esc(d.band)}</span></td>'
        f'<td>{esc(_when(d.updated_at))}</td>'
        f'<td class="acts"><button type="button" data-action="duplicate" data-id="{esc(d.id)}">Duplicate</button> '
        f'<button type="button" data-action="delete" data-id="{esc(d.id)}" class="danger">Delete</button></td></tr>'
        for d in drafts
    )
    return f'<table class="drafts"><thead><tr><th>Draft</th><th>Source</th><th>AIVSS</th><th>Updated</th><th></th></tr></thead><tbody>{rows}</tbody></table>'


def _score(score: float | None) -> str:
    return "?" if score is None else f"{score:.1f}"


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


# --------------------------------------------------------------------------- draft page


def draft_page(info: DraftInfo, analysis: Analysis, *, formats: Sequence[str], csrf_token: str) -> str:
    exports = " ".join(f'<a class="button" href="/drafts/{esc(info.id)}/export/{esc(f)}" data-format="{esc(f)}">{esc(f)}</a>' for f in formats)
    band = "Unknown" if analysis.failed else analysis.aivss.band.value
    score = "?" if analysis.failed or analysis.aivss.score is None else f"{analysis.aivss.score:.1f}"
    body = f"""<header class="sticky">
<div class="toolbar">
<a href="/">← All drafts</a>
<input type="text" id="draft-title" value="{esc(info.title)}" maxlength="200" aria-label="draft title">
<span id="live-score" class="pill band-{esc(band.lower())}" aria-live="polite">AIVSS {esc(score)} {esc(band)}</span>
<span class="exports">Export {exports}</span>
<button type="button" data-action="duplicate" data-id="{esc(info.id)}">Duplicate</button>
<a class="button" href="/drafts/{esc(info.id)}/compare" title="compare with the fresh analysis of a newer revision">Compare…</a>
</div>
<div class="editbar">
<label>Note for your next edit (optional) <input type="text" id="edit-note" maxlength="500" placeholder="why you changed it"></label>
<span id="edit-status" class="muted" role="status" aria-live="polite"></span>
</div>
</header>
<div class="workspace" data-draft="{esc(info.id)}">
<main id="report">{report_fragment(analysis, version=info.version)}</main>
<aside class="listing-panel"><h2>Listing text</h2><p class="muted">Click a quote in the report to find it here.</p>
<pre id="listing">{listing_pre(analysis)}</pre></aside>
</div>"""
    return layout(f"{info.title} — draft", body, csrf_token=csrf_token, page="draft")


def listing_pre(analysis: Analysis) -> str:
    # An HTML parser drops one newline right after <pre>: give it one, so the offsets stay exact.
    return "\n" + esc(page_text(analysis.listing.text))


def report_fragment(analysis: Analysis, *, version: int) -> str:
    text = page_text(analysis.listing.text)
    parts = [
        f'<div class="draft" data-version="{version}">',
        _hero(analysis),
        _factors(analysis, text),
        _exposure(analysis, text),
        _mitigations(analysis, text),
        _scoring_inputs(analysis),
        report_html._derivation_section(analysis),
        report_html._maestro_section(analysis),
        _edits(analysis),
        report_html._warnings_section(analysis),
        report_html._footer(analysis),
        "</div>",
    ]
    return "\n".join(parts)


def _select(name: str, choices: Iterable[tuple[str, str]], selected: str, **data: str) -> str:
    attrs = "".join(f' data-{k}="{esc(v)}"' for k, v in data.items())
    opts = "".join(f'<option value="{esc(v)}"{" selected" if v == selected else ""}>{esc(label)}</option>' for v, label in choices)
    return f'<select data-edit="{esc(name)}"{attrs}>{opts}</select>'


def _hero(analysis: Analysis) -> str:
    """The report's own header, then the kind as an editable choice."""
    parts = [report_html._header(analysis)]  # with the score's range over the facts not stated
    if analysis.system:
        kinds = ((k.value, KIND_LABELS[k]) for k in Kind)
        mark = analyst_mark(analysis, "kind") if analysis.system.kind_set_by_analyst else ""
        parts.append(f'<p class="kind-edit"><label>Kind of system {_select("kind", kinds, analysis.system.kind.value)}</label>{mark}</p>')
    return "\n".join(parts)


def quote_html(ev: Evidence, text: str) -> str:
    span = find_quote(text, ev.quote)
    mark = {True: '<span class="ok">✓ verified</span>', False: '<span class="bad">✗ unverified</span>', None: '<span class="muted">not checked</span>'}[ev.verified]
    where = f' <span class="where">— {esc(ev.location)}</span>' if ev.location.strip() else ""
    if span is None:
        return f'<li><span class="quote nofind" title="not found in the listing text">“{esc(ev.quote)}”</span>{where} · {mark}</li>'
    return f'<li><button type="button" class="quote" data-start="{span[0]}" data-end="{span[1]}">“{esc(ev.quote)}”</button>{where} · {mark}</li>'


def _quotes(evidence: Sequence[Evidence], text: str) -> str:
    return f'<ul class="quotes">{"".join(quote_html(ev, text) for ev in evidence)}</ul>' if evidence else ""


def _factors(analysis: Analysis, text: str) -> str:
    bars, rows = [], []
    for f in analysis.factors:
        if f.value is None:
            bar, label = '<div class="fill unknown"></div>', common.UNKNOWN
        else:
            step = round(f.value * 10)
            bar, label = f'<div class="fill w{step} {report_html._level(f.value)}"></div>', f"{f.value:.2f}"
        bars.append(f'<div class="name">{esc(f.name)}</div><div class="track" aria-hidden="true">{bar}</div><div class="val">{label}</div>')
        rows.append(_factor_row(analysis, f, text))
    stats = "".join(f"<li>{esc(label)} <b>{esc(value)}</b></li>" for label, value in common.stats(analysis))
    note = "No score: the extraction failed, so the factor values are unknown." if analysis.failed else common.scored_with(analysis.aivss)
    return "\n".join(
        (
            '<section id="aivss">',
            "<h2>OWASP AIVSS score rationale</h2>",
            f'<div class="card chart">{"".join(bars)}</div>',
            f'<p class="formula mono">{esc(common.formula_line(analysis.aivss))}</p>',
            f'<ul class="stats" id="stats">{stats}</ul>',
            f'<p class="muted">{esc(note)}</p>',
            "<table><thead><tr><th>Factor</th><th>Value</th><th>Status</th><th>Rationale and evidence</th></tr></thead>",
            f'<tbody>{"".join(rows)}</tbody></table>',
            "</section>",
        )
    )


def _factor_row(analysis: Analysis, f: FactorAssessment, text: str) -> str:
    if f.value is None:
        value = common.UNKNOWN
    else:
        value = _select("factor", ((f"{v:.1f}", f"{v:.1f}") for v in FACTOR_STEPS), f"{f.value:.1f}", key=f.key.value)
    status = common.factor_status_text(f)  # says "set by analyst" for an edited factor
    css = {"stated": "status stated", "set by analyst": "analyst"}.get(status, "status")
    mark = analyst_note(analysis, f"factor:{f.key.value}") if f.set_by_analyst else ""
    why = f"<p>{esc(common.failure_text(analysis))}</p>" if analysis.failed else f"<p>{esc(f.rationale)}</p>{_quotes(f.evidence, text)}"
    return (
        f'<tr data-factor="{esc(f.key.value)}"><td>{esc(FACTOR_NAMES[f.key])}</td><td class="num">{value}</td>'
        f'<td><span class="{css}">{esc(status)}</span>{mark}</td><td>{why}</td></tr>'
    )


def _exposure(analysis: Analysis, text: str) -> str:
    if analysis.system is None:
        return ""
    exposure = analysis.system.exposure
    assumed = {a.fact: a for a in analysis.aivss.assumptions}
    rows = []
    for name in EXPOSURE_FACTS:
        fact = exposure.fact(name)
        source = f"implied by {fact.implied_by}" if fact.implied else FACT_SOURCE_TEXT[fact.source]
        tag = analyst_mark(analysis, f"fact:{name}") if fact.source is FactSource.SET_BY_ANALYST else f'<span class="status">{esc(source)}</span>'
        about = ExposureFacts.model_fields[name].description or ""
        if fact.value is FactValue.NOT_STATED and name in assumed:
            a = assumed[name]
            about += f" Not stated: the point score assumes {a.value.value} ({a.reason})."
        rows.append(
            f'<tr data-fact="{esc(name)}"><td>{esc(fact_label(name))}<span class="detail muted">{esc(about)}</span></td>'
            f'<td>{_select("fact", ((v.value, v.value.replace("_", " ")) for v in FactValue), fact.value.value, key=name)}</td>'
            f"<td>{tag}</td><td>{_quotes(fact.evidence, text)}</td></tr>"
        )
    return (
        '<section id="exposure"><h2>Exposure facts</h2>'
        '<p class="muted">What the listing states about reach and power; they set the CVSS v4.0 base vector. '
        "A fact not stated is not “no”: the score’s range covers both values.</p>"
        f'<table><thead><tr><th>Fact</th><th>Value</th><th>Source</th><th>Evidence</th></tr></thead><tbody>{"".join(rows)}</tbody></table></section>'
    )


def fact_label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def analyst_mark(analysis: Analysis, target: str) -> str:
    """The “set by analyst” tag, with the note of the latest edit of that target if it had one."""
    return f'<span class="analyst">set by analyst</span>{analyst_note(analysis, target)}'


def analyst_note(analysis: Analysis, target: str) -> str:
    note = next((e.note for e in reversed(analysis.edits) if e.target == target), None)
    return f'<span class="analyst-note">{esc(note)}</span>' if note else ""


def _mitigations(analysis: Analysis, text: str) -> str:
    if analysis.system is None:
        return ""
    stated = {m.kind: m for m in analysis.system.mitigations}
    items = []
    for kind in MitigationKind:
        m = stated.get(kind)
        checked = " checked" if m else ""
        quotes = _quotes(m.evidence, text) if m else ""
        mark = ' <span class="analyst">set by analyst</span>' if m and m.set_by_analyst else ""
        items.append(
            f'<li><label><input type="checkbox" data-edit="stated-mitigation" data-key="{esc(kind.value)}"{checked}> '
            f"{esc(MITIGATION_LABELS[kind])}</label>{mark}{quotes}</li>"
        )
    return (
        '<section id="mitigations"><h2>Mitigations</h2>'
        '<p class="muted">Ticked: stated by the listing (or by you); they set the mitigation factor.</p>'
        f'<ul class="mitigations">{"".join(items)}</ul>'
        + (analyst_mark(analysis, "mitigations") if any(e.target == "mitigations" for e in analysis.edits) else "")
        + "</section>"
    )


def _scoring_inputs(analysis: Analysis) -> str:
    a = analysis.aivss
    marks = {t: analyst_mark(analysis, t) if any(e.target == t for e in analysis.edits) else "" for t in ("threat_multiplier", "mitigation_factor")}
    return (
        '<section id="inputs"><h2>Threat multiplier and mitigation factor</h2>'
        '<p class="muted">Words as on the command line (threat: attacked, poc, unreported; mitigation: none, partial, strong) '
        "or a number in (0, 1.5]; “auto” returns to the derived value.</p>"
        '<div class="inputs-row">'
        f'<label>Threat multiplier (ThM) <input type="text" data-edit="threat" list="threat-words" value="{esc(common.plain(a.threat_multiplier))}" maxlength="20"></label>{marks["threat_multiplier"]}'
        f'<label>Mitigation factor (MF) <input type="text" data-edit="mitigation" list="mitigation-words" value="{esc(common.plain(a.mitigation_factor))}" maxlength="20"></label>{marks["mitigation_factor"]}'
        "</div>"
        '<datalist id="threat-words"><option value="auto"><option value="attacked"><option value="poc"><option value="unreported"></datalist>'
        '<datalist id="mitigation-words"><option value="auto"><option value="none"><option value="partial"><option value="strong"></datalist>'
        "</section>"
    )


def error_page(message: str, *, csrf_token: str) -> str:
    body = f'<main class="app"><h1>Something went wrong</h1><p class="failure">{esc(message)}</p><p><a href="/">← All drafts</a></p></main>'
    return layout("analyzer — error", body, csrf_token=csrf_token, page="error")


def _edits(analysis: Analysis) -> str:
    if not analysis.edits:
        return '<section id="edits"><h2>Analyst edits</h2><p class="muted">None yet: every value is as extracted.</p></section>'
    rows = "".join(
        f"<tr><td>{esc(e.target)}</td><td>{esc(e.previous)}</td><td>{esc(e.value)}</td><td>{esc(e.note or '')}</td></tr>"
        for e in analysis.edits
    )
    return (
        '<section id="edits"><h2>Analyst edits</h2>'
        f'<table class="edits"><thead><tr><th>What</th><th>Was</th><th>Set to</th><th>Note</th></tr></thead><tbody>{rows}</tbody></table></section>'
    )


# --------------------------------------------------------------------------- comparison with a newer revision


def compare_page(info: DraftInfo, analysis: Analysis, *, providers: Sequence[str], csrf_token: str) -> str:
    url = analysis.listing.canonical_url or (analysis.listing.source if analysis.listing.source_type != "file" else "")
    options = "".join(f'<option value="{esc(p)}">{esc(_provider_label(p))}</option>' for p in providers)
    body = f"""<main class="app">
<p><a href="/drafts/{esc(info.id)}">← Back to the draft</a></p>
<h1>Compare “{esc(info.title)}” with a newer revision</h1>
<p class="muted">Analyses the listing afresh and shows what changed against this draft, your edits included.</p>
<section class="card start">
<form id="compare-form" data-action="/api/drafts/{esc(info.id)}/compare" autocomplete="off">
<div class="inputs">
<label>URL of the newer revision <input type="url" name="source" value="{esc(url)}" maxlength="2000"></label>
<label>or upload it <input type="file" name="file" accept=".md,.markdown,.txt,.html,.htm,.json,text/*,application/json"></label>
<label>or paste its text <textarea name="text" rows="5"></textarea></label>
<label class="inline">file name for pasted text <input type="text" name="filename" value="{esc(analysis.listing.source.rsplit('/', 1)[-1][:200] if analysis.listing.source_type == 'file' else 'pasted.md')}" maxlength="200"></label>
</div>
<div class="actions"><label class="inline">extractor <select name="provider">{options}</select></label>
<button type="submit">Compare</button></div>
<p class="progress" role="status" aria-live="polite"></p>
</form>
</section>
<section id="comparison" class="compare"></section>
</main>"""
    return layout(f"{info.title} — compare", body, csrf_token=csrf_token, page="compare")


def comparison_fragment(old: Analysis, new: Analysis, *, keep_job: str) -> str:
    """What changed from the draft (old, with the analyst's edits) to the fresh analysis (new): analyzer.diff."""
    from analyzer.diff import diff_analyses
    from analyzer.report.diff import headline

    d = diff_analyses(old, new)
    rows = [
        ("Source", d.old.source, d.new.source),
        ("Revision", d.old.revision or "—", d.new.revision or "—"),
        ("Content hash", d.old.content_hash[:12], d.new.content_hash[:12]),
        ("Kind", d.old.kind or "unknown", d.new.kind or "unknown"),
        ("AIVSS", f"{_score(d.score.old)} {d.score.old_band}", f"{_score(d.score.new)} {d.score.new_band}"),
    ]
    changed = ' class="changed"'
    sides = "".join(f"<tr><td>{esc(label)}</td><td>{esc(a)}</td><td{changed if a != b else ''}>{esc(b)}</td></tr>" for label, a, b in rows)
    parts = [
        f"<h2>Comparison</h2><p><strong>{esc(headline(d))}</strong></p>",
        f"<table><thead><tr><th></th><th>This draft</th><th>Fresh analysis</th></tr></thead><tbody>{sides}</tbody></table>",
    ]
    if old.edits:
        parts.append(f'<p class="muted">This draft has {len(old.edits)} analyst edit(s); the fresh analysis has none, so edited values show as changes.</p>')
    if not d.changed:
        parts.append("<p>No change in kind, factors, exposure facts, mitigations, MAESTRO layers, score or quotes.</p>")
    if d.factors:
        body = "".join(f"<tr><td>{esc(f.name)}</td><td>{_value(f.old)} ({esc(f.old_status)})</td><td>{_value(f.new)} ({esc(f.new_status)})</td></tr>" for f in d.factors)
        parts.append(f"<h3>Factors ({len(d.factors)} changed)</h3><table><thead><tr><th>Factor</th><th>Draft</th><th>Fresh</th></tr></thead><tbody>{body}</tbody></table>")
    if d.exposure:
        body = "".join(f"<tr><td>{esc(fact_label(c.fact))}</td><td>{esc(c.old)}</td><td>{esc(c.new)}</td></tr>" for c in d.exposure)
        parts.append(f"<h3>Exposure facts</h3><table><thead><tr><th>Fact</th><th>Draft</th><th>Fresh</th></tr></thead><tbody>{body}</tbody></table>")
    for title, added, removed in (
        ("Mitigations", d.mitigations_added, d.mitigations_removed),
        ("Cross-layer threats", d.cross_layer_added, d.cross_layer_removed),
        ("Warnings", d.warnings_added, d.warnings_removed),
    ):
        if added or removed:
            items = "".join(f"<li>added: {esc(x)}</li>" for x in added) + "".join(f"<li>removed: {esc(x)}</li>" for x in removed)
            parts.append(f"<h3>{esc(title)}</h3><ul>{items}</ul>")
    if d.layers:
        body = "".join(
            f"<tr><td>{esc(c.layer)}</td><td>{esc(c.old_status)}</td><td>{esc(c.new_status)}</td>"
            f"<td>{esc(', '.join(c.threats_added) or '—')}</td><td>{esc(', '.join(c.threats_removed) or '—')}</td></tr>"
            for c in d.layers
        )
        parts.append(f"<h3>MAESTRO layers</h3><table><thead><tr><th>Layer</th><th>Draft</th><th>Fresh</th><th>Threats added</th><th>Threats removed</th></tr></thead><tbody>{body}</tbody></table>")
    for title, quotes in (("Quotes that appeared", d.quotes_added), ("Quotes that disappeared", d.quotes_removed)):
        if quotes:
            items = "".join(f'<li>“{esc(q.quote)}” <span class="muted">— {esc(", ".join(q.used_for))}</span></li>' for q in quotes[:QUOTES_SHOWN])
            more = f"<li>… and {len(quotes) - QUOTES_SHOWN} more</li>" if len(quotes) > QUOTES_SHOWN else ""
            parts.append(f'<h3>{esc(title)} ({len(quotes)})</h3><ul class="quotes">{items}{more}</ul>')
    parts.append(f'<p><button type="button" data-action="keep" data-job="{esc(keep_job)}">Keep the fresh analysis as a new draft</button></p>')
    return "\n".join(parts)


def _value(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.2f}"
