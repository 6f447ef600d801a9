"""Start-up work kept across runs: tables of results that are pure functions of the package's own rules.

Two kinds of start-up work are the same in every run and cost tens of milliseconds each: compiling the
rule regexes (`analyzer.regexcache`) and analysing the rule phrase patterns
(`analyzer.extract.heuristic.fastre`). Each keeps its results in a `DerivedTable`: one JSON file in the
user cache dir (the folder the fetch and LLM caches use, `analyzer.cachedir`), named by the table's
*build*, a string naming everything the results depend on (the interpreter build for regex code, the
analysing module's own source for pattern analysis). A file of another build is never read.

Line 1 of a file is a header {"build", "sha256" of the rest}; the rest is the entries. Anything wrong (a
torn, edited or foreign file, an unwritable or missing cache dir) is a miss, so the worst case is the
uncached speed, never another result. Entries added in a process are written atomically at exit; files
of older builds beyond the newest few (KEEP_OTHER_BUILDS) are removed then. Only the packaged rules may be keys here: keys built from listing text would grow the file without bound, and a
table past MAX_ENTRIES is not written. JSON, not pickle: a cache file can only ever hold data.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger("analyzer.derived")

MAX_ENTRIES = 5000  # far above the shipped rules' few thousand patterns; a table past it is not written
# Files of other builds kept beside this one: an upgrade (or an edited analysing module) starts a new file,
# and the newest few stay so that two installs used in turn (two Pythons, two versions) do not rewrite
# each other's file on every run; older ones are removed when a table is written.
KEEP_OTHER_BUILDS = 3


class DerivedTable:
    """A key → JSON value table in `cache_dir()/SUBDIR/`, loaded on first use and saved at exit.

    `build` is None where the results cannot be trusted across runs (another Python implementation, a
    module whose source cannot be read): then nothing is read or written and every lookup is a miss.
    """

    def __init__(self, subdir: str, build: str | None) -> None:
        self.subdir = subdir
        self.build = build
        self._lock = threading.Lock()
        self._path: Path | None = None
        self._entries: dict[str, Any] | None = None
        self._added = 0

    @property
    def entries(self) -> dict[str, Any]:
        """The loaded entries (read from the file on first use)."""
        if self._entries is None:
            with self._lock:
                if self._entries is None:
                    self._path, self._entries = self._open()
                    if self._path is not None:
                        atexit.register(self.save)
        return self._entries

    @property
    def keeping(self) -> bool:
        """Whether values put here are kept (there is a usable file for this build)."""
        _ = self.entries
        return self._path is not None

    def get(self, key: str) -> Any:
        """The stored value for `key`, else None."""
        return self.entries.get(key)

    def put(self, key: str, value: Any) -> None:
        """Store a value (JSON data) to be written at exit; a no-op when the table cannot be kept."""
        entries = self.entries
        if self._path is None:
            return
        with self._lock:
            entries[key] = value
            self._added += 1

    def updated(self) -> None:
        """A stored value was extended in place (it is the object `get` returned): write it at exit."""
        if self._path is not None:
            with self._lock:
                self._added += 1

    def discard(self, key: str) -> None:
        """Forget an entry found unusable (it is not served again, and not written back)."""
        self.entries.pop(key, None)

    def disable(self) -> None:
        """Stop reading and writing for this process (what produces the entries behaves unexpectedly)."""
        with self._lock:
            self._path, self._entries, self._added = None, {}, 0

    def save(self) -> None:
        """Write the entries added in this process (at exit; harmless to call more often)."""
        path, entries = self._path, self._entries
        if path is None or entries is None or not self._added or len(entries) > MAX_ENTRIES:
            return
        with self._lock:
            body = json.dumps(entries, separators=(",", ":"), ensure_ascii=False)
            self._added = 0
        header = json.dumps({"build": self.build, "sha256": hashlib.sha256(body.encode()).hexdigest()}, ensure_ascii=False)
        try:
            from analyzer.atomic import write_atomic

            write_atomic(path, f"{header}\n{body}")
        except OSError as exc:
            log.debug("%s cache %s not written: %s", self.subdir, path, exc)
            return
        _prune(path)

    def reset(self) -> None:
        """Forget the loaded entries (tests: the next lookup reads the cache dir again)."""
        with self._lock:
            self._path, self._entries, self._added = None, None, 0

    def _file(self) -> Path | None:
        if self.build is None:
            return None
        try:
            from analyzer.cachedir import cache_dir

            name = hashlib.sha256(self.build.encode()).hexdigest()[:20]
            return cache_dir() / self.subdir / f"{name}.json"
        except (OSError, ValueError) as exc:
            log.debug("%s cache unavailable: %s", self.subdir, exc)
            return None

    def _open(self) -> tuple[Path | None, dict[str, Any]]:
        path = self._file()
        if path is None:
            return None, {}
        try:
            header, _, body = path.read_bytes().partition(b"\n")
            meta = json.loads(header)
            if meta.get("build") != self.build or hashlib.sha256(body).hexdigest() != meta.get("sha256"):
                raise ValueError("not this build's file, or damaged")
            entries = json.loads(body)
            if not isinstance(entries, dict):
                raise ValueError("entries are not a mapping")
        except FileNotFoundError:
            entries = {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:  # torn, foreign or edited
            log.debug("%s cache %s unreadable (%s); starting afresh", self.subdir, path, exc)
            entries = {}
        return path, entries


def _prune(current: Path) -> None:
    """Remove all but the KEEP_OTHER_BUILDS most recently written files of other builds."""
    try:
        others = [(p.stat().st_mtime, p) for p in current.parent.glob("*.json") if p != current]
        for _, old in sorted(others, reverse=True)[KEEP_OTHER_BUILDS:]:
            old.unlink(missing_ok=True)
    except OSError as exc:  # a file removed meanwhile, a read-only dir: the next write tries again
        log.debug("old %s files not removed: %s", current.parent, exc)


def source_digest(module_file: str | None) -> str | None:
    """SHA-256 of a module's source file, for a build string; None when it cannot be read (then the
    table keeps nothing: results of unknown code are not reused)."""
    if not module_file:
        return None
    try:
        return hashlib.sha256(Path(module_file).read_bytes()).hexdigest()
    except OSError:
        return None
