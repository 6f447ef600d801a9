"""`--openai-batch`: extraction through the OpenAI Batch API, with the batch runner's resume and dedup.

Flow of one run:
1. Resume: poll every batch the state DB knows as unfinished, download its output/error files and store
   the raw answers (per content key) in the state DB.
2. Pass over the sources with the normal runner. A source whose content key has an answer is parsed,
   scored and reported; one with a cached LLM response likewise; every other key gets one request line
   (custom_id = content key, so duplicates are sent once) in DIR/openai-batch/requests-*.jsonl.
3. Upload the JSONL (files.create, purpose "batch"), create the batch (endpoint /v1/chat/completions,
   window 24h), record its id in the state DB at once, and poll it until it ends.
4. Pass over the waiting sources again: they now finish from the stored answers, or fail with the
   batch's error for their request.
Ctrl-C while polling stops; the rerun resumes polling the same batch instead of resubmitting.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer.batch.runner import BatchReport, BatchRunner, Deferred, _signals
from analyzer.batch.state import PENDING, TRANSIENT_ERROR
from analyzer.errors import ConfigError
from analyzer.extract.base import ExtractionResult, failed_result
from analyzer.models import Listing

if TYPE_CHECKING:
    from analyzer.extract.llm import LLMExtractor

ENDPOINT = "/v1/chat/completions"
COMPLETION_WINDOW = "24h"
MAX_REQUESTS_PER_FILE = 50_000  # Batch API limits per input file
MAX_BYTES_PER_FILE = 190 * 1024 * 1024  # under the 200 MB limit, with room for the multipart envelope
TERMINAL = {"completed", "failed", "expired", "cancelled"}
BATCH_PRICE_FACTOR = 0.5  # the Batch API bills half the synchronous token price
REQUESTS_DIR = "openai-batch"


def batch_extractor(extractor: object) -> LLMExtractor:
    """The runner's extractor when it can go through the Batch API: the live OpenAI LLM extractor, one sample."""
    from analyzer.extract.llm import LLMExtractor

    if not isinstance(extractor, LLMExtractor) or extractor.name != "openai":
        raise ConfigError(
            f"--openai-batch needs the OpenAI LLM extractor, not {getattr(extractor, 'name', type(extractor).__name__)!r}",
            hint="pass --provider openai",
        )
    if extractor.settings.samples != 1:
        raise ConfigError("--openai-batch sends one request per listing; --samples > 1 is not supported with it", hint="drop --samples, or run without --openai-batch")
    return extractor


@dataclass
class _RequestFile:
    path: Path
    keys: list[str]
    size: int = 0


