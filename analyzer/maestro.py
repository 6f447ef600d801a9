"""CSA MAESTRO writer: an AgenticProfile → a seven-layer threat model (deterministic).

What is said lives in analyzer/data/maestro_catalogue.yaml (threats, trigger conditions, wording); this
module evaluates the catalogue's conditions against the profile and fills its placeholders. A layer is
"mapped" only when the listing pins it (its LayerStatement has `stated` text); every other layer gets a
caveated paragraph that starts "Not certain from the listing — ".
"""

from __future__ import annotations

import re
import string
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from typing import NamedTuple

from analyzer import regexcache
from analyzer.conditions import Condition, Fact, Subject, holds
from analyzer.errors import ConfigError
from analyzer.models import (
    EPSILON,
    FACTOR_NAMES,
    FACTOR_ORDER,
    LAYER_NAMES,
    AgenticProfile,
    CrossLayerThreat,
    FactorKey,
    FactorStatus,
    Kind,
    LayerId,
    LayerStatus,
    Listing,
    MaestroLayer,
    MitigationKind,
    Modality,
    ThreatModel,
)
from analyzer.sentences import display_quote, split_units
from analyzer.text import join, with_article
from analyzer.datafiles import load_data_yaml, yaml_error

# Layers a stated factor pins when the listing's own layer statements did not (see _stated_by_layer).
LAYER_OF_FACTOR: tuple[tuple[LayerId, FactorKey], ...] = (
    (LayerId.L2, FactorKey.PERSISTENT_MEMORY),
    (LayerId.L7, FactorKey.MULTI_AGENT_INTERACTIONS),
)
NOT_CERTAIN_PREFIX = "Not certain from the listing — "
CATALOGUE_FILE = "maestro_catalogue.yaml"
THREATS_PER_LAYER = 3
DRIVER_THRESHOLD = 0.3  # a factor below this did not "raise" a threat
CONTROLS_THRESHOLD = 0.5  # agency at which a missing control is worth saying
QUOTE_LIMIT = 240  # the longest quote shown beside the stated text of a layer

# Non-Determinism and Opacity are model properties; these eight measure agency.
AGENCY_FACTORS = frozenset(FACTOR_ORDER[:8])
PLACEHOLDERS = frozenset(
    {"name", "noun", "a_noun", "models_paren", "media", "stated", "threats", "scope", "controls", "facts", "drivers", "title", "quote"}
)
DRIVER_PLACEHOLDERS = frozenset({"drivers", "verb", "keep", "short", "layer", "why"})


# --------------------------------------------------------------------------- catalogue schema


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Variant(_Strict):
    when: Condition = Field(default_factory=Condition)
    text: str


class KindEntry(_Strict):
    noun: str


class Threat(_Strict):
    name: str
    short: str
    phrase: str
    why: str
    drivers: list[FactorKey] = Field(min_length=1)
    weight: float
    when: Condition = Field(default_factory=Condition)


class LayerEntry(_Strict):
    scope: str
    aivss_risks: list[str] = Field(min_length=1)
    general_threats: list[str] = Field(min_length=1)
    lead: list[Variant] = Field(min_length=1)
    pinned: str
    without_controls: str
    with_controls: str
    unspecified: list[Variant] = Field(min_length=1)
    general: list[Variant] = Field(min_length=1)
    threats: list[Threat] = Field(min_length=1)


class DriverSentence(_Strict):
    min: float
    text: str


class AgencyBand(_Strict):
    below: float
    text: str


class SummaryEntry(_Strict):
    agency: list[AgencyBand] = Field(min_length=1)
    nothing_mapped: str
    failed: str


class CrossLayerEntry(_Strict):
    name: str
    layers: list[LayerId] = Field(min_length=2)
    drivers: list[FactorKey] = Field(min_length=1)
    facts: list[Fact]
    when: Condition
    text: str


class ListingWarningEntry(_Strict):
    name: str
    layers: list[LayerId] = Field(min_length=1)
    pattern: str
    text: str

    @property
    def regex(self) -> re.Pattern[str]:
        return _compiled(self.pattern)


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


