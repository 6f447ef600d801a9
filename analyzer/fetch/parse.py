"""Turn raw listing content (Markdown, HTML, plain text, JSON) into a Listing.

Shared by local files and by every remote source, so a saved page and the same page fetched from its URL
give the same text and sections.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from analyzer import regexcache
from analyzer.cpubudget import charge, cpu_budget
from analyzer import jsonio
from analyzer.errors import InputError
from analyzer.markup import CUT_LINK_HEAD, IMAGE, LINK, TAG
from analyzer.models import Listing, MetadataField, Section

SourceType = Literal["file", "stdin", "url", "huggingface", "github"]

_FRONT_MATTER = regexcache.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
# Linear time: the trailing " #" run is stripped in Python (`heading_text`); `(.+?)[ \t#]*$` rescanned
# that run from every character of the heading (a heading padded with 160,000 spaces took minutes).
_ATX_HEADING = regexcache.compile(r"^(#{1,6})[ \t]+(\S.*)$")
_FENCE = regexcache.compile(r"^\s*(```|~~~)")


def split_front_matter(text: str) -> tuple[list[MetadataField], str]:
    """Split YAML front matter off a Markdown document. Malformed YAML is kept as text, not an error."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return [], text
    from analyzer.yamlio import YAMLError, load_untrusted_yaml  # PyYAML only for a listing with front matter

    try:
        data = load_untrusted_yaml(match.group(1))  # alias, depth and size limits: an alias bomb is malformed
    except (YAMLError, RecursionError):
        return [], text
    if not isinstance(data, dict):
        return [], text
    return flatten_metadata(data, source="front_matter"), text[match.end():]


MAX_METADATA_DEPTH = 32


def flatten_metadata(data: object, *, source: str, prefix: str = "", limit: int = 400) -> list[MetadataField]:
    """Flatten nested JSON/YAML into key/value facts: lists become one field per scalar item.

    Every value visited counts (empty ones and containers too), at most `limit` x 10 of them, and nesting
    below MAX_METADATA_DEPTH is skipped: shared YAML anchors or deep nesting cannot make the walk long.
    """
    fields: list[MetadataField] = []
    budget = limit * 10
    stack: list[tuple[object, str, int]] = [(data, prefix, 0)]
    while stack and len(fields) < limit and budget > 0:
        value, key, depth = stack.pop()
        budget -= 1
        if isinstance(value, dict | list) and depth >= MAX_METADATA_DEPTH:
            continue
        if isinstance(value, dict):
            stack.extend((v, f"{key}.{k}" if key else str(k), depth + 1) for k, v in reversed(list(value.items())[:budget]))
        elif isinstance(value, list):
            stack.extend((item, key, depth + 1) for item in reversed(value[:budget]))
        elif value is not None:
            text = str(value).strip()
            if text:
                fields.append(MetadataField(key=key or "value", value=text[:2000], source=source))
    return fields


def metadata_values(key: str, value: object, *, source: str) -> list[MetadataField]:
    """One field per scalar of `value` (a scalar or a list); nested objects and empty values are skipped."""
    fields: list[MetadataField] = []
    for item in value if isinstance(value, list) else [value]:
        if item is None or isinstance(item, dict | list):
            continue
        text = str(item).lower() if isinstance(item, bool) else str(item).strip()
        if text:
            fields.append(MetadataField(key=key, value=text[:2000], source=source))
    return fields


def markdown_sections(text: str) -> list[Section]:
    """Split Markdown on ATX headings (ignoring '#' lines inside code fences)."""
    sections: list[Section] = []
    heading, level, buf = "", 0, []
    in_fence = False
    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        m = None if in_fence else _ATX_HEADING.match(line)
        if m:
            body = "\n".join(buf).strip()
            if body or heading:
                sections.append(Section(heading=heading, level=level, text=body))
            heading, level, buf = _clean_heading(heading_text(m.group(2))), len(m.group(1)), []
        else:
            buf.append(line)
    body = "\n".join(buf).strip()
    if body or heading:
        sections.append(Section(heading=heading, level=level, text=body))
    return sections


def heading_text(raw: str) -> str:
    """An ATX heading's text without its trailing spaces and closing '#'s (at least its first character)."""
    return raw.rstrip(" \t#") or raw[:1]


_EMPHASIS = regexcache.compile(r"(\*\*|__|`)")
_SPACES = regexcache.compile(r"\s+")


def plain_text(markdown: str) -> str:
    """Inline Markdown → plain text: images dropped, links to their text, tags and emphasis removed."""
    text = IMAGE.sub("", markdown)
    text = LINK.sub(r"\1", text)
    text = CUT_LINK_HEAD.sub(r"\1", text)  # a link whose "[" was cut off before the text
    text = TAG.sub("", text)
    text = _EMPHASIS.sub("", text)
    return _SPACES.sub(" ", text).strip(" *_").strip()


