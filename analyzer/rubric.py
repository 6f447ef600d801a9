"""The rubric as data: typical factor ranges per kind and the floor used when a factor has no evidence.

Source: ../shared/reference/rubric.md ("Floors and typical ranges by kind"), kept in
analyzer/data/kind_ranges.json so that recalibrating is a data change, not a code change.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from analyzer.models import FACTOR_ORDER, FactorKey, Kind


@cache
def kind_ranges() -> dict[Kind, dict[FactorKey, tuple[float, float]]]:
    raw = json.loads(resources.files("analyzer.data").joinpath("kind_ranges.json").read_text("utf-8"))
    table: dict[Kind, dict[FactorKey, tuple[float, float]]] = {}
    for kind in Kind:
        rows = raw[kind.value]
        table[kind] = {key: (float(lo), float(hi)) for key, (lo, hi) in zip(FACTOR_ORDER, rows, strict=True)}
    return table


def floor(kind: Kind, key: FactorKey) -> float:
    """The value a factor takes when the listing states no evidence for it."""
    return kind_ranges()[kind][key][0]


def typical_range(kind: Kind, key: FactorKey) -> tuple[float, float]:
    return kind_ranges()[kind][key]
