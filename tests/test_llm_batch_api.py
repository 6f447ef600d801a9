"""The LLMExtractor methods the OpenAI Batch API path uses: batch_request_body, cached_result, result_from_completion.

Each is checked against what `extract` does with the same listing through the scripted server.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fake_openai import FakeOpenAI, completion, error_body
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from llm_helpers import (
    INJECTION_LINE,
    LISTING_TEXT,
    draft,
    draft_json,
    extractor,
    fake,  # noqa: F401 - fixture
    make_listing,
)
from openai.lib._parsing._completions import type_to_response_format_param

from analyzer.batch.openai_batch import batch_extractor
from analyzer.errors import ConfigError
from analyzer.extract.base import ExtractionResult
from analyzer.extract.heuristic import HeuristicExtractor
from analyzer.extract.llm import LLMExtractor, json_schema_response_format
from analyzer.extract.schema import ExtractionDraft


def comparable(result: ExtractionResult) -> dict[str, Any]:
    """Everything in a result except the wall-clock latency."""
    return result.model_dump(mode="json", exclude={"latency_seconds"})


def injected_listing() -> Any:
    return make_listing(LISTING_TEXT + "\n## Notes\n" + INJECTION_LINE + "\n")


# --------------------------------------------------------------------------- batch_request_body


@pytest.mark.parametrize("mode", ["json_schema", "json_object"])
def test_batch_request_body_is_the_body_extract_sends(fake: FakeOpenAI, mode: str) -> None:
    ex = extractor(fake, structured_output=mode, use_cache=False)
    body = ex.batch_request_body(make_listing())
    assert fake.calls == 0  # building the body makes no request

    fake.push_content(draft_json())
    assert ex.extract(make_listing()).outcome.status == "ok"
    assert fake.calls == 1 and fake.requests[0].body == body


def test_json_schema_response_format_is_the_sdks_strict_schema_without_annotations() -> None:
    ours = json_schema_response_format()
    sdk = type_to_response_format_param(ExtractionDraft)
    assert ours["type"] == sdk["type"] and ours["json_schema"]["name"] == sdk["json_schema"]["name"] and ours["json_schema"]["strict"]
    text = json.dumps(ours)
    assert '"title"' not in text and '"description"' not in text
    # same structure: the same properties, in the same order, at every level
    ours_defs, sdk_defs = ours["json_schema"]["schema"]["$defs"], sdk["json_schema"]["schema"]["$defs"]  # type: ignore[index]
    assert len(ours_defs) == len(sdk_defs)
    for name, node in sdk_defs.items():
        mine = ours_defs[name.removeprefix("Draft")]
        assert list(mine.get("properties", {})) == list(node.get("properties", {}))
        assert mine.get("enum") == node.get("enum")


def test_batch_request_body_is_the_callers_to_change(fake: FakeOpenAI) -> None:
    ex = extractor(fake, structured_output="json_schema")
    first = ex.batch_request_body(make_listing())
    first["response_format"]["json_schema"]["schema"]["properties"].clear()
    first["messages"].clear()
    second = ex.batch_request_body(make_listing())
    assert second["response_format"] == json_schema_response_format() and second["response_format"]["json_schema"]["schema"]["properties"]
    assert [m["role"] for m in second["messages"]] == ["system", "user"]


def test_batch_request_body_follows_the_auto_fallback_to_json_object(fake: FakeOpenAI) -> None:
    ex = extractor(fake, use_cache=False)
    assert ex.batch_request_body(make_listing())["response_format"]["type"] == "json_schema"
    fake.push(400, error_body("response_format type 'json_schema' is not supported by this server"))
    fake.push_content(draft_json())
    assert ex.extract(make_listing()).outcome.status == "ok"
    body = ex.batch_request_body(make_listing())
    assert body["response_format"] == {"type": "json_object"} and body == fake.requests[1].body


# --------------------------------------------------------------------------- result_from_completion


def test_result_from_completion_equals_extract_on_the_same_answer(fake: FakeOpenAI) -> None:
    listing = injected_listing()
    answer = completion(draft_json(autonomy_of_action="0.0"), prompt_tokens=1234, completion_tokens=321)
    fake.push(200, answer)
    live = extractor(fake, use_cache=False, cross_check=True).extract(listing)
    from_batch = extractor(fake, use_cache=False, cross_check=True).result_from_completion(listing, answer)

    assert fake.calls == 1  # result_from_completion makes no request
    assert live.outcome.status == "ok" and live.profile is not None
    assert comparable(from_batch) == comparable(live)
    assert (from_batch.input_tokens, from_batch.output_tokens) == (1234, 321) and from_batch.cache_hit is False
    codes = {w.code for w in from_batch.warnings}
    assert "prompt_injection" in codes  # detected in the listing, as extract does


def test_result_from_completion_repairs_fenced_json_like_extract(fake: FakeOpenAI) -> None:
    answer = completion("Here you are:\n```json\n" + draft_json() + "\n```")
    fake.push(200, answer)
    live = extractor(fake, use_cache=False).extract(make_listing())
    from_batch = extractor(fake, use_cache=False).result_from_completion(make_listing(), answer)
    assert live.outcome.status == "ok" and comparable(from_batch) == comparable(live)


def test_result_from_completion_fills_the_cache_extract_reads(fake: FakeOpenAI) -> None:
    ex = extractor(fake)
    from_batch = ex.result_from_completion(make_listing(), completion(draft_json(), prompt_tokens=900, completion_tokens=90))
    assert from_batch.outcome.status == "ok"

    later = extractor(fake).extract(make_listing())  # a new extractor: the cache is on disk
    assert fake.calls == 0 and later.cache_hit is True and later.profile == from_batch.profile
    cached = extractor(fake).cached_result(make_listing())
    assert cached is not None and cached.profile == from_batch.profile


def invalid_completions() -> list[tuple[str, Any, str]]:
    bad_value = draft()
    bad_value["factors"]["autonomy_of_action"]["value"] = "0.35"
    return [
        ("malformed json", completion('{"system": {'), "did not match the schema"),
        ("schema violation", completion(json.dumps(bad_value)), "did not match the schema"),
        ("empty content", completion(None), "did not match the schema"),
        ("truncated", completion(draft_json()[:200], finish_reason="length"), "cut off at the output limit"),
        ("content filter", completion(None, finish_reason="content_filter"), "content filter"),
        ("refusal", completion(None, refusal="I can't help with that."), "the model refused"),
        ("no choices", {**completion(draft_json()), "choices": []}, "no choices"),
        ("choices not a list", {"choices": "junk"}, "no choices"),
        ("empty object", {}, "no choices"),
    ]


@pytest.mark.parametrize(("case", "answer", "error"), invalid_completions(), ids=[c[0] for c in invalid_completions()])
def test_invalid_completion_is_a_failed_result_without_values(fake: FakeOpenAI, case: str, answer: Any, error: str) -> None:
    ex = extractor(fake)
    result = ex.result_from_completion(injected_listing(), answer)

    assert result.outcome.status == "failed" and result.profile is None
    assert error in (result.outcome.error or ""), result.outcome.error
    assert "prompt_injection" in {w.code for w in result.warnings}  # the listing's warnings are kept
    assert ex.cached_result(injected_listing()) is None  # a failure is never cached
    assert fake.calls == 0


def test_invalid_completion_is_failed_the_same_way_extract_fails(fake: FakeOpenAI) -> None:
    answer = completion(None, refusal="no")
    fake.push(200, answer)
    live = extractor(fake, use_cache=False).extract(make_listing())
    from_batch = extractor(fake, use_cache=False).result_from_completion(make_listing(), answer)
    assert live.outcome.status == "failed" and comparable(from_batch) == comparable(live)


def test_missing_usage_is_counted_locally(fake: FakeOpenAI) -> None:
    answer = completion(draft_json())
    del answer["usage"]
    result = extractor(fake).result_from_completion(make_listing(), answer)
    assert result.outcome.status == "ok" and result.input_tokens > 100 and result.output_tokens > 100


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=3),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answer=st.dictionaries(st.sampled_from(["choices", "usage", "id", "model", "object"]), json_values, max_size=4))
def test_arbitrary_json_never_raises_and_never_gives_values(fake: FakeOpenAI, answer: dict[str, Any]) -> None:
    result = extractor(fake, use_cache=False).result_from_completion(make_listing(), answer)
    assert result.outcome.status == "failed" and result.profile is None


def test_result_from_completion_needs_one_sample(fake: FakeOpenAI) -> None:
    with pytest.raises(ConfigError, match="one sample"):
        extractor(fake, samples=2).result_from_completion(make_listing(), completion(draft_json()))


# --------------------------------------------------------------------------- cached_result


def test_cached_result_misses_then_hits_after_extract(fake: FakeOpenAI) -> None:
    listing = injected_listing()
    assert extractor(fake).cached_result(listing) is None
    fake.push_content(draft_json(), prompt_tokens=800, completion_tokens=80)
    live = extractor(fake, cross_check=True).extract(listing)
    assert live.outcome.status == "ok"

    cached = extractor(fake, cross_check=True).cached_result(listing)
    replayed = extractor(fake, cross_check=True).extract(listing)
    assert fake.calls == 1
    assert cached is not None and cached.cache_hit is True
    assert comparable(cached) == comparable(replayed)  # what extract returns on a full cache hit
    assert cached.profile == live.profile and cached.warnings == live.warnings
    assert (cached.input_tokens, cached.output_tokens, cached.estimated_cost_usd) == (0, 0, 0.0)


def test_cached_result_with_samples_needs_every_sample(fake: FakeOpenAI) -> None:
    fake.push_content(draft_json(autonomy_of_action="0.8"))
    fake.push_content(draft_json(autonomy_of_action="0.9"))
    live = extractor(fake, samples=2).extract(make_listing())
    cached = extractor(fake, samples=2).cached_result(make_listing())
    assert cached is not None and cached.profile == live.profile
    assert "sample_spread" in {w.code for w in cached.warnings}
    assert extractor(fake, samples=3).cached_result(make_listing()) is None  # the third sample was never asked
    assert fake.calls == 2


def test_cached_result_is_none_without_the_cache(fake: FakeOpenAI, tmp_path: Any) -> None:
    fake.push_content(draft_json())
    assert extractor(fake).extract(make_listing()).outcome.status == "ok"
    assert extractor(fake, use_cache=False).cached_result(make_listing()) is None
    assert extractor(fake, record_dir=tmp_path / "rec").cached_result(make_listing()) is None  # recording asks the server
    assert extractor(fake).cached_result(make_listing(source="other.md")) is None
    assert fake.calls == 1


# --------------------------------------------------------------------------- the batch side


def test_batch_extractor_takes_only_the_live_openai_extractor_with_one_sample(fake: FakeOpenAI, tmp_path: Any) -> None:
    ex = extractor(fake)
    assert batch_extractor(ex) is ex
    assert str(ex.client.base_url).rstrip("/") == fake.url  # files and batches go to the same server
    with pytest.raises(ConfigError, match="needs the OpenAI LLM extractor"):
        batch_extractor(HeuristicExtractor())
    with pytest.raises(ConfigError, match="needs the OpenAI LLM extractor"):
        batch_extractor(LLMExtractor.from_options(replay=str(tmp_path)))
    with pytest.raises(ConfigError, match="--samples"):
        batch_extractor(extractor(fake, samples=2))
