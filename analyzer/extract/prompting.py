"""Versioned prompt templates (prompts/<id>.system.md + prompts/<id>.user.md) and their rendering.

Templates use `$name` placeholders (string.Template), so JSON braces in them need no escaping and
listing text substituted into them is never re-interpreted. The listing goes between tags carrying a
nonce derived from the text itself, which the listing therefore cannot contain in advance.
`prompt_hash` covers the rendered system prompt, the user template and the draft JSON schema: any change
to what the model is asked gives a new hash (it is in the run manifest and in the response-cache key).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from string import Template

from analyzer.errors import ConfigError
from analyzer.extract.budget import ReducedInput
from analyzer.extract.schema import draft_json_schema, schema_hash
from analyzer.models import LAYER_NAMES, Kind, Listing
from analyzer.shipped import shipped_dir

PROMPTS_ENV = "ANALYZER_PROMPTS_DIR"
DEFAULT_PROMPT_ID = "extract-v2"
MAX_ERROR_CHARS = 1500


def prompts_dir() -> Path:
    """ANALYZER_PROMPTS_DIR, else the prompts shipped with the package (the checkout's prompts/ folder)."""
    override = os.environ.get(PROMPTS_ENV)
    return Path(override) if override else shipped_dir("prompts")


@dataclass(frozen=True)
class PromptTemplate:
    id: str
    system: str
    user: str


def load_prompt(prompt_id: str = DEFAULT_PROMPT_ID) -> PromptTemplate:
    base = prompts_dir()
    parts: dict[str, str] = {}
    for role in ("system", "user"):
        path = base / f"{prompt_id}.{role}.md"
        try:
            parts[role] = path.read_text("utf-8")
        except OSError:
            raise ConfigError(
                f"prompt template {path} not found",
                hint=f"check the prompt id, or set {PROMPTS_ENV} to the directory holding {prompt_id}.system.md and {prompt_id}.user.md",
            ) from None
    return PromptTemplate(prompt_id, parts["system"], parts["user"])


@cache
def _kind_definitions() -> dict[str, str]:
    raw = json.loads(resources.files("analyzer.data").joinpath("kind_definitions.json").read_text("utf-8"))
    return {k: v for k, v in raw.items() if not k.startswith("_")}


def render_kinds() -> str:
    """One line per kind: its definition with boundary cases (the floors are applied by the code)."""
    definitions = _kind_definitions()
    return "\n".join(f"- {kind.value}: {definitions[kind.value]}" for kind in Kind)


def json_object_instructions() -> str:
    schema = json.dumps(draft_json_schema(), separators=(",", ":"))
    return "\n\nReply with one JSON object only (no code fences, no prose), every property present, matching this JSON schema:\n" + schema


def render_system(template: PromptTemplate, *, json_object: bool = False) -> str:
    """The fixed part of every request: identical for all listings (one per structured-output mode), so a
    provider's prompt cache can serve it; in json_object mode it carries the schema too."""
    return Template(template.system).substitute(
        kinds=render_kinds(),
        layers=", ".join(f"{layer.value} {name.split()[0].lower()}" for layer, name in LAYER_NAMES.items()),
        format_instructions=json_object_instructions() if json_object else "",
    )


def listing_nonce(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def render_user(template: PromptTemplate, listing: Listing, reduced: ReducedInput, *, json_object: bool) -> str:
    nonce = listing_nonce(reduced.text)
    body = reduced.text.replace(f"listing-{nonce}", "listing")  # cannot happen by chance; belt and braces
    note = (
        f"(Long listing: its {reduced.sections_kept} most relevant of {reduced.sections_total} sections are shown.)"
        if reduced.reduced
        else ""
    )
    return Template(template.user).substitute(source=listing.canonical_url or listing.source, reduction_note=note, nonce=nonce, listing=body)


def build_messages(template: PromptTemplate, listing: Listing, reduced: ReducedInput, *, json_object: bool) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": render_system(template, json_object=json_object)},
        {"role": "user", "content": render_user(template, listing, reduced, json_object=json_object)},
    ]


def reask_messages(previous_reply: str, error: str) -> list[dict[str, str]]:
    """The follow-up turn after an invalid reply: the reply itself and what was wrong with it."""
    return [
        {"role": "assistant", "content": previous_reply[:20000] or "(empty reply)"},
        {
            "role": "user",
            "content": "Your reply was not valid for the required JSON schema:\n"
            + error[:MAX_ERROR_CHARS]
            + "\nReply again with only the corrected JSON object, with every property present.",
        },
    ]


def prompt_hash(template: PromptTemplate) -> str:
    """sha256 over the rendered system prompt, the user template and the draft schema."""
    h = hashlib.sha256()
    for part in (template.id, render_system(template), template.user, schema_hash()):
        h.update(part.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()
