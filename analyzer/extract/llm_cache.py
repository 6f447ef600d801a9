"""Response cache for LLM extraction, on the shared SqliteCache (same directory as the fetch cache).

The key covers everything that changes the answer: model, endpoint, prompt hash, schema hash, the hash
of the text the model read, the structured-output mode, the sampling parameters and the sample index
(so `--samples 3` caches three answers). API keys are never part of the key or the value: an entry holds
only the validated draft JSON and the token usage of the call that produced it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from analyzer.cache import SqliteCache

NAMESPACE = "llm_responses"


@dataclass(frozen=True)
class CachedResponse:
    draft: dict[str, Any]
    input_tokens: int
    output_tokens: int
    model: str


def cache_key(*, model: str, base_url: str | None, prompt_hash: str, schema_hash: str, listing_hash: str, params: dict[str, Any]) -> str:
    payload = {
        "model": model,
        "base_url": base_url or "",
        "prompt": prompt_hash,
        "schema": schema_hash,
        "listing": listing_hash,
        "params": params,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()


class ResponseCache:
    def __init__(self, cache: SqliteCache | None = None) -> None:
        self._cache = cache or SqliteCache(NAMESPACE)

    def get(self, key: str) -> CachedResponse | None:
        value = self._cache.get(key)
        if not isinstance(value, dict) or not isinstance(value.get("draft"), dict):
            return None
        try:
            return CachedResponse(value["draft"], int(value["input_tokens"]), int(value["output_tokens"]), str(value["model"]))
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, key: str, response: CachedResponse) -> None:
        self._cache.put(
            key,
            {"draft": response.draft, "input_tokens": response.input_tokens, "output_tokens": response.output_tokens, "model": response.model},
        )
