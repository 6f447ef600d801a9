"""A small on-disk key/value cache in SQLite, shared by the fetcher and the LLM response cache.

WAL mode and short transactions make it safe for several processes at once; a corrupt or locked cache,
a cache path that is a directory or an ANALYZER_CACHE_DIR that is a file degrades to a miss with one
warning, never to a failed run.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path

from analyzer.cachedir import cache_dir

__all__ = ["SqliteCache", "cache_dir"]

log = logging.getLogger("analyzer.cache")
_WARNED: set[str] = set()


class SqliteCache:
    """`get`/`put` JSON-able values under string keys in one table per namespace."""

    def __init__(self, namespace: str, path: Path | None = None) -> None:
        if not namespace.isidentifier():
            raise ValueError(f"cache namespace must be an identifier: {namespace!r}")
        self.namespace = namespace
        self._local = threading.local()
        self.disabled = False
        try:
            self.path = path or cache_dir() / "cache.sqlite3"
            with self._connect() as db:
                db.execute(f"CREATE TABLE IF NOT EXISTS {namespace} (key TEXT PRIMARY KEY, value TEXT NOT NULL, stored_at REAL NOT NULL)")
        except (OSError, sqlite3.Error) as exc:
            self.path = path or Path(os.environ.get("ANALYZER_CACHE_DIR") or "cache")
            self._disable(exc)

    def _disable(self, exc: BaseException) -> None:
        self.disabled = True
        where = str(self.path)
        if where not in _WARNED:  # once per process and path, not once per lookup
            _WARNED.add(where)
            log.warning("cache %s is unusable (%s); running without it — delete it or set ANALYZER_CACHE_DIR to a writable directory", where, exc)

    def _connect(self) -> sqlite3.Connection:
        if self.disabled:
            raise sqlite3.OperationalError("cache disabled")
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