def _clean_heading(raw: str) -> str:
    return plain_text(raw)


def guess_title(sections: list[Section], metadata: list[MetadataField], fallback: str) -> str:
    for key in ("title", "name", "model_name", "og:title", "pretty_name"):
        for m in metadata:
            if m.key.lower() == key and m.value.strip():
                return m.value.strip()[:200]
    # A heading is the title only when the page opens with it; a card that starts with prose and
    # later has "# Key Features" is better named by its file or URL.
    first = next((s for s in sections if s.heading or _has_prose(s.text)), None)
    if first is not None and first.heading and first.level <= 2:
        return first.heading[:200]
    return fallback


_MARKUP = regexcache.compile(r"<[^<>]*>|\[?!\[[^\[\]]*\]\([^()]*\)(?:\]\([^()]*\))?|^[ \t]*\[[^\[\]\n]*\]:[ \t]*\S+[ \t]*$", re.M)


def _has_prose(text: str) -> bool:
    """False for a preamble of only logos, badges and HTML wrappers (common atop GitHub READMEs)."""
    return bool(re.search(r"\w", _MARKUP.sub("", text)))


def detect_format(name: str, content_type: str | None, text: str) -> Literal["markdown", "html", "json", "text"]:
    ct = (content_type or "").split(";")[0].strip().lower()
    lower = name.lower()
    if ct in ("text/html", "application/xhtml+xml") or lower.endswith((".html", ".htm", ".xhtml")):
        return "html"
    if ct.endswith("json") or lower.endswith(".json"):
        return "json"
    if ct in ("text/markdown", "text/x-markdown") or lower.endswith((".md", ".markdown", ".mdx")):
        return "markdown"
    head = text.lstrip()[:500].lower()
    if head.startswith(("<!doctype html", "<html")) or "<body" in head:
        return "html"
    if head.startswith(("{", "[")):
        try:
            jsonio.loads(text)
            return "json"
        except ValueError:
            pass
    return "markdown" if ct in ("", "text/plain") else "text"


def _within_cpu_budget(parse: Callable[..., Listing]) -> Callable[..., Listing]:
    """Parse under the listing's CPU budget (analyzer.cpubudget), opening one if none is open."""

    @functools.wraps(parse)
    def run(text: str, *, source: str, **options: Any) -> Listing:
        with cpu_budget(source):
            charge(len(text), "parsing")
            return parse(text, source=source, **options)

    return run


@_within_cpu_budget
def build_listing(
    text: str,
    *,
    source: str,
    source_type: SourceType,
    name_hint: str = "",
    content_type: str | None = None,
    canonical_url: str | None = None,
    revision: str | None = None,
    fetched_at: datetime | None = None,
    extra_metadata: list[MetadataField] | None = None,
) -> Listing:
    """Parse content of any supported format into a Listing."""
    fmt = detect_format(name_hint or source, content_type, text)
    metadata: list[MetadataField] = list(extra_metadata or [])
    if fmt == "html":
        from analyzer.fetch.html import html_to_markdown

        page = html_to_markdown(text, base_url=canonical_url)
        metadata.extend(page.metadata)
        body = page.markdown
    elif fmt == "json":
        body, json_meta = _json_listing(text, source)
        metadata.extend(json_meta)
    else:
        front, body = split_front_matter(text)
        metadata.extend(front)
    body = body.strip()
    if not body and not metadata:
        raise InputError(f"{source}: the listing has no readable text", hint="check that the file or page is a model/agent listing")
    charge(len(body), "splitting sections")
    sections = markdown_sections(body) if fmt != "text" else [Section(heading="", level=0, text=body)]
    fallback = name_hint.rsplit("/", 1)[-1].rsplit(".", 1)[0] or source
    return Listing(
        source=source,
        source_type=source_type,
        canonical_url=canonical_url,
        title=guess_title(sections, metadata, fallback),
        text=body,
        sections=sections,
        metadata=metadata,
        content_hash=Listing.hash_text(body),
        revision=revision,
        fetched_at=fetched_at,
        content_type=content_type,
    )


_TEXT_KEYS = ("readme", "card", "model_card", "description", "text", "content", "body", "summary", "about")


def _json_listing(text: str, source: str) -> tuple[str, list[MetadataField]]:
    try:
        data = jsonio.loads(text)
    except ValueError as exc:
        raise InputError(f"{source}: not valid JSON ({exc})", hint="pass a Markdown, HTML, text or JSON listing") from None
    if not isinstance(data, dict):
        return json.dumps(data, indent=2, ensure_ascii=False), []
    parts = [str(data[k]) for k in _TEXT_KEYS if isinstance(data.get(k), str) and data[k].strip()]
    rest = {k: v for k, v in data.items() if k not in _TEXT_KEYS}
    return "\n\n".join(parts), flatten_metadata(rest, source="json")
