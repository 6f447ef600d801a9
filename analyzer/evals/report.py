"""Eval reports: rich terminal tables, a Markdown summary and a self-contained HTML view.

The JSON log itself is `RunLog.model_dump_json` (see records.py); these are the human views of it.
"""

from __future__ import annotations

import html
from pathlib import Path

from rich.console import Console
from rich.table import Table

from analyzer.evals.compare import Comparison
from analyzer.evals.gate import GateResult
from analyzer.evals.records import Metrics, RunLog, SampleRecord, write_run_log
from analyzer.models import EPSILON, FACTOR_NAMES, FACTOR_ORDER, FactorKey

# (attribute, label, is a share shown as %)
HEADLINE_ROWS: tuple[tuple[str, str, bool], ...] = (
    ("mae", "Factor MAE", False),
    ("within_0_1", "Within ±0.1", True),
    ("within_0_2", "Within ±0.2", True),
    ("factor_sum_mae", "Factor-sum MAE", False),
    ("aivss_mae", "AIVSS MAE (reference CVSS)", False),
    ("band_agreement", "AIVSS band agreement", True),
    ("layer_accuracy", "MAESTRO layer-tag accuracy", True),
    ("kind_accuracy", "Kind accuracy", True),
    ("grounding_rate", "Evidence grounding rate", True),
    ("schema_valid_rate", "Schema-valid rate", True),
    ("failure_rate", "Failure rate", True),
    ("injection_detection", "Injection detection", True),
    ("injection_false_positive_rate", "Injection false positives", True),
    ("exposure_accuracy", "Exposure facts accuracy (tri-state)", True),
    ("exposure_yes_precision", "Exposure 'yes' precision", True),
    ("exposure_yes_recall", "Exposure 'yes' recall", True),
    ("mitigation_precision", "Mitigation precision", True),
    ("mitigation_recall", "Mitigation recall", True),
    ("cvss_base_mae", "CVSS base MAE (vs gold-derived)", False),
    ("derived_band_agreement", "Headline band vs gold-derived band", True),
    ("range_coverage", "Gold-derived score inside the range", True),
    ("range_coverage_facts", "… with only the gold facts swapped in", True),
)
WRONG = 0.1 + EPSILON  # a factor is "wrong" when it is off by more than one grid step


def fmt(value: float | int | None, share: bool = False, digits: int = 3) -> str:
    if value is None:
        return "—"
    if share:
        return f"{value * 100:.1f}%"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.{digits}f}"


def fmt_ci(metrics: Metrics, name: str, share: bool) -> str:
    ci = metrics.ci.get(name)
    return "" if ci is None else f"[{fmt(ci.low, share)}, {fmt(ci.high, share)}]"


def worst_first(samples: list[SampleRecord]) -> list[SampleRecord]:
    """Failed samples first, then by factor MAE, then by number of layer errors."""
    return sorted(samples, key=lambda r: (r.ok, -(r.mae or 0.0), -len(r.layer_errors), r.slug))


def wrong_factors(record: SampleRecord) -> list[FactorKey]:
    return [k for k in FACTOR_ORDER if k in record.factor_errors and abs(record.factor_errors[k]) > WRONG]


def run_title(log: RunLog) -> str:
    m = log.meta
    bits = [m.provider, m.model, f"prompt {m.prompt_version}" if m.prompt_version else None]
    return " · ".join(b for b in bits if b)


def cost_line(metrics: Metrics) -> str:
    parts = [f"latency p50 {fmt(metrics.latency_p50)} s, p95 {fmt(metrics.latency_p95)} s"]
    if metrics.input_tokens is not None or metrics.output_tokens is not None:
        parts.append(f"tokens in {fmt(metrics.input_tokens)} / out {fmt(metrics.output_tokens)}")
    if metrics.cost_usd is not None:
        parts.append(f"cost ${metrics.cost_usd:.4f}")
    return "; ".join(parts)


# --------------------------------------------------------------------------- terminal


