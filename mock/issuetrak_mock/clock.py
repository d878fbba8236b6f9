"""Clocks the mock reads the time from, so tests can pin "today" and move time without sleeping."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Protocol

__all__ = ["Clock", "FrozenClock", "SystemClock"]


class Clock(Protocol):
    """Anything with ``now()`` returning the site's local wall time (naive, as Issuetrak sends it)."""

    def now(self) -> dt.datetime: ...


class SystemClock:
    """The machine's local time, to the second."""

    def now(self) -> dt.datetime:
        return dt.datetime.now().replace(microsecond=0)


class FrozenClock:
    """A clock that stands still until told to move; thread-safe so a served app can share it."""

    def __init__(self, start: dt.datetime | str = "2024-03-15T08:30:00") -> None:
        self._now = dt.datetime.fromisoformat(start) if isinstance(start, str) else start
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def set(self, when: dt.datetime | str) -> None:
        """Jump to ``when``."""
        with self._lock:
            self._now = dt.datetime.fromisoformat(when) if isinstance(when, str) else when

    def advance(self, seconds: float) -> None:
        """Move forward by ``seconds`` (may be fractional)."""
        with self._lock:
            self._now += dt.timedelta(seconds=seconds)
