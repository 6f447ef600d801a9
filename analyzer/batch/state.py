"""The batch state DB (SQLite, in the out dir): what is done, what failed and why, and the extraction
results shared by all sources with the same content.

Every change is one short transaction, written from the event-loop thread only, so a kill at any moment
leaves a consistent DB: a source is 'done' only after its report files are in place.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from analyzer.batch.inputs import BatchSource
from analyzer.errors import ConfigError, InputError

STATE_FILE = "batch-state.sqlite3"
LOCK_FILE = "batch.lock"
SCHEMA_VERSION = "1"

PENDING, DONE, FAILED = "pending", "done", "failed"
# error kinds: 'input' failures (missing file, blocked/404 URL) fail the same way again, so a plain
# rerun keeps them failed; '--retry-failed' retries them too. 'transient' ones are always retried.
INPUT_ERROR, TRANSIENT_ERROR = "input", "transient"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
    key TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    stem TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    error_kind TEXT,
    content_hash TEXT,
    files TEXT NOT NULL DEFAULT '[]',
    summary TEXT,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS extractions (hash TEXT PRIMARY KEY, result TEXT NOT NULL, stored_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS openai_batches (
    batch_id TEXT PRIMARY KEY,
    input_file_id TEXT NOT NULL,
    hashes TEXT NOT NULL,
    status TEXT NOT NULL,
    finished INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS openai_results (
    hash TEXT PRIMARY KEY,
    batch_id TEXT NOT NULL,
    completion TEXT,
    error TEXT,
    stored_at REAL NOT NULL
);
"""


@dataclass
class SourceRecord:
    key: str
    position: int
    stem: str
    status: str
    attempts: int
    error: str | None
    error_kind: str | None
    content_hash: str | None
    files: list[str]
    summary: dict[str, object] | None


@dataclass
class OpenAIBatchRecord:
    batch_id: str
    input_file_id: str
    hashes: list[str]
    status: str
    finished: bool
    created_at: float = field(default=0.0)


