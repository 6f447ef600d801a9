"""SARIF 2.1.0 output for code scanning: one run per listing, one result per risk the analysis raises.

Rules are everything the tool can raise, built from the threat catalogue (analyzer/data/
maestro_catalogue.yaml): the ten OWASP AIVSS agentic core risks, every CSA MAESTRO layer threat and
cross-layer threat, and prompt-injection text. Results are the ones this listing raises:

- an AIVSS core risk, when the listing states one of its amplifying factors at DRIVER_THRESHOLD or more;
- a MAESTRO threat named by a *mapped* layer (one the listing pins), and every cross-layer threat;
- each kind of text addressed to AI readers (prompt injection).

Every result carries the AIVSS score, band, vector and factor values in `properties`, its `level` from
the band, and locations at the verified quotes behind it (lines of the listing file; see locate.py).
Each run has its own `automationDetails.id` category, so GitHub keeps one listing's alerts when a later
upload covers other listings only.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import quote

from analyzer import __version__
from analyzer.maestro import DRIVER_THRESHOLD, Catalogue, load_catalogue
from analyzer.models import (
    EPSILON,
    FACTOR_NAMES,
    LAYER_NAMES,
    Analysis,
    Band,
    Evidence,
    FactorKey,
    FactorStatus,
    FactValue,
    LayerId,
    LayerStatus,
    Severity,
)
from analyzer.report.escape import clean, one_line
from analyzer.report.locate import QuoteLocator, source_text

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "analyzer"
TOOL_URI = "https://github.com/OWASP/www-project-artificial-intelligence-vulnerability-scoring-system"
MAESTRO_URI = "https://cloudsecurityalliance.org/blog/2025/02/06/agentic-ai-threat-modeling-framework-maestro"
INJECTION_RULE = "analyzer/prompt-injection"
MAX_LOCATIONS = 5  # GitHub shows up to 10; the strongest few quotes say enough
FINGERPRINT_KEY = "analyzerFinding/v1"

LEVELS: dict[Band, str] = {
    Band.CRITICAL: "error",
    Band.HIGH: "error",
    Band.MEDIUM: "warning",
    Band.LOW: "note",
    Band.NONE: "none",
    Band.UNKNOWN: "none",
}
_SEVERITY_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    short: str
    full: str
    help_text: str
    tags: tuple[str, ...]
    uri: str


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def core_risk_rule_id(risk: str) -> str:
    return f"aivss/{slug(risk)}"


def threat_rule_id(layer: LayerId, threat: str) -> str:
    return f"maestro/{layer.value.lower()}/{slug(threat)}"


def cross_layer_rule_id(threat: str) -> str:
    return f"maestro/cross-layer/{slug(threat)}"


def _pascal(text: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", text) if w)


def _names(keys: Iterable[FactorKey]) -> str:
    return ", ".join(FACTOR_NAMES[k] for k in dict.fromkeys(keys))


def _risk_layers(catalogue: Catalogue, risk: str) -> list[LayerId]:
    return [lid for lid in LayerId if risk in catalogue.layers[lid].aivss_risks]


@cache
def rules() -> tuple[Rule, ...]:
    """Every rule the tool can raise, in a stable order (core risks, layer threats, cross-layer, injection)."""
    catalogue = load_catalogue()
    out: list[Rule] = []
    for risk, factors in catalogue.core_risks.items():
        layers = ", ".join(f"{lid.value} {LAYER_NAMES[lid]}" for lid in _risk_layers(catalogue, risk)) or "none listed"
        full = f"OWASP AIVSS agentic core risk “{risk}”, amplified by {_names(factors)}."
        raised = (
            f"Raised when the listing states one of these factors at {DRIVER_THRESHOLD:.1f} or more; the result points at "
            "the quotes behind those factors and carries the listing's AIVSS score, vector and factor values."
        )
        out.append(
            Rule(
                id=core_risk_rule_id(risk),
                name=_pascal(risk),
                short=f"AIVSS core risk: {risk}",
                full=full,
                help_text=f"{full} Primary MAESTRO layers: {layers}. {raised}",
                tags=("security", "ai", "aivss", "core-risk"),
                uri=TOOL_URI,
            )
        )
    for lid in LayerId:
        layer = catalogue.layers[lid]
        by_name: dict[str, list] = {}
        for threat in layer.threats:
            by_name.setdefault(threat.name, []).append(threat)
        for name, variants in by_name.items():
            drivers = [k for t in variants for k in t.drivers]
            what = "; ".join(dict.fromkeys(t.phrase for t in variants))
            why = " ".join(dict.fromkeys(t.why[:1].upper() + t.why[1:] + "." for t in variants))
            where = f"MAESTRO {lid.value} {LAYER_NAMES[lid]}"
            raised = (
                f"Raised when the listing pins layer {lid.value} ({layer.scope}) and the threat applies to the system's kind "
                "and stated exposure; the result points at the listing's statements for the layer and the quotes behind the driving factors."
            )
            out.append(
                Rule(
                    id=threat_rule_id(lid, name),
                    name=_pascal(f"{lid.value} {name}"),
                    short=f"{where}: {name}",
                    full=f"{where} threat “{name}”: {what}.",
                    help_text=f"{where} threat “{name}”: {what}. {why} Driving AIVSS factors: {_names(drivers)}. "
                    f"AIVSS core risks of this layer: {', '.join(layer.aivss_risks)}. {raised}",
                    tags=("security", "ai", "maestro", lid.value),
                    uri=MAESTRO_URI,
                )
            )
    for entry in catalogue.cross_layer:
        layers = ", ".join(lid.value for lid in entry.layers)
        raised = "Raised when the listing's factors and exposure facts meet the catalogue's trigger for it; the result points at the quotes behind the driving factors."
        out.append(
            Rule(
                id=cross_layer_rule_id(entry.name),
                name=_pascal(f"cross layer {entry.name}"),
                short=f"MAESTRO cross-layer threat: {entry.name}",
                full=f"MAESTRO cross-layer threat “{entry.name}” across {layers}, driven by {_names(entry.drivers)}.",
                help_text=f"MAESTRO cross-layer threat “{entry.name}” across {layers}, driven by {_names(entry.drivers)}. {raised}",
                tags=("security", "ai", "maestro", "cross-layer"),
                uri=MAESTRO_URI,
            )
        )
    injection = (
        "The listing contains text addressed to AI readers (agents, LLMs, crawlers) — instructions that an agent reading "
        "the listing might follow. analyzer treats it as data and never follows it; the result points at each passage."
    )
    out.append(
        Rule(
            id=INJECTION_RULE,
            name="PromptInjectionText",
            short="Text addressed to AI readers (prompt injection)",
            full=injection,
            help_text=injection,
            tags=("security", "ai", "prompt-injection"),
            uri=TOOL_URI,
        )
    )
    return tuple(out)


def _rule_json(rule: Rule, severity: str | None) -> dict[str, object]:
    properties: dict[str, object] = {"tags": list(rule.tags), "precision": "medium"}
    if severity is not None:
        properties["security-severity"] = severity
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.short},
        "fullDescription": {"text": rule.full},
        "help": {"text": rule.help_text},
        "helpUri": rule.uri,
        "defaultConfiguration": {"level": "warning"},
        "properties": properties,
    }


# --------------------------------------------------------------------------- one run


def artifact_uri(analysis: Analysis) -> str:
    listing = analysis.listing
    if listing.source_type == "file":
        path = Path(listing.source)
        if path.is_absolute():
            return path.as_uri()
        # relative to where the analysis ran: the repository root in CI, which code scanning expects
        return quote(path.as_posix(), safe="/")
    if listing.source_type == "stdin":
        return "stdin"
    return listing.canonical_url or listing.source


def automation_id(analysis: Analysis) -> str:
    """`category/` for GitHub: one category per listing, readable and stable across runs."""
    uri = artifact_uri(analysis)
    readable = re.sub(r"[^A-Za-z0-9._-]+", "-", uri.split("://", 1)[-1]).strip("-.")[:80] or "listing"
    return f"{TOOL_NAME}/{readable}-{hashlib.sha256(uri.encode()).hexdigest()[:8]}/"


class _RunBuilder:
    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self.uri = artifact_uri(analysis)
        self.source = source_text(analysis.listing)
        self.locator = QuoteLocator(self.source.text)
        self.factors = {f.key: f for f in analysis.factors}
        self.level = LEVELS[analysis.aivss.band]

    # -- locations

    def locations(self, quotes: Iterable[tuple[str, Evidence]]) -> list[dict[str, object]]:
        """Physical locations of verified quotes (label, evidence); a file-level location if none is found."""
        out: list[dict[str, object]] = []
        seen: set[tuple[int, int]] = set()
        for label, ev in quotes:
            if ev.verified is not True or len(out) >= MAX_LOCATIONS:
                continue
            span = self.locator.find(ev.quote)
            if span is None or (span.start_line, span.end_line) in seen:
                continue
            seen.add((span.start_line, span.end_line))
            out.append(
                {
                    "id": len(out),
                    "physicalLocation": {
                        "artifactLocation": {"uri": self.uri, "index": 0},
                        "region": {"startLine": span.start_line, "endLine": span.end_line, "snippet": {"text": clean(span.text)}},
                    },
                    "message": {"text": one_line(label)},
                }
            )
        if not out:
            out.append({"physicalLocation": {"artifactLocation": {"uri": self.uri, "index": 0}}})
        return out

    def factor_quotes(self, keys: Iterable[FactorKey]) -> list[tuple[str, Evidence]]:
        return [(FACTOR_NAMES[k], ev) for k in keys if k in self.factors for ev in self.factors[k].evidence]

    def fact_quotes(self, facts: Iterable[str]) -> list[tuple[str, Evidence]]:
        """The quotes behind the exposure facts that trigger a threat (a yes the listing states)."""
        system = self.analysis.system
        if system is None:
            return []
        out = []
        for name in facts:
            fact = system.exposure.fact(str(name))
            if fact.value is FactValue.YES:
                label = f"exposure fact {name}" + (f" (implied by {fact.implied_by})" if fact.implied else "")
                out += [(label, ev) for ev in fact.evidence]
        return out

    def stated_drivers(self, keys: Iterable[FactorKey]) -> list[FactorKey]:
        """Factors the listing states at DRIVER_THRESHOLD or more, strongest first."""
        found = [
            k
            for k in dict.fromkeys(keys)
            if (f := self.factors.get(k)) is not None
            and f.status is FactorStatus.STATED
            and f.value is not None
            and f.value >= DRIVER_THRESHOLD - EPSILON
        ]
        return sorted(found, key=lambda k: -(self.factors[k].value or 0.0))

    # -- results

    def assessment(self) -> dict[str, object]:
        a = self.analysis.aivss
        data: dict[str, object] = {
            "score": a.score,
            "band": a.band.value,
            "vector": a.cvss_vector,
            "cvssBase": a.cvss_base,
            "factorSum": a.factor_sum,
            "threatMultiplier": a.threat_multiplier,
            "mitigationFactor": a.mitigation_factor,
            "formula": a.formula.value,
            "factors": {str(f.key): f.value for f in self.analysis.factors},
        }
        span = a.range
        if span is not None:
            data["range"] = {"low": span.low, "high": span.high, "bandLow": span.band_low.value, "bandHigh": span.band_high.value, "factorMargin": span.factor_margin}
        return data

    def result(self, rule_id: str, message: str, locations: list[dict[str, object]], level: str | None = None, **extra: object) -> dict[str, object]:
        fingerprint = hashlib.sha256(f"{rule_id}\0{self.uri}".encode()).hexdigest()[:32]
        result: dict[str, object] = {"ruleId": rule_id}
        if rule_id in _rule_index():  # a saved analysis may name a threat the catalogue has since dropped
            result["ruleIndex"] = _rule_index()[rule_id]
        return result | {
            "level": level or self.level,
            "message": {"text": one_line(message)},
            "locations": locations,
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
            "properties": {"aivss": self.assessment(), **extra},
        }

    def results(self) -> list[dict[str, object]]:
        analysis = self.analysis
        if analysis.failed:
            return []
        catalogue = load_catalogue()
        out = []
        tail = f"(AIVSS {analysis.aivss.score:.1f}, {analysis.aivss.band.value})" if analysis.aivss.score is not None else ""
        for risk, keys in catalogue.core_risks.items():
            drivers = self.stated_drivers(keys)
            if not drivers:
                continue
            values = ", ".join(f"{FACTOR_NAMES[k]} {self.factors[k].value:.2f}" for k in drivers)
            out.append(
                self.result(
                    core_risk_rule_id(risk),
                    f"AIVSS core risk {risk}: the listing states {values}, which amplify it {tail}.",
                    self.locations(self.factor_quotes(drivers)),
                    drivers=[str(k) for k in drivers],
                )
            )
        statements = {s.layer: s for s in analysis.system.layers} if analysis.system else {}
        for layer in analysis.maestro:
            if layer.status is not LayerStatus.MAPPED:
                continue
            statement = statements.get(layer.layer)
            layer_quotes = [(f"{layer.layer.value} as stated", ev) for ev in (statement.evidence if statement else [])]
            for threat in layer.threats:
                out.append(
                    self.result(
                        threat_rule_id(layer.layer, threat),
                        f"MAESTRO {layer.layer.value} {layer.name} — {threat}: {layer.text} {tail}",
                        self.locations([*layer_quotes, *self.factor_quotes(layer.drivers)]),
                        layer=layer.layer.value,
                        drivers=[str(k) for k in layer.drivers],
                    )
                )
        facts_of = {entry.name: entry.facts for entry in catalogue.cross_layer}
        for cross in analysis.cross_layer:
            out.append(
                self.result(
                    cross_layer_rule_id(cross.name),
                    f"MAESTRO cross-layer threat {cross.name} ({', '.join(lid.value for lid in cross.layers)}): {cross.text} {tail}",
                    self.locations([*self.factor_quotes(cross.drivers), *self.fact_quotes(facts_of.get(cross.name, []))]),
                    layers=[lid.value for lid in cross.layers],
                    drivers=[str(k) for k in cross.drivers],
                )
            )
        for warning in analysis.warnings:
            if warning.code != "prompt_injection":
                continue
            passages = [p for p in (warning.detail or "").splitlines() if p.strip() and not p.startswith("… and ")]
            quotes = [("Addressed to AI readers", Evidence(quote=p[:600], location="text", verified=True)) for p in passages]
            out.append(self.result(INJECTION_RULE, warning.message, self.locations(quotes), level=_SEVERITY_LEVELS[warning.severity]))
        return out

    def notifications(self) -> list[dict[str, object]]:
        out: list[dict[str, object]] = []
        if self.analysis.failed:
            error = self.analysis.extraction.error or "no error message recorded"
            out.append({"level": "error", "message": {"text": one_line(f"extraction failed: {error} — the risk is unknown, not low")}, "descriptor": {"id": "extraction_failed"}})
        for warning in self.analysis.warnings:
            if warning.code == "prompt_injection":
                continue
            text = warning.message + (f" ({warning.detail})" if warning.detail else "")
            out.append({"level": _SEVERITY_LEVELS[warning.severity], "message": {"text": one_line(text)[:1000]}, "descriptor": {"id": warning.code}})
        return out

    def artifact(self) -> dict[str, object]:
        artifact: dict[str, object] = {"location": {"uri": self.uri}}
        if not self.source.exact_file:
            artifact["description"] = {
                "text": "Line numbers refer to the listing text as analysed (for a web page: the page reduced to Markdown), not to the raw page."
            }
        if self.analysis.listing.content_type:
            artifact["mimeType"] = self.analysis.listing.content_type.split(";")[0].strip()
        return artifact

    def run(self) -> dict[str, object]:
        analysis = self.analysis
        listing = analysis.listing
        severity = f"{analysis.aivss.score:.1f}" if analysis.aivss.score is not None else None
        properties: dict[str, object] = {
            "listing": {
                "source": listing.source,
                "title": one_line(listing.title),
                "canonicalUrl": listing.canonical_url,
                "revision": listing.revision,
                "contentHash": f"sha256:{listing.content_hash}",
            },
            "kind": analysis.system.kind.value if analysis.system else None,
            "name": one_line(analysis.system.name) if analysis.system else None,
            "aivss": self.assessment(),
            "maestro": {layer.layer.value: layer.status.value for layer in analysis.maestro},
            "extraction": {"status": analysis.extraction.status, "provider": analysis.extraction.provider, "model": analysis.run.model},
            "schemaVersion": analysis.schema_version,
        }
        return {
            "tool": {
                "driver": {
                    "name": TOOL_NAME,
                    "fullName": "analyzer — agentic threat models (OWASP AIVSS + CSA MAESTRO) from AI model and agent listings",
                    "version": __version__,
                    "semanticVersion": __version__,
                    "informationUri": TOOL_URI,
                    "rules": [_rule_json(rule, severity) for rule in rules()],
                }
            },
            "automationDetails": {"id": automation_id(analysis)},
            "invocations": [
                {
                    "executionSuccessful": not analysis.failed,
                    "startTimeUtc": analysis.run.started_at.isoformat().replace("+00:00", "Z"),
                    "toolExecutionNotifications": self.notifications(),
                }
            ],
            "artifacts": [self.artifact()],
            "results": self.results(),
            "properties": properties,
        }


@cache
def _rule_index() -> dict[str, int]:
    return {rule.id: i for i, rule in enumerate(rules())}


# --------------------------------------------------------------------------- logs


def sarif_run(analysis: Analysis) -> dict[str, object]:
    return _RunBuilder(analysis).run()


def sarif_log(analyses: Iterable[Analysis]) -> dict[str, object]:
    """One SARIF log with one run per analysis."""
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [sarif_run(a) for a in analyses]}


def merge_logs(logs: Iterable[dict[str, object]]) -> dict[str, object]:
    """Several SARIF logs (e.g. a batch's per-listing files) as one log with all their runs."""
    runs: list[object] = []
    for log in logs:
        runs.extend(log.get("runs", []))  # type: ignore[arg-type]
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": runs}


def render_sarif(analysis: Analysis) -> str:
    return json.dumps(sarif_log([analysis]), indent=2, ensure_ascii=False) + "\n"


__all__ = [
    "INJECTION_RULE",
    "LEVELS",
    "SARIF_VERSION",
    "Rule",
    "artifact_uri",
    "core_risk_rule_id",
    "cross_layer_rule_id",
    "merge_logs",
    "render_sarif",
    "rules",
    "sarif_log",
    "sarif_run",
    "threat_rule_id",
]
