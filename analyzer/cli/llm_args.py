"""CLI flags for choosing and configuring the extractor (shared by `analyze`, `batch`, `eval`).

`add_llm_arguments(parser)` adds the flags; `llm_options_from_args(args)` turns them into a dict with a
'provider' key plus the LLMExtractor options that were given (unset flags are left out, so the
environment — OPENAI_API_KEY, OPENAI_BASE_URL, ANALYZER_MODEL — supplies the defaults).
`--no-cache` is not added here: the command adds it (it covers the fetch cache too) and passes
`use_cache=not args.no_cache` to `analyzer.pipeline.analyze`, which hands it on to the extractor.
"""

from __future__ import annotations

import argparse
from typing import Any

from analyzer.errors import ConfigError
from analyzer.extract import PROVIDERS

STRUCTURED_OUTPUT_MODES = ("auto", "json_schema", "json_object")


def _has(parser: argparse.ArgumentParser, flag: str) -> bool:
    return flag in parser._option_string_actions  # argparse has no public lookup


def add_llm_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "extraction",
        "Which extractor reads the listing. 'auto' uses the LLM when OPENAI_API_KEY or OPENAI_BASE_URL is set, "
        "else the offline heuristic. Any OpenAI-compatible server works (Azure OpenAI, Ollama, vLLM, llama.cpp, LM Studio).",
    )
    if not _has(parser, "--provider"):
        group.add_argument("--provider", choices=PROVIDERS, default="auto", help="extractor (default: auto)")
    group.add_argument("--model", help="LLM model name (default: $ANALYZER_MODEL, else gpt-4.1-mini)")
    group.add_argument("--base-url", dest="base_url", metavar="URL", help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1 (default: $OPENAI_BASE_URL)")
    group.add_argument(
        "--structured-output", dest="structured_output", choices=STRUCTURED_OUTPUT_MODES,
        help="json_schema (strict schema), json_object (schema in the prompt, local repair) or auto: json_schema, "
        "falling back to json_object if the server rejects it (default: auto)",
    )
    group.add_argument("--samples", type=int, metavar="N", help="run N extractions and take the median per factor; the spread is reported (default: 1)")
    group.add_argument("--temperature", type=float, help="sampling temperature (default: 0, or 0.7 with --samples > 1)")
    group.add_argument(
        "--llm-timeout", dest="llm_timeout", type=float, metavar="SECONDS",
        help="total time one LLM request may take, retries and their waits included; no server behaviour extends it (default: 120)",
    )
    group.add_argument(
        "--llm-retries", dest="llm_retries", type=int, metavar="N",
        help="retries after a transient failure (dropped connection, 429, 5xx) within --llm-timeout; a refused connection is not retried (default: 2)",
    )
    group.add_argument(
        "--context-window", dest="context_window", type=int, metavar="TOKENS",
        help="the model server's context size (prompt + answer, e.g. 4096 or 8192 for a local server); the listing is reduced "
        "to fit and the report says what was cut (default: $ANALYZER_CONTEXT_WINDOW, else the model's known window)",
    )
    group.add_argument("--record", metavar="DIR", help="save every LLM request/response pair to DIR as JSON (API keys are never written)")
    group.add_argument("--replay", metavar="DIR", help="answer LLM requests from recordings in DIR (made with --record); no network")


def llm_options_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """{'provider': ..., **options for get_extractor}. use_cache is not included (see the module doc)."""
    provider = getattr(args, "provider", None) or "auto"
    options: dict[str, Any] = {}
    for dest in ("model", "base_url", "structured_output", "samples", "temperature"):
        value = getattr(args, dest, None)
        if value is not None:
            options[dest] = value
    if getattr(args, "llm_timeout", None) is not None:
        options["timeout"] = args.llm_timeout
    if getattr(args, "llm_retries", None) is not None:
        options["max_retries"] = args.llm_retries
    if getattr(args, "context_window", None) is not None:
        options["context_window"] = args.context_window
    if getattr(args, "record", None):
        options["record_dir"] = args.record
    replay = getattr(args, "replay", None)
    if replay:
        if provider == "heuristic":
            raise ConfigError("--replay replays LLM responses, but --provider heuristic uses no LLM", hint="drop --provider heuristic, or drop --replay")
        provider = "replay"
        options["replay_dir"] = replay
    elif provider == "replay":
        raise ConfigError("--provider replay needs --replay DIR", hint="pass the directory written by --record DIR")
    if provider == "heuristic" and options:
        given = ", ".join(f"--{k.replace('_', '-')}" for k in options)
        raise ConfigError(f"{given} only apply to an LLM provider, but --provider heuristic was chosen", hint="use --provider openai, or drop those flags")
    return {"provider": provider, **options}
