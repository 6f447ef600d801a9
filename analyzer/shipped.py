"""Where the data folders kept at the repository root (prompts/, evals/) are found at run time.

The source tree keeps prompts/ and evals/ at its top level; pyproject.toml maps them into the package as
`analyzer._prompts` and `analyzer._evals`, so a wheel carries them and an installed copy finds them with
importlib. A source checkout (tests, `PYTHONPATH=.`) reads its own top-level folders, so an edit shows
without reinstalling and a second checkout never reads the files of another one installed in editable
mode.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from analyzer.errors import ConfigError

PACKAGES = {"prompts": "analyzer._prompts", "evals": "analyzer._evals"}


def checkout_root() -> Path | None:
    """The source checkout this copy of the package was imported from, if it was."""
    root = Path(__file__).resolve().parents[1]
    return root if (root / "pyproject.toml").is_file() and (root / "analyzer").is_dir() else None


def shipped_dir(name: str) -> Path:
    """The folder holding the shipped `name` files ("prompts" or "evals")."""
    root = checkout_root()
    if root is not None and (root / name).is_dir():
        return root / name
    # The mapped folders have no __init__.py (they are plain data folders in the source tree), so they
    # install as namespace packages: the spec's search location is the folder itself.
    spec = importlib.util.find_spec(PACKAGES[name])
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise ConfigError(
            f"the shipped {name}/ folder is missing from this installation ({PACKAGES[name]} not found)",
            hint="reinstall the package from a wheel or the source tree (pip install --force-reinstall ...)",
        )
    return Path(locations[0])
