"""One YAML reader for the data files and for listings' front matter.

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


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader
