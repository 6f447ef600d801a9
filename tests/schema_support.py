"""Validators for the machine formats against their official schemas (vendored SARIF, bundled CycloneDX)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import jsonschema

SARIF_SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"


@cache
def sarif_validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SARIF_SCHEMA.read_text("utf-8"))
    # This copy of the schema keeps the log object under definitions/Root with no top-level constraint,
    # so validating against the file as-is would accept anything: point at the root definition.
    root = {"$ref": "#/definitions/Root", "definitions": schema["definitions"]}
    return jsonschema.Draft7Validator(root, format_checker=jsonschema.FormatChecker())


def sarif_errors(log: object) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in sarif_validator().iter_errors(log)]


def cyclonedx_errors(bom: object) -> list[str]:
    """Errors of a CycloneDX 1.6 JSON BOM against cyclonedx-python-lib's bundled strict schema."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(bom))
    if error is None:
        return []
    detail = error.data
    return [f"{'/'.join(map(str, getattr(detail, 'absolute_path', [])))}: {getattr(detail, 'message', detail)}"]
