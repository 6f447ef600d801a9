"""Analyses run in worker threads; the page polls a job for its stage (fetch → extract → score) until done.

An LLM extraction can take a minute, too long to hold one request open behind a spinner with no word of
what is happening. The job table is in memory and bounded: only the newest MAX_JOBS are kept.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from analyzer.errors import AnalyzerError

log = logging.getLogger("analyzer.serve")
MAX_JOBS = 200
STAGES = {"queued": "waiting for a free worker", "fetch": "reading the listing", "extract": "extracting capability facts", "score": "scoring and writing the threat model", "done": "done", "failed": "failed"}


@dataclass
class Job:
    id: str
    label: str
    stage: str = "queued"
    started_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    result: Any = None
    error: AnalyzerError | None = None
    kept: dict[str, Any] = field(default_factory=dict)  # server-side only, never sent to the page

    def set_stage(self, name: str) -> None:
        self.stage = name

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "label": self.label,
            "stage": self.stage,
            "stage_text": STAGES.get(self.stage, self.stage),
            "seconds": round((self.finished_at or time.time()) - self.started_at, 1),
            "done": self.stage in ("done", "failed"),
        }
        if self.error is not None:
            out["error"] = error_json(self.error)
        if self.stage == "done":
            out["result"] = self.result
        return out


def error_json(exc: AnalyzerError) -> dict[str, Any]:
    """The error as the CLI prints it (the text after 'analyzer: error: '), its class and exit code."""
    return {"message": str(exc), "type": type(exc).__name__, "exit_code": exc.exit_code}


class JobRunner:
    def __init__(self, workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="analyzer-serve")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def submit(self, label: str, work: Callable[[Job], Any]) -> Job:
        """Run `work(job)` in a worker (it calls job.set_stage as it goes); its return value is the job's result."""
        job = Job(id=secrets.token_hex(8), label=label)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > MAX_JOBS:
                self._jobs.popitem(last=False)

        def run() -> None:
            try:
                job.result = work(job)
                job.stage = "done"
            except AnalyzerError as exc:
                job.error, job.stage = exc, "failed"
            except Exception as exc:  # one line for the page, never a traceback
                log.exception("analysis job %s failed", job.id)
                job.error, job.stage = AnalyzerError(f"internal error: {type(exc).__name__}: {exc}", hint="re-run `analyzer serve --debug` for the traceback"), "failed"
            finally:
                job.finished_at = time.time()

        self._pool.submit(run)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
