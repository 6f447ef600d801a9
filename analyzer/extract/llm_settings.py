"""Settings of the LLM extractor: provider options (CLI flags / Python API) over environment defaults."""

from __future__ import annotations

import math
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analyzer.redact import redact_url
from analyzer.errors import ConfigError
from analyzer.extract.budget import DEFAULT_INPUT_BUDGET, load_prices
from analyzer.extract.prompting import DEFAULT_PROMPT_ID

MODES = ("auto", "json_schema", "json_object")
REPLAY_BASE_URL = "http://replay.invalid/v1"
DEFAULT_MAX_OUTPUT_TOKENS = 4096
DEFAULT_TIMEOUT = 120.0
DEFAULT_RETRIES = 2
DEFAULT_MAX_REPLY_BYTES = 2_000_000  # a 4,096-token JSON answer is ~20 kB; anything near this is not an answer
DISAGREEMENT_THRESHOLD = 0.3
SAMPLED_TEMPERATURE = 0.7  # default when --samples > 1: identical greedy answers would measure nothing


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
    timeout: float = DEFAULT_TIMEOUT  # whole-request deadline: connect, send, wait, read, and the retries' waits
    max_retries: int = DEFAULT_RETRIES
    temperature: float | None = None
    temperature_explicit: bool = False
    prices: dict[str, Any] = field(default_factory=load_prices, repr=False)
    max_output_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS
    input_budget: int = DEFAULT_INPUT_BUDGET
    context_window: int | None = None  # the server's context size (prompt + answer); the request is fitted to it
    max_reply_bytes: int = DEFAULT_MAX_REPLY_BYTES
    retry_wait_initial: float = 1.0
    retry_wait_max: float = 30.0
    retry_after_max: float = 60.0
    validation_retries: int = 2
    prompt_id: str = DEFAULT_PROMPT_ID
    cross_check: bool = True
    disagreement_threshold: float = DISAGREEMENT_THRESHOLD
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)


_OPTION_ALIASES = {
    "record": "record_dir", "llm_timeout": "timeout", "llm_retries": "max_retries", "retries": "max_retries",
    "price_table": "prices", "max_tokens": "max_output_tokens", "budget": "input_budget",
}


def _number(name: str, value: Any, kind: type = float, minimum: float = 0.0, maximum: float = math.inf) -> Any:
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {value!r}", hint=f"pass a number for {name}") from None
    if not (minimum <= number <= maximum):
        raise ConfigError(f"{name} must be between {minimum} and {maximum}, got {value!r}", hint=f"pass a value in range for {name}")
    return number


_RANGES: tuple[tuple[str, type, float, float], ...] = (
    ("timeout", float, 0.001, 3600), ("max_retries", int, 0, 20), ("max_output_tokens", int, 16, 200_000),
    ("input_budget", int, 100, 1_000_000), ("context_window", int, 512, 10_000_000), ("max_reply_bytes", int, 1024, 1 << 30),
    ("retry_wait_initial", float, 0, 600), ("retry_wait_max", float, 0, 3600),
    ("retry_after_max", float, 0, 3600), ("validation_retries", int, 0, 5), ("disagreement_threshold", float, 0, 1),
)


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
            raise ConfigError(f"base URL {redact_url(base_url)!r} is not an http(s) URL", hint="pass e.g. --base-url http://127.0.0.1:8080/v1")
        api_key = api_key or "not-needed"  # local servers ignore it; the SDK insists on one

    mode = str(opts.pop("structured_output", "auto")).replace("-", "_")
    if mode not in MODES:
        raise ConfigError(f"unknown structured-output mode {mode!r}", hint=f"use one of: {', '.join(MODES)}")
    samples = _number("samples", opts.pop("samples", 1), int, 1, 20)
    explicit_temperature = "temperature" in opts
    if explicit_temperature:
        temperature: float | None = _number("temperature", opts.pop("temperature"), float, 0.0, 2.0)
    elif any(model.startswith(p) for p in prices.get("no_temperature_prefixes", [])):
        temperature = None  # reasoning models reject a temperature
    else:
        temperature = 0.0 if samples == 1 else SAMPLED_TEMPERATURE
    for name, kind_, lo, hi in _RANGES:
        if name in opts:
            opts[name] = _number(name, opts[name], kind_, lo, hi)
    if "context_window" not in opts:
        window = os.environ.get("ANALYZER_CONTEXT_WINDOW")
        if window:
            opts["context_window"] = _number("ANALYZER_CONTEXT_WINDOW", window, int, 512, 10_000_000)
    record_dir = opts.pop("record_dir", None)
    return LLMSettings(
        model=model, base_url=base_url, api_key=str(api_key), structured_output=mode, samples=samples,
        record_dir=Path(record_dir) if record_dir else None, replay_dir=Path(replay_dir) if replay_dir else None,
        temperature=temperature, temperature_explicit=explicit_temperature, prices=prices, **opts,
    )
