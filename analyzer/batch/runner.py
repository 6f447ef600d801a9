"""The batch runner: many sources through fetch → extract → score → report, concurrently and resumably.

- A fixed pool of `concurrency` asyncio workers pulls sources; blocking stages (fetch, extraction,
  scoring + report rendering) run in daemon threads. Fetches of URLs also wait for a per-host slot,
  LLM calls for the requests- and tokens-per-minute buckets.
- Dedup: sources whose listings have the same content key share one extraction (in flight, and across
  runs via the state DB).
- Each source is written atomically and then marked done in the state DB; a failure marks only that
  source failed. A rerun skips what is done and retries the rest.
- First Ctrl-C: take no new sources, finish the in-flight ones. Second Ctrl-C (or SIGTERM): abandon them
  (they stay pending). Either way the index files are written and the state is consistent.
"""

from __future__ import annotations

import asyncio
import hashlib
import signal
import sqlite3
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from analyzer.batch.executor import DaemonThreadPool
from analyzer.batch.inputs import BatchSource, legacy_stem
from analyzer.batch.limits import HostLimiter, LLMRateLimiter
from analyzer.batch.outputs import IndexRow, remove_stale_temp_files, report_paths, summarize, write_index, write_reports
from analyzer.batch.progress import BatchProgress
from analyzer.batch.state import DONE, FAILED, INPUT_ERROR, PENDING, TRANSIENT_ERROR, BatchState
from analyzer.errors import AnalyzerError, BlockedURLError, ContentError, GatedError, InputError, NotFoundError
from analyzer.extract.base import ExtractionResult, Extractor
from analyzer.models import Listing, ScoringOptions

T = TypeVar("T")
ExtractStage = Callable[[Listing, str], Awaitable[ExtractionResult]]

# Failures that come from the input itself and would fail the same way again.
_INPUT_ERRORS = (InputError, BlockedURLError, NotFoundError, GatedError, ContentError)
DEFAULT_OUTPUT_TOKENS = 4096
PROMPT_OVERHEAD_TOKENS = 3000  # system prompt (factor anchors, kind floors) + user template, measured ~2,800


class Deferred(Exception):
    """Raised by an extraction stage that queued the listing elsewhere (the OpenAI Batch API)."""


@dataclass
class BatchOptions:
    out_dir: Path
    formats: tuple[str, ...] = ("md", "json")
    scoring: ScoringOptions = field(default_factory=ScoringOptions)
    concurrency: int = 8
    per_host: int = 2
    rpm: float | None = None
    tpm: float | None = None
    allow_private: bool = False
    use_cache: bool = True
    refresh: bool = False
    retry_failed: bool = False
    show_progress: bool = True
    quiet: bool = False
    poll_interval: float = 30.0  # OpenAI Batch API: seconds between status checks
    title: str = "Batch overview"


@dataclass
class BatchReport:
    """What a run did and where things stand; `exit_code` is 0 all done, 5 some failed, 130 interrupted."""

    total: int
    done: int
    failed: int
    pending: int
    skipped_done: int  # already done before this run
    kept_failed: int  # failed on their input before; not retried without --retry-failed
    attempted: int  # sources processed in this run
    extractions: int  # extractor calls made in this run
    reused: int  # sources served by another source's (or a previous run's) extraction
    deferred: int  # sources handed to the OpenAI Batch API in this run
    interrupted: bool
    elapsed_seconds: float
    failures: list[tuple[str, str]]
    index_files: list[str]
    rows: list[IndexRow] = field(default_factory=list)  # every source, in input order (for the CI gate)

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        return 5 if self.failed or self.pending else 0


def extraction_key(listing: Listing) -> str:
    """Dedup identity of a listing: its text hash plus its metadata (front matter, API fields).

    Not the source or the title: a title may fall back to the file name, and the same card saved
    under two names or reached by two URLs is one extraction.
    """
    h = hashlib.sha256()
    h.update(listing.content_hash.encode())
    for m in sorted((m.key, m.value, m.source) for m in listing.metadata):
        h.update(b"\0" + "\x1f".join(m).encode("utf-8"))
    return h.hexdigest()


def classify_error(exc: BaseException) -> str:
    return INPUT_ERROR if isinstance(exc, _INPUT_ERRORS) else TRANSIENT_ERROR


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, AnalyzerError):
        return str(exc)
    return f"internal error: {type(exc).__name__}: {exc}"