class Catalogue(_Strict):
    kinds: dict[Kind, KindEntry]
    exposure_phrases: dict[Fact, str]
    core_risks: dict[str, list[FactorKey]]
    mitigation_layers: dict[MitigationKind, list[LayerId]]
    driver_sentences: list[DriverSentence] = Field(min_length=1)
    summary: SummaryEntry
    failed_layer: str
    layers: dict[LayerId, LayerEntry]
    cross_layer: list[CrossLayerEntry]
    listing_warnings: list[ListingWarningEntry] = []

    @model_validator(mode="after")
    def _complete(self) -> Catalogue:
        if set(self.layers) != set(LayerId):
            raise ValueError(f"layers must be exactly L1..L7, got {sorted(self.layers)}")
        if set(self.kinds) != set(Kind):
            raise ValueError(f"kinds must cover every Kind; missing {sorted(set(Kind) - set(self.kinds))}")
        for layer_id, layer in self.layers.items():
            unknown = [r for r in layer.aivss_risks if r not in self.core_risks]
            if unknown:
                raise ValueError(f"{layer_id}: unknown AIVSS core risks {unknown}")
            if not any(_always(t.when) for t in layer.threats):
                raise ValueError(f"{layer_id}: needs at least one unconditional threat as a fallback")
            for variants, what in ((layer.lead, "lead"), (layer.unspecified, "unspecified"), (layer.general, "general")):
                if not _always(variants[-1].when):
                    raise ValueError(f"{layer_id}.{what}: the last variant must be unconditional")
        if self.driver_sentences[-1].min > 0:
            raise ValueError("driver_sentences must end with a min: 0 row")
        for text in self._templates():
            _check_placeholders(text, PLACEHOLDERS)
        for row in self.driver_sentences:
            _check_placeholders(row.text, DRIVER_PLACEHOLDERS)
        return self

    def _templates(self) -> list[str]:
        out = [self.summary.failed, self.summary.nothing_mapped, self.failed_layer]
        out += [k.noun for k in self.kinds.values()] + [a.text for a in self.summary.agency]
        for layer in self.layers.values():
            out += [layer.pinned, layer.without_controls, layer.with_controls]
            out += [v.text for v in (*layer.lead, *layer.unspecified, *layer.general)]
        out += [c.text for c in self.cross_layer]
        out += [w.text for w in self.listing_warnings]
        return out


def _always(cond: Condition) -> bool:
    return cond == Condition()


