"""Compiled regular expressions of the shipped rules, kept across runs.

`re.compile` parses a pattern in pure Python (`re._parser`) and generates its matching code
(`re._compiler`) in every new process: ~30 ms of each start-up here for the few hundred rule, cue and
injection patterns an analysis needs. This module keeps what that produces, the SRE code that CPython's
`re.compile` hands to `_sre.compile`, in the user cache dir (one JSON file per interpreter build and
package version, named by the exact Python version, the SRE magic number and the version; see
`analyzer.derived`) and rebuilds the patterns from it with `_sre.compile`.

Derived data only: an entry is written by CPython's own compiler (the steps of `re._compiler.compile`)
and checked to rebuild the same pattern before it is kept; the file carries the SHA-256 of its entries;
`_sre.compile` validates any code it is given. Anything unexpected (another Python implementation, a
changed private API, a corrupt, truncated or foreign file, an unwritable cache dir) falls back to plain
`re.compile`, so the worst case is the old speed, never another match. Patterns built from listing text
must not come here (they would grow the file without bound): only the packaged rules do.
"""

from __future__ import annotations

import binascii
import logging
import re
import sys
from array import array
from typing import Any

from analyzer import __version__
from analyzer.derived import DerivedTable

log = logging.getLogger("analyzer.regexcache")

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

# The code depends only on the interpreter, but the table also names the package version: every rule
# pattern ever compiled stays in it, so without a fresh table per release the patterns of old rules
# would be parsed at every start-up (a table that had grown over many rule edits took ~1.4% longer to
# read); the old release's file is removed with the other old builds (`analyzer.derived`).
TABLE = DerivedTable(CACHE_SUBDIR, None if _BUILD is None else f"{_BUILD}|{__version__}")


def compile(pattern: str, flags: int = 0) -> re.Pattern[str]:  # noqa: A001 - re.compile's drop-in
    """`re.compile(pattern, flags)`, rebuilt from the cached code when there is an entry for it."""
    flags = int(flags)
    key = f"{flags}:{pattern}"
    entry = TABLE.get(key)
    if entry is not None:
        try:
            return _build(pattern, entry)
        except Exception as exc:  # noqa: BLE001 - a damaged entry is a miss, whatever _sre says
            log.debug("regex cache entry for %r unusable (%s); compiling", pattern[:60], exc)
            TABLE.discard(key)
    compiled = re.compile(pattern, flags)  # raises re.error for a bad pattern, as always
    if TABLE.keeping:
        entry = _record(pattern, flags, compiled)
        if entry is not None:
            TABLE.put(key, entry)
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
        TABLE.disable()
        return None
    if (rebuilt.flags, rebuilt.groups, rebuilt.groupindex) != (compiled.flags, compiled.groups, compiled.groupindex):
        TABLE.disable()
        return None
    return entry


def save() -> None:
    """Write the entries added in this process (at exit; harmless to call more often)."""
    TABLE.save()


def _reset() -> None:
    """Forget the loaded table (tests: the next compile reads the cache dir again)."""
    TABLE.reset()