def estimate_tokens(listing: Listing, extractor: object) -> int:
    """A conservative request size for the TPM bucket: prompt + listing (capped at the extractor's input
    budget) + the output limit, which the API reserves up front. Settled against real usage afterwards."""
    estimator = getattr(extractor, "estimate_tokens", None)
    if callable(estimator):
        try:
            return int(estimator(listing))
        except Exception:  # an estimate must never fail a source
            pass
    settings = getattr(extractor, "settings", None)
    output = getattr(settings, "max_output_tokens", None) or DEFAULT_OUTPUT_TOKENS
    budget = getattr(settings, "input_budget", None)
    listing_tokens = len(listing.text) // 4 + 1
    if budget:
        listing_tokens = min(listing_tokens, int(budget))
    return listing_tokens + PROMPT_OVERHEAD_TOKENS + int(output)


class BatchRunner:
    """One run over `sources` with `extractor`, recording everything in `state`."""

    def __init__(
        self,
        sources: list[BatchSource],
        options: BatchOptions,
        extractor: Extractor,
        state: BatchState,
        *,
        llm: bool = False,
        progress: BatchProgress | None = None,
    ) -> None:
        self.sources = sources
        self.options = options
        self.extractor = extractor
        self.state = state
        self.progress = progress or BatchProgress(enabled=options.show_progress, quiet=options.quiet)
        self.limiter = LLMRateLimiter(options.rpm, options.tpm) if llm and (options.rpm or options.tpm) else None
        self.hosts = HostLimiter(options.per_host)
        self.extract_stage: ExtractStage = self._extract_with_limits
        # `concurrency` bounds extractions (LLM requests) in flight. Twice as many sources move through
        # the pipeline, so loading and reporting overlap other sources' requests instead of leaving a
        # request slot idle while its source is parsed, scored and written.
        self._pipeline_width = 2 * max(1, options.concurrency)
        self._pool = DaemonThreadPool(self._pipeline_width)
        self._extract_slots: asyncio.Semaphore | None = None  # created inside the running loop
        self._inflight: dict[str, asyncio.Future[ExtractionResult]] = {}
        self._known = state.extraction_hashes()  # content keys with a stored extraction (saves a query per source)
        self._unsaved: dict[str, ExtractionResult] = {}  # new extractions not yet in the state DB
        self._saving: set[str] = set()  # ... of which one source is writing them with its result
        self._stop: asyncio.Event | None = None  # created inside the running loop
        self._workers: list[asyncio.Task[None]] = []
        self._interrupts = 0
        self.interrupted = False
        self.extractions = 0
        self.reused = 0
        self.deferred = 0
        self.attempted = 0

    # ----------------------------------------------------------------- planning

    def plan(self) -> tuple[list[BatchSource], int, int]:
        """(sources to process, how many are already done, how many failed on input and are kept)."""
        records = {r.key: r for r in self.state.records()}
        # Reports written under an old 32-bit stem are kept unless two sources share that stem (the
        # collision the long stems fix): those are analysed again under their own names.
        legacy = Counter(legacy_stem(s) for s in self.sources)
        todo, skipped, kept = [], 0, 0
        for s in self.sources:
            r = records.get(s.key)
            if r is None:
                todo.append(s)
            elif r.status == DONE and (
                self._outputs_complete(s.stem, r.files) or (legacy[legacy_stem(s)] == 1 and self._outputs_complete(legacy_stem(s), r.files))
            ):
                skipped += 1
            elif r.status == FAILED and r.error_kind == INPUT_ERROR and not self.options.retry_failed:
                kept += 1
            else:
                todo.append(s)
        return todo, skipped, kept

    def _outputs_complete(self, stem: str, files: list[str]) -> bool:
        expected = report_paths(stem, self.options.formats)
        return set(expected) <= set(files) and all((self.options.out_dir / f).is_file() for f in expected)

    # ----------------------------------------------------------------- running

    async def run(self, todo: list[BatchSource] | None = None, *, description: str = "analysing") -> None:
        """Process `todo` (default: the plan) with the worker pool; returns when done or interrupted."""
        if todo is None:
            todo, _, _ = self.plan()
        queue = deque(todo)
        self._stop = asyncio.Event()
        self._extract_slots = asyncio.Semaphore(max(1, self.options.concurrency))
        self.progress.start(len(todo), description)
        with _signals(self._on_interrupt, self._on_terminate):
            self._workers = [asyncio.create_task(self._worker(queue)) for _ in range(min(self._pipeline_width, len(todo)))]
            try:
                await asyncio.gather(*self._workers, return_exceptions=True)
            finally:
                self.progress.stop()
        if self._interrupts:
            self.interrupted = True

    async def _worker(self, queue: deque[BatchSource]) -> None:
        assert self._stop is not None
        while queue and not self._stop.is_set():
            source = queue.popleft()
            await self.process(source)

    def _on_interrupt(self) -> None:
        self._interrupts += 1
        if self._interrupts == 1 and self._stop is not None:
            self._stop.set()
            busy = sum(1 for t in self._workers if not t.done())
            self.progress.log(f"analyzer: interrupted: finishing {busy} in-flight source(s); press Ctrl-C again to abandon them")
        else:
            self._abandon()

    def _on_terminate(self) -> None:
        self._interrupts += 1
        self._abandon()

    def _abandon(self) -> None:
        if self._stop is not None:
            self._stop.set()
        self.progress.log("analyzer: stopping now; unfinished sources stay pending for the next run")
        for task in self._workers:
            task.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Let the idle worker threads end (in-flight ones, if abandoned, finish on their own)."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def blocking(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    # ----------------------------------------------------------------- one source

    async def process(self, source: BatchSource) -> None:
        """Load, extract (deduplicated), score, write reports, record. Never raises (except cancel)."""
        self.attempted += 1
        content_key: str | None = None
        try:
            listing = await self._load(source)
            content_key = extraction_key(listing)
            try:
                result = await self._extract(listing, content_key)
            except Deferred:
                self.state.mark_waiting(source.key, content_key)
                self.deferred += 1
                return
            # A new extraction is stored with the first source that finishes with it (one transaction);
            # until then it stays in memory, so sources with the same content still reuse it.
            saver = content_key in self._unsaved and content_key not in self._saving
            if saver:
                self._saving.add(content_key)
            try:
                summary, files = await self.blocking(self._finish, source, listing, result)
            except BaseException:
                if saver:  # keep the (possibly paid-for) extraction even if reporting failed
                    self.state.put_extraction(content_key, result.model_dump_json())
                    self._saved(content_key)
                raise
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # one source's failure never stops the batch
            self.state.mark_failed(source.key, error=describe_error(exc), error_kind=classify_error(exc), content_hash=content_key)
            self.progress.advance(ok=False)
            return
        if result.outcome.status == "ok":
            self.state.mark_done(source.key, content_hash=content_key, files=files, summary=summary, extraction_json=result.model_dump_json() if saver else None)
            if saver:
                self._saved(content_key)
            self.progress.advance(ok=True)
        else:
            error = f"extraction failed: {result.outcome.error or 'unknown error'}"
            self.state.mark_failed(source.key, error=error, error_kind=TRANSIENT_ERROR, content_hash=content_key, summary=summary)
            self.progress.advance(ok=False)

    def _saved(self, key: str) -> None:
        self._known.add(key)
        self._unsaved.pop(key, None)
        self._saving.discard(key)

    async def _load(self, source: BatchSource) -> Listing:
        from analyzer.pipeline import load_listing

        def load() -> Listing:
            return load_listing(source.key, allow_private=self.options.allow_private, use_cache=self.options.use_cache, refresh=self.options.refresh)

        if source.is_url:
            async with self.hosts.for_url(source.key):
                return await self.blocking(load)
        return await self.blocking(load)

    async def _extract(self, listing: Listing, key: str) -> ExtractionResult:
        unsaved = self._unsaved.get(key)
        if unsaved is not None:
            self.reused += 1
            return unsaved
        stored = self.state.get_extraction(key) if key in self._known else None
        if stored is not None:
            self.reused += 1
            return ExtractionResult.model_validate_json(stored)
        shared = self._inflight.get(key)
        if shared is not None:
            self.reused += 1
            return await asyncio.shield(shared)
        future: asyncio.Future[ExtractionResult] = asyncio.get_running_loop().create_future()
        future.add_done_callback(_consume_exception)
        self._inflight[key] = future
        try:
            result = await self.extract_stage(listing, key)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            raise
        else:
            if result.outcome.status == "ok":
                self._unsaved[key] = result
            future.set_result(result)
            return result
        finally:
            self._inflight.pop(key, None)

    async def _extract_with_limits(self, listing: Listing, key: str) -> ExtractionResult:
        self.extractions += 1
        assert self._extract_slots is not None
        async with self._extract_slots:
            if self.limiter is None:
                return await self.blocking(self.extractor.extract, listing)
            async with self.limiter.request(estimate_tokens(listing, self.extractor)) as lease:
                result = await self.blocking(self.extractor.extract, listing)
                if result.cache_hit:
                    lease.used(tokens=0, requests=0)
                elif result.input_tokens is not None or result.output_tokens is not None:
                    lease.used(tokens=(result.input_tokens or 0) + (result.output_tokens or 0))
                return result

    def _finish(self, source: BatchSource, listing: Listing, result: ExtractionResult) -> tuple[dict[str, object], list[str]]:
        """Score + threat model + reports (in a worker thread). A failed extraction writes no reports."""
        from analyzer.pipeline import assemble

        analysis = assemble(listing, result, self.options.scoring)
        summary = summarize(analysis)
        if analysis.failed:
            return summary, []
        return summary, write_reports(self.options.out_dir, source.stem, analysis, self.options.formats)

    # ----------------------------------------------------------------- results

    def index_rows(self) -> list[IndexRow]:
        records = {r.key: r for r in self.state.records()}
        rows = []
        for s in self.sources:
            r = records.get(s.key)
            status = r.status if r else PENDING
            summary = (r.summary or {}) if r else {}
            done = status == DONE
            rows.append(
                IndexRow(
                    position=s.position,
                    name=str(summary.get("name") or s.slug or s.stem),
                    source=s.key,
                    kind=summary.get("kind") if done else None,  # type: ignore[arg-type]
                    score=summary.get("score") if done else None,  # type: ignore[arg-type]
                    band=str(summary.get("band")) if done and summary.get("band") else "Unknown",
                    factor_sum=summary.get("factor_sum") if done else None,  # type: ignore[arg-type]
                    status=status,
                    error=r.error if r and status == FAILED else None,
                    files=r.files if r and done else [],
                    content_hash=r.content_hash if r else None,
                    attempts=r.attempts if r else 0,
                    **{k: summary.get(k) if done else None for k in ("range_low", "range_high", "band_low", "band_high", "unstated")},  # type: ignore[arg-type]
                )
            )
        return rows

    def finalize(self, *, started: float, skipped: int, kept: int) -> BatchReport:
        remove_stale_temp_files(self.options.out_dir)
        rows = self.index_rows()
        files = write_index(self.options.out_dir, rows, title=self.options.title)
        counts = {s: sum(r.status == s for r in rows) for s in (DONE, FAILED, PENDING)}
        return BatchReport(
            total=len(rows),
            done=counts[DONE],
            failed=counts[FAILED],
            pending=counts[PENDING],
            skipped_done=skipped,
            kept_failed=kept,
            attempted=self.attempted,
            extractions=self.extractions,
            reused=self.reused,
            deferred=self.deferred,
            interrupted=self.interrupted,
            elapsed_seconds=round(time.perf_counter() - started, 3),
            failures=[(r.source, r.error or "unknown error") for r in rows if r.status == FAILED],
            index_files=files,
            rows=rows,
        )


