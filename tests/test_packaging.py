"""Packaging: what the wheel carries and how an installed copy finds its shipped files.

An installed layout is simulated by copying the package into a temporary site folder with prompts/ and
evals/ mapped where pyproject.toml maps them, then running the CLI from another directory — the same
thing `.ci/run` checks with a real wheel in a fresh virtual environment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from analyzer.shipped import PACKAGES

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def _source_dir(package: str) -> Path:
    """Where setuptools takes a listed package from: the longest mapped prefix, else the dotted path."""
    parts = package.split(".")
    for i in range(len(parts), 0, -1):
        mapped = SETUPTOOLS["package-dir"].get(".".join(parts[:i]))
        if mapped is not None:
            return ROOT / mapped / Path(*parts[i:])
    return ROOT / Path(*parts)


def test_every_package_under_analyzer_is_listed_in_pyproject() -> None:
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "analyzer").rglob("__init__.py")}
    listed = set(SETUPTOOLS["packages"])
    missing = sorted(found - listed)
    assert not missing, f"add {missing} to [tool.setuptools] packages in pyproject.toml, or the wheel leaves them out"
    for package in listed:
        assert _source_dir(package).is_dir(), f"{package} is listed in pyproject.toml but {_source_dir(package)} does not exist"


def test_pyproject_maps_the_folders_the_code_looks_for() -> None:
    assert {SETUPTOOLS["package-dir"][pkg]: pkg for pkg in PACKAGES.values()} == {name: pkg for name, pkg in PACKAGES.items()}
    for folder in PACKAGES:
        assert (ROOT / folder).is_dir()


def test_single_source_of_the_version() -> None:
    import analyzer

    assert "version" in PYPROJECT["project"]["dynamic"]
    assert SETUPTOOLS["dynamic"]["version"] == {"attr": "analyzer.__version__"}
    assert analyzer.__version__.count(".") == 2


def test_distribution_metadata() -> None:
    project = PYPROJECT["project"]
    assert project["name"] != "analyzer"  # PyPI's `analyzer` is someone else's package
    assert project["license"] == "Apache-2.0" and "Apache License" in (ROOT / "LICENSE").read_text("utf-8")[:200]
    assert project["scripts"] == {"analyzer": "analyzer.cli.main:run"}
    assert project["urls"] and any(c.startswith("Typing ::") for c in project["classifiers"])
    assert (ROOT / "analyzer" / "py.typed").is_file()


def test_user_agent_names_the_distribution() -> None:
    from analyzer.fetch.config import USER_AGENT

    assert f"pypi.org/project/{PYPROJECT['project']['name']}/" in USER_AGENT


@pytest.fixture(scope="module")
def installed_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package laid out as a wheel installs it: no pyproject.toml beside it, data folders inside."""
    site = tmp_path_factory.mktemp("site")
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "analyzer", site / "analyzer", ignore=ignore)
    for folder, package in PACKAGES.items():
        shutil.copytree(ROOT / folder, site / Path(*package.split(".")), ignore=ignore)
    return site


def _run_installed(site: Path, cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ANALYZER_PROMPTS_DIR")}
    full_env.update({"PYTHONPATH": str(site), **(env or {})})
    return subprocess.run([sys.executable, *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=120)


def test_installed_copy_reads_its_shipped_prompts(installed_site: Path, tmp_path: Path) -> None:
    code = (
        "import analyzer, json; from analyzer.extract.prompting import load_prompt, prompts_dir;"
        "t = load_prompt(); print(json.dumps([analyzer.__file__, str(prompts_dir()), t.system]))"
    )
    proc = _run_installed(installed_site, tmp_path, "-c", code)
    assert proc.returncode == 0, proc.stderr
    module, folder, system = json.loads(proc.stdout)
    assert Path(module).is_relative_to(installed_site) and Path(folder) == installed_site / "analyzer" / "_prompts"
    assert system == (ROOT / "prompts" / "extract-v2.system.md").read_text("utf-8")


def test_prompts_dir_environment_variable_still_overrides(installed_site: Path, tmp_path: Path) -> None:
    (tmp_path / "extract-v2.system.md").write_text("custom system", "utf-8")
    (tmp_path / "extract-v2.user.md").write_text("custom $listing", "utf-8")
    code = "from analyzer.extract.prompting import load_prompt; print(load_prompt().system)"
    proc = _run_installed(installed_site, tmp_path, "-c", code, env={"ANALYZER_PROMPTS_DIR": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "custom system"


def test_installed_eval_without_dataset_runs_the_shipped_fixtures(installed_site: Path, tmp_path: Path) -> None:
    proc = _run_installed(installed_site, tmp_path, "-m", "analyzer", "--quiet", "eval", "--out", "run", "--bootstrap", "50")
    assert proc.returncode == 0, proc.stderr
    log = json.loads((tmp_path / "run" / "eval.json").read_text("utf-8"))
    fixtures = (ROOT / "evals" / "fixtures.jsonl").read_text("utf-8").splitlines()
    assert len(log["samples"]) == len([line for line in fixtures if line.strip()])
    assert {s["status"] for s in log["samples"]} == {"ok"}


def test_missing_shipped_folder_is_a_one_line_error(installed_site: Path, tmp_path: Path) -> None:
    broken = tmp_path / "site"
    shutil.copytree(installed_site, broken)
    shutil.rmtree(broken / "analyzer" / "_prompts")
    proc = _run_installed(broken, tmp_path, "-c", "from analyzer.extract.prompting import load_prompt; load_prompt()")
    assert proc.returncode != 0
    assert "ConfigError" in proc.stderr and "shipped prompts/ folder is missing" in proc.stderr
