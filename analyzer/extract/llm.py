"""LLM extraction through the openai SDK, for OpenAI and any OpenAI-compatible server.

One extraction: detect injection text → reduce the listing to the input budget (fitted to the context
window) → render the versioned prompt → ask for an ExtractionDraft (structured output) → verify every
quote against the listing → AgenticProfile (factors without grounded evidence fall back to the kind's
floor; kind, exposure facts and mitigations without one to the offline heuristic's) → cross-check with
the offline heuristic extractor.

This module only orchestrates; each step has its own module:
- llm_settings: options and environment defaults;
- llm_request: the request body and response_format;
- llm_transport: the client, the whole-request deadline, transport retries, one-line errors;
- llm_reply: usage, refusal / truncation, validation with local JSON repair;
- grounding + schema.to_profile: quotes checked, the draft turned into a profile;
- llm_combine: samples, cross-check and warnings.

Failures never turn into factor values. Retries come in layers: transport (llm_transport), then
validation (malformed JSON, schema violations: re-asked at most `validation_retries` times with the
error appended to the conversation); refusal, truncation, content filter, other HTTP errors and
exhausted retries end in an explicit failed ExtractionResult with one clear error line.

Structured output modes: 'json_schema' sends the strict schema; 'json_object' puts the schema in the
prompt and repairs the reply locally; 'auto' starts with json_schema and switches to json_object, for
the rest of the run, when the server rejects json_schema.

The OpenAI Batch API path (analyzer/batch/openai_batch.py) uses the same internals through three public
methods: `batch_request_body`, `cached_result` and `result_from_completion`.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any

import openai
import pydantic
from openai.types.chat import ChatCompletion

from analyzer.errors import ConfigError
from analyzer.extract.base import ExtractionResult, failed_result
from analyzer.extract.budget import ReducedInput, estimate_cost, reduce_listing
from analyzer.extract.grounding import Grounder
from analyzer.extract.llm_cache import CachedResponse, ResponseCache, cache_key
from analyzer.extract.llm_combine import (
    combine_samples,
    disagreement_warnings,
    fallback_warning,
    grounding_warnings,
    injection_passages,
    kind_supported,
)
from analyzer.extract.llm_reply import Reply, Usage, read_completion, repair_json
from analyzer.extract.llm_request import RequestFit, fit_request, fixed_tokens, json_schema_response_format, request_body
from analyzer.extract.llm_settings import MODES, REPLAY_BASE_URL, LLMSettings, settings_from_options
from analyzer.extract.llm_transport import FormatRejected, LLMFailure, Transport
from analyzer.extract.prompting import PromptTemplate, build_messages, load_prompt, prompt_hash, reask_messages, render_system, render_user
from analyzer.extract.schema import ExtractionDraft, schema_hash, to_profile
from analyzer.models import AgenticProfile, AnalysisWarning, ExtractionOutcome, Listing, Severity

log = logging.getLogger(__name__)
SOURCE_ALLOWANCE = 24  # tokens for the listing's source line, which the fixed part cannot know


class LLMExtractor:
    """Extractor for `--provider openai` (and `replay`). Build it with `from_options`."""

    def __init__(self, settings: LLMSettings, *, client: openai.OpenAI | None = None) -> None:
        self.settings = settings
        self.name = "replay" if settings.replay_dir else "openai"
        self._transport = Transport(settings, client)
        self._client = self._transport.client
        self._mode: str | None = None if settings.structured_output == "auto" else settings.structured_output
        self._template: PromptTemplate = load_prompt(settings.prompt_id)
        self._fitted: RequestFit | None = None
        if settings.context_window:
            self._fit()  # a window too small for the fixed part is a configuration error, before any call
        self._prompt_hash = prompt_hash(self._template)
        self._cache = ResponseCache() if settings.use_cache and not settings.replay_dir else None

    @classmethod
    def from_options(cls, **options: Any) -> LLMExtractor:
        """Options: model, base_url, api_key (defaults: ANALYZER_MODEL, OPENAI_BASE_URL, OPENAI_API_KEY),
        structured_output ('auto'|'json_schema'|'json_object'), samples, use_cache/no_cache, record_dir,
        replay (True or a directory; or replay_dir), timeout, max_retries, temperature, prices (path or
        dict), max_output_tokens, input_budget, retry_wait_initial, retry_wait_max, retry_after_max,
        validation_retries, prompt_id, cross_check, disagreement_threshold, sleep."""
        return cls(settings_from_options(**options))

    def _scrub(self, text: str) -> str:
        return self._transport.scrub(text)

    # ----------------------------------------------------------------- one call

    def _request_body(self, messages: list[dict[str, str]], mode: str) -> dict[str, Any]:
        return request_body(messages, mode, self.settings, self._fit().max_output_tokens)

    def _fit(self) -> RequestFit:
        """Listing budget and answer limit (once per extractor: the fixed part never changes). With 'auto'
        the stricter of the two modes, since a run may switch to json_object after its first request."""
        if self._fitted is None:
            modes = ("json_schema", "json_object") if self.settings.structured_output == "auto" else (self.settings.structured_output,)
            empty = ReducedInput("", 0, 0, 0, 0, False, "")
            frame = render_user(self._template, Listing.model_construct(source="", canonical_url=None), empty, json_object=False)
            fits = [
                fit_request(self.settings, fixed_tokens(render_system(self._template, json_object=m == "json_object"), frame, m, self.settings.model) + SOURCE_ALLOWANCE)
                for m in modes
            ]
            self._fitted = min(fits, key=lambda f: (f.listing_budget, f.max_output_tokens))
        return self._fitted

    def _call(self, messages: list[dict[str, str]], mode: str, usage: Usage) -> Reply:
        body = self._request_body(messages, mode)
        try:
            completion = self._transport.send(lambda: self._client.chat.completions.create(**body))  # type: ignore[call-overload]
        except LLMFailure as exc:
            if exc.processing:  # the server read the prompt and was answering: those tokens were spent
                usage.add(None, messages, "", self.settings.model)
            raise
        return self._reply(completion, messages, usage)

    def _reply(self, completion: Any, messages: list[dict[str, str]], usage: Usage) -> Reply:
        return read_completion(completion, messages, usage, model=self.settings.model, max_output_tokens=self._fit().max_output_tokens)

    # ----------------------------------------------------------------- input and response cache

    def _mode_now(self) -> str:
        return self._mode or "json_schema"

    def _reduce(self, listing: Listing) -> ReducedInput:
        return reduce_listing(listing, self._fit().listing_budget, self.settings.model)

    def _input_warnings(self, listing: Listing, reduced: ReducedInput) -> list[AnalysisWarning]:
        warnings = _injection_warnings(listing)
        fit = self._fit()
        if reduced.reduced:
            cut = []
            if reduced.dropped:
                cut.append("left out: " + "; ".join(reduced.dropped[:12]) + (f" and {len(reduced.dropped) - 12} more" if len(reduced.dropped) > 12 else ""))
            if reduced.shortened:
                cut.append("shortened: " + "; ".join(reduced.shortened[:6]))
            window = f" to fit a {fit.context_window}-token context window (answer limited to {fit.max_output_tokens} tokens)" if fit.fitted else ""
            warnings.append(AnalysisWarning(
                code="listing_reduced", severity=Severity.WARNING if fit.fitted else Severity.INFO,
                message=f"The listing was reduced{window} to {reduced.sections_kept} of {reduced.sections_total} sections for the LLM ({reduced.tokens} of {reduced.full_tokens} tokens).",
                detail=(" | ".join(cut) or "sections cut short") + f"; listing budget {fit.listing_budget} tokens; tokenizer {reduced.tokenizer}",
            ))
        return warnings

    def _cache_key(self, listing: Listing, reduced: ReducedInput, sample: int) -> str:
        s = self.settings
        return cache_key(
            model=s.model, base_url=s.base_url, prompt_hash=self._prompt_hash, schema_hash=schema_hash(),
            listing_hash=hashlib.sha256(f"{listing.canonical_url or listing.source}\x00{reduced.text}".encode()).hexdigest(),
            params={"mode": s.structured_output, "temperature": s.temperature, "max_output_tokens": self._fit().max_output_tokens,
                    "validation_retries": s.validation_retries, "sample": sample},
        )

    def _cached_draft(self, key: str) -> ExtractionDraft | None:
        if not self._cache or self.settings.record_dir:  # a recording run must really call the server
            return None
        hit = self._cache.get(key)
        if hit is None:
            return None
        try:
            return ExtractionDraft.model_validate(hit.draft)
        except pydantic.ValidationError:
            return None

    def _store(self, key: str, draft: ExtractionDraft, input_tokens: int, output_tokens: int) -> None:
        if self._cache:
            self._cache.put(key, CachedResponse(draft.model_dump(mode="json"), input_tokens, output_tokens, self.settings.model))

    # ----------------------------------------------------------------- one sample

    def _draft(self, listing: Listing, reduced: ReducedInput, sample: int, usage: Usage) -> tuple[ExtractionDraft, bool]:
        """One validated draft (from the cache or the server) and whether it came from the cache."""
        key = self._cache_key(listing, reduced, sample)
        cached = self._cached_draft(key)
        if cached is not None:
            return cached, True
        before = (usage.input_tokens, usage.output_tokens)
        draft = self._ask(listing, reduced, usage)
        self._store(key, draft, usage.input_tokens - before[0], usage.output_tokens - before[1])
        return draft, False

    def _ask(self, listing: Listing, reduced: ReducedInput, usage: Usage) -> ExtractionDraft:
        s = self.settings
        mode = self._mode_now()
        messages = build_messages(self._template, listing, reduced, json_object=mode == "json_object")
        attempt = 0
        last_error = ""
        while attempt <= s.validation_retries:
            try:
                reply = self._call(messages, mode, usage)
            except FormatRejected as exc:
                if s.structured_output != "auto" or mode == "json_object":
                    raise LLMFailure(f"the server rejected response_format {mode}: {exc}. Try --structured-output json_object") from None
                log.info("the server rejected json_schema structured output (%s); using json_object for this run", exc)
                self._mode = mode = "json_object"
                messages = build_messages(self._template, listing, reduced, json_object=True)
                continue
            if reply.draft is not None:
                if self._mode is None:
                    self._mode = mode
                return reply.draft
            last_error = reply.error or "invalid reply"
            log.info("LLM reply failed validation (attempt %d): %s", attempt + 1, last_error.splitlines()[0] if last_error else "")
            attempt += 1
            messages = messages + reask_messages(reply.content, last_error)
        first = last_error.splitlines()[0] if last_error else "invalid reply"
        raise LLMFailure(f"the model's reply did not match the schema after {s.validation_retries + 1} attempts ({first})")

    # ----------------------------------------------------------------- the whole extraction

    def extract(self, listing: Listing) -> ExtractionResult:
        started = time.perf_counter()
        reduced = self._reduce(listing)
        warnings = self._input_warnings(listing, reduced)
        usage = Usage()
        drafts: list[ExtractionDraft] = []
        hits: list[bool] = []
        try:
            for sample in range(self.settings.samples):
                draft, hit = self._draft(listing, reduced, sample, usage)
                drafts.append(draft)
                hits.append(hit)
        except LLMFailure as exc:
            log.info("LLM extraction failed: %s", exc)
            return self._failed(str(exc), warnings, usage, started)
        return self._result(listing, drafts, warnings, usage, cache_hit=all(hits), started=started)

    def _common_fields(self) -> dict[str, Any]:
        s = self.settings
        return {"model": s.model, "prompt_version": s.prompt_id, "prompt_hash": self._prompt_hash, "samples": s.samples}

    def _failed(self, error: str, warnings: list[AnalysisWarning], usage: Usage, started: float) -> ExtractionResult:
        return failed_result(
            self.name, self._scrub(error), warnings=warnings, cache_hit=False,
            latency_seconds=round(time.perf_counter() - started, 3), **self._usage_fields(usage), **self._common_fields(),
        )

    def _result(self, listing: Listing, drafts: list[ExtractionDraft], warnings: list[AnalysisWarning], usage: Usage, *,
                cache_hit: bool, started: float) -> ExtractionResult:
        """Ground every draft, combine the samples, cross-check: the successful ExtractionResult."""
        grounder = Grounder(listing, injection_passages=injection_passages(listing, warnings))
        heuristic = _Lazy(lambda: self._heuristic(listing))
        grounded = []
        for d in drafts:
            profile, tally = to_profile(d, grounder.verify, heuristic.get, kind_supported)
            tally.reasons = [why.value for _, why in grounder.rejections]
            grounder.rejections.clear()
            grounded.append((profile, tally))
        profile, tally = combine_samples(grounded, warnings)
        warnings.extend(grounding_warnings(tally))
        warnings.extend(fallback_warning(tally.fallbacks))
        if self.settings.cross_check:
            other = heuristic.get()
            if other is None:
                warnings.append(AnalysisWarning(code="cross_check_unavailable", severity=Severity.INFO, message="The heuristic cross-check could not run.", detail=None))
            else:
                warnings.extend(disagreement_warnings(profile, other, self.settings.disagreement_threshold))
        outcome = ExtractionOutcome(
            status="ok", provider=self.name, error=None,
            quotes_total=tally.total, quotes_verified=tally.verified, quotes_dropped=tally.dropped,
        )
        return ExtractionResult(
            profile=profile, outcome=outcome, warnings=warnings, cache_hit=cache_hit,
            latency_seconds=round(time.perf_counter() - started, 3), **self._usage_fields(usage), **self._common_fields(),
        )

    # ----------------------------------------------------------------- OpenAI Batch API

    @property
    def client(self) -> openai.OpenAI:
        """The openai client this extractor calls (the Batch API path uploads files and polls batches with it)."""
        return self._client

    def batch_request_body(self, listing: Listing) -> dict[str, Any]:
        """The /v1/chat/completions request body `extract` would send first for this listing.

        Same messages, model, sampling and token parameters, and response_format (json_schema, or
        json_object after an 'auto' fallback or when configured). The dict is the caller's to keep.
        """
        mode = self._mode_now()
        reduced = self._reduce(listing)
        messages = build_messages(self._template, listing, reduced, json_object=mode == "json_object")
        body = self._request_body(messages, mode)
        body["response_format"] = copy.deepcopy(body["response_format"])  # the shared schema must stay untouched
        return body

    def cached_result(self, listing: Listing) -> ExtractionResult | None:
        """The extraction `extract` would build from the response cache alone, or None (no request is made).

        None when the cache is off (no_cache, replay, recording) or any sample is missing from it.
        """
        started = time.perf_counter()
        reduced = self._reduce(listing)
        drafts: list[ExtractionDraft] = []
        for sample in range(self.settings.samples):
            draft = self._cached_draft(self._cache_key(listing, reduced, sample))
            if draft is None:
                return None
            drafts.append(draft)
        return self._result(listing, drafts, self._input_warnings(listing, reduced), Usage(), cache_hit=True, started=started)

    def result_from_completion(self, listing: Listing, completion_json: dict[str, Any]) -> ExtractionResult:
        """The ExtractionResult for a chat completion (as JSON) answering `batch_request_body(listing)`.

        Exactly what `extract` does with a live answer: usage and cost, refusal / truncation / content
        filter, validation with local JSON repair, grounding, cross-check, injection warnings, and the
        response cache filled on success. There is no re-ask: an invalid answer is a failed result
        (never values), and a later run asks again. Needs samples == 1 (one completion per listing).
        """
        if self.settings.samples != 1:
            raise ConfigError(
                f"an OpenAI batch answer is one sample, but this extractor takes {self.settings.samples}",
                hint="drop --samples, or run without --openai-batch",
            )
        started = time.perf_counter()
        reduced = self._reduce(listing)
        warnings = self._input_warnings(listing, reduced)
        usage = Usage()
        try:
            # built as loosely as the SDK builds live responses; _reply copes with missing or odd fields
            completion = ChatCompletion.construct(**completion_json)
        except TypeError:
            return self._failed(f"the answer is not a chat completion object (got {type(completion_json).__name__})", warnings, usage, started)
        mode = self._mode_now()
        messages = build_messages(self._template, listing, reduced, json_object=mode == "json_object")  # for local token counts
        try:
            reply = self._reply(completion, messages, usage)
        except LLMFailure as exc:
            return self._failed(str(exc), warnings, usage, started)
        if reply.draft is None:
            first = (reply.error or "invalid reply").splitlines()[0]
            return self._failed(f"the model's reply did not match the schema ({first}); it is asked again on the next run", warnings, usage, started)
        self._store(self._cache_key(listing, reduced, 0), reply.draft, usage.input_tokens, usage.output_tokens)
        return self._result(listing, [reply.draft], warnings, usage, cache_hit=False, started=started)

    def estimate_tokens(self, listing: Listing) -> int:
        """Tokens one request for this listing reserves (prompt + answer limit), for batch rate limits."""
        fit = self._fit()
        return fit.fixed_tokens + self._reduce(listing).tokens + fit.max_output_tokens

    def _usage_fields(self, usage: Usage) -> dict[str, Any]:
        cost = estimate_cost(self.settings.model, usage.input_tokens, usage.output_tokens, self.settings.prices,
                             cached_input_tokens=usage.cached_input_tokens)
        if self.settings.replay_dir:
            cost = 0.0 if cost is not None else None  # replay spends nothing
        return {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens, "estimated_cost_usd": cost}

    @staticmethod
    def _heuristic(listing: Listing) -> AgenticProfile | None:
        """The offline extractor's profile: the fallback for ungrounded items and the cross-check."""
        try:
            from analyzer.extract.heuristic import HeuristicExtractor

            return HeuristicExtractor().extract(listing).profile
        except Exception as exc:  # advisory: never fail the LLM result because of it
            log.info("heuristic extractor unavailable: %s", exc)
            return None


class _Lazy:
    """Computes a value once, on first use."""

    def __init__(self, make: Callable[[], AgenticProfile | None]) -> None:
        self._make = make
        self._done = False
        self._value: AgenticProfile | None = None

    def get(self) -> AgenticProfile | None:
        if not self._done:
            self._value, self._done = self._make(), True
        return self._value


def _injection_warnings(listing: Listing) -> list[AnalysisWarning]:
    from analyzer.extract.injection import detect_injection

    return list(detect_injection(listing))


__all__ = [
    "MODES", "REPLAY_BASE_URL", "LLMExtractor", "LLMSettings", "combine_samples", "disagreement_warnings",
    "json_schema_response_format", "repair_json", "settings_from_options",
]
