"""A per-listing CPU budget, so a listing built to be slow ends in a clean error instead of a hang.

Every pattern that sees listing text runs in linear time, so each step is bounded; the budget bounds
their sum. It counts work units (characters scanned) and the CPU seconds of the current thread, and is
checked between steps (`charge`). `analyze()` opens one budget per listing for parsing and extraction;
batch workers each get their own (a context variable, so threads do not share one).

`ANALYZER_CPU_BUDGET` sets the seconds (default 60). Tests pass `work_limit` to check the work count.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from analyzer.errors import BudgetExceededError, ConfigError

ENV = "ANALYZER_CPU_BUDGET"
DEFAULT_SECONDS = 60.0


@dataclass
class CpuBudget:
    source: str
    seconds: float
    work_limit: int | None = None
    work: int = 0
    started: float = field(default_factory=time.thread_time)

    def elapsed(self) -> float:
        return time.thread_time() - self.started

    def charge(self, units: int, what: str) -> None:
        self.work += units
        if self.work_limit is not None and self.work > self.work_limit:
            raise BudgetExceededError(
                f"{self.source}: stopped at {what}: the listing needed more than {self.work_limit:,} units of work",
                hint="the listing may be built to slow the analyzer down; pass a smaller listing",
            )
        if self.elapsed() > self.seconds:
            raise BudgetExceededError(
                f"{self.source}: stopped at {what} after {self.seconds:g} s of CPU time ({ENV})",
                hint=f"the listing may be built to slow the analyzer down; pass a smaller listing or raise {ENV}",
            )


_CURRENT: ContextVar[CpuBudget | None] = ContextVar("analyzer_cpu_budget", default=None)


def default_seconds() -> float:
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return DEFAULT_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ConfigError(f"{ENV}={raw!r} is not a positive number of seconds", hint=f"set {ENV} to e.g. 60, or unset it")
    return value


@contextmanager
def cpu_budget(source: str, *, seconds: float | None = None, work_limit: int | None = None) -> Iterator[CpuBudget]:
    """Open a budget for one listing; an enclosing budget stays in force (nested calls share it)."""
    outer = _CURRENT.get()
    if outer is not None:
        yield outer
        return
    budget = CpuBudget(source=source, seconds=default_seconds() if seconds is None else seconds, work_limit=work_limit)
    token = _CURRENT.set(budget)
    try:
        yield budget
    finally:
        _CURRENT.reset(token)


def charge(units: int, what: str) -> None:
    """Count `units` of work against the current listing's budget (a no-op outside one)."""
    budget = _CURRENT.get()
    if budget is not None:
        budget.charge(units, what)


def current() -> CpuBudget | None:
    return _CURRENT.get()


__all__ = ["DEFAULT_SECONDS", "ENV", "CpuBudget", "charge", "cpu_budget", "current"]
