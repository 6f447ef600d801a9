"""Start-up time of the `analyzer` command: medians of repeated fresh processes.

    python benchmarks/bench_startup.py [--analyzer PATH] [--against PATH] [--repeat N] [--instructions]

By default it runs `python -m analyzer` with this checkout first on PYTHONPATH; pass `--analyzer
VENV/bin/analyzer` to time an installed wheel instead, and `--against OTHER/bin/analyzer` to time a
second build in turn with it (A, B, A, B, ...: the fair way to compare two builds on a drifting machine). Runs keep their bytecode caches (as an installed
wheel has them). Each case runs once untimed (which writes the bytecode and the start-up caches in a
temporary ANALYZER_CACHE_DIR), then N times; the median and the spread are printed. The last case gives
every run an empty cache dir: a user's very first analysis. It also lists which heavy modules
an offline `analyze` of the shipped example imports (`-X importtime`), the behaviour behind the figure.

This machine's speed drifts (a shared host: the same binary runs up to ~1.5x slower from one minute to
the next), so with `--instructions` each warm case also runs once under valgrind's callgrind, which counts
the instructions executed: the same figure whatever else the machine is doing, for comparing two builds.
Beside them, the floor no change of ours can lower: a bare interpreter, and importing pydantic and
defining one model.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "tidewater-agent.md"
HEAVY = ("openai", "httpx", "httpx2", "httpcore", "tenacity", "tiktoken", "rich", "bpe_openai", "lxml", "bs4", "numpy", "py3langid")


def _command(analyzer: str | None) -> list[str]:
    return [analyzer] if analyzer else [sys.executable, "-m", "analyzer"]


def _env(cache: str, *, checkout: bool) -> dict[str, str]:
    # PYTHONDONTWRITEBYTECODE is dropped: users run with bytecode caches (a wheel's are compiled at
    # install), and without them every run would recompile every module.
    drop = ("OPENAI_", "ANALYZER_", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env["ANALYZER_CACHE_DIR"] = cache
    if checkout:  # an installed script must import its own copy, not this checkout
        env["PYTHONPATH"] = str(ROOT)
    return env


def _time(cmds: list[list[str]], envs: list[dict[str, str]], repeat: int, *, cold: bool = False) -> list[tuple[list[float], list[float]]]:
    """Wall and CPU (user + sys) seconds of each run of each command, the commands run in turn (A, B, A,
    B, ...) so that a drift in the machine's speed falls on both alike; CPU is the steadier figure.

    Warm (default): after one untimed run, which writes the bytecode and the start-up caches (parsed data
    files, compiled rule regexes, pattern plans) as a user's first run does. Cold: every run gets an
    empty cache dir."""
    quiet = {"check": True, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": tempfile.gettempdir()}
    for cmd, env in zip(cmds, envs, strict=True):
        subprocess.run(cmd, env=env, **quiet)
    results: list[tuple[list[float], list[float]]] = [([], []) for _ in cmds]
    for _ in range(repeat):
        for cmd, env, (walls, cpus) in zip(cmds, envs, results, strict=True):
            if cold:
                env = {**env, "ANALYZER_CACHE_DIR": tempfile.mkdtemp(dir=env["ANALYZER_CACHE_DIR"])}
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(cmd, env=env, **quiet)
            walls.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return results


def _heavy_imports(cmd: list[str], env: dict[str, str]) -> list[str]:
    python_cmd = _python(cmd)
    proc = subprocess.run(
        [python_cmd[0], "-X", "importtime", *python_cmd[1:], "analyze", str(EXAMPLE)],
        env=env, capture_output=True, text=True, check=True, cwd=tempfile.gettempdir(),
    )
    seen = set()
    for line in proc.stderr.splitlines():
        name = line.rsplit("|", 1)[-1].strip()
        if name.split(".")[0] in HEAVY:
            seen.add(name.split(".")[0])
    return sorted(seen)


def _python(cmd: list[str]) -> list[str]:
    """The command run by its interpreter (valgrind runs a console script's python, not the script)."""
    return cmd if cmd[0] == sys.executable else [str(Path(cmd[0]).with_name("python")), cmd[0]]


def _instructions(cmd: list[str], env: dict[str, str]) -> int | None:
    """Instructions one run executes (callgrind's count), after a warm-up run; None without valgrind."""
    if shutil.which("valgrind") is None:
        return None
    quiet = {"env": env, "cwd": tempfile.gettempdir(), "capture_output": True, "text": True}
    subprocess.run(cmd, **quiet)
    proc = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd], **quiet)
    found = re.search(r"Collected\s*:\s*(\d+)", proc.stderr)
    return int(found.group(1)) if found else None


