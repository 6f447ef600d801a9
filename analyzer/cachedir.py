"""Where the on-disk caches live: ANALYZER_CACHE_DIR, else the platform's user cache dir.

Its own module so that the start-up caches (parsed data files, compiled rule regexes) find the folder
without importing sqlite3 with the fetch and LLM cache (`analyzer.cache`).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def cache_dir() -> Path:
    """ANALYZER_CACHE_DIR, else the platform's user cache dir for 'analyzer' (created if missing)."""
    override = os.environ.get("ANALYZER_CACHE_DIR")
    path = Path(override) if override else Path(platformdirs.user_cache_dir("analyzer"))
    path.mkdir(parents=True, exist_ok=True)
    return path
