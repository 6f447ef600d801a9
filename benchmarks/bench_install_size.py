"""Size of a fresh install: build the wheel, install it (runtime dependencies only) into a new venv, du.

    python benchmarks/bench_install_size.py [--keep DIR]

Prints the wheel's size, the venv's total size and its ten largest installed distributions' folders.
Needs the package registry (pip downloads the build backend and the dependencies).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", help="build the venv in DIR and keep it (default: a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        dist, venv = work / "dist", work / "venv"
        quiet = {"check": True, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(dist), str(ROOT)], **quiet)
        wheel = next(dist.glob("*.whl"))
        subprocess.run([sys.executable, "-m", "venv", str(venv)], **quiet)
        subprocess.run([str(venv / "bin" / "pip"), "install", str(wheel)], **quiet)
        site = next((venv / "lib").glob("python3*/site-packages"))
        sizes = sorted(((_du(p), p.name) for p in site.iterdir() if p.is_dir() and not p.name.endswith(("-info", "__pycache__"))), reverse=True)
        print(f"wheel {wheel.name}: {wheel.stat().st_size / 1e6:.2f} MB")
        on_disk = int(subprocess.run(["du", "-sk", str(venv)], capture_output=True, text=True, check=True).stdout.split()[0])
        print(f"fresh venv with the wheel installed: {on_disk / 1024:.0f} MiB on disk (du), {_du(venv) / 2**20:.0f} MiB of files")
        for size, name in sizes[:10]:
            print(f"  {size / 2**20:6.1f} MiB  {name}")


if __name__ == "__main__":
    main()