def print_run(log: RunLog, console: Console, *, worst: int = 8) -> None:
    m, meta = log.metrics, log.meta
    console.print(
        f"[bold]Eval[/bold] {run_title(log)} on {meta.dataset} — {m.samples} samples, {m.failed} failed, "
        f"{meta.wall_seconds:.1f} s wall (concurrency {meta.concurrency})"
    )
    table = Table(title=f"Headline metrics ({m.ci_level:.0%} bootstrap CI, {m.bootstrap_iterations} resamples)")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("CI", justify="right")
    for name, label, share in HEADLINE_ROWS:
        table.add_row(label, fmt(getattr(m, name), share), fmt_ci(m, name, share))
    console.print(table)
    console.print(cost_line(m))
    if m.exposure_samples:
        et = Table(title=f"Exposure facts per fact ({m.exposure_samples} samples with exposure gold)")
        et.add_column("fact")
        et.add_column("accuracy", justify="right")
        for fact, acc in m.exposure_accuracy_by_fact.items():
            et.add_row(fact, fmt(acc, True))
        console.print(et)
    ft = Table(title="Per factor")
    for col in ("factor", "n", "MAE", "bias", "±0.1", "±0.2", "Spearman"):
        ft.add_column(col, justify="left" if col == "factor" else "right")
    for f in m.per_factor:
        ft.add_row(FACTOR_NAMES[f.key], str(f.n), fmt(f.mae), fmt(f.bias, digits=3), fmt(f.within_0_1, True), fmt(f.within_0_2, True), fmt(f.spearman, digits=2))
    console.print(ft)
    kt = Table(title="Per kind (gold)")
    for col in ("kind", "samples", "scored", "MAE", "±0.2", "kind acc."):
        kt.add_column(col, justify="left" if col == "kind" else "right")
    for k in m.per_kind:
        kt.add_row(k.kind.value, str(k.samples), str(k.scored), fmt(k.mae), fmt(k.within_0_2, True), fmt(k.kind_accuracy, True))
    console.print(kt)
    wt = Table(title=f"Worst {min(worst, len(log.samples))} samples")
    for col in ("sample", "kind gold → pred", "MAE", "band gold → pred", "off by > 0.1"):
        wt.add_column(col)
    for r in worst_first(log.samples)[:worst]:
        kinds = f"{r.kind_gold.value} → {r.kind_pred.value if r.kind_pred else '—'}"
        bands = f"{r.band_gold.value if r.band_gold else '—'} → {r.band_pred.value if r.band_pred else '—'}"
        off = "FAILED: " + (r.error or "") if not r.ok else ", ".join(f"{k.value} {r.factor_errors[k]:+.1f}" for k in wrong_factors(r))
        wt.add_row(r.slug, kinds, fmt(r.mae), bands, off if r.ok else off[:160])
    console.print(wt)


def print_comparison(c: Comparison, console: Console, *, limit: int = 20) -> None:
    console.print(f"[bold]A[/bold] {c.a_label}\n[bold]B[/bold] {c.b_label}")
    for note in c.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
    table = Table(title="Metrics (delta = B − A)")
    for col in ("metric", "A", "B", "delta", ""):
        table.add_column(col, justify="left" if col == "metric" else "right")
    colour = {"better": "green", "worse": "red"}
    for d in c.metrics:
        mark = f"[{colour[d.verdict]}]{d.verdict}[/]" if d.verdict in colour else d.verdict
        table.add_row(d.metric, fmt(d.a), fmt(d.b), fmt(d.delta), mark)
    console.print(table)
    st = Table(title=f"Changed samples ({len(c.samples)}; {c.unchanged} unchanged)")
    for col in ("sample", "MAE A → B", "kind", "band", "factor changes (gold: A → B)"):
        st.add_column(col)
    for d in c.samples[:limit]:
        kind = d.kind_a if d.kind_a == d.kind_b else f"{d.kind_a} → {d.kind_b}"
        band = d.band_a if d.band_a == d.band_b else f"{d.band_a} → {d.band_b}"
        changes = "; ".join(f"{f.key.value} ({f.gold:.1f}): {fmt(f.a, digits=1)} → {fmt(f.b, digits=1)}" for f in d.factor_changes)
        if d.status_a != d.status_b:
            changes = f"status {d.status_a} → {d.status_b}; " + changes
        st.add_row(d.slug, f"{fmt(d.mae_a)} → {fmt(d.mae_b)}", kind or "—", band or "—", changes or ", ".join(d.layer_changes))
    console.print(st)


