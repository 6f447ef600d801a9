"""LLM extraction through the openai SDK, for OpenAI and any OpenAI-compatible server.

One extraction: detect injection text → reduce the listing to the input budget → render the versioned
prompt → ask for an ExtractionDraft (structured output) → verify every quote against the listing →
AgenticProfile (factors without grounded evidence fall back to the kind's floor) → cross-check with the
offline heuristic extractor.

Failures never turn into factor values. Retries come in layers:
- transport (connection errors, timeouts, 429, 5xx): tenacity with exponential jittered backoff that
  honours Retry-After, bounded tries; the SDK's own retries are off so the two never multiply;
- validation (malformed JSON, schema violations): re-asked at most `validation_retries` times with the
  error appended to the conversation;
- refusal, truncation (finish_reason 'length'), content filter, other HTTP errors and exhausted
  retries: an explicit failed ExtractionResult with a clear error.

Structured output modes: 'json_schema' sends the strict schema of ExtractionDraft as response_format
(built once per process; the SDK's `parse()` would rebuild it on every call) and validates the reply
itself; 'json_object' puts the schema in the prompt and repairs the reply locally (code fences, leading
prose, trailing commas); 'auto' starts with json_schema and switches to json_object, for the rest of the
run, when the server rejects json_schema.

The OpenAI Batch API path (analyzer/batch/openai_batch.py) uses the same internals through three public
methods: `batch_request_body`, `cached_result` and `result_from_completion`.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import logging
import math
import os
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import openai
import pydantic
from openai.types.chat import ChatCompletion
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from analyzer.retry_after import parse_retry_after
from analyzer.errors import ConfigError
from analyzer.extract.base import ExtractionResult, failed_result
from analyzer.extract.budget import DEFAULT_INPUT_BUDGET, ReducedInput, count_tokens, estimate_cost, load_prices, reduce_listing
from analyzer.extract.grounding import Grounder
from analyzer.extract.llm_cache import CachedResponse, ResponseCache, cache_key
from analyzer.extract.prompting import DEFAULT_PROMPT_ID, PromptTemplate, build_messages, load_prompt, prompt_hash, reask_messages
from analyzer.extract.schema import ExtractionDraft, GroundingTally, draft_json_schema, schema_hash, to_profile
from analyzer.models import (
    FACTOR_NAMES,
    FACTOR_ORDER,
    AgenticProfile,
    AnalysisWarning,
    ExtractionOutcome,
    FactorAssessment,
    Listing,
    Severity,
)

log = logging.getLogger(__name__)

MODES = ("auto", "json_schema", "json_object")
REPLAY_BASE_URL = "http://replay.invalid/v1"
DEFAULT_MAX_OUTPUT_TOKENS = 4096
DISAGREEMENT_THRESHOLD = 0.3
SAMPLED_TEMPERATURE = 0.7  # default when --samples > 1: identical greedy answers would measure nothing
_FORMAT_REJECTION = re.compile(r"response_format|json_schema|json schema|structured output", re.IGNORECASE)
_TRANSIENT_STATUS = {408, 409, 429}


# --------------------------------------------------------------------------- settings


@dataclass
class LLMSettings:
    model: str
    base_url: str | None
    api_key: str = field(repr=False)
    structured_output: str = "auto"
    samples: int = 1
    use_cache: bool = True
    record_dir: Path | None = None
    replay_dir: Path | None = None
    timeout: float = 120.0
    max_retries: int = 4
    temperature: float | None = None
    temperature_explicit: bool = False
    prices: dict[str, Any] = field(default_factory=load_prices, repr=False)
    max_output_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS
    input_budget: int = DEFAULT_INPUT_BUDGET
    retry_wait_initial: float = 1.0
    retry_wait_max: float = 30.0
    retry_after_max: float = 60.0
    validation_retries: int = 2
    prompt_id: str = DEFAULT_PROMPT_ID
    cross_check: bool = True
    disagreement_threshold: float = DISAGREEMENT_THRESHOLD
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)


_OPTION_ALIASES = {"record": "record_dir", "llm_timeout": "timeout", "price_table": "prices", "max_tokens": "max_output_tokens", "budget": "input_budget"}


def _positive(name: str, value: Any, kind: type = float, minimum: float = 0.0, maximum: float = math.inf) -> Any:
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {value!r}", hint=f"pass a number for {name}") from None
    if not (minimum <= number <= maximum):
        raise ConfigError(f"{name} must be between {minimum} and {maximum}, got {value!r}", hint=f"pass a value in range for {name}")
    return number


def settings_from_options(**options: Any) -> LLMSettings:
    """Validate provider options (CLI flags / Python API) over env defaults into LLMSettings."""
    opts = {_OPTION_ALIASES.get(k, k): v for k, v in options.items()}
    if "no_cache" in opts:
        opts["use_cache"] = not opts.pop("no_cache")
    replay = opts.pop("replay", None)
    replay_dir = opts.pop("replay_dir", None)
    if isinstance(replay, (str, Path)) and str(replay):
        replay_dir = replay
    if replay and not replay_dir:
        replay_dir = os.environ.get("ANALYZER_REPLAY_DIR")
        if not replay_dir:
            raise ConfigError("the replay provider needs a directory of recordings", hint="pass --replay DIR (made with --record DIR) or set ANALYZER_REPLAY_DIR")
    known = set(LLMSettings.__dataclass_fields__) - {"temperature_explicit", "replay_dir"}
    unknown = sorted(k for k in opts if k not in known and opts[k] is not None)
    if unknown:
        raise ConfigError(f"unknown LLM option(s): {', '.join(unknown)}", hint=f"known options: {', '.join(sorted(known))}, replay")
    opts = {k: v for k, v in opts.items() if v is not None}

    prices = load_prices(opts.pop("prices", None))
    model = str(opts.pop("model", None) or os.environ.get("ANALYZER_MODEL") or prices["default_model"])
    if replay_dir:
        base_url: str | None = REPLAY_BASE_URL
        api_key = "replay"
        opts.pop("base_url", None)
        opts.pop("api_key", None)
    else:
        base_url = opts.pop("base_url", None) or os.environ.get("OPENAI_BASE_URL") or None
        api_key = opts.pop("api_key", None) or os.environ.get("OPENAI_API_KEY") or ""
        if not api_key and not base_url:
            raise ConfigError(
                "the openai provider needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local OpenAI-compatible server)",
                hint="export OPENAI_API_KEY=..., or use --provider heuristic for the offline extractor",
            )
        if base_url and not re.match(r"^https?://", base_url):
            raise ConfigError(f"base URL {base_url!r} is not an http(s) URL", hint="pass e.g. --base-url http://127.0.0.1:8080/v1")
        api_key = api_key or "not-needed"  # local servers ignore it; the SDK insists on one

    mode = str(opts.pop("structured_output", "auto")).replace("-", "_")
    if mode not in MODES:
        raise ConfigError(f"unknown structured-output mode {mode!r}", hint=f"use one of: {', '.join(MODES)}")
    samples = _positive("samples", opts.pop("samples", 1), int, 1, 20)
    explicit_temperature = "temperature" in opts
    if explicit_temperature:
        temperature: float | None = _positive("temperature", opts.pop("temperature"), float, 0.0, 2.0)
    elif any(model.startswith(p) for p in prices.get("no_temperature_prefixes", [])):
        temperature = None  # reasoning models reject a temperature
    else:
        temperature = 0.0 if samples == 1 else SAMPLED_TEMPERATURE
    for name, kind_, lo, hi in (
        ("timeout", float, 0.001, 3600), ("max_retries", int, 0, 20), ("max_output_tokens", int, 16, 200_000),
        ("input_budget", int, 100, 1_000_000), ("retry_wait_initial", float, 0, 600), ("retry_wait_max", float, 0, 3600),
        ("retry_after_max", float, 0, 3600), ("validation_retries", int, 0, 5), ("disagreement_threshold", float, 0, 1),
    ):
        if name in opts:
            opts[name] = _positive(name, opts[name], kind_, lo, hi)
    record_dir = opts.pop("record_dir", None)
    return LLMSettings(
        model=model, base_url=base_url, api_key=str(api_key), structured_output=mode, samples=samples,
        record_dir=Path(record_dir) if record_dir else None, replay_dir=Path(replay_dir) if replay_dir else None,
        temperature=temperature, temperature_explicit=explicit_temperature, prices=prices, **opts,
    )


# --------------------------------------------------------------------------- failures and replies


class _Failure(Exception):
    """Ends the extraction as failed; the message goes into the report."""


class _FormatRejected(Exception):
    """The server does not accept response_format json_schema."""


@dataclass
class _Reply:
    draft: ExtractionDraft | None
    content: str
    error: str | None


@dataclass
class _Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    calls: int = 0

    def add(self, usage: Any, messages: list[dict[str, str]], content: str, model: str) -> None:
        """Tokens from the server's usage block, counted locally when it is missing or malformed."""
        self.calls += 1
        prompt = _token_count(getattr(usage, "prompt_tokens", None))
        completion = _token_count(getattr(usage, "completion_tokens", None))
        self.input_tokens += prompt if prompt is not None else sum(count_tokens(m["content"], model) + 4 for m in messages)
        self.output_tokens += completion if completion is not None else count_tokens(content, model)


