"""`within(seconds)`: fail a test instead of hanging when code that must be linear is not.

SIGALRM interrupts a running regular expression too (the `re` engine checks for signals), so a quadratic
pattern fails the test after `seconds` rather than running for hours. The bounds are generous (ten times
or more the linear-time cost): they catch complexity, not speed.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class TookTooLong(AssertionError):
    pass


@contextmanager
def within(seconds: float, what: str = "the call") -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():  # signals only reach the main thread
        yield
        return

    def fire(signum: int, frame: object) -> None:
        raise TookTooLong(f"{what} took more than {seconds:g} s: not linear in the input size")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
