"""An ideal model through the real LLM path: how much of the gold answer survives the schema and grounding?

    python benchmarks/bench_llm_oracle.py [--shared DIR]

For each of the 37 dev listings it writes the reply a perfect model would give in the extraction schema —
the gold kind (quoting the listing's first sentence), the gold factor values with the gold evidence
quotes, the gold exposure facts and mitigations with their quotes — and runs it through
`LLMExtractor.result_from_completion`, exactly what a live answer goes through (grounding, substance and
injection rules, floors, heuristic fallback for unquoted items). Prints factor MAE against gold, kind
accuracy, exposure-fact accuracy (tri-state) and how many items fell back to the heuristic. Anything
short of perfect is a loss the request format or the grounding rules cause, not the model.
No request is sent.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from analyzer.extract.llm import LLMExtractor  # noqa: E402
from analyzer.fetch.local import read_local  # noqa: E402
from analyzer.models import EXPOSURE_FACTS, FACTOR_ORDER  # noqa: E402


def _rows(path: Path) -> dict[str, dict[str, Any]]:
    return {r["slug"]: r for r in (json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip())}


def _first_sentence(text: str) -> str:
    for para in re.split(r"\n\s*\n", text):
        para = para.strip()
        if para and not para.startswith(("#", "|", "!", "<", "[", "`", "-", ">")):
            return re.split(r"(?<=[.!?])\s", " ".join(para.split()), maxsplit=1)[0][:300]
    return ""


def oracle_draft(gold: dict[str, Any], exposure: dict[str, Any] | None, text: str) -> dict[str, Any]:
    evidence = gold.get("evidence") or {}
    facts = []
    for name, fact in ((exposure or {}).get("exposure") or {}).items():
        if fact.get("value") in ("yes", "no") and fact.get("quote"):
            facts.append({"fact": name, "value": fact["value"], "quotes": [fact["quote"]]})
    return {
        "system": {
            "name": gold.get("title") or gold["slug"], "developer": None, "summary": gold.get("title") or "",
            "kind": gold["kind"], "kind_quotes": [q for q in [_first_sentence(text)] if q],
            "input_modalities": ["text"], "output_modalities": ["text"], "underlying_models": [],
            "exposure": facts,
            "mitigations": [{"kind": m["kind"], "quote": m["quote"]} for m in (exposure or {}).get("mitigations") or [] if m.get("quote")],
            "layers": [],
        },
        "factors": {
            key.value: {"value": f"{float(gold['factors'][key.value]):.1f}", "rationale": "gold",
                        "quotes": [evidence[key.value]] if evidence.get(key.value) else []}
            for key in FACTOR_ORDER
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default = next((p / "shared" for p in (REPO.parent, REPO.parent.parent) if (p / "shared" / "evals").is_dir()), REPO.parent / "shared")
    parser.add_argument("--shared", type=Path, default=default)
    args = parser.parse_args()
    gold = _rows(args.shared / "evals" / "gold-dev.jsonl")
    exposure = _rows(args.shared / "evals" / "exposure-dev.jsonl")
    ex = LLMExtractor.from_options(base_url="http://127.0.0.1:9/v1", api_key="bench", use_cache=False, cross_check=False)
    errors: list[float] = []
    kinds = facts_ok = facts_total = fallbacks = 0
    fallback_kinds: list[str] = []
    started = time.perf_counter()
    for slug, row in sorted(gold.items()):
        listing = read_local(str(args.shared / "listings" / f"{slug}.md"))
        draft = oracle_draft(row, exposure.get(slug), listing.text)
        completion = {"id": "oracle", "object": "chat.completion", "created": 0, "model": "oracle",
                      "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": json.dumps(draft)}}]}
        profile = ex.result_from_completion(listing, completion).profile
        assert profile is not None, slug
        errors += [abs((profile.factor(k).value or 0.0) - float(row["factors"][k.value])) for k in FACTOR_ORDER]
        kinds += profile.system.kind.value == row["kind"]
        fallbacks += len(profile.system.from_heuristic)
        if "kind" in profile.system.from_heuristic:
            fallback_kinds.append(slug)
        for name in EXPOSURE_FACTS:
            want = ((exposure.get(slug) or {}).get("exposure") or {}).get(name, {}).get("value")
            if want:
                facts_total += 1
                facts_ok += profile.system.exposure.fact(name).value.value == want
    n = len(gold)
    print(f"{n} dev listings, an ideal model's answer through the LLM path ({time.perf_counter() - started:.1f}s)")
    print(f"factor MAE vs gold: {statistics.mean(errors):.3f}; within ±0.1: {sum(e <= 0.1001 for e in errors) / len(errors):.1%}")
    print(f"kind accuracy: {kinds}/{n}; kinds taken from the heuristic (first sentence not accepted as kind evidence): {len(fallback_kinds)} {fallback_kinds}")
    print(f"exposure facts matching gold (tri-state): {facts_ok}/{facts_total} ({facts_ok / max(1, facts_total):.1%}); items from the heuristic: {fallbacks}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
