"""Bounded LLM calls (issue 12): a hanging, dripping or refusing server ends within --llm-timeout and
the stated number of requests; --llm-retries sets the attempts; oversized answers are refused.

Each slow server here would deliver a valid answer eventually (minutes later), so without the bound the
extraction would succeed: the failure message is what proves the bound held.
"""

from __future__ import annotations

import argparse
import json
import socket

import pytest
from fake_openai import FakeOpenAI, completion, error_body
from llm_helpers import API_KEY, SleepLog, draft_json, extractor, fake, make_listing, sleeps  # noqa: F401 - fixtures

from analyzer.cli.llm_args import add_llm_arguments, llm_options_from_args
from analyzer.errors import ConfigError
from analyzer.extract.budget import count_tokens, reduce_listing
from analyzer.extract.llm import LLMExtractor


def _failed_within_deadline(error: str | None, seconds: float) -> bool:
    return error is not None and f"did not finish within {seconds:g}s" in error and "\n" not in error


def test_hanging_server_ends_at_the_deadline_with_one_request(fake: FakeOpenAI, sleeps: SleepLog) -> None:
    fake.push(200, completion(draft_json()), delay=120)
    result = extractor(fake, sleeps, timeout=0.5, max_retries=3).extract(make_listing())
    assert fake.calls == 1 and sleeps == []  # a request that ran out of time is not retried
    assert result.outcome.status == "failed" and result.profile is None
    assert _failed_within_deadline(result.outcome.error, 0.5)
    assert result.input_tokens and result.input_tokens > 0 and result.output_tokens == 0  # the prompt was sent and spent


def test_body_dripping_server_is_cut_at_the_deadline(fake: FakeOpenAI, sleeps: SleepLog) -> None:
    # one byte every 0.2 s: every read succeeds, so a per-read timeout would wait ~10 minutes
    fake.push(200, completion(draft_json()), drip=0.2)
    result = extractor(fake, sleeps, timeout=1.0, max_retries=2).extract(make_listing())
    assert fake.calls == 1
    assert _failed_within_deadline(result.outcome.error, 1.0)


def test_header_dripping_server_is_cut_at_the_deadline(fake: FakeOpenAI, sleeps: SleepLog) -> None:
    fake.push(200, completion(draft_json()), drip_headers=0.1)  # 200 header lines, one every 0.1 s
    result = extractor(fake, sleeps, timeout=1.0, max_retries=2).extract(make_listing())
    assert fake.calls == 1
    assert _failed_within_deadline(result.outcome.error, 1.0)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_refused_connection_fails_at_once_without_retries(sleeps: SleepLog) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    ex = LLMExtractor.from_options(base_url=url, api_key=API_KEY, max_retries=4, timeout=30, sleep=sleeps, cross_check=False, use_cache=False)
    result = ex.extract(make_listing())
    assert sleeps == []  # refused means nothing listens: no backoff, no second attempt
    error = result.outcome.error or ""
    assert result.input_tokens == 0  # nothing was sent
    assert result.outcome.status == "failed" and "connection refused" in error and url in error and "\n" not in error


@pytest.mark.parametrize("retries", [0, 1, 3])
def test_llm_retries_sets_the_number_of_requests(fake: FakeOpenAI, sleeps: SleepLog, retries: int) -> None:
    for _ in range(6):
        fake.push(503, error_body("overloaded", "server_error"))
    result = extractor(fake, sleeps, max_retries=retries, timeout=30).extract(make_listing())
    assert fake.calls == retries + 1 and len(sleeps) == retries
    assert f"after {retries + 1} attempt" in (result.outcome.error or "")


def test_retry_waits_never_pass_the_deadline(fake: FakeOpenAI, sleeps: SleepLog) -> None:
    fake.push(429, error_body("slow down"), headers={"Retry-After": "20"})
    fake.push_content(draft_json())
    result = extractor(fake, sleeps, max_retries=3, timeout=5, retry_after_max=60).extract(make_listing())
    assert fake.calls == 1 and sleeps == []  # waiting 20 s would pass the 5 s bound
    assert result.outcome.status == "failed" and "HTTP 429" in (result.outcome.error or "")


def test_oversized_answer_is_refused(fake: FakeOpenAI) -> None:
    huge = completion(draft_json())
    huge["padding"] = "x" * 300_000
    fake.push(200, huge)
    result = extractor(fake, max_reply_bytes=100_000, max_retries=2).extract(make_listing())
    assert fake.calls == 1
    assert result.outcome.status == "failed" and "larger than 100000 bytes" in (result.outcome.error or "")


