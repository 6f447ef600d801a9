"""An analyst's edit, as the page and the API send it, applied with the scorer's re-score.

The JSON shape is the issue's: {"set": {factor: value}, "facts": {fact: value}, "stated_mitigations":
[kind, ...], "kind", "threat", "mitigation", "note"}. Only the shape is checked here; values are the
scorer's to validate, so a bad value gets the same message as on the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analyzer.edits import MITIGATION_TARGET, THREAT_TARGET
from analyzer.errors import InputError
from analyzer.models import Analysis, AnalystEdit, ScoringOptions

MAX_NOTE = 500
KEYS = ("set", "facts", "stated_mitigations", "kind", "threat", "mitigation", "note")
RESET = "auto"  # threat / mitigation back to the derived value


@dataclass(frozen=True)
class Edit:
    set_factors: dict[str, Any] | None = None
    facts: dict[str, Any] | None = None
    stated_mitigations: list[str] | None = None  # [] states that there are none
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
    if isinstance(mitigations, str):  # "sandbox,approval_gate" or "none", as on the command line
        mitigations = [m for m in mitigations.split(",") if m.strip()] if mitigations.strip().lower() != "none" else []
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
    """The analysis re-scored by `analyzer.rescore` with the edit: each edited value is marked as the
    analyst's and recorded in `Analysis.edits`. "auto" returns ThM / MF to the derived value: it is recorded
    as an edit whose value is not a number, which later re-scores read as "no analyst value"."""
    from analyzer.pipeline import rescore

    resets = [
        AnalystEdit(target=target, previous=f"{current:g}", value=RESET, note=edit.note)
        for target, given, current in (
            (THREAT_TARGET, edit.threat, analysis.aivss.threat_multiplier),
            (MITIGATION_TARGET, edit.mitigation, analysis.aivss.mitigation_factor),
        )
        if given is not None and given.lower() == RESET
    ]
    if resets:
        analysis = analysis.model_copy(update={"edits": [*analysis.edits, *resets]})
    return rescore(
        analysis,
        kind=edit.kind,
        set_factors=edit.set_factors,
        facts=edit.facts,
        stated_mitigations=edit.stated_mitigations,
        threat=None if _is_reset(edit.threat) else edit.threat,
        mitigation=None if _is_reset(edit.mitigation) else edit.mitigation,
        options=_kept_options(analysis),
        note=edit.note,
    )


def _is_reset(value: str | None) -> bool:
    return value is not None and value.lower() == RESET


def _kept_options(analysis: Analysis) -> ScoringOptions:
    """The scoring choices the analysis was made with (formula, rounding, scale, a CVSS override)."""
    a = analysis.aivss
    base_overridden = any(r.input == "cvss_base" and r.overridden for r in a.reasons)
    return ScoringOptions(
        formula=a.formula,
        rounding=a.rounding,
        scale=a.scale,
        cvss_vector=a.cvss_vector if base_overridden and a.cvss_vector else None,
        cvss_base=a.cvss_base if base_overridden and not a.cvss_vector else None,
    )