def _token_count(value: Any) -> int | None:
    try:
        return max(0, int(value)) if value is not None else None
    except (TypeError, ValueError):
        return None


@functools.cache
def json_schema_response_format() -> dict[str, Any]:
    """The `response_format` of json_schema mode, built once per process.

    Equal to what the SDK's `chat.completions.parse(response_format=ExtractionDraft)` sends (a test checks
    it), without rebuilding the strict schema on every call. Shared: never mutate it.
    """
    return {"type": "json_schema", "json_schema": {"schema": draft_json_schema(), "name": ExtractionDraft.__name__, "strict": True}}


_JSON_OBJECT_FORMAT: dict[str, Any] = {"type": "json_object"}


def repair_json(text: str) -> str:
    """Best-effort local repair of a JSON reply: code fences, prose around the object, trailing commas."""
    text = text.strip()
    fence = re.search(r"```(?:json|JSON)?\s*(.*?)```", text, re.DOTALL)
    if fence:
        text = fence.group(1).strip()
    start, end = text.find("{"), text.rfind("}")
    if start != -1 and end > start:
        text = text[start : end + 1]
    return re.sub(r",(\s*[}\]])", r"\1", text)


def _validation_summary(exc: Exception) -> str:
    if isinstance(exc, pydantic.ValidationError):
        lines = []
        for err in exc.errors()[:12]:
            where = ".".join(str(p) for p in err["loc"])
            lines.append(f"- {where or '(root)'}: {err['msg']}")
        more = exc.error_count() - 12
        if more > 0:
            lines.append(f"- … and {more} more errors")
        return "\n".join(lines)
    return f"- not valid JSON: {exc}"