class OpenAIBatchJob:
    def __init__(self, runner: BatchRunner) -> None:
        self.runner = runner
        self.state = runner.state
        self.options = runner.options
        self.extractor = batch_extractor(runner.extractor)
        self.errors_this_run: dict[str, str] = {}
        self.waiting: set[str] = set()  # keys in batches that have not finished
        self.files: list[_RequestFile] = []
        self.requests_written = 0
        self.batches_created: list[str] = []
        self._stop = False

    # ----------------------------------------------------------------- the extraction stage

    async def stage(self, listing: Listing, key: str) -> ExtractionResult:
        stored = self.state.get_openai_result(key)
        if stored is not None:
            batch_id, completion, error = stored
            if completion is not None:
                result = await self.runner.blocking(self.extractor.result_from_completion, listing, json.loads(completion))
                if result.outcome.status != "ok":
                    self.state.drop_openai_result(key)  # an unusable answer: the next run asks again
                    return result
                if result.estimated_cost_usd is not None and not result.cache_hit:
                    result = result.model_copy(update={"estimated_cost_usd": round(result.estimated_cost_usd * BATCH_PRICE_FACTOR, 6)})
                return result
            if key in self.errors_this_run:
                return failed_result("openai", f"OpenAI batch {batch_id}: {error or 'no answer for this request'}")
            # an error from an earlier run: ask again below
        cached = await self.runner.blocking(self.extractor.cached_result, listing)
        if cached is not None:
            return cached
        if key not in self.waiting:
            body = await self.runner.blocking(self.extractor.batch_request_body, listing)
            self._write_request(key, body)
            self.waiting.add(key)
        raise Deferred(key)

    def _write_request(self, key: str, body: dict[str, Any]) -> None:
        line = json.dumps({"custom_id": key, "method": "POST", "url": ENDPOINT, "body": body}, ensure_ascii=False, separators=(",", ":")) + "\n"
        size = len(line.encode("utf-8"))
        current = self.files[-1] if self.files else None
        if current is None or len(current.keys) >= MAX_REQUESTS_PER_FILE or current.size + size > MAX_BYTES_PER_FILE:
            folder = self.options.out_dir / REQUESTS_DIR
            folder.mkdir(parents=True, exist_ok=True)
            current = _RequestFile(folder / f"requests-{int(time.time())}-{len(self.files) + 1}.jsonl", [])
            current.path.write_text("", encoding="utf-8")
            self.files.append(current)
        with current.path.open("a", encoding="utf-8") as fh:
            fh.write(line)
        current.keys.append(key)
        current.size += size
        self.requests_written += 1

    # ----------------------------------------------------------------- submit, poll, download

    async def submit(self) -> None:
        for request_file in self.files:
            def upload(path: Path = request_file.path) -> tuple[str, str, str]:
                with path.open("rb") as fh:
                    uploaded = self.extractor.client.files.create(file=(path.name, fh), purpose="batch")
                batch = self.extractor.client.batches.create(
                    input_file_id=uploaded.id, endpoint=ENDPOINT, completion_window=COMPLETION_WINDOW, metadata={"tool": "analyzer", "requests": path.name}
                )
                return uploaded.id, batch.id, batch.status

            file_id, batch_id, status = await self.runner.blocking(upload)
            self.state.add_openai_batch(batch_id, file_id, request_file.keys, status)
            self.batches_created.append(batch_id)
            self.runner.progress.log(f"analyzer: submitted OpenAI batch {batch_id} ({len(request_file.keys)} requests from {request_file.path.name})")
        self.files = []

    async def poll_all(self) -> None:
        """Poll every unfinished batch until it ends (or Ctrl-C), storing the answers as each ends."""
        pending = self.state.openai_batches(unfinished_only=True)
        if not pending:
            return
        stop = asyncio.Event()

        def interrupt() -> None:
            self._stop = True
            stop.set()
            self.runner.progress.log("analyzer: interrupted while waiting for the OpenAI batch; rerun the same command to resume polling it")

        self.waiting.update(k for b in pending for k in b.hashes)
        self.runner.progress.start(sum(len(b.hashes) for b in pending), "OpenAI batch")
        try:
            with _signals(interrupt, interrupt):
                while pending and not self._stop:
                    still = []
                    completed = 0
                    for record in pending:
                        batch = await self.runner.blocking(self.extractor.client.batches.retrieve, record.batch_id)
                        counts = batch.request_counts
                        completed += (counts.completed + counts.failed) if counts else 0
                        if batch.status in TERMINAL:
                            await self._collect(record.batch_id, record.hashes, batch)
                        else:
                            if batch.status != record.status:
                                self.state.update_openai_batch(record.batch_id, status=batch.status)
                            still.append(record)
                    pending = still
                    self.runner.progress.describe(f"OpenAI batch ({len(pending)} running)", completed=completed)
                    if pending:
                        try:
                            await asyncio.wait_for(stop.wait(), timeout=self.options.poll_interval)
                        except TimeoutError:
                            pass
        finally:
            self.runner.progress.stop()

    async def _collect(self, batch_id: str, keys: list[str], batch: Any) -> None:
        results: dict[str, tuple[str | None, str | None]] = {}
        for file_id in (batch.output_file_id, batch.error_file_id):
            if file_id:
                data = await self.runner.blocking(lambda fid=file_id: self.extractor.client.files.content(fid).content)
                results.update(parse_output_lines(data))
        wanted = set(keys)
        results = {k: v for k, v in results.items() if k in wanted}
        status_note = f"the batch ended with status {batch.status}"
        if batch.status != "completed" and batch.errors and batch.errors.data:
            status_note += ": " + "; ".join(e.message or e.code or "" for e in batch.errors.data[:3])
        for key in wanted - results.keys():
            results[key] = (None, f"no answer ({status_note})")
        self.state.finish_openai_batch(batch_id, batch.status, results)
        for key, (_, error) in results.items():
            self.waiting.discard(key)
            if error:
                self.errors_this_run[key] = error
        failed = sum(1 for _, e in results.values() if e)
        self.runner.progress.log(f"analyzer: OpenAI batch {batch_id} {batch.status}: {len(results) - failed} answers, {failed} errors")

    # ----------------------------------------------------------------- the run

    async def run(self) -> BatchReport:
        import openai

        started = time.perf_counter()
        runner = self.runner
        runner.extract_stage = self.stage
        todo, skipped, kept = runner.plan()
        try:
            await self.poll_all()  # 1. resume batches of earlier runs
            todo, skipped, kept = runner.plan()
            if not self._stop:
                await runner.run(todo, description="preparing")  # 2. finish what has answers, queue the rest
            if not runner.interrupted and not self._stop and self.files:
                await self.submit()  # 3.
                await self.poll_all()
        except openai.OpenAIError as exc:
            # The Batch API itself failed (upload, create, poll, download): the waiting sources fail with
            # that error and a rerun retries them; a batch already created is resumed, not resubmitted.
            error = f"OpenAI Batch API: {type(exc).__name__}: {exc}"
            self.runner.progress.log(f"analyzer: {error}")
            for s in todo:
                record = self.state.record(s.key)
                if record is not None and record.status == PENDING:
                    self.state.mark_failed(s.key, error=error, error_kind=TRANSIENT_ERROR)
        if not runner.interrupted and not self._stop:
            waiting_sources = [s for s in todo if (r := self.state.record(s.key)) is not None and r.status == PENDING]
            if waiting_sources:
                await runner.run(waiting_sources, description="finishing")  # 4.
        runner.interrupted = runner.interrupted or self._stop
        return runner.finalize(started=started, skipped=skipped, kept=kept)


def parse_output_lines(data: bytes) -> dict[str, tuple[str | None, str | None]]:
    """Batch output/error JSONL → {custom_id: (completion JSON, None) or (None, error)}."""
    results: dict[str, tuple[str | None, str | None]] = {}
    for raw in data.decode("utf-8", "replace").splitlines():
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except ValueError:
            continue
        key = line.get("custom_id")
        if not isinstance(key, str):
            continue
        response = line.get("response") or {}
        body = response.get("body")
        if line.get("error"):
            err = line["error"]
            results[key] = (None, f"{err.get('code') or 'error'}: {err.get('message') or ''}".strip() if isinstance(err, dict) else str(err))
        elif response.get("status_code") == 200 and isinstance(body, dict):
            results[key] = (json.dumps(body), None)
        else:
            message = body.get("error", {}).get("message") if isinstance(body, dict) and isinstance(body.get("error"), dict) else None
            results[key] = (None, f"HTTP {response.get('status_code')}: {message or 'request failed'}")
    return results


async def run_openai_batch_async(runner: BatchRunner) -> BatchReport:
    return await OpenAIBatchJob(runner).run()
