"""The batch progress bar (rich, on stderr): sources done, failures, rate and ETA.

Shown only on a terminal and without --quiet; otherwise messages go to stderr as plain lines (or nowhere
when quiet), so logs of unattended runs stay readable.
"""

from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn, TimeRemainingColumn


class BatchProgress:
    def __init__(self, *, enabled: bool, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.enabled = enabled and not quiet and self.stream.isatty()
        self.console = Console(file=self.stream, stderr=self.stream is sys.stderr)
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self.done = 0
        self.failed = 0

    def start(self, total: int, description: str = "analysing") -> None:
        if not self.enabled:
            return
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("[green]{task.fields[done]} done[/] [red]{task.fields[failed]} failed[/]"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self._progress.start()
        self._task = self._progress.add_task(description, total=total, done=0, failed=0)

    def advance(self, *, ok: bool) -> None:
        if ok:
            self.done += 1
        else:
            self.failed += 1
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, advance=1, done=self.done, failed=self.failed)

    def describe(self, description: str, total: int | None = None, completed: int | None = None) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, description=description, total=total, completed=completed)

    def log(self, message: str) -> None:
        """A line for the user: above the bar when it is shown, else plain stderr (not when quiet)."""
        if self.quiet:
            return
        if self._progress is not None:
            self._progress.console.print(message, markup=False, highlight=False)
        else:
            print(message, file=self.stream, flush=True)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