def test_cli_flags_for_retries_and_deadline() -> None:
    parser = argparse.ArgumentParser()
    add_llm_arguments(parser)
    args = parser.parse_args(["--provider", "openai", "--llm-retries", "0", "--llm-timeout", "15", "--context-window", "8192"])
    assert llm_options_from_args(args) == {"provider": "openai", "max_retries": 0, "timeout": 15.0, "context_window": 8192}


# --------------------------------------------------------------------------- request size


def _long_listing() -> str:
    tools = "\n".join(f"- **tool_{i}** - Does thing number {i} in the repository\n  - `owner`: Repository owner (string, required)\n"
                      f"  - `repo`: Repository name (string, required)" for i in range(60))
    filler = "\n\n".join(f"## Section {i}\n" + ("Some long prose about benchmarks and citations. " * 40) for i in range(30))
    return f"# Big Server\nBig Server is an MCP server for repositories.\n\n## Tools\n{tools}\n\n{filler}\n"


def test_context_window_fits_the_request_and_says_what_was_cut(fake: FakeOpenAI) -> None:
    fake.push_content(draft_json())
    ex = extractor(fake, context_window=4096, use_cache=False)
    result = ex.extract(make_listing(_long_listing()))
    body = fake.requests[0].body
    prompt = sum(count_tokens(m["content"]) + 4 for m in body["messages"]) + count_tokens(json.dumps(body["response_format"], separators=(",", ":")))
    assert prompt + body["max_tokens"] <= 4096  # prompt and answer both fit the server's window
    warning = next(w for w in result.warnings if w.code == "listing_reduced")
    assert "4096-token context window" in warning.message and "left out: Section" in (warning.detail or "")


def test_too_small_context_window_is_a_configuration_error(fake: FakeOpenAI) -> None:
    with pytest.raises(ConfigError, match="2000-token context window is too small"):
        extractor(fake, context_window=2000)
    assert fake.calls == 0


def test_reduction_keeps_every_item_of_a_long_list() -> None:
    reduced = reduce_listing(make_listing(_long_listing()), budget=1500)
    assert reduced.reduced
    assert all(f"tool_{i}" in reduced.text for i in range(60))  # every tool, without its parameter lines
    assert "`owner`" not in reduced.text and "Tools" in reduced.shortened


def test_huge_listing_is_reduced_not_an_internal_error(fake: FakeOpenAI) -> None:
    fake.push_content(draft_json())
    text = "# Huge\nHuge is a coding agent.\n\n" + ("word " * 200 + "\n") * 250  # 250 kB in one section: counted in chunks
    result = extractor(fake).extract(make_listing(text))
    assert result.outcome.status == "ok" and fake.calls == 1
    assert count_tokens(fake.requests[0].body["messages"][1]["content"]) < 4000


def test_cost_estimate_counts_cached_input_at_the_cached_price(fake: FakeOpenAI) -> None:
    body = completion(draft_json(), prompt_tokens=4000, completion_tokens=500)
    body["usage"]["prompt_tokens_details"] = {"cached_tokens": 2048}
    fake.push(200, body)
    result = extractor(fake).extract(make_listing())
    expected = ((4000 - 2048) * 0.40 + 2048 * 0.10 + 500 * 1.60) / 1e6
    assert result.estimated_cost_usd == pytest.approx(expected)


def test_fixed_part_comes_first_and_is_identical_across_listings(fake: FakeOpenAI) -> None:
    ex = extractor(fake, use_cache=False)
    one = ex.batch_request_body(make_listing())
    two = ex.batch_request_body(make_listing(_long_listing(), source="big.md"))
    assert one["messages"][0] == two["messages"][0] and one["response_format"] == two["response_format"]
    assert "Harbor Pilot" not in one["messages"][0]["content"] and "Harbor Pilot" in one["messages"][1]["content"]


def test_reduction_never_ends_inside_a_table() -> None:
    rows = "\n".join(f"| tool_{i} | reads and writes issue number {i} in the tracker |" for i in range(80))
    text = ("# Tracker\nTracker is an MCP server for issue trackers.\n\n## Tools\nThe tools it offers:\n\n| tool | what it does |\n|---|---|\n"
            + rows + "\n\n## Other\n" + "Prose about the project and its history. " * 50 + "\n")
    reduced = reduce_listing(make_listing(text), budget=400)
    assert reduced.reduced
    kept = [line for line in reduced.text.splitlines() if line.startswith("| tool_")]
    assert kept in ([], [f"| tool_{i} | reads and writes issue number {i} in the tracker |" for i in range(80)])
    assert "The tools it offers:" in reduced.text  # the prose before the table stays
