"""Pure parts of LLM extraction: grounding, input budget, token counting, prices, prompts, JSON repair,
draft schema, cross-check, CLI flags."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from llm_helpers import LISTING_TEXT, draft, make_listing

from analyzer.cli.llm_args import add_llm_arguments, llm_options_from_args
from analyzer.errors import ConfigError
from analyzer.extract import budget
from analyzer.extract.budget import estimate_cost, load_prices, reduce_listing, token_counter
from analyzer.extract.grounding import Grounder, Rejection
from analyzer.extract.llm import combine_samples, disagreement_warnings, repair_json
from analyzer.extract.prompting import build_messages, load_prompt, prompt_hash
from analyzer.extract.schema import ExtractionDraft, draft_json_schema, to_profile
from analyzer.models import FactorKey, MetadataField
from analyzer.rubric import floor

# --------------------------------------------------------------------------- grounding


def _grounder(text: str = LISTING_TEXT) -> Grounder:
    listing = make_listing(text)
    listing = listing.model_copy(update={"metadata": [MetadataField(key="pipeline_tag", value="text-generation", source="front_matter")]})
    return Grounder(listing)


@pytest.mark.parametrize(
    "quote",
    [
        "Runs tests and shell commands in a Docker sandbox.",
        "  runs TESTS and shell commands   in a docker sandbox ",  # case and whitespace
        "Remembers project notes across sessions in a local SQLite memory",  # trailing punctuation
        "“Asks for your approval” before pushing commits",  # typographic quotes
        "Remembers project notes across sesions in a local SQLite memory.",  # a typo
        "plans multi-step changes … runs shell commands to test them",  # ellipsis-joined parts
        "pipeline_tag: text-generation",  # a metadata line
    ],
)
def test_grounded_quotes(quote: str) -> None:
    assert _grounder().locate(quote) is not None


@pytest.mark.parametrize(
    "quote",
    [
        "Harbor Pilot coordinates a swarm of hundreds of autonomous agents.",
        "Runs tests and shell commands on your production servers without review.",
        "plans multi-step changes … transfers money",  # one part invented
        "ab",  # too short to mean anything
        "",
        "sandboxed",  # short quotes must match exactly
    ],
)
def test_ungrounded_quotes(quote: str) -> None:
    assert _grounder().locate(quote) is None


def test_verify_corrects_location_and_marks_verified() -> None:
    ev = _grounder().verify("works with GPT-4.1 or any OpenAI-compatible model", "Features")
    assert ev is not None and ev.verified is True and ev.location == "Models"
    meta = _grounder().verify("text-generation", "somewhere")
    assert meta is not None and meta.location == "metadata:pipeline_tag"


@given(st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd", "Po", "Zs")), min_size=30, max_size=200))
@settings(max_examples=60, deadline=None)
def test_any_substring_of_the_listing_is_grounded(text: str) -> None:
    body = f"# Title\n\nIntro paragraph.\n\n## Section\n{text}\n"
    grounder = Grounder(make_listing(body))
    piece = text[5:25]
    found, why = grounder.check(piece)
    assert found is not None or why is Rejection.TOO_SHORT


# --------------------------------------------------------------------------- draft → profile


def test_to_profile_floors_ungrounded_factors() -> None:
    d = draft()
    d["factors"]["dynamic_identity"] = {"value": "0.9", "rationale": "x", "quotes": ["logs in to your bank"]}
    profile, tally = to_profile(ExtractionDraft.model_validate(d), _grounder().verify)
    di = profile.factor(FactorKey.DYNAMIC_IDENTITY)
    assert di.value == floor(profile.system.kind, FactorKey.DYNAMIC_IDENTITY) and di.floor_applied
    assert "0.9" in di.rationale  # the model's unsupported proposal stays visible
    assert tally.dropped == 1 and tally.dropped_quotes == ["logs in to your bank"]


def test_draft_trims_instead_of_rejecting_long_text() -> None:
    d = draft()
    d["system"]["summary"] = "word " * 500
    d["factors"]["autonomy_of_action"]["quotes"] *= 6
    parsed = ExtractionDraft.model_validate(d)
    assert len(parsed.system.summary) <= 400 and len(parsed.factors.autonomy_of_action.quotes) == 3


def test_draft_schema_is_strict_compatible() -> None:
    schema = draft_json_schema()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object":
                assert node.get("additionalProperties") is False
                assert set(node["required"]) == set(node["properties"])
            assert "default" not in node
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    levels = schema["$defs"]["Factor"]["properties"]["value"]["enum"]
    assert levels == [f"{i / 10:.1f}" for i in range(11)]


# What OpenAI / Azure strict mode document; maxLength, maxItems, pattern, format, minimum… are refused by some.
STRICT_KEYWORDS = {"type", "properties", "required", "additionalProperties", "enum", "anyOf", "$ref", "items", "$defs"}


def test_strict_schema_uses_only_documented_keywords_and_lengths_are_local() -> None:
    schema = draft_json_schema()
    seen: set[str] = set()

    def walk(node: object, in_map: bool = False) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if not in_map:
                    seen.add(key)
                walk(value, in_map=key in ("properties", "$defs") and not in_map)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    assert seen <= STRICT_KEYWORDS, seen - STRICT_KEYWORDS
    d = draft()
    d["factors"]["autonomy_of_action"]["rationale"] = "x" * 5000
    d["system"]["mitigations"] *= 10
    parsed = ExtractionDraft.model_validate(d)
    assert len(parsed.factors.autonomy_of_action.rationale) == 300 and len(parsed.system.mitigations) == 6


# --------------------------------------------------------------------------- samples and cross-check


def _profile(**values: str):  # type: ignore[no-untyped-def]
    return to_profile(ExtractionDraft.model_validate(draft(**values)), _grounder().verify)


def test_combine_samples_upper_median_keeps_evidence() -> None:
    warnings: list = []
    profile, tally = combine_samples([_profile(autonomy_of_action=v) for v in ("0.5", "0.8", "0.6", "0.9")], warnings)
    aa = profile.factor(FactorKey.AUTONOMY_OF_ACTION)
    assert aa.value == 0.8 and aa.evidence
    assert warnings[0].code == "sample_spread" and "spread 0.4" in warnings[0].detail
    assert tally.total == 4 * _profile()[1].total


def test_disagreement_threshold_is_strictly_greater_than_0_3() -> None:
    llm = _profile(autonomy_of_action="0.8", goal_driven_planning="0.7")[0]
    other = _profile(autonomy_of_action="0.4", goal_driven_planning="0.4")[0]
    warnings = disagreement_warnings(llm, other)
    assert [w.detail.split(";")[0] for w in warnings] == ["factor=autonomy_of_action"]  # 0.4 apart; 0.3 is not > 0.3
    assert "llm=0.8" in warnings[0].detail and "heuristic=0.4" in warnings[0].detail


# --------------------------------------------------------------------------- JSON repair


@pytest.mark.parametrize(
    "raw",
    [
        '```json\n{"a": [1, 2,], "b": {"c": 1,},}\n```',
        'Sure! Here it is: {"a": [1, 2], "b": {"c": 1}} Hope that helps.',
        '{"a": [1, 2], "b": {"c": 1}}',
    ],
)
def test_repair_json(raw: str) -> None:
    assert json.loads(repair_json(raw)) == {"a": [1, 2], "b": {"c": 1}}


# --------------------------------------------------------------------------- budget and tokens


def _long_listing() -> str:
    parts = ["# Big Agent\n\nBig Agent is an autonomous agent that runs shell commands and browses the web."]
    for i in range(40):
        parts.append(f"## Citation {i}\n" + "@article{x, title={Something}, year={2024}}\n" * 30)
    parts.append("## Safety\nEvery command runs in a sandbox and risky actions need human approval.")
    parts.append("## Tools\nThe agent can edit files, run code and call any MCP server.")
    return "\n\n".join(parts)


def test_reduction_keeps_evidence_sections_within_budget() -> None:
    listing = make_listing(_long_listing(), source="big.md")
    reduced = reduce_listing(listing, budget=600)
    assert reduced.reduced and reduced.full_tokens > 600 and reduced.tokens <= 600
    assert "runs in a sandbox and risky actions need human approval" in reduced.text
    assert "call any MCP server" in reduced.text and "Big Agent is an autonomous agent" in reduced.text
    assert reduced.sections_kept < reduced.sections_total
    # every kept line is verbatim listing text (or a heading / elision marker we add)
    for line in reduced.text.splitlines():
        assert line in listing.text or line.startswith("#") or line == "…" or not line.strip()


def test_compaction_drops_badges_and_long_code_but_keeps_prose() -> None:
    text = (
        "# Tool\n\n[![build](https://x/badge.svg)](https://x)\n<p align=\"center\"><img src=\"logo.png\"></p>\n"
        "Tool runs your scripts.\n\n```bash\n" + "\n".join(f"echo {i}" for i in range(30)) + "\n```\n"
    )
    reduced = reduce_listing(make_listing(text), budget=6000)
    assert "badge.svg" not in reduced.text and "logo.png" not in reduced.text
    assert "Tool runs your scripts." in reduced.text and "echo 1" in reduced.text and "echo 20" not in reduced.text


def test_short_listing_is_not_reduced() -> None:
    listing = make_listing()
    reduced = reduce_listing(listing, budget=6000)
    assert not reduced.reduced and reduced.sections_kept == reduced.sections_total
    assert all(line in reduced.text for line in listing.text.splitlines())


def test_token_counter_falls_back_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    token_counter.cache_clear()
    monkeypatch.setenv("ANALYZER_NO_TIKTOKEN", "1")
    try:
        counter = token_counter("gpt-4.1-mini")
        assert counter.name == "chars/4"
        assert 2 <= counter.count("hello world, how are you?") <= 10
        assert budget.TokenCounter("chars/4", None).count("x" * 40) == 10
    finally:
        token_counter.cache_clear()


def test_prices_and_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert estimate_cost("gpt-4.1-mini", 1_000_000, 0) == pytest.approx(0.40)
    assert estimate_cost("gpt-4.1-mini-2025-04-14", 0, 1_000_000) == pytest.approx(1.60)  # dated snapshot
    assert estimate_cost("llama-3-local", 1000, 1000) is None
    table = tmp_path / "prices.json"
    table.write_text(json.dumps({"prices_usd_per_million_tokens": {"llama-3-local": {"input": 1.0, "output": 2.0}}}))
    monkeypatch.setenv("ANALYZER_PRICES", str(table))
    assert estimate_cost("llama-3-local", 1_000_000, 1_000_000, load_prices()) == pytest.approx(3.0)
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    with pytest.raises(ConfigError, match="price table"):
        load_prices(bad)


# --------------------------------------------------------------------------- prompts


def test_prompt_renders_rubric_floors_and_delimits_listing() -> None:
    template = load_prompt()
    reduced = reduce_listing(make_listing())
    system, user = build_messages(template, make_listing(), reduced, json_object=False)
    assert "coding-agent: edits code" in system["content"]  # kinds carry definitions with boundary cases
    assert "below the kind's floor as much as above it" in system["content"]
    assert "facts that depend on the deployment (not_stated)" in system["content"]  # the rubric's exposure anchors
    assert "autonomy_of_action" in system["content"] and "$" not in system["content"]
    assert user["content"].count("Harbor Pilot is an open-source coding agent") == 1
    assert '"$defs"' not in system["content"] + user["content"]
    system_json, user_json = build_messages(template, make_listing(), reduced, json_object=True)
    # json_object mode: the schema is in the fixed system message, the user message is only the listing
    assert '"$defs"' in system_json["content"] and "JSON" in system_json["content"] and user_json == user
    assert len(prompt_hash(template)) == 64


def test_prompts_dir_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "extract-v2.system.md").write_text("system $kinds $layers $format_instructions")
    (tmp_path / "extract-v2.user.md").write_text("user <listing-$nonce>$listing</listing-$nonce> $source $reduction_note")
    default_hash = prompt_hash(load_prompt())
    monkeypatch.setenv("ANALYZER_PROMPTS_DIR", str(tmp_path))
    assert prompt_hash(load_prompt()) != default_hash
    with pytest.raises(ConfigError, match="ANALYZER_PROMPTS_DIR"):
        load_prompt("extract-v9")


# --------------------------------------------------------------------------- CLI flags


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_llm_arguments(parser)
    return parser.parse_args(list(argv))


def test_llm_args_to_options() -> None:
    opts = llm_options_from_args(_parse("--provider", "openai", "--model", "m", "--base-url", "http://127.0.0.1:1/v1",
                                        "--structured-output", "json_object", "--samples", "3", "--llm-timeout", "9", "--record", "rec"))
    assert opts == {"provider": "openai", "model": "m", "base_url": "http://127.0.0.1:1/v1", "structured_output": "json_object",
                    "samples": 3, "timeout": 9.0, "record_dir": "rec"}
    assert llm_options_from_args(_parse()) == {"provider": "auto"}
    assert llm_options_from_args(_parse("--replay", "rec")) == {"provider": "replay", "replay_dir": "rec"}
    with pytest.raises(ConfigError):
        llm_options_from_args(_parse("--provider", "replay"))
    with pytest.raises(ConfigError):
        llm_options_from_args(_parse("--provider", "heuristic", "--model", "m"))
