"""Per-host request spacing, shared by every fetch in the process (threads included).

A slot is reserved under the lock and slept for outside it, so concurrent fetches to one host queue up
in order while fetches to other hosts are not held back.
"""

from __future__ import annotations

import threading
import time


class HostRateLimiter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next_slot: dict[str, float] = {}
        self._delays: dict[str, float] = {}

    def set_delay(self, host: str, seconds: float) -> None:
        """Raise the spacing for one host (robots.txt Crawl-delay); never lowers it below the default."""
        with self._lock:
            self._delays[host] = max(self._delays.get(host, 0.0), seconds)

    def wait(self, host: str, min_interval: float, *, limit: float | None = None) -> float:
        """Block until this host may be sent the next request (at most `limit` seconds: the fetch deadline)."""
        interval = max(min_interval, self._delays.get(host, 0.0))
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_slot.get(host, 0.0))
            self._next_slot[host] = slot + interval
        delay = slot - now if limit is None else min(slot - now, limit)
        if delay > 0:
            time.sleep(delay)
        return max(delay, 0.0)


LIMITER = HostRateLimiter()
