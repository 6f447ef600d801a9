"""Token counting with the shipped o200k_base encoding: exact counts, no network, checksum enforced."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.errors import ConfigError
from analyzer.extract import tokenizer
from analyzer.extract.budget import count_tokens, token_counter

# Token ids from an independent o200k_base implementation (the bpe-openai package's Rust encoder).
KNOWN = {
    "hello world": [24912, 2375],
    "Tidewater is an autonomous agent that books shipping.\n\n## Tools\n- browser": [
        51, 617, 15373, 382, 448, 78677, 11793, 484, 7187, 10881, 364, 877, 20574, 198, 12, 10327,
    ],
    "naïve café 東京 🚀 1234567": [1503, 9954, 737, 30469, 185244, 169883, 222, 220, 7633, 19354, 22],
    "   leading spaces\tand\r\nCRLF": [256, 8117, 18608, 128995, 370, 7027, 38933],
}


@pytest.mark.parametrize("text", list(KNOWN))
def test_counts_match_the_reference_encoder(text: str) -> None:
    encoding = tokenizer.o200k_encoding()
    assert encoding.encode(text, disallowed_special=()) == KNOWN[text]
    assert encoding.decode(KNOWN[text]) == text
    assert count_tokens(text) == len(KNOWN[text])


def test_special_token_text_in_a_listing_is_counted_as_text() -> None:
    # A listing may contain "<|endoftext|>"; it must be counted, not rejected or treated as special.
    assert count_tokens("a <|endoftext|> b") > 3


def test_counter_names_the_shipped_encoding() -> None:
    token_counter.cache_clear()
    assert token_counter("gpt-4.1-mini").name == "tiktoken:o200k_base"
    assert token_counter("some-local-model").name == "tiktoken:o200k_base"


def test_split_pattern_and_special_tokens_are_tiktokens_own(monkeypatch: pytest.MonkeyPatch) -> None:
    from tiktoken_ext import openai_public

    monkeypatch.setattr(openai_public, "load_tiktoken_bpe", lambda *a, **k: {})  # no download
    spec = openai_public.o200k_base()
    assert spec["pat_str"] == tokenizer.PAT_STR
    assert spec["special_tokens"] == tokenizer.SPECIAL_TOKENS


def test_ranks_are_the_whole_vocabulary() -> None:
    ranks = tokenizer.mergeable_ranks()
    assert len(ranks) == 199998 and sorted(ranks.values()) == list(range(199998))


def test_a_damaged_file_is_refused() -> None:
    with pytest.raises(ConfigError, match="checksum mismatch"):
        tokenizer.mergeable_ranks(gzip.compress(b"IQ== 0\n"))


def test_counting_never_touches_the_network(tmp_path: Path) -> None:
    # A fresh process with every socket connection refused, proxies pointing nowhere and an empty tiktoken
    # cache: counting must still give the exact figure and tiktoken's downloader must never be called.
    code = """
import socket, sys
attempts = []
def refuse(self, address, *a, **k):
    attempts.append(address)
    raise OSError("network disabled by the test")
socket.socket.connect = refuse
socket.create_connection = lambda address, *a, **k: refuse(None, address)
import tiktoken.load
def no_download(*a, **k):
    raise AssertionError("tiktoken tried to read a BPE file")
tiktoken.load.read_file = tiktoken.load.read_file_cached = no_download
from analyzer.extract.budget import token_counter
counter = token_counter("gpt-4.1-mini")
print(counter.name, counter.count("hello world"), len(attempts))
"""
    env = {k: v for k, v in os.environ.items() if k != "ANALYZER_NO_TIKTOKEN"}
    env.update(
        TIKTOKEN_CACHE_DIR=str(tmp_path / "tiktoken-cache"), DATA_GYM_CACHE_DIR=str(tmp_path / "gym"),
        HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9", NO_PROXY="",
    )
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["tiktoken:o200k_base", "2", "0"]
    assert not (tmp_path / "tiktoken-cache").exists()
