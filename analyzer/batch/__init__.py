"""Batch analysis: many listings, bounded concurrency, resumable state, dedup, the OpenAI Batch API.

`run_batch(sources, options, extractor=..., fingerprint=...)` is the Python API behind `analyzer batch`;
`read_inputs(path)` turns an INPUT file into sources.
"""

from __future__ import annotations

from analyzer.batch.inputs import BatchSource, read_inputs
from analyzer.batch.runner import BatchOptions, BatchReport, BatchRunner, run_batch

__all__ = ["BatchOptions", "BatchReport", "BatchRunner", "BatchSource", "read_inputs", "run_batch"]
