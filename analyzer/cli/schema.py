"""`analyzer schema`: print the JSON Schema of the analysis output (or of the extraction profile)."""

from __future__ import annotations

import argparse
import json

from analyzer.cli.output import emit


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("schema", help="print the JSON Schema of the output", description="Print the JSON Schema (draft 2020-12) of the `analyze --format json` output, or with --profile of the AgenticProfile an extractor fills.")
    p.add_argument("--profile", action="store_true", help="schema of the extraction profile instead of the whole analysis")
    p.add_argument("--out", metavar="PATH", help="write the schema here instead of stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from analyzer.models import AgenticProfile, Analysis

    model = AgenticProfile if args.profile else Analysis
    schema = model.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    emit(json.dumps(schema, indent=2, ensure_ascii=False), args.out)
    return 0
