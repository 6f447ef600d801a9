"""JSON report: the Analysis itself, so `Analysis.model_validate_json` reads it back unchanged."""

from __future__ import annotations

import json

from analyzer.models import Analysis


def render_json(analysis: Analysis) -> str:
    # The field order of Analysis puts schema_version first; keep it (no sort_keys).
    return json.dumps(analysis.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
