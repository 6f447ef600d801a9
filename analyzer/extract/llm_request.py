"""Building the chat-completions request: messages, sampling and token parameters, response_format.

json_schema mode sends the strict schema of ExtractionDraft as response_format (built once per process;
the SDK's `parse()` would rebuild it on every call); json_object mode sends `{"type": "json_object"}`
and the prompt carries the schema instead. `fit_request` sizes the listing and the answer for a
server's context window (`--context-window`), so nothing is silently truncated by a local server.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from analyzer.errors import ConfigError
from analyzer.extract.budget import count_tokens
from analyzer.extract.llm_settings import LLMSettings
from analyzer.extract.schema import ExtractionDraft, draft_json_schema

JSON_OBJECT_FORMAT: dict[str, Any] = {"type": "json_object"}


@functools.cache
def json_schema_response_format() -> dict[str, Any]:
    """The `response_format` of json_schema mode, built once per process.

    Equal to what the SDK's `chat.completions.parse(response_format=ExtractionDraft)` sends (a test checks
    it), without rebuilding the strict schema on every call. Shared: never mutate it.
    """
    return {"type": "json_schema", "json_schema": {"schema": draft_json_schema(), "name": ExtractionDraft.__name__, "strict": True}}


def response_format(mode: str) -> dict[str, Any]:
    return json_schema_response_format() if mode == "json_schema" else JSON_OBJECT_FORMAT


def request_params(settings: LLMSettings, max_output_tokens: int | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"model": settings.model}
    if settings.temperature is not None:
        params["temperature"] = settings.temperature
    on_openai = settings.base_url is None or "api.openai.com" in settings.base_url
    # OpenAI wants max_completion_tokens (reasoning models reject max_tokens); compatible servers know max_tokens
    params["max_completion_tokens" if on_openai else "max_tokens"] = max_output_tokens or settings.max_output_tokens
    return params


def request_body(messages: list[dict[str, str]], mode: str, settings: LLMSettings, max_output_tokens: int | None = None) -> dict[str, Any]:
    """The /v1/chat/completions body for one call (the response_format dict is shared, not copied)."""
    body = {"messages": messages, **request_params(settings, max_output_tokens), "response_format": response_format(mode)}
    if mode == "json_schema":
        body["stream"] = False  # what the SDK's parse() sent: the same body keeps earlier recordings replayable
    return body




# --------------------------------------------------------------------------- fitting a context window

MESSAGE_FRAMING = 4  # role and separators per chat message
MIN_ANSWER_TOKENS = 1024  # below this a full draft (ten factors, eight facts, quotes) does not fit
MIN_LISTING_TOKENS = 200
WINDOW_MARGIN = 32  # tokenizers of local models differ from o200k by a few per cent


@dataclass(frozen=True)
class RequestFit:
    """How one request is sized: listing budget and answer limit, and why."""

    listing_budget: int
    max_output_tokens: int
    context_window: int | None
    fixed_tokens: int  # system message + response_format + the user message around the listing

    @property
    def fitted(self) -> bool:
        return self.context_window is not None


def fixed_tokens(system: str, user_frame: str, mode: str, model: str) -> int:
    fmt = json.dumps(response_format(mode), separators=(",", ":")) if mode == "json_schema" else ""
    return count_tokens(system, model) + count_tokens(user_frame, model) + count_tokens(fmt, model) + 2 * MESSAGE_FRAMING


def fit_request(settings: LLMSettings, fixed: int) -> RequestFit:
    """The listing budget and answer limit for `settings.context_window` (prompt + answer must fit in it).

    The answer keeps up to half of what the fixed part leaves (at least MIN_ANSWER_TOKENS, at most
    max_output_tokens); the listing gets the rest, at most input_budget. A window too small for the
    fixed part, a minimal answer and a minimal listing is a configuration error, said before any call.
    """
    window = settings.context_window
    if window is None:
        return RequestFit(settings.input_budget, settings.max_output_tokens, None, fixed)
    left = window - fixed - WINDOW_MARGIN
    answer = min(settings.max_output_tokens, max(MIN_ANSWER_TOKENS, left // 2))
    listing = min(settings.input_budget, left - answer)
    if listing < MIN_LISTING_TOKENS:
        need = fixed + WINDOW_MARGIN + MIN_ANSWER_TOKENS + MIN_LISTING_TOKENS
        raise ConfigError(
            f"a {window}-token context window is too small: the fixed prompt takes {fixed} tokens, and the answer and listing need {need - fixed} more",
            hint=f"start the model server with a context of at least {need} tokens (e.g. llama.cpp -c {1 << (need - 1).bit_length()}, Ollama num_ctx) and pass --context-window",
        )
    return RequestFit(listing, answer, window, fixed)


__all__ = ["JSON_OBJECT_FORMAT", "RequestFit", "fit_request", "fixed_tokens", "json_schema_response_format", "request_body", "request_params", "response_format"]
