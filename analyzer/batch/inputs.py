"""Reading a batch INPUT: a text file of sources (one per line) or a JSONL manifest.

Text file: one URL or path per line; blank lines and `#` comments (whole-line or after whitespace) are
skipped. JSONL manifest: one JSON object per line with the source in `source`, `path`, `file`,
`listing`, `url` or `listing_url` (local-path fields win over URL fields) and an optional `slug`.
Relative paths are resolved against the INPUT file's directory, so a manifest can travel with its
listings. A source given twice is analysed once.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from analyzer import jsonio
from analyzer.errors import InputError

PATH_FIELDS = ("source", "path", "file", "listing")
URL_FIELDS = ("url", "listing_url")
MAX_INPUT_BYTES = 256 * 1024 * 1024
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_SLUG_CHARS = re.compile(r"[^a-z0-9]+")
_LISTING_SUFFIXES = {".md", ".markdown", ".html", ".htm", ".txt", ".json"}


@dataclass(frozen=True)
class BatchSource:
    """One source of a batch. `key` is its identity in the state DB; `stem` names its report files."""

    key: str  # absolute path or URL as given (stripped): stable across reruns
    position: int  # order in the input, for the index
    stem: str  # '<slug>-<32 hex of sha256(key)>': unique and stable
    line: int  # 1-based line in the input file, for messages
    slug: str | None = None  # the manifest's slug, if any

    @property
    def is_url(self) -> bool:
        return is_url(self.key)


def is_url(text: str) -> bool:
    return bool(_URL.match(text))


def slugify(text: str, max_length: int = 60) -> str:
    """ASCII lower-case words joined by '-'; 'listing' when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _SLUG_CHARS.sub("-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "listing"


STEM_HASH_HEX = 32  # 128 bits of sha256(key): no collision in any batch (8 hex collided at ~22,000 sources)
LEGACY_STEM_HASH_HEX = 8  # what runs before 0.2 wrote; their finished reports are still recognised


def source_stem(key: str, slug: str | None = None, *, hex_digits: int = STEM_HASH_HEX) -> str:
    """Stable file stem for a source: readable part + a 128-bit hash of the key (so stems never collide)."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:hex_digits]
    return f"{slugify(slug or _readable_part(key))}-{digest}"


def legacy_stem(source: BatchSource) -> str:
    """The stem an older version gave this source (a 32-bit hash), to resume its finished reports."""
    return source_stem(source.key, source.slug, hex_digits=LEGACY_STEM_HASH_HEX)


def _readable_part(key: str) -> str:
    if is_url(key):
        parts = urlsplit(key)
        path = parts.path.strip("/")
        # e.g. huggingface.co/org/model → 'org-model'; github.com/org/repo → 'org-repo'
        return f"{path}" if path else parts.hostname or "listing"
    path = Path(key)
    return path.stem if path.suffix.lower() in _LISTING_SUFFIXES else path.name


def read_inputs(input_path: str | Path) -> list[BatchSource]:
    """Parse INPUT into sources in input order, duplicates removed. Raises InputError on bad input."""
    path = Path(input_path)
    name = str(input_path)
    if not path.exists():
        raise InputError(f"{name}: no such input file", hint="pass a text file of URLs/paths (one per line) or a JSONL manifest")
    if path.is_dir():
        raise InputError(f"{name}: is a directory", hint="pass a text file listing the sources, e.g. `ls listings/*.md > sources.txt`")
    if path.stat().st_size > MAX_INPUT_BYTES:
        raise InputError(f"{name}: the input file is larger than {MAX_INPUT_BYTES // 1_048_576} MB", hint="split it into several batches")
    try:
        text = path.read_text("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{name}: not a UTF-8 text file", hint="pass a text file of URLs/paths or a JSONL manifest") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read the input file ({exc.strerror})", hint="check its permissions") from None
    base = path.resolve().parent
    manifest = path.suffix.lower() in (".jsonl", ".ndjson") or _first_content_line(text).startswith("{")
    entries = _parse_manifest(text, name) if manifest else _parse_lines(text)
    sources: list[BatchSource] = []
    seen: set[str] = set()
    for line_no, raw, slug in entries:
        if "\x00" in raw:
            raise InputError(f"{name}:{line_no}: the source contains a NUL byte", hint="fix that line of the input file; paths and URLs never contain NUL")
        key = raw if is_url(raw) else str((base / Path(raw).expanduser()).resolve(strict=False))
        if key in seen:
            continue
        seen.add(key)
        sources.append(BatchSource(key=key, position=len(sources), stem=source_stem(key, slug), line=line_no, slug=slug))
    if not sources:
        raise InputError(f"{name}: no sources found", hint="put one URL or path per line (lines starting with # are comments)")
    return sources


def _first_content_line(text: str) -> str:
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return stripped
    return ""


def _parse_lines(text: str) -> list[tuple[int, str, str | None]]:
    entries = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        # ' #' starts a trailing comment; a '#' inside a URL fragment has no space before it
        stripped = re.split(r"\s+#", stripped, maxsplit=1)[0].strip()
        if stripped:
            entries.append((line_no, stripped, None))
    return entries


def _parse_manifest(text: str, name: str) -> list[tuple[int, str, str | None]]:
    entries = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or stripped.startswith("//"):
            continue
        try:
            record = jsonio.loads(stripped)
        except ValueError as exc:
            raise InputError(f"{name}:{line_no}: not valid JSON ({exc.msg})", hint="each manifest line must be one JSON object") from None
        if not isinstance(record, dict):
            raise InputError(f"{name}:{line_no}: expected a JSON object", hint='write e.g. {"source": "card.md", "slug": "my-model"}')
        source = next((record[f] for f in (*PATH_FIELDS, *URL_FIELDS) if isinstance(record.get(f), str) and record[f].strip()), None)
        if source is None:
            fields = ", ".join(PATH_FIELDS + URL_FIELDS)
            raise InputError(f"{name}:{line_no}: the record names no source", hint=f"give one of the fields: {fields}")
        slug = record.get("slug")
        entries.append((line_no, source.strip(), slug if isinstance(slug, str) and slug.strip() else None))
    return entries
