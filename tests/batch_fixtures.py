"""Small listings written for the batch tests (our own text, not copies of ../shared)."""

from __future__ import annotations

import threading
from pathlib import Path

from analyzer.extract.base import ExtractionResult, failed_result
from analyzer.models import Listing

TEMPLATES = (
    "# {name}\n\n{name} is an autonomous coding agent. It plans multi-step tasks, runs shell commands, edits files "
    "in your repository and opens pull requests on GitHub without asking for approval.\n\n## Tools\n\n"
    "It can browse the web, call external APIs with your API keys and remembers past sessions in a vector database.\n",
    "# {name}\n\n{name} is a text embedding model. It maps sentences to 768-dimensional vectors for semantic search "
    "and clustering.\n\n## Usage\n\nLoad the weights and call encode() on a list of sentences.\n",
    "# {name}\n\n{name} is a chat assistant built on an open LLM. It answers questions about uploaded documents "
    "(retrieval-augmented generation) and can call a calculator tool.\n\n## Safety\n\nOutputs pass a moderation filter.\n",
)


def write_listings(folder: Path, count: int, *, prefix: str = "listing") -> list[Path]:
    """`count` distinct listing files (each mentions its own name, so no two share content)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        name = f"{prefix.title()} {i:03d}"
        path = folder / f"{prefix}-{i:03d}.md"
        path.write_text(TEMPLATES[i % len(TEMPLATES)].format(name=name), encoding="utf-8")
        paths.append(path)
    return paths


def write_source_list(path: Path, sources: list[str | Path]) -> Path:
    path.write_text("# batch test sources\n" + "".join(f"{s}\n" for s in sources), encoding="utf-8")
    return path


class CountingExtractor:
    """The heuristic extractor, counting calls; can fail (result or exception) for chosen sources."""

    name = "heuristic"

    def __init__(self, *, fail_sources: set[str] | None = None, raise_sources: set[str] | None = None) -> None:
        from analyzer.extract.heuristic import HeuristicExtractor

        self.inner = HeuristicExtractor()
        self.fail_sources = fail_sources or set()
        self.raise_sources = raise_sources or set()
        self.calls: list[str] = []
        self._lock = threading.Lock()

    def extract(self, listing: Listing) -> ExtractionResult:
        with self._lock:
            self.calls.append(listing.source)
        if Path(listing.source).name in self.raise_sources:
            raise RuntimeError("boom")
        if Path(listing.source).name in self.fail_sources:
            return failed_result("heuristic", "the model refused")
        return self.inner.extract(listing)
