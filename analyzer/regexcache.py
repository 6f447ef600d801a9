"""Compiled regular expressions of the shipped rules, kept across runs.

`re.compile` parses a pattern in pure Python (`re._parser`) and generates its matching code
(`re._compiler`) in every new process: ~30 ms of each start-up here for the few hundred rule, cue and
injection patterns an analysis needs. This module keeps what that produces, the SRE code that CPython's
`re.compile` hands to `_sre.compile`, in the user cache dir (one JSON file per interpreter build, named by
the exact Python version and SRE magic number) and rebuilds the patterns from it with `_sre.compile`.

Derived data only: an entry is written by CPython's own compiler (the steps of `re._compiler.compile`)
and checked to rebuild the same pattern before it is kept; the file carries the SHA-256 of its entries;
`_sre.compile` validates any code it is given. Anything unexpected (another Python implementation, a
changed private API, a corrupt, truncated or foreign file, an unwritable cache dir) falls back to plain
`re.compile`, so the worst case is the old speed, never another match. Patterns built from listing text
must not come here (they would grow the file without bound): only the packaged rules do.
"""

from __future__ import annotations

import atexit
import binascii
import hashlib
import json
import logging
import re
import sys
import threading
from array import array
from pathlib import Path
from typing import Any

log = logging.getLogger("analyzer.regexcache")

MAX_ENTRIES = 5000  # far above the shipped rules' few hundred; a file past it is not written
CACHE_SUBDIR = "regex"

try:  # CPython's regex engine and compiler; elsewhere this module is plain re.compile
    import _sre
    from re import _compiler, _parser

    _BUILD: str | None = (
        f"{sys.implementation.cache_tag}|{sys.version}|{sys.byteorder}|{_sre.MAGIC}|{_sre.CODESIZE}|{_sre.MAXREPEAT}|{_sre.MAXGROUPS}"
    )
    if array("I").itemsize != _sre.CODESIZE:  # the code is stored as an array of SRE code words
        _BUILD = None
except (ImportError, AttributeError):  # pragma: no cover - not CPython
    _BUILD = None

# [flags, code, groups, groupindex, indexgroup]: the arguments of _sre.compile after the pattern, the code
# as base64 of its code words (a JSON list of a few hundred thousand integers parses ~4x slower).
Entry = list[Any]


class _Table:
    def __init__(self, path: Path | None, entries: dict[str, Entry]) -> None:
        self.path = path
        self.entries = entries
        self.added = 0


_lock = threading.Lock()
_table: _Table | None = None


def compile(pattern: str, flags: int = 0) -> re.Pattern[str]:  # noqa: A001 - re.compile's drop-in
    """`re.compile(pattern, flags)`, rebuilt from the cached code when there is an entry for it."""
    flags = int(flags)
    table = _load()
    key = f"{flags}:{pattern}"
    entry = table.entries.get(key)
    if entry is not None:
        try:
            return _build(pattern, entry)
        except Exception as exc:  # noqa: BLE001 - a damaged entry is a miss, whatever _sre says
            log.debug("regex cache entry for %r unusable (%s); compiling", pattern[:60], exc)
            table.entries.pop(key, None)
    compiled = re.compile(pattern, flags)  # raises re.error for a bad pattern, as always
    if _BUILD is not None and table.path is not None:
        entry = _record(pattern, flags, compiled)
        if entry is not None:
            with _lock:
                table.entries[key] = entry
                table.added += 1
    return compiled


def _build(pattern: str, entry: Entry) -> re.Pattern[str]:
    flags, code, groups, groupindex, indexgroup = entry
    words = array("I", binascii.a2b_base64(code)).tolist()
    return _sre.compile(pattern, flags, words, groups, groupindex, tuple(indexgroup))  # type: ignore[no-any-return]


def _record(pattern: str, flags: int, compiled: re.Pattern[str]) -> Entry | None:
    """What re._compiler.compile passes to _sre.compile for this pattern, if it rebuilds `compiled`."""
    try:
        parsed = _parser.parse(pattern, flags)
        code = _compiler._code(parsed, flags)
        groupindex = dict(parsed.state.groupdict)
        indexgroup: list[str | None] = [None] * parsed.state.groups
        for name, index in groupindex.items():
            indexgroup[index] = name
        words = binascii.b2a_base64(array("I", code).tobytes(), newline=False).decode("ascii")
        entry: Entry = [flags | parsed.state.flags, words, parsed.state.groups - 1, groupindex, indexgroup]
        rebuilt = _build(pattern, entry)
    except Exception as exc:  # noqa: BLE001 - the private API differs here: stop recording
        log.debug("regex cache disabled: %s", exc)
        _disable()
        return None
    if (rebuilt.flags, rebuilt.groups, rebuilt.groupindex) != (compiled.flags, compiled.groups, compiled.groupindex):
        _disable()
        return None
    return entry


def _disable() -> None:
    global _table
    _table = _Table(None, {})


def _load() -> _Table:
    global _table
    if _table is not None:
        return _table
    with _lock:
        if _table is None:
            _table = _open()
            if _table.path is not None:
                atexit.register(save)
    return _table


def _path() -> Path | None:
    if _BUILD is None:
        return None
    try:
        from analyzer.cachedir import cache_dir

        name = hashlib.sha256(_BUILD.encode()).hexdigest()[:20]
        return cache_dir() / CACHE_SUBDIR / f"{name}.json"
    except (OSError, ValueError) as exc:
        log.debug("regex cache unavailable: %s", exc)
        return None


def _open() -> _Table:
    path = _path()
    if path is None:
        return _Table(None, {})
    try:  # line 1: {"build", "sha256" of the rest}; the rest: the entries
        header, _, body = path.read_bytes().partition(b"\n")
        meta = json.loads(header)
        if meta.get("build") != _BUILD or hashlib.sha256(body).hexdigest() != meta.get("sha256"):
            raise ValueError("not this interpreter's file, or damaged")
        entries = json.loads(body)
        if not isinstance(entries, dict):
            raise ValueError("entries are not a mapping")
    except FileNotFoundError:
        entries = {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:  # torn, foreign or edited
        log.debug("regex cache %s unreadable (%s); compiling", path, exc)
        entries = {}
    return _Table(path, entries)


def save() -> None:
    """Write the entries added in this process (at exit; harmless to call more often)."""
    table = _table
    if table is None or table.path is None or not table.added or len(table.entries) > MAX_ENTRIES:
        return
    with _lock:
        body = json.dumps(table.entries, separators=(",", ":"), ensure_ascii=False)
        table.added = 0
    header = json.dumps({"build": _BUILD, "sha256": hashlib.sha256(body.encode()).hexdigest()}, ensure_ascii=False)
    text = f"{header}\n{body}"
    try:
        from analyzer.atomic import write_atomic

        write_atomic(table.path, text)
    except OSError as exc:
        log.debug("regex cache %s not written: %s", table.path, exc)


def _reset() -> None:
    """Forget the loaded table (tests: the next compile reads the cache dir again)."""
    global _table
    _table = None
