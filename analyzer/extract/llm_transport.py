"""Calls to the OpenAI-compatible server: the client, a whole-request deadline, transport retries, errors.

One logical request is bounded by `settings.timeout` seconds in total — connect, send, waiting, reading
the answer and the waits between retries — whatever the server does (hang, drip bytes, drip headers):
every socket operation gets at most the time left (analyzer.deadline). The answer is capped at
`max_reply_bytes`. Retries (`max_retries`, tenacity, exponential jittered backoff honouring
Retry-After) are for transient failures only — a dropped connection, 408/409/429, 5xx — and only while
the deadline leaves time for the wait. A refused connection (nothing listens there) and a request that
ran out of time are not retried: asking again cannot help within the bound. The SDK's own retries are
off so the two layers never multiply.

Every failure leaves as one LLMFailure with one line of text (API keys scrubbed); FormatRejected tells
the caller the server does not accept `response_format` json_schema.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import httpx2
import openai
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from analyzer.redact import redact_url, scrub, url_secrets
from analyzer.deadline import BYTE_CAP, DEADLINE, RequestBudget, caused_by, deadline_transport
from analyzer.errors import ExtractionError
from analyzer.extract.llm_settings import LLMSettings
from analyzer.retry_after import parse_retry_after

log = logging.getLogger(__name__)

_TRANSIENT_STATUS = {408, 409, 429}
T = TypeVar("T")


class LLMFailure(ExtractionError):
    """Ends the extraction as failed; the one-line message goes into the report.

    `processing` is True when the server had the whole request and was working on it when the call was
    cut (deadline or answer cap): its prompt tokens were spent and are counted."""

    def __init__(self, message: str, *, processing: bool = False) -> None:
        super().__init__(message)
        self.processing = processing


class FormatRejected(Exception):
    """The server does not accept response_format json_schema."""


def one_line(text: str, limit: int = 400) -> str:
    return " ".join(str(text).split())[:limit]


def make_client(settings: LLMSettings) -> openai.OpenAI:
    """The openai client: deadline-bounded HTTP (or the in-process replay store), optionally recording."""
    transport: httpx2.BaseTransport
    if settings.replay_dir:
        from analyzer.extract.replay import ReplayStore, ReplayTransport

        transport = ReplayTransport(ReplayStore(settings.replay_dir))
    else:
        transport = deadline_transport()
    if settings.record_dir:
        from analyzer.extract.replay import Recorder, RecordingTransport

        transport = RecordingTransport(transport, Recorder(settings.record_dir, secrets=[settings.api_key]))
    http_client = openai.DefaultHttpxClient(transport=transport, timeout=settings.timeout)
    return openai.OpenAI(api_key=settings.api_key, base_url=settings.base_url, timeout=settings.timeout, max_retries=0, http_client=http_client)


def retry_after_seconds(exc: BaseException) -> float | None:
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


_FORMAT_WORDS = ("response_format", "json_schema", "json schema", "structured output")


def is_format_rejection(exc: BaseException) -> bool:
    if not isinstance(exc, openai.APIStatusError) or exc.status_code in _TRANSIENT_STATUS or exc.status_code < 400:
        return False
    text = f"{exc.message} {exc.body!r}".lower()
    return any(word in text for word in _FORMAT_WORDS)


def is_refused(exc: BaseException) -> bool:
    return isinstance(exc, openai.APIConnectionError) and caused_by(exc, ConnectionRefusedError)


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, openai.APITimeoutError):
        return False  # the whole-request deadline has run out: a retry has no time left
    if isinstance(exc, openai.APIConnectionError):
        return not is_refused(exc)
    if isinstance(exc, openai.APIStatusError):
        return (exc.status_code in _TRANSIENT_STATUS or exc.status_code >= 500) and not is_format_rejection(exc)
    return False


class Transport:
    """Sends one logical request with retries inside its deadline; see the module doc."""

    def __init__(self, settings: LLMSettings, client: openai.OpenAI | None = None) -> None:
        self.settings = settings
        self.client = client or make_client(settings)

    def scrub(self, text: str) -> str:
        key = self.settings.api_key
        text = text.replace(key, "***") if key and len(key) >= 4 else text
        return scrub(text, url_secrets(self.settings.base_url))  # credentials written into --base-url

    def _retrying(self, budget: RequestBudget) -> Retrying:
        s = self.settings
        backoff = wait_exponential_jitter(multiplier=s.retry_wait_initial, max=s.retry_wait_max, jitter=s.retry_wait_initial)

        def wait(state: Any) -> float:
            exc = state.outcome.exception() if state.outcome else None
            after = retry_after_seconds(exc) if exc else None
            return min(after, s.retry_after_max) if after is not None else backoff(state)

        def out_of_time(state: Any) -> bool:
            return state.upcoming_sleep >= budget.remaining()

        def before_sleep(state: Any) -> None:
            exc = state.outcome.exception() if state.outcome else None
            log.info("LLM request failed (%s); retrying, attempt %d of %d", type(exc).__name__, state.attempt_number + 1, s.max_retries + 1)

        return Retrying(
            stop=stop_after_attempt(s.max_retries + 1) | out_of_time, wait=wait, retry=retry_if_exception(lambda exc: budget.tripped is None and is_transient(exc)),
            reraise=True, sleep=s.sleep, before_sleep=before_sleep,
        )

    def send(self, fn: Callable[[], T]) -> T:
        """Run `fn` (one SDK call) under the deadline with retries; failures become LLMFailure / FormatRejected."""
        s = self.settings
        budget = RequestBudget(s.timeout, s.max_reply_bytes)
        attempts = 0

        def attempt() -> T:
            nonlocal attempts
            attempts += 1
            budget.bytes_read = 0  # the byte cap is per answer, the deadline for the whole request
            with budget:
                return fn()

        where = self.scrub(redact_url(s.base_url) if s.base_url else "api.openai.com")
        try:
            return self._retrying(budget)(attempt)
        except openai.APIStatusError as exc:
            tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
            detail = one_line(self.scrub(str(exc.message)))
            if is_format_rejection(exc):
                raise FormatRejected(detail) from None
            if is_transient(exc):
                raise LLMFailure(f"the LLM server kept failing (HTTP {exc.status_code}) after {tries}: {detail}") from None
            if isinstance(exc, openai.AuthenticationError):
                raise LLMFailure(f"the LLM server refused the API key (HTTP 401): {detail}") from None
            raise LLMFailure(f"the LLM server answered HTTP {exc.status_code}: {detail}") from None
        except openai.APIConnectionError as exc:
            tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
            if budget.tripped == BYTE_CAP:
                raise LLMFailure(f"the LLM server's answer was larger than {s.max_reply_bytes} bytes; it was cut off and discarded", processing=True) from None
            if budget.tripped == DEADLINE or isinstance(exc, openai.APITimeoutError):
                raise LLMFailure(
                    f"the LLM request to {where} did not finish within {s.timeout:g}s ({tries}); raise --llm-timeout for a slow server",
                    processing=budget.bytes_sent > 0,
                ) from None
            if is_refused(exc):
                raise LLMFailure(f"could not connect to the LLM server at {where}: connection refused (is the server running?)") from None
            cause = exc.__cause__ or exc
            raise LLMFailure(f"could not connect to the LLM server at {where} after {tries}: {one_line(self.scrub(str(cause) or type(cause).__name__))}") from None


__all__ = ["FormatRejected", "LLMFailure", "Transport", "is_format_rejection", "is_transient", "make_client", "one_line", "retry_after_seconds"]
