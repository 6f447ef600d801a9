"""Shared test set-up: an isolated cache dir, no LLM configured by accident, the ../shared data path."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests: no wall-clock deadline per example (on a busy 2-core machine a 200 ms deadline fails
# tests at random); under CI (CI=true) the examples are derandomized, so a run is reproducible and a
# failure is the code's, not the draw's. HYPOTHESIS_PROFILE=dev|ci picks one explicitly.
settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

# Modules compile their regexes at import (analyzer.regexcache), which happens while tests are collected,
# before any fixture runs: point the caches at a session folder first, never at the user's cache dir.
os.environ["ANALYZER_CACHE_DIR"] = _SESSION_CACHE = tempfile.mkdtemp(prefix="analyzer-tests-cache-")
atexit.register(shutil.rmtree, _SESSION_CACHE, ignore_errors=True)

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANALYZER_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("ANALYZER_DATA_DIR", str(tmp_path_factory.mktemp("data")))  # analyzer serve drafts
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANALYZER_MODEL", "HF_TOKEN", "GITHUB_TOKEN", "HF_ENDPOINT", "ANALYZER_GITHUB_API"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "listings").is_dir():
        pytest.skip(f"shared data not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT
