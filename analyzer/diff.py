"""What changed between two analyses of a listing (two revisions of a model card, or before/after an edit).

    from analyzer.diff import diff_analyses
    d = diff_analyses(old, new)
    d.score_rose, d.factors, d.quotes_added

Compared: the kind, the AIVSS score, band and range, the ten factors (value and status), the eight
exposure facts, the stated mitigations, the MAESTRO layer tags and the threats they name, the
cross-layer threats, the warnings, and which verified quotes appeared or disappeared (matched on their
normalised text, so re-wrapping a line is not a change). `revision_url` turns one Hugging Face or GitHub
URL into the URL of another revision, so two revisions can be fetched and compared.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote, urlsplit

from pydantic import BaseModel, ConfigDict, Field

from analyzer.errors import InputError
from analyzer.extract.grounding import normalise
from analyzer.models import EXPOSURE_FACTS, FACTOR_NAMES, FACTOR_ORDER, Analysis, Evidence


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Side(_Model):
    """Which analysis one side of the diff is."""

    source: str
    revision: str | None
    content_hash: str
    kind: str | None
    score: float | None
    band: str
    extraction: str = Field(description="'ok' or 'failed'")


class ValueChange(_Model):
    old: str | None
    new: str | None


class ScoreChange(_Model):
    old: float | None
    new: float | None
    delta: float | None = Field(description="new − old, rounded to 0.1; None when either side has no score.")
    old_band: str
    new_band: str
    old_range: tuple[float | None, float | None] | None = None
    new_range: tuple[float | None, float | None] | None = None


class FactorChange(_Model):
    key: str
    name: str
    old: float | None
    new: float | None
    old_status: str
    new_status: str


class FactChange(_Model):
    fact: str
    old: str
    new: str


class LayerChange(_Model):
    layer: str
    old_status: str
    new_status: str
    threats_added: list[str]
    threats_removed: list[str]


class QuoteChange(_Model):
    quote: str
    used_for: list[str] = Field(description="What the quote backs: 'factor:<key>', 'fact:<name>', 'mitigation:<kind>', 'layer:<L>', 'kind'.")


class AnalysisDiff(_Model):
    old: Side
    new: Side
    kind: ValueChange | None
    score: ScoreChange
    factors: list[FactorChange]
    exposure: list[FactChange]
    mitigations_added: list[str]
    mitigations_removed: list[str]
    layers: list[LayerChange]
    cross_layer_added: list[str]
    cross_layer_removed: list[str]
    warnings_added: list[str]
    warnings_removed: list[str]
    quotes_added: list[QuoteChange]
    quotes_removed: list[QuoteChange]

    @property
    def score_rose(self) -> bool:
        return self.score.delta is not None and self.score.delta > 0

    @property
    def changed(self) -> bool:
        """True when anything compared differs (the score, or any list above is non-empty)."""
        lists = (
            self.factors, self.exposure, self.mitigations_added, self.mitigations_removed, self.layers,
            self.cross_layer_added, self.cross_layer_removed, self.warnings_added, self.warnings_removed,
            self.quotes_added, self.quotes_removed,
        )
        return self.kind is not None or self.score.old != self.score.new or self.score.old_band != self.score.new_band or any(lists)


def _side(a: Analysis) -> Side:
    return Side(
        source=a.listing.source,
        revision=a.listing.revision,
        content_hash=a.listing.content_hash,
        kind=a.system.kind.value if a.system else None,
        score=a.aivss.score,
        band=a.aivss.band.value,
        extraction=a.extraction.status,
    )


def _range(a: Analysis) -> tuple[float | None, float | None] | None:
    span = a.aivss.range
    return (span.low, span.high) if span is not None else None


def _score(old: Analysis, new: Analysis) -> ScoreChange:
    o, n = old.aivss.score, new.aivss.score
    return ScoreChange(
        old=o,
        new=n,
        delta=round(n - o, 1) if o is not None and n is not None else None,
        old_band=old.aivss.band.value,
        new_band=new.aivss.band.value,
        old_range=_range(old),
        new_range=_range(new),
    )


def _factors(old: Analysis, new: Analysis) -> list[FactorChange]:
    before = {f.key: f for f in old.factors}
    after = {f.key: f for f in new.factors}
    out = []
    for key in FACTOR_ORDER:
        a, b = before.get(key), after.get(key)
        if a is None or b is None:
            continue
        if a.value != b.value or a.status != b.status:
            out.append(FactorChange(key=str(key), name=FACTOR_NAMES[key], old=a.value, new=b.value, old_status=a.status.value, new_status=b.status.value))
    return out


def _facts(a: Analysis) -> dict[str, str]:
    if a.system is None:
        return {}
    return {name: a.system.exposure.fact(name).value.value for name in EXPOSURE_FACTS}


def _exposure(old: Analysis, new: Analysis) -> list[FactChange]:
    before, after = _facts(old), _facts(new)
    names = list(dict.fromkeys([*before, *after]))
    unknown = "unknown"  # a failed extraction has no facts at all
    return [
        FactChange(fact=n, old=before.get(n, unknown), new=after.get(n, unknown))
        for n in names
        if before.get(n, unknown) != after.get(n, unknown)
    ]


def _mitigations(a: Analysis) -> list[str]:
    return list(dict.fromkeys(m.kind.value for m in a.system.mitigations)) if a.system else []


def _layers(old: Analysis, new: Analysis) -> list[LayerChange]:
    before = {m.layer: m for m in old.maestro}
    out = []
    for layer in new.maestro:
        prior = before.get(layer.layer)
        if prior is None:
            continue
        added = [t for t in layer.threats if t not in prior.threats]
        removed = [t for t in prior.threats if t not in layer.threats]
        if prior.status != layer.status or added or removed:
            out.append(LayerChange(layer=layer.layer.value, old_status=prior.status.value, new_status=layer.status.value, threats_added=added, threats_removed=removed))
    return out


def quotes_by_text(a: Analysis) -> dict[str, QuoteChange]:
    """Every verified quote of an analysis, keyed by its normalised text, with what it backs."""
    found: dict[str, QuoteChange] = {}

    def add(evidence: Iterable[Evidence], label: str) -> None:
        for ev in evidence:
            if ev.verified is not True:
                continue
            key = normalise(ev.quote)
            if not key:
                continue
            entry = found.setdefault(key, QuoteChange(quote=ev.quote, used_for=[]))
            if label not in entry.used_for:
                entry.used_for.append(label)

    if a.failed:
        return found
    for factor in a.factors:
        add(factor.evidence, f"factor:{factor.key}")
    if a.system is not None:
        add(a.system.kind_evidence, "kind")
        for name in EXPOSURE_FACTS:
            add(a.system.exposure.fact(name).evidence, f"fact:{name}")
        for mitigation in a.system.mitigations:
            add(mitigation.evidence, f"mitigation:{mitigation.kind.value}")
        for statement in a.system.layers:
            add(statement.evidence, f"layer:{statement.layer.value}")
    return found


def _added(new: list[str], old: list[str]) -> list[str]:
    return [x for x in new if x not in old]


def diff_analyses(old: Analysis, new: Analysis) -> AnalysisDiff:
    """Compare two analyses (normally of the same listing at two revisions)."""
    old_kind = old.system.kind.value if old.system else None
    new_kind = new.system.kind.value if new.system else None
    old_quotes, new_quotes = quotes_by_text(old), quotes_by_text(new)
    old_cross, new_cross = [c.name for c in old.cross_layer], [c.name for c in new.cross_layer]
    old_warn, new_warn = list(dict.fromkeys(w.code for w in old.warnings)), list(dict.fromkeys(w.code for w in new.warnings))
    return AnalysisDiff(
        old=_side(old),
        new=_side(new),
        kind=ValueChange(old=old_kind, new=new_kind) if old_kind != new_kind else None,
        score=_score(old, new),
        factors=_factors(old, new),
        exposure=_exposure(old, new),
        mitigations_added=_added(_mitigations(new), _mitigations(old)),
        mitigations_removed=_added(_mitigations(old), _mitigations(new)),
        layers=_layers(old, new),
        cross_layer_added=_added(new_cross, old_cross),
        cross_layer_removed=_added(old_cross, new_cross),
        warnings_added=_added(new_warn, old_warn),
        warnings_removed=_added(old_warn, new_warn),
        quotes_added=[q for k, q in new_quotes.items() if k not in old_quotes],
        quotes_removed=[q for k, q in old_quotes.items() if k not in new_quotes],
    )


def load_side(source: str, **analyze_options: object) -> Analysis:
    """One side of a diff: a saved analysis JSON as it is, or a listing (file or URL) analysed now."""
    from analyzer.pipeline import analyze, is_url, load_analysis

    if not is_url(source) and source.lower().endswith(".json") and _is_analysis_json(source):
        return load_analysis(source)
    return analyze(source, **analyze_options)  # type: ignore[arg-type]


def _is_analysis_json(path: str) -> bool:
    """A JSON file written by `analyze --format json` (or a bare profile), not a JSON listing."""
    import json

    try:
        with open(path, encoding="utf-8") as handle:
            head = handle.read(1 << 20)
        data = json.loads(head)
    except (OSError, UnicodeDecodeError, ValueError):
        return True  # let load_analysis give the one-line error for it
    return isinstance(data, dict) and ("aivss" in data or ("system" in data and "factors" in data))


def diff_sources(old: str, new: str, **analyze_options: object) -> tuple[Analysis, Analysis, AnalysisDiff]:
    """Diff two sources (analysis JSON files, listing files or URLs); returns both analyses too."""
    before = load_side(old, **analyze_options)
    after = load_side(new, **analyze_options)
    return before, after, diff_analyses(before, after)


def diff_revisions(url: str, old_rev: str, new_rev: str, **analyze_options: object) -> tuple[Analysis, Analysis, AnalysisDiff]:
    """Fetch and analyse one Hugging Face / GitHub listing at two revisions, and diff them."""
    return diff_sources(revision_url(url, old_rev), revision_url(url, new_rev), **analyze_options)


def revision_url(url: str, revision: str) -> str:
    """The same Hugging Face or GitHub listing at another revision (branch, tag or commit).

    https://huggingface.co/ORG/MODEL + "v2" → https://huggingface.co/ORG/MODEL/tree/v2 (a named file
    keeps its /blob/ path); https://github.com/OWNER/REPO[/tree/REF/DIR] + "abc1234" →
    https://github.com/OWNER/REPO/tree/abc1234[/DIR].
    """
    from analyzer.fetch import FetchConfig, GithubTarget, HfTarget, classify_url

    rev = revision.strip()
    if not rev or any(c.isspace() for c in rev) or ".." in rev.split("/"):
        raise InputError(f"--rev {revision!r} is not a revision", hint="give a branch, tag or commit sha")
    parts = urlsplit(url.strip())
    base = f"{parts.scheme}://{parts.netloc}"
    target = classify_url(url, FetchConfig.from_env())
    ref = quote(rev, safe="/")
    if isinstance(target, HfTarget):
        prefix = {"model": "", "dataset": "datasets/", "space": "spaces/"}[target.repo_type]
        if target.file:
            return f"{base}/{prefix}{target.repo_id}/blob/{ref}/{quote(target.file)}"
        return f"{base}/{prefix}{target.repo_id}/tree/{ref}"
    if isinstance(target, GithubTarget):
        if "/" in rev:
            raise InputError(f"--rev {revision!r}: a GitHub ref with '/' cannot be told from a path in a URL", hint="pass the commit sha instead")
        if parts.netloc.lower() == "raw.githubusercontent.com":
            base = "https://github.com"
        view = "blob" if target.is_file else "tree"
        path = f"/{quote(target.path)}" if target.path else ""
        return f"{base}/{target.owner}/{target.repo}/{view}/{ref}{path}"
    raise InputError(f"{url}: --rev needs a Hugging Face or GitHub URL", hint="for other pages, save both versions and diff the files or analyses")


__all__ = [
    "AnalysisDiff",
    "FactChange",
    "FactorChange",
    "LayerChange",
    "QuoteChange",
    "ScoreChange",
    "Side",
    "ValueChange",
    "diff_analyses",
    "diff_revisions",
    "diff_sources",
    "load_side",
    "quotes_by_text",
    "revision_url",
]