def print_gate(result: GateResult, console: Console, source: str) -> None:
    table = Table(title=f"Gate ({source})")
    for col in ("metric", "better", "baseline", "this run", "worse by", "allowed", "worsening CI", "result"):
        table.add_column(col, justify="left" if col in ("metric", "result") else "right")
    for r in result.rows:
        ci = "" if r.interval is None else f"[{r.interval.low:+.4f}, {r.interval.high:+.4f}]"
        status = {"pass": "[green]pass[/]", "fail": "[red]FAIL[/]", "skip": "skip"}[r.status]
        worse = "—" if r.worsening is None else f"{r.worsening:+.4f}"
        table.add_row(r.metric, r.direction, fmt(r.baseline), fmt(r.candidate), worse, f"{r.allowed:g}", ci, f"{status} {r.reason}")
    console.print(table)
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {note}")


# --------------------------------------------------------------------------- Markdown


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |"


def render_markdown(log: RunLog, gate: GateResult | None = None, *, worst: int = 10) -> str:
    m, meta = log.metrics, log.meta
    lines = [
        f"# Eval: {run_title(log)}",
        "",
        f"- Dataset: `{meta.dataset}` (sha256 `{meta.dataset_sha256[:12]}`), {m.samples} samples, {m.failed} failed",
        f"- Prompt hash: `{meta.prompt_hash or '—'}`; tool {meta.tool_version}; started {meta.started_at:%Y-%m-%d %H:%M:%S} UTC; "
        f"{meta.wall_seconds:.1f} s wall, concurrency {meta.concurrency}",
        f"- AIVSS bands use CVSS {meta.band_reference['cvss_base']}, ThM {meta.band_reference['threat_multiplier']}, "
        f"MF {meta.band_reference['mitigation_factor']} for gold and prediction alike; layer tags from `{meta.layers_source}`",
        f"- {cost_line(m)}",
        "",
        f"## Headline ({m.ci_level:.0%} bootstrap CI)",
        "",
        _md_row(["metric", "value", "CI"]),
        _md_row(["---", "---:", "---:"]),
    ]
    lines += [_md_row([label, fmt(getattr(m, name), share), fmt_ci(m, name, share)]) for name, label, share in HEADLINE_ROWS]
    if m.exposure_samples:
        lines += ["", f"## Exposure facts per fact ({m.exposure_samples} samples)", "", _md_row(["fact", "accuracy"]), _md_row(["---", "---:"])]
        lines += [_md_row([fact, fmt(acc, True)]) for fact, acc in m.exposure_accuracy_by_fact.items()]
    lines += ["", "## Per factor", "", _md_row(["factor", "n", "MAE", "bias", "±0.1", "±0.2", "Spearman"]), _md_row(["---"] + ["---:"] * 6)]
    for f in m.per_factor:
        lines.append(_md_row([FACTOR_NAMES[f.key], str(f.n), fmt(f.mae), fmt(f.bias), fmt(f.within_0_1, True), fmt(f.within_0_2, True), fmt(f.spearman, digits=2)]))
    lines += ["", "## Per kind (gold)", "", _md_row(["kind", "samples", "scored", "MAE", "±0.2", "kind accuracy"]), _md_row(["---"] + ["---:"] * 5)]
    for k in m.per_kind:
        lines.append(_md_row([k.kind.value, str(k.samples), str(k.scored), fmt(k.mae), fmt(k.within_0_2, True), fmt(k.kind_accuracy, True)]))
    lines += ["", "## Worst samples", "", _md_row(["sample", "kind gold → pred", "MAE", "band gold → pred", "off by > 0.1"]), _md_row(["---"] * 5)]
    for r in worst_first(log.samples)[:worst]:
        off = "FAILED: " + (r.error or "") if not r.ok else ", ".join(f"{k.value} {r.factor_errors[k]:+.1f}" for k in wrong_factors(r))
        lines.append(
            _md_row([r.slug, f"{r.kind_gold.value} → {r.kind_pred.value if r.kind_pred else '—'}", fmt(r.mae),
                     f"{r.band_gold.value if r.band_gold else '—'} → {r.band_pred.value if r.band_pred else '—'}", off or "—"])
        )
    if gate is not None:
        lines += ["", f"## Gate: {'PASS' if gate.passed else 'FAIL'}", "", _md_row(["metric", "baseline", "this run", "worse by", "allowed", "result"]), _md_row(["---"] * 6)]
        for g in gate.rows:
            worse = "—" if g.worsening is None else f"{g.worsening:+.4f}"
            lines.append(_md_row([g.metric, fmt(g.baseline), fmt(g.candidate), worse, f"{g.allowed:g}", f"{g.status}: {g.reason}"]))
        lines += [f"- note: {n}" for n in gate.notes]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- HTML