def _consume_exception(future: asyncio.Future[Any]) -> None:
    # Mark a shared extraction's exception as retrieved even when no other source waited for it.
    if not future.cancelled():
        future.exception()


class _signals:
    """Route SIGINT/SIGTERM to the runner while it runs (main thread, Unix); elsewhere a no-op."""

    def __init__(self, on_interrupt: Callable[[], None], on_terminate: Callable[[], None]) -> None:
        self.handlers = {signal.SIGINT: on_interrupt, signal.SIGTERM: on_terminate}
        self.installed: list[signal.Signals] = []

    def __enter__(self) -> _signals:
        loop = asyncio.get_running_loop()
        for sig, handler in self.handlers.items():
            try:
                loop.add_signal_handler(sig, handler)
                self.installed.append(sig)
            except (NotImplementedError, RuntimeError, ValueError):
                pass
        return self

    def __exit__(self, *_: object) -> None:
        loop = asyncio.get_running_loop()
        for sig in self.installed:
            loop.remove_signal_handler(sig)


def open_batch(sources: list[BatchSource], options: BatchOptions, fingerprint: dict[str, object]) -> BatchState:
    """Open the out dir's state, check it belongs to the same settings, and register the sources."""
    state = BatchState(options.out_dir)
    try:
        state.check_config(fingerprint)
        remove_stale_temp_files(options.out_dir)
        state.sync_sources(sources)
    except BaseException:
        state.close()
        raise
    return state


