"""Load the heuristic phrase rules from analyzer/data/heuristic_rules.yaml into typed, compiled form.

The YAML is the calibration surface: changing what a phrase means is a data change. Values may depend
on the kind ("value: {agent: 0.8, default: 0.3}") where keys are kinds or group names from `groups`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from analyzer.errors import ConfigError
from analyzer.extract.heuristic.fastre import FastPattern
from analyzer.models import FactorKey, Kind, LayerId, MitigationKind

RULES_FILE = "heuristic_rules.yaml"


@dataclass(frozen=True)
class KindRule:
    kind: Kind
    weight: float
    pattern: FastPattern


@dataclass(frozen=True)
class MetaKindRule:
    keys: tuple[str, ...]
    pattern: FastPattern
    kind: Kind
    weight: float


@dataclass(frozen=True)
class Refinement:
    """Turn `source` into `to` when `to`'s own phrase score reaches `min_score`."""

    source: Kind
    to: Kind
    min_score: float


@dataclass(frozen=True)
class ValueRule:
    """A phrase that supports a factor value (resolved per kind)."""

    id: str
    pattern: FastPattern
    values: dict[Kind, float | None]
    include_code: bool
    rationale: str

    def value_for(self, kind: Kind) -> float | None:
        return self.values.get(kind)


@dataclass(frozen=True)
class FlagRule:
    """A phrase that sets a named fact (exposure flag, mitigation, layer, modality)."""

    name: str
    pattern: FastPattern
    include_code: bool
    description: str


@dataclass(frozen=True)
class Rules:
    kind_rules: tuple[KindRule, ...]
    title_rules: tuple[KindRule, ...]
    meta_kind_rules: tuple[MetaKindRule, ...]
    kind_order: tuple[Kind, ...]
    refinements: tuple[Refinement, ...]
    lead_chars: int
    lead_multiplier: float
    title_multiplier: float
    definition_multiplier: float
    min_kind_score: float
    factor_rules: dict[FactorKey, tuple[ValueRule, ...]]
    caps: dict[Kind, dict[FactorKey, float]]
    exposure: tuple[FlagRule, ...]
    mitigations: tuple[FlagRule, ...]
    layers: tuple[FlagRule, ...]
    input_modalities: tuple[FlagRule, ...]
    output_modalities: tuple[FlagRule, ...]
    model_names: FastPattern


def _compile(pattern: str, where: str) -> FastPattern:
    try:
        return FastPattern(pattern)
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


@cache
def load_rules() -> Rules:
    raw = yaml.safe_load(resources.files("analyzer.data").joinpath(RULES_FILE).read_text("utf-8"))
    groups: dict[str, list[str]] = {k: list(v) for k, v in raw["groups"].items()}
    kd = raw["kind_detection"]
    # A pattern listed under a group name counts for every kind in the group (e.g. model-card phrases),
    # except refinement targets, whose score must come from their own phrases.
    refine_targets = {Kind(r["to"]) for r in kd.get("refine", [])}
    kind_rules = tuple(
        KindRule(kind, float(weight), _compile(pattern, f"kind_detection.patterns.{name}"))
        for name, entries in kd["patterns"].items()
        for pattern, weight in ((e[0], e[1]) for e in entries)
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
                pattern=_compile("|".join(f"(?:{p})" for p in e["patterns"]), f"factors.{key.value}.{e['id']}"),
                values=_resolve_values(e["value"], groups, f"factors.{key.value}.{e['id']}"),
                include_code=bool(e.get("code", False)),
                rationale=str(e["rationale"]),
            )
            for e in entries
        )
    caps: dict[Kind, dict[FactorKey, float]] = {k: {} for k in Kind}
    for name, table in (raw.get("caps") or {}).items():
        for kind in _expand(name, groups):
            for fk, v in table.items():
                caps[kind][FactorKey(fk)] = float(v)
    models = raw["model_names"]
    for item in raw["mitigations"]:
        MitigationKind(item["name"])
    for item in raw["layers"]:
        LayerId(item["name"])
    return Rules(
        kind_rules=kind_rules,
        title_rules=title_rules,
        meta_kind_rules=meta_rules,
        kind_order=tuple(Kind(k) for k in kd["tie_order"]),
        refinements=tuple(Refinement(Kind(r["from"]), Kind(r["to"]), float(r["min_score"])) for r in kd.get("refine", [])),
        lead_chars=int(kd["lead_chars"]),
        lead_multiplier=float(kd["lead_multiplier"]),
        title_multiplier=float(kd["title_multiplier"]),
        definition_multiplier=float(kd["definition_multiplier"]),
        min_kind_score=float(kd["min_score"]),
        factor_rules=factor_rules,
        caps=caps,
        exposure=_flag_rules(raw["exposure"], "exposure"),
        mitigations=_flag_rules(raw["mitigations"], "mitigations"),
        layers=_flag_rules(raw["layers"], "layers"),
        input_modalities=_flag_rules(raw["modalities"]["input"], "modalities.input"),
        output_modalities=_flag_rules(raw["modalities"]["output"], "modalities.output"),
        model_names=_compile(models, "model_names"),
    )
