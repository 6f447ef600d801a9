"""CycloneDX 1.6 JSON: the analysed model or agent as a component of an ML-BOM / AI-BOM.

The component is a `machine-learning-model` for model kinds and an `application` otherwise. What the
listing itself gives goes into the standard fields: name, revision (as the version), developer, licence
(an SPDX id when the listing's value is one), purl for Hugging Face and GitHub, and a `modelCard` with
the task, architecture and datasets from the listing's metadata, and the listing's own intended-use,
limitation and risk sections, quoted. The assessment goes into `properties` in the `analyzer:` namespace (README, "CycloneDX"):
`analyzer:aivss:score`, `analyzer:factor:<key>`, `analyzer:maestro:<layer>`, `analyzer:exposure:<fact>` …

Models the listing names as underlying (agents) or as `base_model` (models) are components of their
own, linked through `dependencies`. `bom()` of several analyses is an inventory of all of them.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterable
from urllib.parse import quote

from analyzer import __version__
from analyzer.models import FACTOR_ORDER, Analysis, Listing, Section
from analyzer.report.escape import one_line
from analyzer.taxonomy import broad_group

SPEC_VERSION = "1.6"
SCHEMA_URI = "http://cyclonedx.org/schema/bom-1.6.schema.json"
NAMESPACE = "analyzer"
SECTION_LIMIT = 1000  # characters of a listing section quoted into the model card

# SPDX ids as listings spell them (Hugging Face lower-cases them) → the canonical id. Anything else is
# kept verbatim as a licence name: "other", the RAIL licences or a model-specific licence is not an SPDX id.
SPDX_IDS = {
    i.lower(): i
    for i in (
        "Apache-2.0", "MIT", "BSD-2-Clause", "BSD-3-Clause", "BSD-3-Clause-Clear", "GPL-2.0-only", "GPL-2.0-or-later",
        "GPL-3.0-only", "GPL-3.0-or-later", "LGPL-2.1-only", "LGPL-3.0-only", "AGPL-3.0-only", "MPL-2.0", "EPL-2.0",
        "ISC", "Unlicense", "CC0-1.0", "CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-NC-4.0", "CC-BY-NC-SA-4.0", "CC-BY-NC-ND-4.0",
        "CC-BY-ND-4.0", "CC-BY-3.0", "CC-BY-SA-3.0", "CC-BY-NC-2.0", "CC-BY-NC-3.0", "Artistic-2.0", "BSL-1.0", "WTFPL",
        "Zlib", "OFL-1.1", "PDDL-1.0", "ODbL-1.0", "ODC-By-1.0", "AFL-3.0", "ECL-2.0", "LPPL-1.3c", "0BSD", "Python-2.0",
    )
}
# Aliases Hugging Face uses for SPDX ids.
SPDX_IDS.update({"gpl-3.0": "GPL-3.0-only", "gpl-2.0": "GPL-2.0-only", "lgpl-3.0": "LGPL-3.0-only", "agpl-3.0": "AGPL-3.0-only", "lgpl-2.1": "LGPL-2.1-only"})

# Which listing sections feed which model-card consideration (by heading).
_LIMITATIONS = re.compile(r"limitation|out[- ]of[- ]scope|known issues|caveats", re.I)
_RISKS = re.compile(r"\b(bias|risks?|ethic\w*|safety|harms?|misuse)\b", re.I)
_USES = re.compile(r"^(intended |direct |downstream |primary )?(uses?|use cases?|applications?)$|intended use|use cases?", re.I)


def _prop(name: str, value: object) -> dict[str, str]:
    return {"name": f"{NAMESPACE}:{name}", "value": one_line(str(value))}


def _number(value: float | None) -> str:
    return "unknown" if value is None else f"{value:g}"


def _ref(prefix: str, *parts: str) -> str:
    return f"{prefix}-{hashlib.sha256(chr(0).join(parts).encode()).hexdigest()[:16]}"


def kind_group(analysis: Analysis) -> str:
    if analysis.system is None:
        return "unknown"
    return broad_group(analysis.system.kind)


def component_type(analysis: Analysis) -> str:
    return "machine-learning-model" if kind_group(analysis) == "model" else "application"


def licenses(listing: Listing) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for value in dict.fromkeys(v.strip() for v in listing.meta("license") if v.strip()):
        spdx = SPDX_IDS.get(value.lower())
        entry = {"id": spdx} if spdx else {"name": one_line(value)}
        out.append({"license": {**entry, "acknowledgement": "declared"}})
    return out


def purl(listing: Listing) -> str | None:
    """pkg:huggingface/ORG/NAME@SHA or pkg:github/owner/repo@COMMIT, for the revision analysed."""
    if listing.source_type == "huggingface":
        repo = next(iter(listing.meta("id")), None)
        url = listing.canonical_url or ""
        if not repo or "/datasets/" in url or "/spaces/" in url:
            return None
        version = f"@{quote(listing.revision, safe='')}" if listing.revision else ""
        return "pkg:huggingface/" + "/".join(quote(p, safe="") for p in repo.split("/")) + version
    if listing.source_type == "github":
        full = next(iter(listing.meta("full_name")), None)
        if not full or "/" not in full:
            return None
        commit = next(iter(listing.meta("commit")), None) or listing.revision
        version = f"@{quote(commit, safe='')}" if commit else ""
        return "pkg:github/" + "/".join(quote(p.lower(), safe="") for p in full.split("/", 1)) + version
    return None


def _external_references(listing: Listing) -> list[dict[str, str]]:
    url = listing.canonical_url or (listing.source if listing.source_type in ("url", "huggingface", "github") else None)
    if not url:
        return []
    kind = {"huggingface": "model-card", "github": "vcs"}.get(listing.source_type, "website")
    return [{"type": kind, "url": url}]


def _section_text(section: Section) -> str:
    from analyzer.fetch.parse import plain_text

    text = plain_text(section.text)
    return text if len(text) <= SECTION_LIMIT else text[: SECTION_LIMIT - 1].rstrip() + "…"


def considerations(listing: Listing) -> dict[str, object]:
    """The listing's own intended-use, limitation and risk sections, quoted (never written by us)."""
    uses: list[str] = []
    limits: list[str] = []
    risks: list[dict[str, str]] = []
    for section in listing.sections:
        heading = section.heading.strip()
        text = _section_text(section)
        if not heading or not text:
            continue
        if _LIMITATIONS.search(heading):
            limits.append(text if heading.lower() in ("limitations", "limitation") else f"{heading}: {text}")
        elif _RISKS.search(heading):
            risks.append({"name": one_line(f"{heading}: {text}")})
        elif _USES.search(heading):
            uses.append(text)
    out: dict[str, object] = {}
    if uses:
        out["useCases"] = [one_line(u) for u in uses]
    if limits:
        out["technicalLimitations"] = [one_line(t) for t in limits]
    if risks:
        out["ethicalConsiderations"] = risks
    return out