async def run_batch_async(runner: BatchRunner) -> BatchReport:
    started = time.perf_counter()
    todo, skipped, kept = runner.plan()
    await runner.run(todo)
    return runner.finalize(started=started, skipped=skipped, kept=kept)


def run_batch(
    sources: list[BatchSource],
    options: BatchOptions,
    *,
    extractor: Extractor,
    fingerprint: dict[str, object],
    llm: bool = False,
    openai_batch: bool = False,
) -> BatchReport:
    """Run a whole batch (blocking). With `openai_batch`, extraction goes through the OpenAI Batch API."""
    try:
        state = open_batch(sources, options, fingerprint)
        try:
            runner = BatchRunner(sources, options, extractor, state, llm=llm)
            try:
                if openai_batch:
                    from analyzer.batch.openai_batch import run_openai_batch_async

                    return asyncio.run(run_openai_batch_async(runner))
                return asyncio.run(run_batch_async(runner))
            finally:
                runner.close()
        finally:
            state.close()
    except (OSError, sqlite3.Error) as exc:
        # A full disk or a read-only out dir: the sources finished so far are in the state; say so.
        why = getattr(exc, "strerror", None) or str(exc)
        raise InputError(
            f"{options.out_dir}: cannot write the batch output ({why})",
            hint="free some space or choose another --out-dir; rerun the same command to resume where it stopped",
        ) from None
