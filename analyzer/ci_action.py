"""The logic behind the GitHub Action (action.yml): analyse the model cards a pull request changes.

    python -m analyzer.ci_action --base origin/main --paths '**/README.md' --sarif analyzer.sarif \
        --summary "$GITHUB_STEP_SUMMARY" --fail-on high

1. The cards: files matching `--paths` that changed between the merge base of `--base` and HEAD
   (`git diff --name-only --diff-filter=ACMR`), or every tracked matching file with `--all`.
2. Each card is analysed as it is in the working tree (paths relative to the repository root, so SARIF
   locations are what code scanning expects), and its version at the merge base (`git show
   BASE:PATH`) too, for the diff.
3. Written: one SARIF log with one run per card (`--sarif`); a Markdown job summary with a table of
   scores and each card's diff against the base (`--summary`, appended, as GitHub expects); step
   outputs (`--github-output`).
4. Exit: 4 when an extraction failed (risk unknown), else 7 when a card reaches `--fail-on` /
   `--max-score`, else 0. Everything is written before the exit.

Only git and the analyzer's Python API are used, so it runs the same on a laptop as on a runner.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from analyzer.errors import AnalyzerError, InputError
from analyzer.models import Analysis
from analyzer.threshold import EXIT_THRESHOLD, Breach, Threshold, check, parse_fail_on, parse_max_score

DEFAULT_PATHS = ("**/README.md", "**/MODEL_CARD.md", "**/model_card.md", "**/*.modelcard.md")
GIT_TIMEOUT = 60.0
MAX_CARDS = 200  # a pull request touching more cards than this is a bulk change: use `analyzer batch`
EXIT_EXTRACTION_FAILED = 4


@dataclass
class CardResult:
    path: str
    analysis: Analysis
    base: Analysis | None  # None: the card is new in this change (or --all without a base)
    breach: Breach | None


# --------------------------------------------------------------------------- git


def git(*args: str, cwd: Path) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=GIT_TIMEOUT, check=False)
    except FileNotFoundError:
        raise InputError("git is not installed", hint="the action needs git on the PATH (actions/checkout provides it)") from None
    except subprocess.TimeoutExpired:
        raise InputError(f"git {' '.join(args)}: no answer in {GIT_TIMEOUT:.0f} s", hint="check the repository is not locked") from None
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise InputError(f"git {' '.join(args)}: {message}", hint=_git_hint(message))
    return done.stdout


def _git_hint(message: str) -> str:
    if "not a git repository" in message:
        return "run it from the repository checkout (actions/checkout first)"
    if any(m in message for m in ("unknown revision", "bad revision", "no merge base", "Not a valid object name")):
        return "fetch the base branch: actions/checkout with fetch-depth: 0"
    return "check the --base ref and the repository"


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A path glob as git users write it: `**/` any folders (or none), `*` within one folder, `?` one character."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def matching(paths: list[str], patterns: list[str]) -> list[str]:
    compiled = [glob_regex(p.strip().lstrip("./")) for p in patterns if p.strip()]
    return [p for p in paths if any(rx.match(p) for rx in compiled)]


def changed_cards(repo: Path, base: str | None, patterns: list[str], *, all_files: bool) -> tuple[list[str], str | None]:
    """(the card paths to analyse, the merge-base commit to compare with or None)."""
    merge_base = git("merge-base", base, "HEAD", cwd=repo).strip() if base else None
    if all_files or merge_base is None:
        names = git("ls-files", "-z", cwd=repo).split("\0")
    else:
        names = git("diff", "--name-only", "-z", "--diff-filter=ACMR", merge_base, "HEAD", cwd=repo).split("\0")
        # a card edited but not committed yet (running the action's script locally) counts too
        names += git("diff", "--name-only", "-z", "--diff-filter=ACMR", "HEAD", cwd=repo).split("\0")
    cards = list(dict.fromkeys(matching([n for n in names if n], patterns)))
    if len(cards) > MAX_CARDS:
        raise InputError(f"{len(cards)} cards match, more than {MAX_CARDS}", hint="narrow --paths, or run `analyzer batch` over them")
    return cards, merge_base


def base_version(repo: Path, commit: str, path: str) -> str | None:
    """The file's text at `commit`, or None when it did not exist there."""
    listed = git("ls-tree", "--name-only", commit, "--", path, cwd=repo).strip()
    if not listed:
        return None
    return git("show", f"{commit}:{path}", cwd=repo)