def model_card(analysis: Analysis) -> dict[str, object] | None:
    listing = analysis.listing
    params: dict[str, object] = {}
    task = next(iter(listing.meta("pipeline_tag")), None)
    if task:
        params["task"] = one_line(task)
    family = next(iter(listing.meta("model_type")), None)
    if family:
        params["architectureFamily"] = one_line(family)
    architecture = next(iter(listing.meta("architectures")), None)
    if architecture:
        params["modelArchitecture"] = one_line(architecture)
    datasets = list(dict.fromkeys(listing.meta("datasets")))
    if datasets:
        params["datasets"] = [{"type": "dataset", "name": one_line(d)} for d in datasets]
    card: dict[str, object] = {}
    if params:
        card["modelParameters"] = params
    cons = considerations(listing)
    if cons:
        card["considerations"] = cons
    return card or None


def assessment_properties(analysis: Analysis) -> list[dict[str, str]]:
    """The AIVSS assessment, factors, MAESTRO layer tags and exposure facts as `analyzer:` properties."""
    a = analysis.aivss
    props = [
        _prop("schema_version", analysis.schema_version),
        _prop("extraction:status", analysis.extraction.status),
        _prop("extraction:provider", analysis.extraction.provider),
    ]
    if analysis.run.model:
        props.append(_prop("extraction:model", analysis.run.model))
    if analysis.failed:
        props.append(_prop("extraction:error", analysis.extraction.error or "no error message recorded"))
    props += [_prop("listing:source", analysis.listing.source), _prop("listing:content_hash", f"sha256:{analysis.listing.content_hash}")]
    if analysis.system is not None:
        props += [_prop("kind", analysis.system.kind.value), _prop("kind:group", kind_group(analysis))]
    props += [
        _prop("aivss:score", _number(a.score)),
        _prop("aivss:band", a.band.value),
        _prop("aivss:formula", a.formula.value),
    ]
    if a.score is not None:
        props += [
            _prop("aivss:cvss_base", _number(a.cvss_base)),
            _prop("aivss:factor_sum", _number(a.factor_sum)),
            _prop("aivss:threat_multiplier", _number(a.threat_multiplier)),
            _prop("aivss:mitigation_factor", _number(a.mitigation_factor)),
        ]
        if a.cvss_vector:
            props.append(_prop("aivss:vector", a.cvss_vector))
        span = a.range
        if span is not None:
            props += [
                _prop("aivss:range:low", _number(span.low)),
                _prop("aivss:range:high", _number(span.high)),
                _prop("aivss:range:band_low", span.band_low.value),
                _prop("aivss:range:band_high", span.band_high.value),
                _prop("aivss:range:factor_margin", _number(span.factor_margin)),
            ]
    factors = {f.key: f for f in analysis.factors}
    for key in FACTOR_ORDER:
        factor = factors.get(key)
        if factor is not None:
            props.append(_prop(f"factor:{key}", _number(factor.value)))
            props.append(_prop(f"factor:{key}:status", factor.status.value))
    for layer in analysis.maestro:
        props.append(_prop(f"maestro:{layer.layer.value}", layer.status.value))
        if layer.threats:
            props.append(_prop(f"maestro:{layer.layer.value}:threats", "; ".join(layer.threats)))
    for cross in analysis.cross_layer:
        props.append(_prop("maestro:cross_layer", cross.name))
    if analysis.system is not None:
        from analyzer.models import EXPOSURE_FACTS

        for fact in EXPOSURE_FACTS:
            props.append(_prop(f"exposure:{fact}", analysis.system.exposure.fact(fact).value.value))
        for mitigation in analysis.system.mitigations:
            props.append(_prop("mitigation", mitigation.kind.value))
        # the extractor's reading, not a listing field: properties, not the model card's inputs/outputs
        props += [_prop("input_modality", m.value) for m in analysis.system.input_modalities]
        props += [_prop("output_modality", m.value) for m in analysis.system.output_modalities]
    for warning in analysis.warnings:
        props.append(_prop("warning", warning.code))
    return props


