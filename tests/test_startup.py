"""Fast start, as behaviour: what an offline run imports, the YAML reader, commands loaded on use.

The timings themselves are measured by benchmarks/bench_startup.py, never asserted here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
import yaml

from analyzer import yamlio

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "tidewater-agent.md"
# The LLM client, the HTTP stacks, retries, the tokenizer, the terminal UI, and numpy and py3langid (no
# dependency any more since language detection is plain Python; listed so that they never creep back into
# an offline run).
HEAVY = ("openai", "httpx", "httpx2", "httpcore", "tenacity", "tiktoken", "rich", "anyio", "numpy", "py3langid")


def _loaded_after(code: str, tmp_path: Path) -> list[str]:
    """Top-level module names loaded by a fresh interpreter after running `code`."""
    script = code + "\nimport json, sys\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANALYZER_"))}
    env.update(PYTHONPATH=str(ROOT), ANALYZER_CACHE_DIR=str(tmp_path / "cache"))
    proc = subprocess.run([sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_offline_analysis_of_a_file_loads_no_llm_or_http_code(tmp_path: Path) -> None:
    code = (
        "from analyzer.cli.main import main\n"
        f"rc = main(['analyze', {str(EXAMPLE)!r}, '--format', 'json', '--out', 'report.json'])\n"
        "assert rc == 0, rc\n"
    )
    loaded = _loaded_after(code, tmp_path)
    assert json.loads((tmp_path / "report.json").read_text("utf-8"))["aivss"]["score"] is not None
    assert "analyzer" in loaded and "pydantic" in loaded
    assert [m for m in HEAVY if m in loaded] == []


def test_a_warm_analysis_parses_yaml_only_for_front_matter(tmp_path: Path) -> None:
    """The data files come from their JSON copies once the first run wrote them, so a listing without
    front matter (a GitHub README) never loads PyYAML; one with front matter does, and reads it."""
    plain = tmp_path / "readme.md"
    plain.write_text(EXAMPLE.read_text("utf-8").split("---\n", 2)[2], "utf-8")
    code = "from analyzer.cli.main import main\nrc = main(['analyze', {!r}, '--format', 'json', '--out', {!r}])\nassert rc == 0, rc\n"
    assert "yaml" in _loaded_after(code.format(str(plain), "first.json"), tmp_path)  # first run: YAML parsed, copies written
    assert "yaml" not in _loaded_after(code.format(str(plain), "plain.json"), tmp_path)
    assert "yaml" in _loaded_after(code.format(str(EXAMPLE), "card.json"), tmp_path)
    metadata = json.loads((tmp_path / "card.json").read_text("utf-8"))["listing"]["metadata"]
    assert {"key": "license", "value": "apache-2.0"}.items() <= next(m for m in metadata if m["key"] == "license").items()


def test_version_loads_neither_models_nor_commands(tmp_path: Path) -> None:
    code = (
        "from analyzer.cli.main import main\n"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    rc = main(['--version'])\n"
        "assert rc == 0 and out.getvalue().startswith('analyzer '), (rc, out.getvalue())\n"
    )
    loaded = _loaded_after(code, tmp_path)
    assert "pydantic" not in loaded and "yaml" not in loaded
    assert [m for m in HEAVY if m in loaded] == []


def test_import_analyzer_is_cheap_and_the_api_resolves_on_use(tmp_path: Path) -> None:
    loaded = _loaded_after("import analyzer\nassert analyzer.AnalyzerError and analyzer.__version__", tmp_path)
    assert "pydantic" not in loaded
    import analyzer

    assert analyzer.analyze.__module__ == "analyzer.pipeline"
    assert analyzer.Analysis.__module__ == "analyzer.models"
    assert set(analyzer.__all__) <= set(dir(analyzer))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        analyzer.nope  # noqa: B018


def test_every_command_still_registers_for_help() -> None:
    from analyzer.cli.main import COMMANDS, _commands_to_load, build_parser

    assert _commands_to_load(["--verbose", "analyze", "x.md"]) == ("analyze",)
    assert _commands_to_load(["--version"]) == ()
    assert _commands_to_load([]) == COMMANDS
    assert _commands_to_load(["--help"]) == COMMANDS
    assert _commands_to_load(["no-such-command"]) == COMMANDS
    help_text = build_parser().format_help()
    assert all(name in help_text for name in COMMANDS)


@pytest.mark.parametrize("name", sorted(p.name for p in resources.files("analyzer.data").iterdir() if p.name.endswith(".yaml")))
def test_c_and_python_yaml_loaders_agree_on_the_data_files(name: str) -> None:
    text = resources.files("analyzer.data").joinpath(name).read_text("utf-8")
    assert yamlio.load_yaml(text) == yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506


def test_yaml_reader_uses_libyaml_when_pyyaml_has_it() -> None:
    assert yamlio.SafeLoader is (yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)


def test_yaml_reader_falls_back_without_libyaml(tmp_path: Path) -> None:
    # A PyYAML without its C extension: importing CSafeLoader fails, the pure-Python loader is used.
    code = (
        "import yaml\n"
        "del yaml.CSafeLoader\n"
        "from analyzer import yamlio\n"
        "assert yamlio.SafeLoader is yaml.SafeLoader\n"
        "assert yamlio.load_yaml('a: [1, 2]\\nb: !!str 3') == {'a': [1, 2], 'b': '3'}\n"
    )
    _loaded_after(code, tmp_path)


def test_yaml_reader_builds_no_objects_from_tags() -> None:
    with pytest.raises(yaml.YAMLError):
        yamlio.load_yaml("!!python/object/apply:os.system ['true']")


def test_every_shipped_rule_pattern_compiles(monkeypatch: pytest.MonkeyPatch) -> None:
    # Patterns with literal prefixes compile on first use, so a bad one in the shipped rule files would only
    # fail on a listing that contains its literal: compile every one of them here.
    from analyzer.extract.heuristic import exposure, fastre, rules

    made: list[fastre.FastPattern] = []
    original = fastre.FastPattern.__init__

    def record(self: fastre.FastPattern, source: str, plan: fastre.Plan | None = None) -> None:
        original(self, source, plan)
        made.append(self)

    monkeypatch.setattr(fastre.FastPattern, "__init__", record)
    rules.load_rules.cache_clear()
    exposure.load_exposure_rules.cache_clear()
    try:
        rules.load_rules()
        exposure.load_exposure_rules()
    finally:
        rules.load_rules.cache_clear()
        exposure.load_exposure_rules.cache_clear()
    assert len(made) > 100
    for pattern in made:
        assert pattern.regex.pattern  # compiles, or raises re.error naming the pattern


def test_the_command_exits_with_mains_code_after_freezing_the_heap(monkeypatch: pytest.MonkeyPatch) -> None:
    # run() is the console script and `python -m analyzer`: main()'s exit code, with the objects frozen
    # so the interpreter's last collection skips them (not done by main(), which tests call in-process).
    import gc

    from analyzer.cli import main as cli

    frozen: list[bool] = []
    monkeypatch.setattr(cli, "main", lambda: 7)
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    with pytest.raises(SystemExit) as exc:
        cli.run()
    assert exc.value.code == 7 and frozen == [True]


def test_python_dash_m_analyzer_keeps_exit_codes_and_output(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANALYZER_"))}
    env.update(PYTHONPATH=str(ROOT), ANALYZER_CACHE_DIR=str(tmp_path / "cache"))
    command = [sys.executable, "-m", "analyzer", "analyze"]
    missing = subprocess.run([*command, str(tmp_path / "missing.md")], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert missing.returncode == 2 and "missing.md" in missing.stderr
    report = subprocess.run([*command, str(EXAMPLE)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert report.returncode == 0 and "agentic threat model" in report.stdout and report.stdout.endswith("\n")