def _check_placeholders(text: str, allowed: frozenset[str]) -> None:
    names = {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    unknown = names - allowed
    if unknown:
        raise ValueError(f"unknown placeholder(s) {sorted(unknown)} in {text!r}")


@cache
def load_catalogue() -> Catalogue:
    """The packaged threat catalogue, validated (cached: it never changes during a run)."""
    try:
        return Catalogue.model_validate(load_data_yaml(CATALOGUE_FILE))
    except (ValidationError, yaml_error()) as exc:
        raise ConfigError(
            f"analyzer/data/{CATALOGUE_FILE}: invalid threat catalogue: {exc}",
            hint="fix the catalogue entry named above (the file ships with the package)",
        ) from None


# --------------------------------------------------------------------------- facts about one profile


def _pick(variants: list[Variant], facts: Subject | None) -> str:
    if facts is not None:
        for variant in variants:
            if holds(variant.when, facts):
                return variant.text
    return variants[-1].text


# --------------------------------------------------------------------------- wording helpers




def _clean(text: str, limit: int = 400) -> str:
    """Listing-derived text squeezed onto one line, without a trailing full stop."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text.rstrip(" .")


def _sentence(text: str) -> str:
    text = _clean(text, 800)
    return text + "." if text and text[-1] not in ".!?…" else text


def _fill(template: str, **values: str) -> str:
    return template.format_map(values) if template else ""


def _factor_label(key: FactorKey, facts: Subject) -> str:
    return f"{FACTOR_NAMES[key]} {facts.value(key):.2f}"


def _raised(keys: list[FactorKey], facts: Subject) -> list[FactorKey]:
    """Drivers whose value is high enough to have raised a threat, strongest first."""
    strong = [k for k in dict.fromkeys(keys) if facts.value(k) >= DRIVER_THRESHOLD - EPSILON]
    return sorted(strong, key=lambda k: (-facts.value(k), FACTOR_ORDER.index(k)))


def _media(outputs: frozenset[Modality]) -> str:
    media = [m.value for m in (Modality.IMAGE, Modality.VIDEO, Modality.AUDIO) if m in outputs]
    return join(media) if media else "image / video / audio"


class _Scored(NamedTuple):
    threat: Threat
    score: float


def _select_threats(layer: LayerEntry, facts: Subject) -> list[_Scored]:
    """The layer's threats that hold for this profile, most relevant first (weight + mean driver value)."""
    scored: list[_Scored] = []
    for threat in layer.threats:
        if holds(threat.when, facts):
            mean = sum(facts.value(k) for k in threat.drivers) / len(threat.drivers)
            scored.append(_Scored(threat, round(threat.weight + mean, 6)))
    scored.sort(key=lambda s: -s.score)  # stable: catalogue order breaks ties
    picked: list[_Scored] = []
    for s in scored:
        if all(p.threat.name != s.threat.name for p in picked):
            picked.append(s)
    return picked[:THREATS_PER_LAYER]


def _ordered_risks(risks: list[str], catalogue: Catalogue, facts: Subject | None) -> list[str]:
    """A layer's AIVSS core risks, the ones this profile amplifies most first."""
    if facts is None:
        return list(risks)

    def amplification(risk: str) -> float:
        keys = catalogue.core_risks[risk]
        return sum(facts.value(k) for k in keys) / len(keys)

    return sorted(risks, key=lambda r: -amplification(r))


# --------------------------------------------------------------------------- the writer


class _Writer:
    def __init__(self, profile: AgenticProfile, listing: Listing, catalogue: Catalogue) -> None:
        self.profile = profile
        self.listing = listing
        self.catalogue = catalogue
        self.facts = Subject.of(profile)
        system = profile.system
        name = _clean(system.name, 200) or _clean(listing.title, 200) or "The system"
        noun = catalogue.kinds[system.kind].noun.format(media=_media(self.facts.outputs))
        models = [_clean(m, 80) for m in system.underlying_models if m.strip()][:3]
        self.values = {
            "name": name,
            "noun": noun,
            "a_noun": with_article(noun),
            "models_paren": f" ({', '.join(models)})" if models else "",
            "media": _media(self.facts.outputs),
        }
        self.stated_plain: dict[LayerId, str] = {}  # the stated clauses without the quote (concise report)
        self.stated = self._stated_by_layer()

    def _stated_by_layer(self) -> dict[LayerId, str]:
        """The stated text per pinned layer, with its first verified quote when that adds anything."""
        stated: dict[LayerId, str] = {}
        for statement in self.profile.system.layers:
            text = _clean(statement.stated) if statement.stated else ""
            if not text or statement.layer in stated:
                continue
            self.stated_plain[statement.layer] = text
            quotes = [_clean(display_quote(e.quote), 10_000) for e in statement.evidence if e.verified and e.quote.strip()]
            quote = next((q for q in quotes if len(q) <= QUOTE_LIMIT), "")  # a whole sentence, never a cut one
            if quote and quote.lower() not in text.lower():
                text += f" (“{quote}”)"
            stated[statement.layer] = text
        # A factor the listing states is also what it says about the layer the factor lives in: memory that
        # persists across sessions is L2, other agents are L7. Without this the layer would read "not
        # certain whether anything persists" beside Persistent Memory 0.50 and a memory-poisoning threat.
        for layer_id, key in LAYER_OF_FACTOR:
            factor = next((f for f in self.profile.factors if f.key is key), None)
            if layer_id in stated or factor is None or factor.status is not FactorStatus.STATED or factor.value is None:
                continue
            quote = next((_clean(display_quote(e.quote), QUOTE_LIMIT) for e in factor.evidence if e.verified and e.quote.strip()), "")
            if quote and factor.value >= DRIVER_THRESHOLD - EPSILON:
                stated[layer_id] = self.stated_plain[layer_id] = quote
        return stated

    # -- layers

    def layer(self, layer_id: LayerId) -> tuple[MaestroLayer, list[_Scored]]:
        entry = self.catalogue.layers[layer_id]
        risks = _ordered_risks(entry.aivss_risks, self.catalogue, self.facts)
        if layer_id not in self.stated:
            text = NOT_CERTAIN_PREFIX + self._uncertain_text(entry)
            brief = NOT_CERTAIN_PREFIX + _fill(_pick(entry.unspecified, self.facts), **self.values) + "."
            return _layer(layer_id, LayerStatus.NOT_CERTAIN, text, [], [], risks, brief=brief), []
        picked = _select_threats(entry, self.facts)
        drivers = _raised([k for s in picked for k in s.threat.drivers], self.facts)
        lead = _fill(_pick(entry.lead, self.facts), **self.values, threats=join([s.threat.phrase for s in picked]))
        stated = _fill(entry.pinned, **self.values, stated=self.stated[layer_id])
        controls = self._controls_sentence(layer_id, entry, drivers)
        text = " ".join(part for part in (lead, stated, self._driver_sentence(layer_id, picked[0].threat), controls) if part)
        # The concise report names the leading threat (the full one names up to three) and leaves out the
        # driver sentence (the factor values are in its table).
        lead_brief = _fill(_pick(entry.lead, self.facts), **self.values, threats=picked[0].threat.phrase)
        # ... and the first thing the listing says about the layer (the full text gives up to three).
        stated_brief = _fill(entry.pinned, **self.values, stated=self.stated_plain[layer_id].split("; ")[0])
        brief = " ".join(part for part in (lead_brief, stated_brief, controls) if part)
        threats = [s.threat.name for s in picked]
        return _layer(layer_id, LayerStatus.MAPPED, text, threats, drivers, risks, brief=brief), picked

    def _uncertain_text(self, entry: LayerEntry) -> str:
        unspecified = _fill(_pick(entry.unspecified, self.facts), **self.values)
        general = _fill(_pick(entry.general, self.facts), **self.values)
        return f"{unspecified}; {general}."

    def _driver_sentence(self, layer_id: LayerId, threat: Threat) -> str:
        raised = _raised(threat.drivers, self.facts)[:2]
        strongest = self.facts.value(raised[0]) if raised else 0.0
        row = next(r for r in self.catalogue.driver_sentences if strongest >= r.min - EPSILON)
        if not raised:
            row = self.catalogue.driver_sentences[-1]
        plural = len(raised) > 1
        return row.text.format(
            drivers=" and ".join(_factor_label(k, self.facts) for k in raised),
            verb="make" if plural else "makes",
            keep="keep" if plural else "keeps",
            short=threat.short,
            layer=layer_id.value,
            why=threat.why,
        )

    def _controls_sentence(self, layer_id: LayerId, entry: LayerEntry, drivers: list[FactorKey]) -> str:
        controls = [
            _clean(m.description, 160)
            for m in self.profile.system.mitigations
            if layer_id in self.catalogue.mitigation_layers.get(m.kind, []) and m.description.strip()
        ]
        if controls and entry.with_controls:
            return _fill(entry.with_controls, **self.values, controls="; ".join(dict.fromkeys(controls)))
        agency = max((self.facts.value(k) for k in drivers if k in AGENCY_FACTORS), default=0.0)
        if not controls and entry.without_controls and agency >= CONTROLS_THRESHOLD - EPSILON:
            return entry.without_controls
        return ""

    # -- cross-layer

    def cross_layer(self) -> list[CrossLayerThreat]:
        out: list[CrossLayerThreat] = []
        for entry in self.catalogue.cross_layer:
            if not holds(entry.when, self.facts):
                continue
            raised = _raised(entry.drivers, self.facts)
            facts = [self.catalogue.exposure_phrases[f] for f in entry.facts if self.facts.fact(f)]
            text = _fill(
                entry.text,
                **self.values,
                facts=join(facts) if facts else "works as the listing describes",
                drivers=", ".join(_factor_label(k, self.facts) for k in raised) or "driving factors low",
            )
            out.append(CrossLayerThreat(name=entry.name, layers=list(entry.layers), text=text, drivers=raised))
        return out

    # -- threats the listing warns about

    def listing_warned(self) -> list[CrossLayerThreat]:
        """Threats named by the listing's own cautions ("This server can access local/internal IP addresses")."""
        out: list[CrossLayerThreat] = []
        for quote in _warning_sentences(self.listing.text):
            for entry in self.catalogue.listing_warnings:
                m = entry.regex.search(quote)
                if m is None or _NEGATED.search(quote[max(0, m.start() - 40) : m.start()]) or any(t.name == entry.name for t in out):
                    continue
                text = _fill(entry.text, **self.values, quote=_sentence(quote))
                layers = entry.layers if len(entry.layers) > 1 else [*entry.layers, entry.layers[0]]
                out.append(CrossLayerThreat(name=entry.name, layers=layers, text=text, drivers=[]))
        return out

    # -- summary

    def summary(self, layers: list[MaestroLayer], picked: list[_Scored], cross: list[CrossLayerThreat]) -> str:
        system = self.profile.system
        first = _sentence(system.summary) if system.summary.strip() else f"{self.values['name']} is {self.values['a_noun']}."
        total = sum(self.facts.value(k) for k in FACTOR_ORDER)
        band = next((b for b in self.catalogue.summary.agency if total < b.below), self.catalogue.summary.agency[-1])
        top = [k for k in sorted(FACTOR_ORDER, key=lambda k: -self.facts.value(k)) if self.facts.value(k) >= DRIVER_THRESHOLD - EPSILON][:3]
        agency = _fill(band.text, **self.values)
        drivers = f" — driven mainly by {join([_factor_label(k, self.facts) for k in top])} —" if top else ""
        second = f"With a factor sum of {total:.1f}/10{drivers or ','} {agency}."
        if not any(layer.status is LayerStatus.MAPPED for layer in layers):
            return " ".join((first, second, self.catalogue.summary.nothing_mapped))
        concerns = list(dict.fromkeys(s.threat.short for s in sorted(picked, key=lambda s: -s.score)))[:3]
        third = f"Its primary security concerns are {join(concerns)}"
        if cross:
            third += f"; across layers it also raises {join([c.name.lower() for c in cross[:3]])}"
        return " ".join((first, second, third + "."))


_WARNING_MARK = regexcache.compile(
    r"\[!(?:caution|warning|important)\]|⚠|\bcaution\b|\bwarning\b|\bsecurity (?:risk|note|notice|considerations?)\b|\bat your own risk\b"
    r"|\bbe careful\b|\bdangerous\b|\bdo not (?:expose|run|use)\b",
    re.IGNORECASE,
)
_ADMONITION = regexcache.compile(r"^\s*>?\s*\[!(?:caution|warning|important)\]\s*$", re.IGNORECASE)
_NEGATED = regexcache.compile(r"\b(?:not|never|cannot|no|without)\b|n't\b", re.IGNORECASE)
MAX_WARNING_SENTENCES = 40


def _warning_sentences(text: str) -> list[str]:
    """Sentences that carry a caution: inside a "> [!CAUTION]" block, or marked as a warning themselves."""
    out: list[str] = []
    after_admonition = False
    for unit in split_units(text):
        raw = text[unit.start : unit.end]
        if _ADMONITION.match(raw):
            after_admonition = True
            continue
        sentence = display_quote(raw)
        if after_admonition or _WARNING_MARK.search(raw):
            out.append(sentence)
            if len(out) >= MAX_WARNING_SENTENCES:
                break
        after_admonition = after_admonition and unit.kind == "quote"
    return out


def _layer(
    layer_id: LayerId, status: LayerStatus, text: str, threats: list[str], drivers: list[FactorKey], risks: list[str], *, brief: str = ""
) -> MaestroLayer:
    return MaestroLayer(
        layer=layer_id, name=LAYER_NAMES[layer_id], status=status, text=text, brief=brief, threats=threats, drivers=drivers, aivss_risks=risks
    )


def _failed_model(listing: Listing, catalogue: Catalogue) -> ThreatModel:
    title = _clean(listing.title, 200) or _clean(listing.source, 200) or "the listing"
    layers = []
    for layer_id in LayerId:
        entry = catalogue.layers[layer_id]
        text = catalogue.failed_layer.format(scope=entry.scope, threats=join(entry.general_threats))
        layers.append(_layer(layer_id, LayerStatus.NOT_CERTAIN, text, [], [], list(entry.aivss_risks)))
    return ThreatModel(summary=catalogue.summary.failed.format(title=title), layers=layers, cross_layer=[])


def build_threat_model(profile: AgenticProfile | None, listing: Listing) -> ThreatModel:
    """Write the MAESTRO seven-layer threat model for a profile (None = the extraction failed)."""
    catalogue = load_catalogue()
    if profile is None:
        return _failed_model(listing, catalogue)
    writer = _Writer(profile, listing, catalogue)
    layers: list[MaestroLayer] = []
    picked: list[_Scored] = []
    for layer_id in LayerId:
        layer, scored = writer.layer(layer_id)
        layers.append(layer)
        picked.extend(scored[:2])  # the summary draws on each mapped layer's two leading threats
    warned = writer.listing_warned()
    cross = [*warned, *(c for c in writer.cross_layer() if all(c.name != w.name for w in warned))]
    return ThreatModel(summary=writer.summary(layers, picked, cross), layers=layers, cross_layer=cross)
