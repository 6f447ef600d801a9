"""ADAPTER (temporary, owned by the batch package): the three LLMExtractor pieces the Batch API needs.

The Batch API path must (1) build the exact /v1/chat/completions request body the LLM extractor would
send, (2) look a listing up in the LLM response cache without calling the server, and (3) turn a chat
completion JSON from the batch output into an ExtractionResult (validate the draft, ground the quotes,
fill the cache). analyzer/extract/llm.py does all three inside `LLMExtractor.extract` but exposes none
of them, so this module rebuilds them from its parts (some private: `_template`, `_prompt_hash`,
`_request_params`, `_validate`, `_cache`, `_cross_check`, `_usage_fields`, `_mode_now`, `_client`).

If LLMExtractor grows public methods `batch_request_body(listing)`, `cached_result(listing)` and
`result_from_completion(listing, completion)`, `adapter_for` uses those instead and this file can go.
A test (tests/test_batch_openai.py) checks that a batch result lands in the same cache entry that
`LLMExtractor.extract` reads, so a drift in the cache key is caught.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from analyzer.errors import ConfigError
from analyzer.extract.base import ExtractionResult, failed_result
from analyzer.models import AnalysisWarning, ExtractionOutcome, Listing, Severity

_PUBLIC = ("batch_request_body", "cached_result", "result_from_completion")


def adapter_for(extractor: object) -> Any | None:
    """The Batch API adapter for an extractor, or None when it is not the OpenAI LLM extractor."""
    if all(callable(getattr(extractor, m, None)) for m in _PUBLIC) and getattr(extractor, "client", None) is not None:
        return extractor
    from analyzer.extract.llm import LLMExtractor

    if not isinstance(extractor, LLMExtractor) or extractor.name != "openai":
        return None
    if extractor.settings.samples != 1:
        raise ConfigError("--openai-batch sends one request per listing; --samples > 1 is not supported with it", hint="drop --samples, or run without --openai-batch")
    return LLMBatchAdapter(extractor)


class LLMBatchAdapter:
    def __init__(self, extractor: Any) -> None:
        self.extractor = extractor
        self.client = extractor._client

    # ----------------------------------------------------------------- pieces shared with LLMExtractor

    def _reduced(self, listing: Listing) -> Any:
        from analyzer.extract.budget import reduce_listing

        s = self.extractor.settings
        return reduce_listing(listing, s.input_budget, s.model)

    def _cache_key(self, listing: Listing, reduced: Any) -> str:
        # Must equal LLMExtractor._draft's key for sample 0, so batch answers and direct calls share the cache.
        from analyzer.extract.llm_cache import cache_key
        from analyzer.extract.schema import schema_hash

        s = self.extractor.settings
        return cache_key(
            model=s.model, base_url=s.base_url, prompt_hash=self.extractor._prompt_hash, schema_hash=schema_hash(),
            listing_hash=hashlib.sha256(f"{listing.canonical_url or listing.source}\x00{reduced.text}".encode()).hexdigest(),
            params={"mode": s.structured_output, "temperature": s.temperature, "max_output_tokens": s.max_output_tokens,
                    "validation_retries": s.validation_retries, "sample": 0},
        )

    # ----------------------------------------------------------------- the adapter interface

    def batch_request_body(self, listing: Listing) -> dict[str, Any]:
        from openai.lib._parsing._completions import type_to_response_format_param

        from analyzer.extract.prompting import build_messages
        from analyzer.extract.schema import ExtractionDraft

        x = self.extractor
        mode = x._mode_now()
        reduced = self._reduced(listing)
        body: dict[str, Any] = {"messages": build_messages(x._template, listing, reduced, json_object=mode == "json_object"), **x._request_params()}
        body["response_format"] = type_to_response_format_param(ExtractionDraft) if mode == "json_schema" else {"type": "json_object"}
        return body

    def cached_result(self, listing: Listing) -> ExtractionResult | None:
        import pydantic

        from analyzer.extract.schema import ExtractionDraft

        x = self.extractor
        if x._cache is None:
            return None
        reduced = self._reduced(listing)
        hit = x._cache.get(self._cache_key(listing, reduced))
        if hit is None:
            return None
        try:
            draft = ExtractionDraft.model_validate(hit.draft)
        except pydantic.ValidationError:
            return None
        return self._result(listing, reduced, draft, 0, 0, cache_hit=True, started=time.perf_counter())

    def result_from_completion(self, listing: Listing, completion: dict[str, Any]) -> ExtractionResult:
        from analyzer.extract.llm_cache import CachedResponse

        x = self.extractor
        s = x.settings
        started = time.perf_counter()
        reduced = self._reduced(listing)
        usage = completion.get("usage") or {}
        tokens_in, tokens_out = int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
        common = {"model": s.model, "prompt_version": s.prompt_id, "prompt_hash": x._prompt_hash, "samples": 1, **x._usage_fields(_Usage(tokens_in, tokens_out))}
        choices = completion.get("choices") or []
        if not choices:
            return failed_result(x.name, "the OpenAI batch answer had no choices", cache_hit=False, **common)
        choice = choices[0]
        message = choice.get("message") or {}
        if choice.get("finish_reason") == "length":
            return failed_result(x.name, x._truncated(), cache_hit=False, **common)
        if choice.get("finish_reason") == "content_filter":
            return failed_result(x.name, "the LLM provider's content filter stopped the answer", cache_hit=False, **common)
        if message.get("refusal"):
            return failed_result(x.name, f"the model refused: {str(message['refusal'])[:300]}", cache_hit=False, **common)
        reply = x._validate(str(message.get("content") or ""))
        if reply.draft is None:
            first = (reply.error or "invalid reply").splitlines()[0]
            # no re-ask in a batch: the rerun submits the listing again
            return failed_result(x.name, f"the model's reply in the OpenAI batch did not match the schema ({first})", cache_hit=False, **common)
        if x._cache is not None:
            x._cache.put(self._cache_key(listing, reduced), CachedResponse(reply.draft.model_dump(mode="json"), tokens_in, tokens_out, s.model))
        return self._result(listing, reduced, reply.draft, tokens_in, tokens_out, cache_hit=False, started=started)

    def _result(self, listing: Listing, reduced: Any, draft: Any, tokens_in: int, tokens_out: int, *, cache_hit: bool, started: float) -> ExtractionResult:
        from analyzer.extract.grounding import Grounder
        from analyzer.extract.llm import _grounding_warnings, _injection_warnings
        from analyzer.extract.schema import to_profile

        x = self.extractor
        s = x.settings
        warnings: list[AnalysisWarning] = _injection_warnings(listing)
        if reduced.reduced:
            warnings.append(AnalysisWarning(
                code="listing_reduced", severity=Severity.INFO,
                message=f"The listing was reduced to {reduced.sections_kept} of {reduced.sections_total} sections for the LLM ({reduced.tokens} of {reduced.full_tokens} tokens).",
                detail=f"input budget {s.input_budget} tokens; tokenizer {reduced.tokenizer}",
            ))
        profile, tally = to_profile(draft, Grounder(listing).verify)
        warnings.extend(_grounding_warnings(tally))
        if s.cross_check:
            warnings.extend(x._cross_check(listing, profile))
        outcome = ExtractionOutcome(status="ok", provider=x.name, error=None, quotes_total=tally.total, quotes_verified=tally.verified, quotes_dropped=tally.dropped)
        return ExtractionResult(
            profile=profile, outcome=outcome, warnings=warnings, cache_hit=cache_hit, model=s.model, prompt_version=s.prompt_id,
            prompt_hash=x._prompt_hash, samples=1, latency_seconds=round(time.perf_counter() - started, 3),
            **x._usage_fields(_Usage(tokens_in, tokens_out)),
        )


class _Usage:
    """The shape LLMExtractor._usage_fields reads."""

    def __init__(self, input_tokens: int, output_tokens: int) -> None:
        self.input_tokens = input_tokens
        self.output_tokens = output_tokens