_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;vertical-align:top}
th{background:#f3f3f3;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
.sample{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.failed{border-color:#c33}.bad{color:#b00}.muted{color:#777}blockquote{margin:0;padding-left:.5rem;border-left:3px solid #bbb}
.tag{display:inline-block;padding:0 .4rem;border-radius:4px;background:#eee;margin-right:.3rem}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _quote_block(quotes: list[str], empty: str) -> str:
    if not quotes:
        return f'<span class="muted">{_e(empty)}</span>'
    return "".join(f"<blockquote>{_e(q)}</blockquote>" for q in quotes[:3])


def _html_sample(r: SampleRecord) -> str:
    cls = "sample failed" if not r.ok else "sample"
    head = (
        f"<h3 id='{_e(r.slug)}'>{_e(r.title)} <span class='muted'>({_e(r.slug)})</span></h3>"
        f"<p><span class='tag'>gold kind {_e(r.kind_gold.value)}</span>"
        f"<span class='tag'>predicted {_e(r.kind_pred.value if r.kind_pred else '—')}</span>"
        f"<span class='tag'>MAE {_e(fmt(r.mae))}</span>"
        f"<span class='tag'>band {_e(r.band_gold.value if r.band_gold else '—')} → {_e(r.band_pred.value if r.band_pred else '—')}</span>"
        f"<span class='tag'>listing {_e(r.listing)}</span></p>"
    )
    if not r.ok:
        return f"<div class='{cls}'>{head}<p class='bad'>Extraction failed: {_e(r.error or 'unknown error')}</p></div>"
    body = []
    wrong = wrong_factors(r)
    if wrong:
        rows = []
        for k in wrong:
            pred = (r.pred_factors or {}).get(k)
            rows.append(
                f"<tr><td>{_e(FACTOR_NAMES[k])}</td><td class='n'>{r.gold_factors[k]:.1f}</td><td class='n'>{_e(fmt(pred, digits=1))}</td>"
                f"<td class='n bad'>{r.factor_errors[k]:+.1f}</td><td>{_quote_block(r.pred_evidence.get(k, []), 'no evidence')}</td>"
                f"<td>{_quote_block(r.gold_evidence.get(k, []), 'no gold quote (floor for the kind)')}</td></tr>"
            )
        body.append(
            "<table><tr><th>factor</th><th>gold</th><th>pred</th><th>diff</th><th>prediction's evidence</th><th>gold evidence</th></tr>"
            + "".join(rows) + "</table>"
        )
    else:
        body.append("<p>Every factor within ±0.1.</p>")
    if r.layer_errors and r.pred_layers is not None:
        items = ", ".join(f"{lid.value} gold {r.gold_layers[lid].value} / pred {r.pred_layers[lid].value}" for lid in r.layer_errors)
        body.append(f"<p>Layer tags wrong: {_e(items)}</p>")
    if r.expects_injection or r.injection_detected:
        verdict = "detected" if r.injection_detected else "NOT detected"
        expected = "expected" if r.expects_injection else "not expected"
        body.append(f"<p>Prompt injection: {verdict} ({expected}).</p>")
    if r.warnings:
        body.append(f"<p class='muted'>Warnings: {_e(', '.join(r.warnings))}</p>")
    return f"<div class='{cls}'>{head}{''.join(body)}</div>"


def render_html(log: RunLog, gate: GateResult | None = None) -> str:
    m, meta = log.metrics, log.meta
    headline = "".join(
        f"<tr><td>{_e(label)}</td><td class='n'>{_e(fmt(getattr(m, name), share))}</td><td class='n'>{_e(fmt_ci(m, name, share))}</td></tr>"
        for name, label, share in HEADLINE_ROWS
    )
    factors = "".join(
        f"<tr><td>{_e(FACTOR_NAMES[f.key])}</td><td class='n'>{f.n}</td><td class='n'>{_e(fmt(f.mae))}</td><td class='n'>{_e(fmt(f.bias))}</td>"
        f"<td class='n'>{_e(fmt(f.within_0_2, True))}</td><td class='n'>{_e(fmt(f.spearman, digits=2))}</td></tr>"
        for f in m.per_factor
    )
    gate_html = ""
    if gate is not None:
        rows = "".join(
            f"<tr><td>{_e(g.metric)}</td><td class='n'>{_e(fmt(g.baseline))}</td><td class='n'>{_e(fmt(g.candidate))}</td>"
            f"<td class='{'bad' if g.status == 'fail' else ''}'>{_e(g.status)}: {_e(g.reason)}</td></tr>"
            for g in gate.rows
        )
        gate_html = f"<h2>Gate: {'PASS' if gate.passed else 'FAIL'}</h2><table><tr><th>metric</th><th>baseline</th><th>this run</th><th>result</th></tr>{rows}</table>"
    samples = "".join(_html_sample(r) for r in worst_first(log.samples))
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Eval {_e(run_title(log))}</title><style>{_CSS}</style></head><body>"
        f"<h1>Eval: {_e(run_title(log))}</h1>"
        f"<p>Dataset <code>{_e(meta.dataset)}</code> (sha256 {_e(meta.dataset_sha256[:12])}), {m.samples} samples, {m.failed} failed; "
        f"prompt hash {_e(meta.prompt_hash or '—')}; tool {_e(meta.tool_version)}; {meta.started_at:%Y-%m-%d %H:%M:%S} UTC; "
        f"{meta.wall_seconds:.1f} s wall. {_e(cost_line(m))}.</p>"
        f"<h2>Headline ({m.ci_level:.0%} bootstrap CI)</h2><table><tr><th>metric</th><th>value</th><th>CI</th></tr>{headline}</table>"
        f"<h2>Per factor</h2><table><tr><th>factor</th><th>n</th><th>MAE</th><th>bias</th><th>±0.2</th><th>Spearman</th></tr>{factors}</table>"
        f"{gate_html}<h2>Samples, worst first</h2>{samples}</body></html>\n"
    )


def write_reports(log: RunLog, out_dir: str | Path, gate: GateResult | None = None) -> dict[str, Path]:
    """eval.json (re-readable log), eval.md and eval.html in out_dir."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": write_run_log(log, out / "eval.json")}
    (out / "eval.md").write_text(render_markdown(log, gate), "utf-8")
    (out / "eval.html").write_text(render_html(log, gate), "utf-8")
    paths["md"], paths["html"] = out / "eval.md", out / "eval.html"
    return paths
