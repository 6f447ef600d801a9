"""Load the heuristic phrase rules from analyzer/data/heuristic_rules.yaml into typed, compiled form.

The YAML is the calibration surface: changing what a phrase means is a data change. Values may depend
on the kind ("value: {agent: 0.8, default: 0.3}") where keys are kinds or the kind groups of analyzer/taxonomy.py.
"""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

from analyzer.errors import ConfigError
from analyzer.extract.heuristic.fastre import FastPattern
from analyzer.models import FactorKey, Kind, LayerId
from analyzer.taxonomy import KIND_GROUPS
from analyzer.datafiles import load_data_yaml

RULES_FILE = "heuristic_rules.yaml"


class KindRule(NamedTuple):
    kind: Kind
    weight: float
    pattern: FastPattern
    include_code: bool = False  # structural cues (install commands, config blocks) live in code blocks


class FallbackRule(NamedTuple):
    """When no kind reaches the minimum score, a clear word for 'agent' or 'app' still beats 'unknown'."""

    kind: Kind
    pattern: FastPattern


class MetaKindRule(NamedTuple):
    keys: tuple[str, ...]
    pattern: FastPattern
    kind: Kind
    weight: float


class Refinement(NamedTuple):
    """Turn `source` into `to` when `to`'s own phrase score reaches `min_score`."""

    source: Kind
    to: Kind
    min_score: float


class ValueRule(NamedTuple):
    """A phrase that supports a factor value (resolved per kind)."""

    id: str
    pattern: FastPattern
    values: dict[Kind, float | None]
    include_code: bool
    rationale: str
    # A stated absence ("there are no tools", "nothing is stored between questions"): the value is at most
    # this, below the kind's floor, unless another rule finds the capability stated.
    at_most: bool = False

    def value_for(self, kind: Kind) -> float | None:
        return self.values.get(kind)


class FlagRule(NamedTuple):
    """A phrase that sets a named fact (modality)."""

    name: str
    pattern: FastPattern
    include_code: bool
    description: str


class LayerFacet(NamedTuple):
    """One kind of statement that maps a MAESTRO layer (e.g. L1 'size': "a 7B model")."""

    layer: LayerId
    label: str
    pattern: FastPattern
    include_code: bool
    kinds: frozenset[Kind] | None  # None: every kind
    context: FastPattern | None  # must also occur in the matched sentence
    unless: FastPattern | None  # discards the matched sentence

    def applies_to(self, kind: Kind) -> bool:
        return self.kinds is None or kind in self.kinds


class Rules(NamedTuple):
    kind_rules: tuple[KindRule, ...]
    title_rules: tuple[KindRule, ...]
    meta_kind_rules: tuple[MetaKindRule, ...]
    kind_order: tuple[Kind, ...]
    refinements: tuple[Refinement, ...]
    lead_chars: int
    kind_scan_chars: int
    lead_multiplier: float
    title_multiplier: float
    definition_multiplier: float
    min_kind_score: float
    fallback_min_score: float
    fallbacks: tuple[FallbackRule, ...]
    factor_rules: dict[FactorKey, tuple[ValueRule, ...]]
    caps: dict[Kind, dict[FactorKey, float]]
    layers: tuple[LayerFacet, ...]
    layer_metadata: dict[LayerId, tuple[str, ...]]
    input_modalities: tuple[FlagRule, ...]
    output_modalities: tuple[FlagRule, ...]
    model_names: FastPattern


def _compile(pattern: str, where: str) -> FastPattern:
    try:
        return FastPattern.for_rule(pattern)
    except re.error as exc:
        raise ConfigError(f"{RULES_FILE}: bad pattern in {where}: {exc}", hint="fix the regular expression") from None


def _expand(names: object, groups: dict[str, list[str]]) -> list[Kind]:
    out: list[Kind] = []
    for name in names if isinstance(names, list) else [names]:
        for k in groups.get(str(name), [str(name)]):
            out.append(Kind(k))
    return out


def _resolve_values(raw: object, groups: dict[str, list[str]], where: str) -> dict[Kind, float | None]:
    """{group|kind|default: value}; a plain number applies to every kind. null means 'rule off here'."""
    if not isinstance(raw, dict):
        return {k: float(raw) for k in Kind}  # type: ignore[arg-type]
    table: dict[Kind, float | None] = {}
    default = raw.get("default")
    for k in Kind:
        table[k] = None if default is None else float(default)
    # Groups first, then single kinds, so a kind-specific entry wins over its group.
    for name, value in sorted(raw.items(), key=lambda kv: kv[0] not in groups):
        if name == "default":
            continue
        try:
            kinds = _expand(name, groups)
        except ValueError:
            raise ConfigError(f"{RULES_FILE}: unknown kind or group {name!r} in {where}", hint="use a Kind value or a group name") from None
        for k in kinds:
            table[k] = None if value is None else float(value)
    return table


def _flag_rules(items: list[dict[str, object]], section: str) -> tuple[FlagRule, ...]:
    rules = []
    for i, item in enumerate(items):
        name = str(item["name"])
        for pattern in item["patterns"]:  # type: ignore[union-attr]
            rules.append(
                FlagRule(
                    name=name,
                    pattern=_compile(str(pattern), f"{section}[{i}]"),
                    include_code=bool(item.get("code", False)),
                    description=str(item.get("description", name)),
                )
            )
    return tuple(rules)


