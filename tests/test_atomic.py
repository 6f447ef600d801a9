"""Atomic writes honour the umask (reports in a shared folder are readable) and keep an existing mode."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.atomic import TEMP_SUFFIX, write_atomic

ROOT = Path(__file__).resolve().parents[1]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_new_file_mode_follows_the_umask(tmp_path: Path, umask: int, expected: int) -> None:
    # A child process, so the umask of the test process (and its threads) is never changed.
    target = tmp_path / "report.md"
    code = f"import os; os.umask({umask}); from analyzer.atomic import write_atomic; from pathlib import Path; write_atomic(Path({str(target)!r}), 'x')"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)
    assert target.read_text() == "x"
    assert _mode(target) == expected


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_replacing_keeps_the_existing_mode(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    target.write_text("old")
    target.chmod(0o640)
    write_atomic(target, "new")
    assert target.read_text() == "new" and _mode(target) == 0o640


def test_batch_and_cli_reports_are_not_private(tmp_path: Path) -> None:
    from analyzer.cli.main import main

    out = tmp_path / "r.md"
    assert main(["analyze", str(ROOT / "examples" / "tidewater-agent.md"), "--out", str(out)]) == 0
    current = os.umask(0o022)
    os.umask(current)
    assert _mode(out) == 0o666 & ~current


def test_failed_write_leaves_no_temp_file(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        write_atomic(tmp_path / "r.md", 42)  # type: ignore[arg-type]
    assert not list(tmp_path.glob(f"*{TEMP_SUFFIX}")) and not (tmp_path / "r.md").exists()