def _model_component(name: str, relation: str) -> dict[str, object]:
    return {
        "type": "machine-learning-model",
        "bom-ref": _ref("model", name.strip().lower()),
        "name": one_line(name)[:200],
        "properties": [_prop("relation", relation)],
    }


def components(analysis: Analysis) -> tuple[dict[str, object], list[dict[str, object]]]:
    """(the analysed system's component, the models it depends on as components)."""
    listing = analysis.listing
    system = analysis.system
    comp: dict[str, object] = {
        "type": component_type(analysis),
        "bom-ref": _ref("listing", listing.source, listing.content_hash),
        "name": one_line((system.name if system else "") or listing.title or listing.source)[:200],
    }
    if listing.revision:
        comp["version"] = one_line(listing.revision)
    if system is not None and system.developer:
        comp["manufacturer"] = {"name": one_line(system.developer)}
    if system is not None and system.summary.strip():
        comp["description"] = one_line(system.summary)
    found = licenses(listing)
    if found:
        comp["licenses"] = found
    package = purl(listing)
    if package:
        comp["purl"] = package
    refs = _external_references(listing)
    if refs:
        comp["externalReferences"] = refs
    if system is not None:
        comp["tags"] = [system.kind.value]
    if comp["type"] == "machine-learning-model":
        card = model_card(analysis)
        if card:
            comp["modelCard"] = card
    comp["properties"] = assessment_properties(analysis)
    if comp["type"] == "machine-learning-model":
        named = [(m, "base model (listing metadata)") for m in listing.meta("base_model")]
    else:
        named = [(m, "underlying model (as the listing states)") for m in (system.underlying_models if system else [])]
    deps = [_model_component(name, relation) for name, relation in dict(named).items() if name.strip()]
    return comp, deps


