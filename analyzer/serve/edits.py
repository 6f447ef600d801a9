"""An analyst's edit, as the page and the API send it, applied with the scorer's re-score.

The JSON shape is the issue's: {"set": {factor: value}, "facts": {fact: value}, "stated_mitigations":
[kind, ...], "kind", "threat", "mitigation", "note"}. Only the shape is checked here; values are the
scorer's to validate, so a bad value gets the same message as on the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analyzer.errors import InputError, ScoringError
from analyzer.models import Analysis

MAX_NOTE = 500
KEYS = ("set", "facts", "stated_mitigations", "kind", "threat", "mitigation", "note")
RESET = "auto"  # threat / mitigation back to the derived value


@dataclass(frozen=True)
class Edit:
    set_factors: dict[str, Any] | None = None
    facts: dict[str, Any] | None = None
    stated_mitigations: list[str] | None = None
    kind: str | None = None
    threat: str | None = None
    mitigation: str | None = None
    note: str | None = None

    @property
    def empty(self) -> bool:
        return all(getattr(self, f) is None for f in ("set_factors", "facts", "stated_mitigations", "kind", "threat", "mitigation"))


def _mapping(data: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise InputError(f"'{key}' must be an object of name: value", hint=f'e.g. {{"{key}": {{"autonomy_of_action": 0.3}}}}' if key == "set" else f'e.g. {{"{key}": {{"executes_code": "yes"}}}}')
    return dict(value)


def _text(data: dict[str, Any], key: str, limit: int = 40) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InputError(f"'{key}' must be a string or a number, got {type(value).__name__}", hint="see `analyzer serve --help`")
    text = str(value).strip()
    if len(text) > limit:
        raise InputError(f"'{key}' is longer than {limit} characters", hint="shorten it")
    return text


def parse_edit(data: Any) -> Edit:
    if not isinstance(data, dict):
        raise InputError("the edit must be a JSON object", hint=f"send some of: {', '.join(KEYS)}")
    mitigations = data.get("stated_mitigations")
    if mitigations is not None and (not isinstance(mitigations, list) or not all(isinstance(m, str) for m in mitigations)):
        raise InputError("'stated_mitigations' must be a list of mitigation kinds", hint='e.g. {"stated_mitigations": ["sandbox", "approval_gate"]}')
    note = _text(data, "note", MAX_NOTE)
    return Edit(
        set_factors=_mapping(data, "set"),
        facts=_mapping(data, "facts"),
        stated_mitigations=list(mitigations) if mitigations is not None else None,
        kind=_text(data, "kind"),
        threat=_text(data, "threat"),
        mitigation=_text(data, "mitigation"),
        note=note or None,
    )


def apply_edit(analysis: Analysis, edit: Edit) -> Analysis:
    """The analysis re-scored with the edit; each edited value is marked as the analyst's and recorded."""
    if analysis.failed:
        raise InputError("this draft's extraction failed, so it has no values to edit", hint="analyse the listing again, or with another extractor")
    return _rescore(
        analysis,
        kind=edit.kind,
        set_factors=edit.set_factors,
        facts=edit.facts,
        stated_mitigations=edit.stated_mitigations,
        threat=edit.threat,
        mitigation=edit.mitigation,
        note=edit.note,
    )


# --------------------------------------------------------------------------- interim re-score
# Until the scorer's `analyzer.rescore(analysis, *, kind, set_factors, facts, ...)` lands, the edit is applied
# here with the same contract (marks on the edited items, one AnalystEdit each) and scored by today's
# `pipeline.rescore`. Threat and mitigation overrides persist through later edits via the edit records.


