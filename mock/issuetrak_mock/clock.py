"""Clocks the mock reads the time from, so tests can pin "today" and move time without sleeping.

A clock answers two questions: ``now()``, the site's wall time (records, dates, token expiry;
whole seconds, as Issuetrak writes them), and optionally ``monotonic()``, seconds on a clock that
never goes back, with sub-second precision, which the rate limit windows follow so that they
behave like a site's at their edges (6 requests within 0.16 s across a second boundary are 6
requests within one second).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Protocol

__all__ = ["Clock", "FrozenClock", "SystemClock", "utc_clock", "window_clock"]


class Clock(Protocol):
    """Anything with ``now()`` returning the site's local wall time (naive, as Issuetrak sends it).

    A clock may also have ``monotonic() -> float`` (seconds, sub-second precision, never going
    back) for the rate limit windows; without it they follow ``now()``.
    """

    def now(self) -> dt.datetime: ...


class SystemClock:
    """The machine's local time, to the second; ``monotonic()`` is :func:`time.monotonic`."""

    def now(self) -> dt.datetime:
        return dt.datetime.now().replace(microsecond=0)

    def monotonic(self) -> float:
        return time.monotonic()

    def utcnow(self) -> dt.datetime:
        """UTC now (aware), for what a site writes in UTC (``X-Rate-Limit-Reset``)."""
        return dt.datetime.now(dt.UTC)


class FrozenClock:
    """A clock that stands still until told to move; thread-safe so a served app can share it.

    ``advance(0.25)`` moves both ``now()`` and ``monotonic()`` by a quarter second; ``set()``
    jumps ``now()`` and moves ``monotonic()`` forward by as much (a monotonic clock never goes
    back, so a jump into the past leaves it where it is).
    """

    def __init__(self, start: dt.datetime | str = "2024-03-15T08:30:00") -> None:
        self._now = dt.datetime.fromisoformat(start) if isinstance(start, str) else start
        self._elapsed = 0.0
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._elapsed

    def set(self, when: dt.datetime | str) -> None:
        """Jump to ``when``."""
        target = dt.datetime.fromisoformat(when) if isinstance(when, str) else when
        with self._lock:
            self._elapsed += max(0.0, (target - self._now).total_seconds())
            self._now = target

    def advance(self, seconds: float) -> None:
        """Move forward by ``seconds`` (may be fractional; a negative value moves ``now()`` back
        and leaves ``monotonic()`` where it is)."""
        with self._lock:
            self._now += dt.timedelta(seconds=seconds)
            self._elapsed += max(0.0, seconds)


def window_clock(clock: Clock | None) -> Callable[[], float]:
    """The seconds the rate limit windows follow for ``clock``: its ``monotonic()`` if it has
    one, else its ``now()`` (to the microsecond it gives), else the machine's monotonic time."""
    if clock is None:
        return time.monotonic
    monotonic = getattr(clock, "monotonic", None)
    if callable(monotonic):
        return monotonic  # type: ignore[no-any-return]
    return lambda: clock.now().timestamp()


def utc_clock(clock: Clock | None) -> Callable[[], dt.datetime]:
    """UTC now for ``clock``: its ``utcnow()`` if it has one (:class:`SystemClock`), else its
    ``now()`` read as UTC (a :class:`FrozenClock` stands for a site whose local time is UTC, so a
    test that moves it moves the rate limit headers' reset times too); the machine's UTC time,
    to the microsecond, without a clock (as :func:`window_clock` follows the machine's)."""
    if clock is None:
        return SystemClock().utcnow
    utcnow = getattr(clock, "utcnow", None)
    if callable(utcnow):
        return utcnow  # type: ignore[no-any-return]
    return lambda: clock.now().replace(tzinfo=dt.UTC)