# --------------------------------------------------------------------------- analysis


def analyse_cards(repo: Path, cards: list[str], merge_base: str | None, threshold: Threshold, **options: object) -> list[CardResult]:
    from analyzer.pipeline import analyze

    results = []
    with tempfile.TemporaryDirectory(prefix="analyzer-base-") as tmp:
        for path in cards:
            try:
                analysis = analyze(path, **options)  # type: ignore[arg-type]
            except AnalyzerError as exc:  # an empty or unreadable card: its risk is unknown, the others still count
                analysis = unreadable(path, str(exc), str(options.get("provider") or "heuristic"))
            base = None
            if merge_base is not None:
                text = base_version(repo, merge_base, path)
                if text is not None and text.strip():
                    copy = Path(tmp) / f"{len(results)}" / Path(path).name  # same name: the format is read from it
                    copy.parent.mkdir(parents=True)
                    copy.write_text(text, "utf-8")
                    try:
                        base = analyze(str(copy), **options)  # type: ignore[arg-type]
                    except AnalyzerError as exc:
                        print(f"analyzer: warning: {path} at {merge_base[:12]}: {exc}", file=sys.stderr)
                    else:
                        base = base.model_copy(update={"listing": base.listing.model_copy(update={"source": f"{merge_base[:12]}:{path}"})})
            results.append(CardResult(path, analysis, base, check(analysis, threshold)))
    return results


def unreadable(path: str, error: str, provider: str) -> Analysis:
    """A card that could not be read or fetched, as a failed analysis (risk unknown, never a score)."""
    from analyzer.extract.base import failed_result
    from analyzer.models import Listing, ScoringOptions
    from analyzer.pipeline import assemble

    listing = Listing(
        source=path, source_type="file", canonical_url=None, title=path, text="", sections=[], metadata=[],
        content_hash=Listing.hash_text(""), revision=None, fetched_at=None, content_type=None,
    )
    return assemble(listing, failed_result(provider, error), ScoringOptions())


# --------------------------------------------------------------------------- outputs


def summary_markdown(results: list[CardResult], threshold: Threshold, merge_base: str | None) -> str:
    from analyzer.diff import diff_analyses
    from analyzer.report.diff import render_diff_markdown
    from analyzer.report.escape import md_cell as cell

    lines = ["## analyzer: agentic threat models", ""]
    if not results:
        return "\n".join([*lines, "No model card or README matching the paths changed.", ""])
    against = f" against `{merge_base[:12]}`" if merge_base else ""
    lines += [f"{len(results)} card(s) analysed{against}." + (f" Gate: {threshold.describe()}." if threshold.active else ""), ""]
    lines += ["| Card | Kind | AIVSS | Band | Change | Gate |", "|---|---|---:|---|---:|---|"]
    for r in results:
        a = r.analysis
        score = "unknown" if a.aivss.score is None else f"{a.aivss.score:.1f}"
        if r.base is None:
            change = "new"
        elif r.base.aivss.score is None or a.aivss.score is None:
            change = "—"
        else:
            change = f"{a.aivss.score - r.base.aivss.score:+.1f}"
        gate = "extraction failed" if a.failed else ("**fails**" if r.breach else ("passes" if threshold.active else "—"))
        kind = a.system.kind.value if a.system else "unknown"
        lines.append(f"| {cell(r.path)} | {cell(kind)} | {score} | {a.aivss.band.value} | {change} | {gate} |")
    lines.append("")
    for r in results:
        if r.breach:
            lines.append(f"- ❌ {cell(r.breach.message())}")
        if r.analysis.failed:
            lines.append(f"- ⚠️ {cell(r.path)}: extraction failed: {cell(r.analysis.extraction.error or 'unknown error')} — risk unknown")
    lines.append("")
    for r in results:
        if r.base is None:
            continue
        body = render_diff_markdown(diff_analyses(r.base, r.analysis), title=r.path, level=3)
        lines += ["<details>", f"<summary>{cell(r.path)}: what changed since the base</summary>", "", body, "</details>", ""]
    return "\n".join(lines)


