"""Evals: run an extractor over gold-labelled listings, measure it, compare runs and gate regressions.

dataset.py reads JSONL samples; runner.py extracts and records each sample; metrics.py aggregates with
bootstrap intervals; gate.py applies thresholds from evals/gate.toml; compare.py diffs two run logs;
report.py renders the terminal, Markdown and HTML views; records.py is the JSON log format.
"""

from __future__ import annotations

from pathlib import Path

from analyzer.evals.dataset import Dataset, Sample, load_dataset
from analyzer.evals.records import RunLog, SampleRecord, read_run_log, write_run_log
from analyzer.shipped import shipped_dir


def project_evals_dir() -> Path:
    """The project's evals/ folder (fixtures, listings, baselines, gate.toml), shipped inside the package."""
    return shipped_dir("evals")


__all__ = ["Dataset", "RunLog", "Sample", "SampleRecord", "load_dataset", "project_evals_dir", "read_run_log", "write_run_log"]