def _retry_after_seconds(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    return parse_retry_after(headers.get("retry-after"))


def _is_format_rejection(exc: BaseException) -> bool:
    if not isinstance(exc, openai.APIStatusError) or exc.status_code in _TRANSIENT_STATUS:
        return False
    if exc.status_code < 400:
        return False
    text = f"{exc.message} {exc.body!r}"
    return bool(_FORMAT_REJECTION.search(text))


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(exc, openai.APIStatusError):
        return (exc.status_code in _TRANSIENT_STATUS or exc.status_code >= 500) and not _is_format_rejection(exc)
    return False


# --------------------------------------------------------------------------- the extractor


class LLMExtractor:
    """Extractor for `--provider openai` (and `replay`). Build it with `from_options`."""

    def __init__(self, settings: LLMSettings, *, client: openai.OpenAI | None = None) -> None:
        self.settings = settings
        self.name = "replay" if settings.replay_dir else "openai"
        self._client = client or self._make_client()
        self._mode: str | None = None if settings.structured_output == "auto" else settings.structured_output
        self._template: PromptTemplate = load_prompt(settings.prompt_id)
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

    # ----------------------------------------------------------------- client

    def _make_client(self) -> openai.OpenAI:
        s = self.settings
        transport: httpx2.BaseTransport
        if s.replay_dir:
            from analyzer.extract.replay import ReplayStore, ReplayTransport

            transport = ReplayTransport(ReplayStore(s.replay_dir))
        else:
            transport = httpx2.HTTPTransport()
        if s.record_dir:
            from analyzer.extract.replay import Recorder, RecordingTransport

            transport = RecordingTransport(transport, Recorder(s.record_dir, secrets=[s.api_key]))
        http_client = openai.DefaultHttpxClient(transport=transport, timeout=s.timeout)
        return openai.OpenAI(api_key=s.api_key, base_url=s.base_url, timeout=s.timeout, max_retries=0, http_client=http_client)

    def _scrub(self, text: str) -> str:
        key = self.settings.api_key
        return text.replace(key, "***") if key and len(key) >= 4 else text

    def _request_params(self) -> dict[str, Any]:
        s = self.settings
        params: dict[str, Any] = {"model": s.model}
        if s.temperature is not None:
            params["temperature"] = s.temperature
        on_openai = s.base_url is None or "api.openai.com" in s.base_url
        # OpenAI wants max_completion_tokens (reasoning models reject max_tokens); compatible servers know max_tokens
        params["max_completion_tokens" if on_openai else "max_tokens"] = s.max_output_tokens
        return params

    def _retrying(self) -> Retrying:
        s = self.settings
        backoff = wait_exponential_jitter(multiplier=s.retry_wait_initial, max=s.retry_wait_max, jitter=s.retry_wait_initial)

        def wait(state: Any) -> float:
            exc = state.outcome.exception() if state.outcome else None
            after = _retry_after_seconds(exc) if exc else None
            return min(after, s.retry_after_max) if after is not None else backoff(state)

        def before_sleep(state: Any) -> None:
            exc = state.outcome.exception() if state.outcome else None
            log.info("LLM request failed (%s); retrying, attempt %d of %d", type(exc).__name__, state.attempt_number + 1, s.max_retries + 1)

        return Retrying(
            stop=stop_after_attempt(s.max_retries + 1), wait=wait, retry=retry_if_exception(_is_transient),
            reraise=True, sleep=s.sleep, before_sleep=before_sleep,
        )

    def _send(self, fn: Callable[[], Any]) -> Any:
        """One logical request with transport retries; HTTP failures become _Failure / _FormatRejected."""
        s = self.settings
        try:
            return self._retrying()(fn)
        except openai.APIStatusError as exc:
            detail = self._scrub(str(exc.message))[:400]
            if _is_format_rejection(exc):
                raise _FormatRejected(detail) from None
            if _is_transient(exc):
                raise _Failure(f"the LLM server kept failing (HTTP {exc.status_code}) after {s.max_retries + 1} attempts: {detail}") from None
            if isinstance(exc, openai.AuthenticationError):
                raise _Failure(f"the LLM server refused the API key (HTTP 401): {detail}") from None
            raise _Failure(f"the LLM server answered HTTP {exc.status_code}: {detail}") from None
        except openai.APITimeoutError:
            raise _Failure(f"the LLM request timed out after {s.timeout:g}s, {s.max_retries + 1} attempts") from None
        except openai.APIConnectionError as exc:
            where = s.base_url or "api.openai.com"
            raise _Failure(f"could not connect to the LLM server at {where} after {s.max_retries + 1} attempts: {self._scrub(str(exc))}") from None

    # ----------------------------------------------------------------- one call

    def _request_body(self, messages: list[dict[str, str]], mode: str) -> dict[str, Any]:
        """The /v1/chat/completions body for one call (the response_format dict is shared, not copied)."""
        if mode == "json_schema":
            # "stream": false is what the SDK's parse() sent: the same body keeps earlier recordings replayable
            return {"messages": messages, **self._request_params(), "response_format": json_schema_response_format(), "stream": False}
        return {"messages": messages, **self._request_params(), "response_format": _JSON_OBJECT_FORMAT}

    def _call(self, messages: list[dict[str, str]], mode: str, usage: _Usage) -> _Reply:
        body = self._request_body(messages, mode)
        completion = self._send(lambda: self._client.chat.completions.create(**body))  # type: ignore[call-overload]
        return self._reply(completion, messages, usage)

    def _reply(self, completion: Any, messages: list[dict[str, str]], usage: _Usage) -> _Reply:
        """Usage, then refusal / truncation / content filter as _Failure, else the validated draft or its error.

        `completion` is a ChatCompletion as the SDK builds it (loosely: fields may be missing or of the
        wrong type), from a live response or a Batch API output line.
        """
        choices = getattr(completion, "choices", None)
        if not isinstance(choices, list) or not choices:
            raise _Failure("the LLM server returned no choices")
        choice = choices[0]
        message = getattr(choice, "message", None)
        content = getattr(message, "content", None)
        content = content if isinstance(content, str) else ("" if content is None else str(content))
        usage.add(getattr(completion, "usage", None), messages, content, self.settings.model)
        finish_reason = getattr(choice, "finish_reason", None)
        if finish_reason == "length":
            raise _Failure(self._truncated())
        if finish_reason == "content_filter":
            raise _Failure("the LLM provider's content filter stopped the answer")
        refusal = getattr(message, "refusal", None)
        if refusal:
            raise _Failure(f"the model refused: {str(refusal)[:300]}")
        return self._validate(content)

    def _truncated(self) -> str:
        return (
            f"the model's answer was cut off at the output limit ({self.settings.max_output_tokens} tokens, finish_reason 'length')"
        )

    @staticmethod
    def _validate(content: str) -> _Reply:
        error: Exception = ValueError("empty reply")
        for candidate in dict.fromkeys([content, repair_json(content)]):
            try:
                return _Reply(ExtractionDraft.model_validate_json(candidate), content, None)
            except (pydantic.ValidationError, ValueError) as exc:
                error = exc
        return _Reply(None, content, _validation_summary(error))

    # ----------------------------------------------------------------- input and response cache

    def _mode_now(self) -> str:
        return self._mode or "json_schema"

    def _reduce(self, listing: Listing) -> ReducedInput:
        return reduce_listing(listing, self.settings.input_budget, self.settings.model)

    def _input_warnings(self, listing: Listing, reduced: ReducedInput) -> list[AnalysisWarning]:
        warnings = _injection_warnings(listing)
        if reduced.reduced:
            warnings.append(AnalysisWarning(
                code="listing_reduced", severity=Severity.INFO,
                message=f"The listing was reduced to {reduced.sections_kept} of {reduced.sections_total} sections for the LLM ({reduced.tokens} of {reduced.full_tokens} tokens).",
                detail=f"input budget {self.settings.input_budget} tokens; tokenizer {reduced.tokenizer}",
            ))
        return warnings

    def _cache_key(self, listing: Listing, reduced: ReducedInput, sample: int) -> str:
        s = self.settings
        return cache_key(
            model=s.model, base_url=s.base_url, prompt_hash=self._prompt_hash, schema_hash=schema_hash(),
            listing_hash=hashlib.sha256(f"{listing.canonical_url or listing.source}\x00{reduced.text}".encode()).hexdigest(),
            params={"mode": s.structured_output, "temperature": s.temperature, "max_output_tokens": s.max_output_tokens,
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

    def _draft(self, listing: Listing, reduced: ReducedInput, sample: int, usage: _Usage) -> tuple[ExtractionDraft, bool]:
        """One validated draft (from the cache or the server) and whether it came from the cache."""
        key = self._cache_key(listing, reduced, sample)
        cached = self._cached_draft(key)
        if cached is not None:
            return cached, True
        before = (usage.input_tokens, usage.output_tokens)
        draft = self._ask(listing, reduced, usage)
        self._store(key, draft, usage.input_tokens - before[0], usage.output_tokens - before[1])
        return draft, False

    def _ask(self, listing: Listing, reduced: ReducedInput, usage: _Usage) -> ExtractionDraft:
        s = self.settings
        mode = self._mode_now()
        messages = build_messages(self._template, listing, reduced, json_object=mode == "json_object")
        attempt = 0
        last_error = ""
        while attempt <= s.validation_retries:
            try:
                reply = self._call(messages, mode, usage)
            except _FormatRejected as exc:
                if s.structured_output != "auto" or mode == "json_object":
                    raise _Failure(f"the server rejected response_format {mode}: {exc}. Try --structured-output json_object") from None
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
        raise _Failure(f"the model's reply did not match the schema after {s.validation_retries + 1} attempts ({first})")

    # ----------------------------------------------------------------- the whole extraction

    def extract(self, listing: Listing) -> ExtractionResult:
        started = time.perf_counter()
        reduced = self._reduce(listing)
        warnings = self._input_warnings(listing, reduced)
        usage = _Usage()
        drafts: list[ExtractionDraft] = []
        hits: list[bool] = []
        try:
            for sample in range(self.settings.samples):
                draft, hit = self._draft(listing, reduced, sample, usage)
                drafts.append(draft)
                hits.append(hit)
        except _Failure as exc:
            log.warning("LLM extraction failed: %s", exc)
            return self._failed(str(exc), warnings, usage, started)
        return self._result(listing, drafts, warnings, usage, cache_hit=all(hits), started=started)

    def _common_fields(self) -> dict[str, Any]:
        s = self.settings
        return {"model": s.model, "prompt_version": s.prompt_id, "prompt_hash": self._prompt_hash, "samples": s.samples}

    def _failed(self, error: str, warnings: list[AnalysisWarning], usage: _Usage, started: float) -> ExtractionResult:
        return failed_result(
            self.name, self._scrub(error), warnings=warnings, cache_hit=False,
            latency_seconds=round(time.perf_counter() - started, 3), **self._usage_fields(usage), **self._common_fields(),
        )

    def _result(self, listing: Listing, drafts: list[ExtractionDraft], warnings: list[AnalysisWarning], usage: _Usage, *,
                cache_hit: bool, started: float) -> ExtractionResult:
        """Ground every draft, combine the samples, cross-check: the successful ExtractionResult."""
        grounder = Grounder(listing, injection_passages=injection_passages(warnings))
        grounded = [to_profile(d, grounder.verify) for d in drafts]
        profile, tally = combine_samples(grounded, warnings)
        warnings.extend(_grounding_warnings(tally))
        if self.settings.cross_check:
            warnings.extend(self._cross_check(listing, profile))
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
        return self._result(listing, drafts, self._input_warnings(listing, reduced), _Usage(), cache_hit=True, started=started)

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
        usage = _Usage()
        try:
            # built as loosely as the SDK builds live responses; _reply copes with missing or odd fields
            completion = ChatCompletion.construct(**completion_json)
        except TypeError:
            return self._failed(f"the answer is not a chat completion object (got {type(completion_json).__name__})", warnings, usage, started)
        mode = self._mode_now()
        messages = build_messages(self._template, listing, reduced, json_object=mode == "json_object")  # for local token counts
        try:
            reply = self._reply(completion, messages, usage)
        except _Failure as exc:
            return self._failed(str(exc), warnings, usage, started)
        if reply.draft is None:
            first = (reply.error or "invalid reply").splitlines()[0]
            return self._failed(f"the model's reply did not match the schema ({first}); it is asked again on the next run", warnings, usage, started)
        self._store(self._cache_key(listing, reduced, 0), reply.draft, usage.input_tokens, usage.output_tokens)
        return self._result(listing, [reply.draft], warnings, usage, cache_hit=False, started=started)

    def _usage_fields(self, usage: _Usage) -> dict[str, Any]:
        cost = estimate_cost(self.settings.model, usage.input_tokens, usage.output_tokens, self.settings.prices)
        if self.settings.replay_dir:
            cost = 0.0 if cost is not None else None  # replay spends nothing
        return {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens, "estimated_cost_usd": cost}

    def _cross_check(self, listing: Listing, profile: AgenticProfile) -> list[AnalysisWarning]:
        try:
            from analyzer.extract.heuristic import HeuristicExtractor

            other = HeuristicExtractor().extract(listing)
        except Exception as exc:  # the cross-check is advisory: never fail the LLM result because of it
            log.info("heuristic cross-check unavailable: %s", exc)
            return [AnalysisWarning(code="cross_check_unavailable", severity=Severity.INFO, message="The heuristic cross-check could not run.", detail=str(exc)[:300])]
        if other.profile is None:
            return []
        return disagreement_warnings(profile, other.profile, self.settings.disagreement_threshold)


# --------------------------------------------------------------------------- helpers (pure)


def _injection_warnings(listing: Listing) -> list[AnalysisWarning]:
    from analyzer.extract.injection import detect_injection

    return list(detect_injection(listing))


def injection_passages(warnings: list[AnalysisWarning]) -> list[str]:
    """The passages the injection detector quoted (one per line of each prompt_injection warning)."""
    from analyzer.extract.injection import CODE

    return [line for w in warnings if w.code == CODE for line in (w.detail or "").splitlines() if line and not line.startswith("… and ")]


def _grounding_warnings(tally: GroundingTally) -> list[AnalysisWarning]:
    if not tally.dropped:
        return []
    shown = " | ".join(q[:160] for q in tally.dropped_quotes[:5])
    return [AnalysisWarning(
        code="ungrounded_quote", severity=Severity.WARNING,
        message=f"{tally.dropped} of {tally.total} evidence quotes from the LLM were not found in the listing and were dropped.",
        detail=shown[:1000] or None,
    )]


def disagreement_warnings(llm: AgenticProfile, heuristic: AgenticProfile, threshold: float = DISAGREEMENT_THRESHOLD) -> list[AnalysisWarning]:
    """'llm_disagreement' for each factor where the two extractors differ by more than `threshold`."""
    out: list[AnalysisWarning] = []
    for key in FACTOR_ORDER:
        a, b = llm.factor(key).value, heuristic.factor(key).value
        if a is None or b is None:
            continue
        diff = round(abs(a - b), 2)
        if diff > threshold + 1e-9:
            out.append(AnalysisWarning(
                code="llm_disagreement", severity=Severity.WARNING,
                message=f"{FACTOR_NAMES[key]}: the LLM says {a:.1f}, the offline heuristic says {b:.1f}; check the evidence.",
                detail=f"factor={key.value}; llm={a:.1f} ({llm.factor(key).status.value}); heuristic={b:.1f} ({heuristic.factor(key).status.value}); difference={diff:.1f}",
            ))
    return out


def combine_samples(grounded: list[tuple[AgenticProfile, GroundingTally]], warnings: list[AnalysisWarning]) -> tuple[AgenticProfile, GroundingTally]:
    """Self-consistency: the upper median per factor across samples, the spread reported.

    Each factor's assessment (evidence, rationale, status) is taken from a sample that gave the median
    value; the system description from the sample closest to the medians overall. The upper median is
    an actual sample value, so every value keeps the evidence that supports it.
    """
    if len(grounded) == 1:
        return grounded[0]
    profiles = [p for p, _ in grounded]
    medians: dict[str, float] = {}
    factors: list[FactorAssessment] = []
    spreads: list[str] = []
    for key in FACTOR_ORDER:
        values = [p.factor(key).value or 0.0 for p in profiles]
        median = statistics.median_high(values)
        medians[key.value] = median
        factors.append(next(p.factor(key) for p in profiles if p.factor(key).value == median))
        spread = round(max(values) - min(values), 2)
        if spread > 0:
            spreads.append(f"{key.value}: {', '.join(f'{v:.1f}' for v in values)} (spread {spread:.1f})")
    closest = min(profiles, key=lambda p: sum(abs((p.factor(k).value or 0.0) - medians[k.value]) for k in FACTOR_ORDER))
    kinds = {p.system.kind for p in profiles}
    biggest = max((round(max(v) - min(v), 2) for v in ([p.factor(k).value or 0.0 for p in profiles] for k in FACTOR_ORDER)), default=0.0)
    severity = Severity.WARNING if biggest > 0.2 or len(kinds) > 1 else Severity.INFO
    warnings.append(AnalysisWarning(
        code="sample_spread", severity=severity,
        message=f"{len(profiles)} samples: median per factor; largest spread {biggest:.1f}" + (f"; kinds differed: {', '.join(sorted(k.value for k in kinds))}" if len(kinds) > 1 else "") + ".",
        detail="; ".join(spreads) or "all samples agreed on every factor",
    ))
    tally = GroundingTally()
    for _, t in grounded:
        tally.total += t.total
        tally.verified += t.verified
        tally.dropped_quotes.extend(t.dropped_quotes)
    return AgenticProfile(system=closest.system, factors=factors), tally