def _print_instructions(cmd: list[str], env: dict[str, str]) -> None:
    python = _python(cmd)[0]
    floor = "from pydantic import BaseModel\nclass M(BaseModel):\n    x: int = 1"
    cases = {
        "--version": [*_python(cmd), "--version"],
        "analyze example (md to stdout)": [*_python(cmd), "analyze", str(EXAMPLE)],
        "floor: python -c pass": [python, "-c", "pass"],
        "floor: pydantic + one model": [python, "-c", floor],
    }
    print("instructions (callgrind, one warm run each; independent of the machine's load):")
    for label, case in cases.items():
        count = _instructions(case, {**env, "PYDANTIC_DISABLE_PLUGINS": "__all__"} if "floor" in label else env)
        print(f"  {label:34} {'valgrind not found' if count is None else f'{count / 1e6:,.0f} M'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--analyzer", help="path of an installed `analyzer` script (default: python -m analyzer from this checkout)")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--instructions", action="store_true", help="also count the instructions of each warm case (valgrind)")
    parser.add_argument("--against", metavar="PATH", help="another installed `analyzer` script (e.g. a wheel of an older commit), timed in turn with the first")
    args = parser.parse_args()
    builds = [_command(args.analyzer)] + ([_command(args.against)] if args.against else [])
    with tempfile.TemporaryDirectory() as cache:
        envs = []
        for i, cmd in enumerate(builds):
            os.makedirs(os.path.join(cache, str(i)))
            envs.append(_env(os.path.join(cache, str(i)), checkout=cmd[0] == sys.executable))
        cases = {
            "--version": (["--version"], False),
            "--help": (["--help"], False),
            "analyze example (md to stdout)": (["analyze", str(EXAMPLE)], False),
            "analyze example, empty cache dir": (["analyze", str(EXAMPLE)], True),
        }
        names = [" ".join(cmd) for cmd in builds]
        print(f"{'case':38} {'wall median':>12} {'min':>7} {'max':>7} {'CPU median':>11}   (n={args.repeat}{', in turn' if args.against else ''})")
        for label, (case_args, cold) in cases.items():
            results = _time([[*cmd, *case_args] for cmd in builds], envs, args.repeat, cold=cold)
            for i, (walls, cpus) in enumerate(results):
                ms = [f"{v * 1000:.0f}ms" for v in (statistics.median(walls), min(walls), max(walls), statistics.median(cpus))]
                tag = f" [{'AB'[i]}]" if args.against else ""
                print(f"{label + tag:38} {ms[0]:>12} {ms[1]:>7} {ms[2]:>7} {ms[3]:>11}")
        if args.against:
            print("".join(f"[{'AB'[i]}] {name}\n" for i, name in enumerate(names)), end="")
        print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
        for cmd, env in zip(builds, envs, strict=True):
            heavy = _heavy_imports(cmd, env)
            print(f"heavy modules imported by an offline analyze ({' '.join(cmd)}):", ", ".join(heavy) or "none")
            if args.instructions:
                _print_instructions(cmd, env)


if __name__ == "__main__":
    main()
