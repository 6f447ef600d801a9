"""Building the chat-completions request: messages, sampling and token parameters, response_format.

json_schema mode sends the strict schema of ExtractionDraft as response_format (built once per process;
the SDK's `parse()` would rebuild it on every call); json_object mode sends `{"type": "json_object"}`
and the prompt carries the schema instead.
"""

from __future__ import annotations

import functools
from typing import Any

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


__all__ = ["JSON_OBJECT_FORMAT", "json_schema_response_format", "request_body", "request_params", "response_format"]