def bom(analyses: Iterable[Analysis]) -> dict[str, object]:
    """One BOM holding every analysed system (an inventory when there are several)."""
    analyses = list(analyses)
    comps: dict[str, dict[str, object]] = {}
    dependencies: dict[str, list[str]] = {}
    for analysis in analyses:
        comp, deps = components(analysis)
        ref = str(comp["bom-ref"])
        comps.setdefault(ref, comp)
        on = dependencies.setdefault(ref, [])
        for dep in deps:
            comps.setdefault(str(dep["bom-ref"]), dep)
            dependencies.setdefault(str(dep["bom-ref"]), [])
            if dep["bom-ref"] not in on:
                on.append(str(dep["bom-ref"]))
    started = min((a.run.started_at for a in analyses), default=None)
    metadata: dict[str, object] = {
        "tools": {"components": [{"type": "application", "name": "analyzer", "version": __version__, "description": "agentic threat models (OWASP AIVSS + CSA MAESTRO) from AI model and agent listings"}]},
        "properties": [_prop("properties:namespace", "analyzer: properties are documented in the analyzer README (CycloneDX section)")],
    }
    if started is not None:
        metadata = {"timestamp": started.isoformat().replace("+00:00", "Z"), **metadata}
    return {
        "$schema": SCHEMA_URI,
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": uuid.uuid4().urn,
        "version": 1,
        "metadata": metadata,
        "components": list(comps.values()),
        "dependencies": [{"ref": ref, "dependsOn": on} if on else {"ref": ref} for ref, on in dependencies.items()],
    }


def merge_boms(boms: Iterable[dict[str, object]]) -> dict[str, object]:
    """Several BOMs of this tool (a batch's per-listing files) as one inventory BOM."""
    merged: dict[str, object] | None = None
    comps: dict[str, object] = {}
    dependencies: dict[str, dict[str, object]] = {}
    for one in boms:
        if merged is None:
            merged = {k: v for k, v in one.items() if k not in ("components", "dependencies")}
        for comp in one.get("components", []):  # type: ignore[union-attr]
            comps.setdefault(str(comp.get("bom-ref")), comp)
        for dep in one.get("dependencies", []):  # type: ignore[union-attr]
            dependencies.setdefault(str(dep.get("ref")), dep)
    base = merged or bom([])
    return {**base, "serialNumber": uuid.uuid4().urn, "components": list(comps.values()), "dependencies": list(dependencies.values())}


def render_cyclonedx(analysis: Analysis) -> str:
    return json.dumps(bom([analysis]), indent=2, ensure_ascii=False) + "\n"


__all__ = ["NAMESPACE", "SPEC_VERSION", "bom", "component_type", "components", "merge_boms", "render_cyclonedx"]