def _rescore(
    analysis: Analysis,
    *,
    kind: str | None,
    set_factors: dict[str, Any] | None,
    facts: dict[str, Any] | None,
    stated_mitigations: list[str] | None,
    threat: str | None,
    mitigation: str | None,
    note: str | None,
) -> Analysis:
    from analyzer.models import (
        EXPOSURE_FACTS,
        AnalystEdit,
        ExposureFact,
        FactorKey,
        FactSource,
        FactValue,
        Kind,
        Mitigation,
        MitigationKind,
        ScoringOptions,
    )
    from analyzer.pipeline import rescore
    from analyzer.score import parse_mitigation, parse_threat

    assert analysis.system is not None
    system, factors, log = analysis.system, list(analysis.factors), list(analysis.edits)

    def record(target: str, previous: object, value: object) -> None:
        log.append(AnalystEdit(target=target, previous=str(previous), value=str(value), note=note))

    if kind is not None:
        new_kind = _choice(Kind, kind, "kind")
        record("kind", system.kind.value, new_kind.value)
        system = system.model_copy(update={"kind": new_kind, "kind_set_by_analyst": True})
    for key, raw in (set_factors or {}).items():
        fkey = _choice(FactorKey, key, "factor")
        value = _factor(fkey.value, raw)
        i = next(n for n, f in enumerate(factors) if f.key is fkey)
        record(f"factor:{fkey.value}", factors[i].value, f"{value:.1f}")
        factors[i] = factors[i].model_copy(update={"value": value, "set_by_analyst": True, "floor_applied": False})
    if facts:
        exposure = system.exposure
        for name, raw in facts.items():
            if name not in EXPOSURE_FACTS:
                raise ScoringError(f"unknown exposure fact {name!r}", hint=f"choose one of: {', '.join(EXPOSURE_FACTS)}")
            value = _choice(FactValue, raw, f"value for {name}")
            old = exposure.fact(name)
            record(f"fact:{name}", old.value.value, value.value)
            exposure = exposure.model_copy(update={name: ExposureFact(value=value, evidence=old.evidence, source=FactSource.SET_BY_ANALYST)})
        system = system.model_copy(update={"exposure": exposure})
    if stated_mitigations is not None:
        wanted = [_choice(MitigationKind, m, "mitigation kind") for m in dict.fromkeys(stated_mitigations)]
        kept = [m for m in system.mitigations if m.kind in wanted]
        have = {m.kind for m in kept}
        added = [Mitigation(kind=k, description=f"stated by the analyst: {k.value.replace('_', ' ')}", evidence=[], set_by_analyst=True) for k in wanted if k not in have]
        record("mitigations", ",".join(sorted(m.kind.value for m in system.mitigations)) or "none", ",".join(sorted(k.value for k in wanted)) or "none")
        system = system.model_copy(update={"mitigations": kept + added})
    for target, given, current in (("threat_multiplier", threat, analysis.aivss.threat_multiplier), ("mitigation_factor", mitigation, analysis.aivss.mitigation_factor)):
        if given is not None:
            parse = parse_threat if target == "threat_multiplier" else parse_mitigation
            value = RESET if given.lower() == RESET else f"{parse(given):g}"
            record(target, f"{current:g}", value)
    overrides: dict[str, float | None] = {}
    for target, parse in (("threat_multiplier", parse_threat), ("mitigation_factor", parse_mitigation)):
        last = next((e.value for e in reversed(log) if e.target == target), RESET)
        overrides[target] = None if last == RESET else parse(last)
    edited = analysis.model_copy(update={"system": system, "factors": factors, "edits": log})
    options = ScoringOptions(formula=analysis.aivss.formula, rounding=analysis.aivss.rounding, scale=analysis.aivss.scale, **overrides)
    return rescore(edited, options=options)


def _choice(enum_type: type, value: Any, what: str) -> Any:
    try:
        return enum_type(str(value).strip().lower())
    except ValueError:
        raise ScoringError(f"unknown {what} {value!r}", hint=f"choose one of: {', '.join(m.value for m in enum_type)}") from None


def _factor(key: str, raw: Any) -> float:
    from analyzer.models import _factor_value

    try:
        return _factor_value(float(raw))
    except (TypeError, ValueError) as exc:
        raise ScoringError(f"factor {key}: {exc}" if not isinstance(exc, TypeError) else f"factor {key}: {raw!r} is not a number", hint="give a value from 0.0 to 1.0 in 0.1 steps") from None