def _layer_rules(raw: dict[str, dict[str, object]], groups: dict[str, list[str]], model_names: str) -> tuple[tuple[LayerFacet, ...], dict[LayerId, tuple[str, ...]]]:
    facets: list[LayerFacet] = []
    metadata: dict[LayerId, tuple[str, ...]] = {}
    for name, entry in raw.items():
        try:
            layer = LayerId(name)
        except ValueError:
            raise ConfigError(f"{RULES_FILE}: unknown layer {name!r}", hint="use L1 ... L7") from None
        metadata[layer] = tuple(str(k).lower() for k in entry.get("metadata", []))  # type: ignore[union-attr]
        for i, item in enumerate(entry["facets"]):  # type: ignore[union-attr]
            where = f"layers.{name}[{i}]"
            patterns = [model_names if p == "$model_names" else str(p) for p in item["patterns"]]
            kinds = frozenset(_expand(item["kinds"], groups)) if "kinds" in item else None
            facets.append(
                LayerFacet(
                    layer=layer,
                    label=str(item["label"]),
                    pattern=_compile("|".join(patterns), where),
                    include_code=bool(item.get("code", False)),
                    kinds=kinds,
                    context=_compile(item["context"], where) if "context" in item else None,
                    unless=_compile(item["unless"], where) if "unless" in item else None,
                )
            )
    return tuple(facets), metadata


@cache
def load_rules() -> Rules:
    raw = load_data_yaml(RULES_FILE)
    groups: dict[str, list[str]] = {name: [k.value for k in Kind if k in members] for name, members in KIND_GROUPS.items()}
    kd = raw["kind_detection"]
    # A pattern listed under a group name counts for every kind in the group (e.g. model-card phrases),
    # except refinement targets, whose score must come from their own phrases.
    refine_targets = {Kind(r["to"]) for r in kd.get("refine", [])}
    kind_rules = tuple(
        KindRule(kind, float(e[1]), _compile(e[0], f"kind_detection.patterns.{name}"), include_code=len(e) > 2 and e[2] == "code")
        for name, entries in kd["patterns"].items()
        for e in entries
        for kind in _expand(name, groups)
        if name not in groups or kind not in refine_targets
    )
    title_rules = tuple(
        KindRule(kind, float(weight), _compile(pattern, f"kind_detection.title_patterns.{name}"))
        for name, entries in kd.get("title_patterns", {}).items()
        for pattern, weight in ((e[0], e[1]) for e in entries)
        for kind in _expand(name, groups)
    )
    meta_rules = tuple(
        MetaKindRule(tuple(e["keys"]), _compile(e["pattern"], "kind_detection.metadata"), Kind(e["kind"]), float(e["weight"]))
        for e in kd["metadata"]
    )
    factor_rules: dict[FactorKey, tuple[ValueRule, ...]] = {}
    for key in FactorKey:
        entries = raw["factors"].get(key.value, [])
        factor_rules[key] = tuple(
            ValueRule(
                id=str(e["id"]),
                pattern=_compile("|".join(e["patterns"]), f"factors.{key.value}.{e['id']}"),
                values=_resolve_values(e["value"], groups, f"factors.{key.value}.{e['id']}"),
                include_code=bool(e.get("code", False)),
                rationale=str(e["rationale"]),
                at_most=bool(e.get("at_most", False)),
            )
            for e in entries
        )
    caps: dict[Kind, dict[FactorKey, float]] = {k: {} for k in Kind}
    for name, table in (raw.get("caps") or {}).items():
        for kind in _expand(name, groups):
            for fk, v in table.items():
                caps[kind][FactorKey(fk)] = float(v)
    models = raw["model_names"]
    layer_facets, layer_metadata = _layer_rules(raw["layers"], groups, models)
    return Rules(
        kind_rules=kind_rules,
        title_rules=title_rules,
        meta_kind_rules=meta_rules,
        kind_order=tuple(Kind(k) for k in kd["tie_order"]),
        refinements=tuple(Refinement(Kind(r["from"]), Kind(r["to"]), float(r["min_score"])) for r in kd.get("refine", [])),
        lead_chars=int(kd["lead_chars"]),
        kind_scan_chars=int(kd.get("scan_chars", 10**9)),
        lead_multiplier=float(kd["lead_multiplier"]),
        title_multiplier=float(kd["title_multiplier"]),
        definition_multiplier=float(kd["definition_multiplier"]),
        min_kind_score=float(kd["min_score"]),
        fallback_min_score=float(kd.get("fallback_min_score", kd["min_score"])),
        fallbacks=tuple(FallbackRule(Kind(e[1]), _compile(e[0], "kind_detection.fallback")) for e in kd.get("fallback", [])),
        factor_rules=factor_rules,
        caps=caps,
        layers=layer_facets,
        layer_metadata=layer_metadata,
        input_modalities=_flag_rules(raw["modalities"]["input"], "modalities.input"),
        output_modalities=_flag_rules(raw["modalities"]["output"], "modalities.output"),
        model_names=_compile(models, "model_names"),
    )