class BatchState:
    """Open (or create) the state DB of one out dir."""

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / STATE_FILE
        self._lock_file: IO[bytes] | None = None
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            self._lock(out_dir / LOCK_FILE)
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode survives a killed process (not a power cut) and skips an fsync per row
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA busy_timeout=30000")
            for statement in filter(str.strip, _SCHEMA.split(";")):
                self.db.execute(statement)
        except sqlite3.DatabaseError as exc:
            raise InputError(
                f"{self.path}: cannot open the batch state DB ({exc})",
                hint="choose another --out directory, or delete the state file to start over",
            ) from None
        except OSError as exc:
            raise InputError(f"{out_dir}: cannot create the out directory ({exc.strerror})", hint="choose a writable --out directory") from None
        version = self.get_meta("schema_version")
        if version is None:
            self.set_meta("schema_version", SCHEMA_VERSION)
        elif version != SCHEMA_VERSION:
            raise ConfigError(
                f"{self.path}: written by an incompatible version of analyzer (state schema {version})",
                hint="use a new --out directory",
            )

    def _lock(self, path: Path) -> None:
        """One run per out dir at a time: two would process the same sources twice. The OS drops the
        lock when the process ends, however it ends, so a killed run never leaves a stale lock."""
        try:
            import fcntl
        except ImportError:  # not on POSIX: no lock
            return
        self._lock_file = path.open("a+b")
        try:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.close()
            self._lock_file = None
            raise InputError(
                f"{path.parent}: another `analyzer batch` run is using this out directory",
                hint="wait for it to finish (or stop it), or choose another --out directory",
            ) from None

    # ----------------------------------------------------------------- plumbing

    class _Tx:
        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db

        def __enter__(self) -> sqlite3.Connection:
            self.db.execute("BEGIN IMMEDIATE")
            return self.db

        def __exit__(self, exc_type: object, *_: object) -> None:
            self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")

    def _tx(self) -> _Tx:
        return BatchState._Tx(self.db)

    def close(self) -> None:
        self.db.close()
        if self._lock_file is not None:
            self._lock_file.close()  # releases the lock
            self._lock_file = None

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def check_config(self, fingerprint: dict[str, object]) -> None:
        """Refuse to mix results of different extractors in one out dir; record the config on first use."""
        stored = self.get_meta("config")
        current = json.dumps(fingerprint, sort_keys=True)
        if stored is None:
            self.set_meta("config", current)
            return
        if stored != current:
            old = json.loads(stored)
            diff = ", ".join(f"{k}: {old.get(k)!r} → {fingerprint.get(k)!r}" for k in sorted(set(old) | set(fingerprint)) if old.get(k) != fingerprint.get(k))
            raise ConfigError(
                f"{self.path.parent}: this out directory holds a batch run with other settings ({diff})",
                hint="rerun with the same --provider/--model, or use a new --out directory",
            )

    # ----------------------------------------------------------------- sources

    def sync_sources(self, sources: Iterable[BatchSource]) -> None:
        """Add new sources as pending; refresh position/stem of known ones. Status is kept (resume)."""
        now = time.time()
        with self._tx() as db:
            for s in sources:
                db.execute(
                    "INSERT INTO sources (key, position, stem, status, updated_at) VALUES (?, ?, ?, 'pending', ?) "
                    "ON CONFLICT(key) DO UPDATE SET position = excluded.position, stem = excluded.stem",
                    (s.key, s.position, s.stem, now),
                )

    def records(self, keys: Iterable[str] | None = None) -> list[SourceRecord]:
        rows = self.db.execute(
            "SELECT key, position, stem, status, attempts, error, error_kind, content_hash, files, summary FROM sources ORDER BY position"
        ).fetchall()
        wanted = set(keys) if keys is not None else None
        return [_record(r) for r in rows if wanted is None or r[0] in wanted]

    def record(self, key: str) -> SourceRecord | None:
        row = self.db.execute(
            "SELECT key, position, stem, status, attempts, error, error_kind, content_hash, files, summary FROM sources WHERE key = ?", (key,)
        ).fetchone()
        return _record(row) if row else None

    def mark_waiting(self, key: str, content_hash: str) -> None:
        """Pending again, waiting for an answer elsewhere (the OpenAI Batch API); the error is kept."""
        self.db.execute("UPDATE sources SET status = 'pending', content_hash = ?, updated_at = ? WHERE key = ?", (content_hash, time.time(), key))

    def mark_done(self, key: str, *, content_hash: str, files: list[str], summary: dict[str, object], extraction_json: str | None = None) -> None:
        """Done, with its report files; `extraction_json` (a new extraction for the dedup table) goes in
        the same transaction, so a source is never done without its extraction being reusable."""
        with self._tx() as db:
            if extraction_json is not None:
                db.execute("INSERT OR REPLACE INTO extractions (hash, result, stored_at) VALUES (?, ?, ?)", (content_hash, extraction_json, time.time()))
            db.execute(
                "UPDATE sources SET status = 'done', attempts = attempts + 1, error = NULL, error_kind = NULL, content_hash = ?, "
                "files = ?, summary = ?, updated_at = ? WHERE key = ?",
                (content_hash, json.dumps(files), json.dumps(summary), time.time(), key),
            )

    def mark_failed(self, key: str, *, error: str, error_kind: str, content_hash: str | None = None, summary: dict[str, object] | None = None) -> None:
        self.db.execute(
            "UPDATE sources SET status = 'failed', attempts = attempts + 1, error = ?, error_kind = ?, "
            "content_hash = COALESCE(?, content_hash), files = '[]', summary = ?, updated_at = ? WHERE key = ?",
            (error, error_kind, content_hash, json.dumps(summary) if summary else None, time.time(), key),
        )

    # ----------------------------------------------------------------- extraction results (dedup)

    def get_extraction(self, content_hash: str) -> str | None:
        row = self.db.execute("SELECT result FROM extractions WHERE hash = ?", (content_hash,)).fetchone()
        return row[0] if row else None

    def put_extraction(self, content_hash: str, result_json: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO extractions (hash, result, stored_at) VALUES (?, ?, ?)", (content_hash, result_json, time.time()))

    def extraction_hashes(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT hash FROM extractions")}

    # ----------------------------------------------------------------- OpenAI Batch API jobs

    def add_openai_batch(self, batch_id: str, input_file_id: str, hashes: list[str], status: str) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO openai_batches (batch_id, input_file_id, hashes, status, finished, created_at) VALUES (?, ?, ?, ?, 0, ?)",
            (batch_id, input_file_id, json.dumps(hashes), status, time.time()),
        )

    def update_openai_batch(self, batch_id: str, *, status: str, finished: bool = False) -> None:
        self.db.execute("UPDATE openai_batches SET status = ?, finished = ? WHERE batch_id = ?", (status, int(finished), batch_id))

    def openai_batches(self, *, unfinished_only: bool = False) -> list[OpenAIBatchRecord]:
        sql = "SELECT batch_id, input_file_id, hashes, status, finished, created_at FROM openai_batches"
        if unfinished_only:
            sql += " WHERE finished = 0"
        return [
            OpenAIBatchRecord(batch_id=r[0], input_file_id=r[1], hashes=json.loads(r[2]), status=r[3], finished=bool(r[4]), created_at=r[5])
            for r in self.db.execute(sql + " ORDER BY created_at")
        ]

    def finish_openai_batch(self, batch_id: str, status: str, results: dict[str, tuple[str | None, str | None]]) -> None:
        """Store a finished batch's raw answers, {content key: (completion JSON, error)}, and mark the batch
        finished, in one transaction (a kill between the two would otherwise lose or repeat work)."""
        now = time.time()
        with self._tx() as db:
            db.execute("UPDATE openai_batches SET status = ?, finished = 1 WHERE batch_id = ?", (status, batch_id))
            for key, (completion, error) in results.items():
                db.execute(
                    "INSERT OR REPLACE INTO openai_results (hash, batch_id, completion, error, stored_at) VALUES (?, ?, ?, ?, ?)",
                    (key, batch_id, completion, error, now),
                )

    def get_openai_result(self, content_hash: str) -> tuple[str, str | None, str | None] | None:
        """(batch id, completion JSON or None, error or None) for a content key, if a batch answered it."""
        row = self.db.execute("SELECT batch_id, completion, error FROM openai_results WHERE hash = ?", (content_hash,)).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def drop_openai_result(self, content_hash: str) -> None:
        """Forget an answer that could not be used (invalid reply), so the next run asks again."""
        self.db.execute("DELETE FROM openai_results WHERE hash = ?", (content_hash,))


def _record(row: tuple) -> SourceRecord:
    return SourceRecord(
        key=row[0],
        position=row[1],
        stem=row[2],
        status=row[3],
        attempts=row[4],
        error=row[5],
        error_kind=row[6],
        content_hash=row[7],
        files=json.loads(row[8] or "[]"),
        summary=json.loads(row[9]) if row[9] else None,
    )
