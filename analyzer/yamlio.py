"""One YAML reader for the data files and for listings' front matter.

`load_untrusted_yaml` is for text from a listing: before anything is built it walks the parser's events
and refuses more than a few aliases (a 548-byte alias bomb expands to millions of nodes), deep nesting
(the pure-Python composer recurses per level) and oversized documents.

PyYAML is imported only with this module, which nothing imports at start-up: the data files come from
their JSON copies (`analyzer.datafiles`) and a listing without front matter has no YAML, so such a run
never loads it (~18 ms here). `yaml_error()` serves except clauses without importing it first.

libyaml's C parser when PyYAML was built with it (the rule and catalogue files load in ~15 ms instead of
~150 ms with the pure-Python parser), else the pure-Python one. Both are PyYAML's safe loaders: plain
types only, no object construction from tags.
"""

from __future__ import annotations

from typing import Any

import yaml

try:
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader  # type: ignore[assignment]


YAMLError = yaml.YAMLError  # what a malformed document raises

MAX_BYTES = 256 * 1024
MAX_DEPTH = 64
MAX_ALIASES = 100
MAX_NODES = 100_000


class UntrustedYamlError(yaml.YAMLError):
    """Listing YAML over a limit (aliases, depth, nodes or size): treated like malformed YAML."""


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader


def load_untrusted_yaml(
    text: str, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH, max_aliases: int = MAX_ALIASES, max_nodes: int = MAX_NODES
) -> Any:
    """`load_yaml` for listing text, within limits; raises UntrustedYamlError (a YAMLError) past them."""
    if len(text) > max_bytes:
        raise UntrustedYamlError(f"YAML of {len(text):,} characters (limit {max_bytes:,})")
    # Count the nodes of the document *as expanded*: an alias adds the size of what it names, so nine
    # aliases of nine aliases ... is refused long before anything walks it.
    aliases = 0
    sizes: dict[str, int] = {}  # anchor -> expanded node count
    open_nodes: list[tuple[str | None, int]] = [(None, 0)]  # (anchor, nodes so far) per open collection
    for event in yaml.parse(text, Loader=SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > max_aliases:
                raise UntrustedYamlError(f"YAML with more than {max_aliases} aliases")
            anchor, count = open_nodes[-1]
            open_nodes[-1] = (anchor, count + sizes.get(event.anchor or "", 1))
        elif isinstance(event, yaml.CollectionStartEvent):
            if len(open_nodes) > max_depth:
                raise UntrustedYamlError(f"YAML nested deeper than {max_depth} levels")
            open_nodes.append((event.anchor, 1))
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, count = open_nodes.pop()
            if anchor:
                sizes[anchor] = count
            parent_anchor, parent_count = open_nodes[-1]
            open_nodes[-1] = (parent_anchor, parent_count + count)
        elif isinstance(event, yaml.ScalarEvent):
            if event.anchor:
                sizes[event.anchor] = 1
            anchor, count = open_nodes[-1]
            open_nodes[-1] = (anchor, count + 1)
        if open_nodes[-1][1] > max_nodes or sum(c for _, c in open_nodes) > max_nodes:
            raise UntrustedYamlError(f"YAML that expands to more than {max_nodes:,} nodes")
    return load_yaml(text)
