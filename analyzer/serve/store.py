"""Drafts kept in SQLite: one row per draft, the Analysis as JSON, a version for safe concurrent edits.

Every write is one transaction (WAL mode, busy timeout), so a crash never leaves half a draft and two
server threads or two processes can share the file. An update names the version it was based on and is
refused when another tab saved first (optimistic locking), instead of silently losing that edit.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from pydantic import ValidationError

from analyzer.errors import AnalyzerError, InputError
from analyzer.models import Analysis

DB_NAME = "drafts.sqlite3"
MAX_TITLE = 200


class DraftNotFound(InputError):
    """No draft with that id."""


class DraftConflict(InputError):
    """The draft changed since the caller read it."""


def data_dir() -> Path:
    """ANALYZER_DATA_DIR, else the platform's user data dir for 'analyzer' (drafts are work, not cache)."""
    override = os.environ.get("ANALYZER_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir("analyzer"))


@dataclass(frozen=True)
class DraftInfo:
    id: str
    title: str
    source: str
    created_at: float
    updated_at: float
    version: int
    parent: str | None
    score: float | None
    band: str


@dataclass(frozen=True)
class Draft:
    info: DraftInfo
    analysis: Analysis


_SCHEMA = """
CREATE TABLE IF NOT EXISTS drafts (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    version INTEGER NOT NULL,
    parent TEXT,
    score REAL,
    band TEXT NOT NULL,
    analysis TEXT NOT NULL
)
"""
_INFO_COLUMNS = "id, title, source, created_at, updated_at, version, parent, score, band"


class DraftStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or data_dir() / DB_NAME
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                db.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise InputError(f"{self.path}: cannot open the drafts database ({exc})", hint="pass a writable --db path") from None
        self._local = threading.local()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA busy_timeout=30000")
        return db

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect()
        return db

    def create(self, analysis: Analysis, *, title: str | None = None, parent: str | None = None) -> DraftInfo:
        now = time.time()
        draft_id = secrets.token_hex(6)
        name = _title(title or _default_title(analysis))
        self._db().execute(
            f"INSERT INTO drafts ({_INFO_COLUMNS}, analysis) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
            (draft_id, name, analysis.listing.source, now, now, parent, *_score(analysis), analysis.model_dump_json()),
        )
        return self.info(draft_id)

    def info(self, draft_id: str) -> DraftInfo:
        row = self._db().execute(f"SELECT {_INFO_COLUMNS} FROM drafts WHERE id = ?", (draft_id,)).fetchone()
        if row is None:
            raise DraftNotFound(f"draft {draft_id!r} not found", hint="open one from the list of drafts")
        return DraftInfo(*row)

    def get(self, draft_id: str) -> Draft:
        row = self._db().execute(f"SELECT {_INFO_COLUMNS}, analysis FROM drafts WHERE id = ?", (draft_id,)).fetchone()
        if row is None:
            raise DraftNotFound(f"draft {draft_id!r} not found", hint="open one from the list of drafts")
        try:
            analysis = Analysis.model_validate_json(row[-1])
        except ValidationError as exc:
            raise AnalyzerError(f"draft {draft_id!r} cannot be read back ({exc.error_count()} validation errors)", hint="duplicate an older draft or analyse the listing again") from None
        return Draft(DraftInfo(*row[:-1]), analysis)

    def list(self, limit: int = 500) -> list[DraftInfo]:
        rows = self._db().execute(f"SELECT {_INFO_COLUMNS} FROM drafts ORDER BY updated_at DESC LIMIT ?", (limit,)).fetchall()
        return [DraftInfo(*row) for row in rows]

    def update(self, draft_id: str, analysis: Analysis, *, version: int | None) -> DraftInfo:
        """Replace the draft's analysis. With `version`, only if nobody saved since that version."""
        db = self._db()
        args: tuple[object, ...] = (time.time(), *_score(analysis), analysis.model_dump_json(), draft_id)
        if version is None:
            cur = db.execute("UPDATE drafts SET updated_at = ?, version = version + 1, score = ?, band = ?, analysis = ? WHERE id = ?", args)
        else:
            cur = db.execute(
                "UPDATE drafts SET updated_at = ?, version = version + 1, score = ?, band = ?, analysis = ? WHERE id = ? AND version = ?",
                (*args, version),
            )
        if cur.rowcount == 0:
            current = self.info(draft_id)  # raises DraftNotFound
            raise DraftConflict(
                f"draft {draft_id!r} was changed elsewhere (version {current.version}, this edit was based on {version})",
                hint="reload the draft and make the edit again",
            )
        return self.info(draft_id)

    def rename(self, draft_id: str, title: str) -> DraftInfo:
        cur = self._db().execute("UPDATE drafts SET title = ?, updated_at = ? WHERE id = ?", (_title(title), time.time(), draft_id))
        if cur.rowcount == 0:
            raise DraftNotFound(f"draft {draft_id!r} not found", hint="open one from the list of drafts")
        return self.info(draft_id)

    def duplicate(self, draft_id: str) -> DraftInfo:
        draft = self.get(draft_id)
        return self.create(draft.analysis, title=f"{draft.info.title} (copy)", parent=draft_id)

    def delete(self, draft_id: str) -> None:
        cur = self._db().execute("DELETE FROM drafts WHERE id = ?", (draft_id,))
        if cur.rowcount == 0:
            raise DraftNotFound(f"draft {draft_id!r} not found", hint="open one from the list of drafts")


def _score(analysis: Analysis) -> tuple[float | None, str]:
    return (None if analysis.failed else analysis.aivss.score), ("Unknown" if analysis.failed else analysis.aivss.band.value)


def _default_title(analysis: Analysis) -> str:
    name = analysis.system.name.strip() if analysis.system else ""
    return name or analysis.listing.title.strip() or analysis.listing.source


def _title(text: str) -> str:
    text = " ".join(str(text).split())
    if not text:
        raise InputError("a draft title cannot be empty", hint="give the draft a name")
    return text[:MAX_TITLE]
