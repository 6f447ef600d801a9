"""Smoke-test an installed `analyzer` (a wheel in a fresh virtual environment) from outside the checkout.

    python tests/wheel_smoke.py VENV/bin/analyzer

Run with the development environment (it imports the tests' scripted OpenAI-compatible server and the
draft the LLM tests use). Every run of the installed command happens in an empty temporary directory,
so nothing can be read from the source tree: the offline heuristic path on the shipped example, the LLM
path through the openai SDK against the scripted server on 127.0.0.1 (recording its answers), the
replay provider on those answers with no server, and `eval` on the shipped
fixtures with no --dataset. Exits non-zero with a one-line reason on the first failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from fake_openai import FakeOpenAI  # noqa: E402
from llm_helpers import LISTING_TEXT, draft_json  # noqa: E402

TIMEOUT = 120


def _run(analyzer: str, cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANALYZER_", "PYTHON"))}
    clean.update({"ANALYZER_CACHE_DIR": str(cwd / ".cache"), **(env or {})})
    proc = subprocess.run([analyzer, *args], cwd=cwd, env=clean, capture_output=True, text=True, timeout=TIMEOUT)
    if proc.returncode != 0:
        sys.exit(f"wheel smoke: `analyzer {' '.join(args)}` exited {proc.returncode}: {proc.stderr.strip()[-600:]}")
    return proc


def _check(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"wheel smoke: {what}")


def offline(analyzer: str, work: Path) -> None:
    example = work / "tidewater-agent.md"
    example.write_text((HERE.parent / "examples" / "tidewater-agent.md").read_text("utf-8"), "utf-8")
    _run(analyzer, work, "analyze", example.name, "--format", "json", "--out", "offline.json")
    report = json.loads((work / "offline.json").read_text("utf-8"))
    _check(report["extraction"]["status"] == "ok" and report["extraction"]["provider"] == "heuristic", f"offline extraction: {report['extraction']}")
    _check(report["aivss"]["score"] is not None, "offline analysis has no AIVSS score")
    print(f"wheel smoke: offline analyze ok (AIVSS {report['aivss']['score']})")


def llm(analyzer: str, work: Path) -> None:
    listing = work / "harbor-pilot.md"
    listing.write_text(LISTING_TEXT, "utf-8")
    server = FakeOpenAI().start()
    try:
        for _ in range(8):  # the extractor may retry or re-ask; each answer is the same valid draft
            server.push_content(draft_json())
        env = {"OPENAI_API_KEY": "sk-wheel-smoke-not-a-key"}
        args = ("analyze", listing.name, "--provider", "openai", "--base-url", server.url, "--model", "gpt-4.1-mini")
        _run(analyzer, work, *args, "--format", "json", "--out", "llm.json", "--record", "recorded", env=env)
    finally:
        server.stop()
    report = json.loads((work / "llm.json").read_text("utf-8"))
    _check(server.calls >= 1, "the LLM path made no request to the scripted server")
    body = server.requests[0].body
    _check(isinstance(body, dict) and body.get("messages"), "the request carried no chat messages")
    system = body["messages"][0]["content"]
    _check("$" not in system.split("\n", 1)[0] and len(system) > 500, "the system prompt was not rendered from the shipped template")
    _check(report["extraction"]["status"] == "ok" and report["extraction"]["provider"] == "openai", f"LLM extraction: {report['extraction']}")
    print(f"wheel smoke: LLM analyze ok ({server.calls} request(s), AIVSS {report['aivss']['score']})")


def replay(analyzer: str, work: Path) -> None:
    """The third provider: the answers recorded by the LLM run, replayed with no server and no key."""
    _run(analyzer, work, "analyze", "harbor-pilot.md", "--provider", "replay", "--replay", "recorded", "--format", "json", "--out", "replay.json")
    report = json.loads((work / "replay.json").read_text("utf-8"))
    recorded = json.loads((work / "llm.json").read_text("utf-8"))
    _check(report["extraction"]["status"] == "ok" and report["aivss"]["score"] == recorded["aivss"]["score"], f"replay extraction: {report['extraction']}")
    print(f"wheel smoke: replay analyze ok (AIVSS {report['aivss']['score']}, as recorded)")


def evals(analyzer: str, work: Path) -> None:
    _run(analyzer, work, "--quiet", "eval", "--out", "eval-run", "--bootstrap", "100")
    log = json.loads((work / "eval-run" / "eval.json").read_text("utf-8"))
    _check(len(log["samples"]) > 0 and {s["status"] for s in log["samples"]} == {"ok"}, "eval on the shipped fixtures did not run every sample")
    print(f"wheel smoke: eval on the shipped fixtures ok ({len(log['samples'])} samples)")


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    analyzer = str(Path(sys.argv[1]).resolve())
    with tempfile.TemporaryDirectory(prefix="analyzer-wheel-smoke-") as tmp:
        work = Path(tmp)
        version = _run(analyzer, work, "--version").stdout.strip()
        print(f"wheel smoke: {version} from {analyzer}")
        offline(analyzer, work)
        llm(analyzer, work)
        replay(analyzer, work)
        evals(analyzer, work)


if __name__ == "__main__":
    main()
