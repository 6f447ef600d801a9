"""Client-side CPU per LLM extraction call, with the network taken out.

    python benchmarks/bench_llm_request_cpu.py [--calls N] [--rounds R]

Runs `LLMExtractor.extract` N times per round against an in-process mock transport that answers every
request with the same valid draft (response cache and heuristic cross-check off), and prints the median
CPU milliseconds per call over R rounds, for json_schema and json_object mode. It also times, per call,
what the openai SDK's `chat.completions.parse(response_format=Model)` pays to turn the Pydantic model
into a strict JSON schema, which the extractor now computes once per process.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))  # the small self-written listing and draft of the LLM tests

import httpx2  # noqa: E402
import openai  # noqa: E402

from analyzer.extract.llm import LLMExtractor, settings_from_options  # noqa: E402
from llm_helpers import draft_json, make_listing  # noqa: E402


def _completion_body() -> bytes:
    body = {
        "id": "chatcmpl-bench", "object": "chat.completion", "created": 0, "model": "bench-model",
        "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None, "message": {"role": "assistant", "content": draft_json(), "refusal": None}}],
        "usage": {"prompt_tokens": 1000, "completion_tokens": 200, "total_tokens": 1200},
    }
    return json.dumps(body).encode("utf-8")


def _extractor(mode: str) -> LLMExtractor:
    answer = _completion_body()
    transport = httpx2.MockTransport(lambda request: httpx2.Response(200, content=answer, headers={"content-type": "application/json"}))
    client = openai.OpenAI(api_key="bench", base_url="http://127.0.0.1:9/v1", max_retries=0, http_client=openai.DefaultHttpxClient(transport=transport))
    settings = settings_from_options(model="gpt-4.1-mini", base_url="http://127.0.0.1:9/v1", api_key="bench", structured_output=mode, use_cache=False, cross_check=False)
    return LLMExtractor(settings, client=client)


def _cpu_ms_per_call(fn, calls: int, rounds: int) -> float:  # type: ignore[no-untyped-def]
    fn()  # warm-up: imports, tokenizer, cached schema
    per_round = []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(calls):
            fn()
        per_round.append((time.process_time() - started) * 1000 / calls)
    return statistics.median(per_round)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    listing = make_listing()
    for mode in ("json_schema", "json_object"):
        extractor = _extractor(mode)
        result = extractor.extract(listing)
        if result.outcome.status != "ok":
            print(f"{mode}: extraction failed: {result.outcome.error}", file=sys.stderr)
            return 1
        ms = _cpu_ms_per_call(lambda x=extractor: x.extract(listing), args.calls, args.rounds)
        print(f"extract ({mode:<11}) CPU per call: {ms:7.2f} ms  (median of {args.rounds} rounds x {args.calls} calls)")

    from openai.lib._parsing._completions import type_to_response_format_param

    from analyzer.extract.schema import ExtractionDraft

    ms = _cpu_ms_per_call(lambda: type_to_response_format_param(ExtractionDraft), args.calls, args.rounds)
    print(f"SDK schema build for response_format=ExtractionDraft: {ms:7.2f} ms per call (what parse() pays each time)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
