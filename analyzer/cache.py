"""A small on-disk key/value cache in SQLite, shared by the fetcher and the LLM response cache.

WAL mode and short transactions make it safe for several processes at once; a corrupt or locked cache
degrades to a miss, never to a failed run.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from pathlib import Path

import platformdirs


def cache_dir() -> Path:
    """ANALYZER_CACHE_DIR, else the platform's user cache dir for 'analyzer'."""
    override = os.environ.get("ANALYZER_CACHE_DIR")
    path = Path(override) if override else Path(platformdirs.user_cache_dir("analyzer"))
    path.mkdir(parents=True, exist_ok=True)
    return path


class SqliteCache:
    """`get`/`put` JSON-able values under string keys in one table per namespace."""

    def __init__(self, namespace: str, path: Path | None = None) -> None:
        if not namespace.isidentifier():
            raise ValueError(f"cache namespace must be an identifier: {namespace!r}")
        self.namespace = namespace
        self.path = path or cache_dir() / "cache.sqlite3"
        self._local = threading.local()
        with self._connect() as db:
            db.execute(f"CREATE TABLE IF NOT EXISTS {namespace} (key TEXT PRIMARY KEY, value TEXT NOT NULL, stored_at REAL NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA busy_timeout=30000")
            self._local.db = db
        return db

    def get(self, key: str) -> object | None:
        try:
            row = self._connect().execute(f"SELECT value FROM {self.namespace} WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        if row is None:
            return None
        try:
            return json.loads(row[0])
        except ValueError:
            return None

    def put(self, key: str, value: object) -> None:
        try:
            self._connect().execute(
                f"INSERT OR REPLACE INTO {self.namespace} (key, value, stored_at) VALUES (?, ?, ?)",
                (key, json.dumps(value, ensure_ascii=False, default=str), time.time()),
            )
        except sqlite3.Error:
            pass

    def delete(self, key: str) -> None:
        try:
            self._connect().execute(f"DELETE FROM {self.namespace} WHERE key = ?", (key,))
        except sqlite3.Error:
            pass
