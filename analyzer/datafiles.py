"""The packaged YAML data files (rules, catalogue, patterns), parsed, with a derived JSON copy cached.

Parsing the seven YAML files is ~20 ms of every start-up even with libyaml; the same data as JSON loads
in ~1 ms. So the first run writes each parsed file as JSON to the user cache dir (the one the fetch and
LLM caches use, see `analyzer.cachedir`), named by the SHA-256 of the YAML text and the package
version, and later runs read that instead. The YAML stays the only definition: a copy is only used when
its recorded digest is the digest of the YAML being loaded, so an edited or upgraded rule file is a miss,
never stale data. Anything wrong with the cache (unwritable or missing dir, a corrupt, truncated or
foreign file) is a miss: the YAML is parsed as before. Data JSON cannot represent exactly (non-string
keys, dates, NaN) is never cached. JSON, not pickle: a cache file can only ever hold data.
"""

from __future__ import annotations

import hashlib
import json
import logging
from importlib import resources
from pathlib import Path
from typing import Any

from analyzer import __version__

log = logging.getLogger("analyzer.datafiles")

FORMAT = 1  # bump when the cached layout changes
CACHE_SUBDIR = "data"


def read_data_text(name: str) -> str:
    """The text of a file shipped in analyzer/data/."""
    return resources.files("analyzer.data").joinpath(name).read_text("utf-8")


def load_data_yaml(name: str) -> Any:
    """The parsed YAML file analyzer/data/NAME, from the cached JSON copy when it is current.

    Raises what `load_yaml` raises (yaml.YAMLError) for a malformed file, as parsing it directly would.
    """
    text = read_data_text(name)
    digest = hashlib.sha256(f"{FORMAT}\0{__version__}\0{text}".encode()).hexdigest()
    path = _cached_path(name, digest)
    if path is not None:
        data = _read(path, digest)
        if data is not _MISS:
            return data
    from analyzer.yamlio import load_yaml  # a miss: only now is PyYAML needed

    data = load_yaml(text)
    if path is not None:
        _write(path, digest, data)
    return data


_MISS = object()


def yaml_error() -> type[Exception]:
    """`yaml.YAMLError`, for an except clause around `load_data_yaml`: evaluated only when an exception is
    being matched, so a run that parses no YAML never imports PyYAML."""
    from analyzer.yamlio import YAMLError

    return YAMLError


def _cached_path(name: str, digest: str) -> Path | None:
    try:
        from analyzer.cachedir import cache_dir

        return cache_dir() / CACHE_SUBDIR / f"{Path(name).stem}.{digest[:24]}.json"
    except (OSError, ValueError) as exc:  # no usable cache dir: parse every time
        log.debug("data cache unavailable: %s", exc)
        return None


def _read(path: Path, digest: str) -> Any:
    try:
        payload = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return _MISS
    except (OSError, ValueError) as exc:  # unreadable, not UTF-8, not JSON (a torn or foreign file)
        log.debug("data cache %s unreadable (%s); parsing the YAML", path, exc)
        return _MISS
    if not isinstance(payload, dict) or payload.get("sha256") != digest or "data" not in payload:
        log.debug("data cache %s is not the copy of this file; parsing the YAML", path)
        return _MISS
    return payload["data"]


def _write(path: Path, digest: str, data: Any) -> None:
    try:
        text = json.dumps({"sha256": digest, "data": data}, ensure_ascii=False, allow_nan=False)
        if json.loads(text)["data"] != data:  # e.g. integer keys would come back as strings
            return
    except (TypeError, ValueError):  # dates, sets, NaN ...: this file is parsed every time
        return
    try:
        from analyzer.atomic import write_atomic

        write_atomic(path, text)
        for old in path.parent.glob(f"{Path(path.stem).stem}.*.json"):  # copies of earlier versions
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.debug("data cache %s not written: %s", path, exc)