def _append(path: str, text: str) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text if text.endswith("\n") else text + "\n")


def exit_code(results: list[CardResult]) -> int:
    if any(r.analysis.failed for r in results):
        return EXIT_EXTRACTION_FAILED
    return EXIT_THRESHOLD if any(r.breach for r in results) else 0


def run(args: argparse.Namespace) -> int:
    import json

    from analyzer.atomic import write_atomic
    from analyzer.report.sarif import sarif_log

    repo = Path(git("rev-parse", "--show-toplevel", cwd=Path.cwd()).strip())
    if Path.cwd().resolve() != repo.resolve():
        raise InputError(f"run from the repository root ({repo}), not {Path.cwd()}", hint="SARIF paths must be relative to the root for code scanning")
    threshold = Threshold(
        fail_on=parse_fail_on(args.fail_on) if args.fail_on else None,
        max_score=parse_max_score(args.max_score) if args.max_score else None,
        use_range=args.fail_on_range,
    )
    patterns = [p for chunk in (args.paths or list(DEFAULT_PATHS)) for p in re.split(r"[\n,]", chunk) if p.strip()]
    cards, merge_base = changed_cards(repo, args.base or None, patterns, all_files=args.all)
    options: dict[str, object] = {"provider": args.provider or "heuristic"}
    if args.model:
        options["model"] = args.model
    if args.base_url:
        options["base_url"] = args.base_url
    results = analyse_cards(repo, cards, merge_base, threshold, **options)
    sarif = args.sarif if args.sarif and results else None  # no cards: no file, so the upload step is skipped
    if sarif:
        write_atomic(Path(sarif), json.dumps(sarif_log([r.analysis for r in results]), ensure_ascii=False) + "\n")
    summary = summary_markdown(results, threshold, merge_base)
    if args.summary:
        _append(args.summary, summary)
    else:
        sys.stdout.write(summary)
    code = exit_code(results)
    if args.github_output:
        scores = [r.analysis.aivss.score for r in results if r.analysis.aivss.score is not None]
        _append(
            args.github_output,
            f"analysed={len(results)}\nmax-score={max(scores) if scores else ''}\nbreached={'true' if code == EXIT_THRESHOLD else 'false'}\n"
            f"sarif={sarif or ''}\nexit-code={code}\n",
        )
    for r in results:
        if r.breach:
            print(f"analyzer: threshold: {r.breach.message()}", file=sys.stderr)
    return code


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m analyzer.ci_action", description="Analyse the model cards / READMEs a change touches (the GitHub Action's logic).")
    p.add_argument("--base", help="the base ref or commit (a pull request's base); without it every matching file is analysed")
    p.add_argument("--paths", action="append", help=f"glob(s) of cards, comma or newline separated (default: {', '.join(DEFAULT_PATHS)})")
    p.add_argument("--all", action="store_true", help="analyse every tracked matching file, not only the changed ones")
    p.add_argument("--sarif", metavar="PATH", help="write one SARIF log (one run per card) here")
    p.add_argument("--summary", metavar="PATH", help="append the Markdown summary here (GitHub: $GITHUB_STEP_SUMMARY); default stdout")
    p.add_argument("--github-output", metavar="PATH", help="append step outputs here ($GITHUB_OUTPUT)")
    p.add_argument("--fail-on", help="exit 7 when a card's band is this or higher: low, medium, high, critical")
    p.add_argument("--max-score", help="exit 7 when a card's AIVSS score is above this")
    p.add_argument("--fail-on-range", action="store_true", help="gate on the top of the score range")
    p.add_argument("--provider", default="heuristic", help="heuristic (default, offline), auto or openai")
    p.add_argument("--model", help="LLM model name (provider openai)")
    p.add_argument("--base-url", help="OpenAI-compatible endpoint (provider openai)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except AnalyzerError as exc:
        print(f"analyzer: error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
