"""Reading one chat completion: token usage, refusal / truncation / content filter, and the draft.

`read_completion` takes a ChatCompletion as the SDK builds it (loosely: fields may be missing or of the
wrong type), from a live response or a Batch API output line. The JSON is validated against the draft
model, after a local repair (code fences, prose around the object, trailing commas) if the raw reply
does not parse; an invalid reply is returned with a short error list for the re-ask, never raised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pydantic

from analyzer.extract.budget import count_tokens
from analyzer.extract.llm_transport import LLMFailure, one_line
from analyzer.extract.schema import ExtractionDraft

MAX_ERRORS_SHOWN = 12


@dataclass
class Reply:
    draft: ExtractionDraft | None
    content: str
    error: str | None


@dataclass
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0
    calls: int = 0

    def add(self, usage: Any, messages: list[dict[str, str]], content: str, model: str) -> None:
        """Tokens from the server's usage block, counted locally when it is missing or malformed."""
        self.calls += 1
        prompt = _token_count(getattr(usage, "prompt_tokens", None))
        completion = _token_count(getattr(usage, "completion_tokens", None))
        details = getattr(usage, "prompt_tokens_details", None)
        cached = _token_count(getattr(details, "cached_tokens", None) if details is not None else None)
        self.input_tokens += prompt if prompt is not None else sum(count_tokens(m["content"], model) + 4 for m in messages)
        self.output_tokens += completion if completion is not None else count_tokens(content, model)
        if cached is not None and prompt is not None:
            self.cached_input_tokens += min(cached, prompt)


def _token_count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return max(0, int(value)) if value is not None else None
    except (TypeError, ValueError):
        return None


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


def validation_summary(exc: Exception) -> str:
    if isinstance(exc, pydantic.ValidationError):
        lines = []
        for err in exc.errors()[:MAX_ERRORS_SHOWN]:
            where = ".".join(str(p) for p in err["loc"])
            lines.append(f"- {where or '(root)'}: {err['msg']}")
        more = exc.error_count() - MAX_ERRORS_SHOWN
        if more > 0:
            lines.append(f"- … and {more} more errors")
        return "\n".join(lines)
    return f"- not valid JSON: {exc}"


def validate(content: str) -> Reply:
    error: Exception = ValueError("empty reply")
    for candidate in dict.fromkeys([content, repair_json(content)]):
        try:
            return Reply(ExtractionDraft.model_validate_json(candidate), content, None)
        except (pydantic.ValidationError, ValueError) as exc:
            error = exc
    return Reply(None, content, validation_summary(error))


def read_completion(completion: Any, messages: list[dict[str, str]], usage: Usage, *, model: str, max_output_tokens: int) -> Reply:
    """Usage, then refusal / truncation / content filter as LLMFailure, else the validated draft or its error."""
    choices = getattr(completion, "choices", None)
    if not isinstance(choices, list) or not choices:
        raise LLMFailure("the LLM server returned no choices")
    choice = choices[0]
    message = getattr(choice, "message", None)
    content = getattr(message, "content", None)
    content = content if isinstance(content, str) else ("" if content is None else str(content))
    usage.add(getattr(completion, "usage", None), messages, content, model)
    finish_reason = getattr(choice, "finish_reason", None)
    if finish_reason == "length":
        raise LLMFailure(f"the model's answer was cut off at the output limit ({max_output_tokens} tokens, finish_reason 'length')")
    if finish_reason == "content_filter":
        raise LLMFailure("the LLM provider's content filter stopped the answer")
    refusal = getattr(message, "refusal", None)
    if refusal:
        raise LLMFailure(f"the model refused: {one_line(str(refusal), 300)}")
    return validate(content)


__all__ = ["Reply", "Usage", "read_completion", "repair_json", "validate", "validation_summary"]
