"""Server-side rate limiting as an Issuetrak site does it: several sliding windows per token.

Issuetrak keeps its limits with AspNetCoreRateLimit, so the answers look like that library's:
an admitted request carries ``X-Rate-Limit-Limit`` (a window's period, ``1s``, ``1m``, ``12h``),
``X-Rate-Limit-Remaining`` and ``X-Rate-Limit-Reset`` (ISO 8601, UTC, seven fractional digits as
.NET writes them), and a refused one is ``429`` with ``Retry-After`` and a text body
``API calls quota exceeded! maximum admitted 100 per 1m.`` (the library's default message).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from issuetrak.conventions import is_write

__all__ = [
    "DEFAULT_RATE_LIMITS",
    "RateLimit",
    "SlidingWindowLimiter",
    "Verdict",
    "format_period",
    "format_reset",
]


@dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` requests per ``seconds``; ``writes_only`` counts writes only.

    A write is what the client's limiter counts as one (:func:`issuetrak.conventions.is_write`: POST,
    PUT, DELETE and PATCH, except POST searches), so the SDK and the mock agree on every budget.
    """

    limit: int
    seconds: float
    writes_only: bool = False

    def __post_init__(self) -> None:
        if self.limit < 1 or self.seconds <= 0:
            raise ValueError(
                f"a rate limit needs limit >= 1 and seconds > 0, got {self.limit}/{self.seconds}s"
            )


#: Issuetrak's documented defaults: 20/1 s, 5 writes/1 s, 100/1 min, 100/10 min, 1000/1 h, 1000/12 h.
DEFAULT_RATE_LIMITS: tuple[RateLimit, ...] = (
    RateLimit(20, 1),
    RateLimit(5, 1, writes_only=True),
    RateLimit(100, 60),
    RateLimit(100, 600),
    RateLimit(1000, 3600),
    RateLimit(1000, 43200),
)

_UNITS = (("d", 86400), ("h", 3600), ("m", 60))


def format_period(seconds: float) -> str:
    """A period as AspNetCoreRateLimit writes it: ``1s``, ``1m``, ``10m``, ``12h``, ``7d``."""
    for unit, size in _UNITS:
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def format_reset(when: dt.datetime) -> str:
    """``2026-12-07T14:31:00.0000000Z``: UTC with .NET's seven fractional digits."""
    return f"{when:%Y-%m-%dT%H:%M:%S}.{when.microsecond:06d}0Z"


@dataclass(frozen=True)
class Verdict:
    """What the limiter decided for one request, and what the site tells the client about it.

    ``rule`` is the window that refused the request (the one with the longest wait), or, for an
    admitted one, the most constrained window it was counted in (fewest requests left; on a tie
    the one that resets last); ``reset_in`` is when that window frees a slot, in seconds.
    """

    admitted: bool
    rule: RateLimit
    remaining: int
    reset_in: float

    def retry_after(self) -> str:
        """``Retry-After`` is whole seconds, rounded up, at least 1."""
        return str(max(1, math.ceil(self.reset_in)))

    def quota_message(self) -> str:
        """AspNetCoreRateLimit's default ``QuotaExceededMessage`` for the refusing window."""
        period = format_period(self.rule.seconds)
        return f"API calls quota exceeded! maximum admitted {self.rule.limit} per {period}."

    def headers(self, wall_now: dt.datetime) -> dict[str, str]:
        """The ``X-Rate-Limit-*`` headers of an admitted answer, ``wall_now`` being UTC now."""
        reset = wall_now + dt.timedelta(seconds=self.reset_in)
        return {
            "X-Rate-Limit-Limit": format_period(self.rule.seconds),
            "X-Rate-Limit-Remaining": str(self.remaining),
            "X-Rate-Limit-Reset": format_reset(reset),
        }


class SlidingWindowLimiter:
    """Exact sliding windows: a log of admitted request times per (token, window).

    A refused request is not counted, so a client that waits ``Retry-After`` seconds gets through.
    """

    def __init__(self, limits: Iterable[RateLimit]) -> None:
        self.limits = tuple(limits)
        self._logs: dict[tuple[str, int], deque[float]] = {}

    def check(self, key: str, method: str, path: str, now: float) -> Verdict | None:
        """Admit and record the request, or refuse it; ``None`` when no window counts it."""
        write = is_write(method, path)
        counted: list[tuple[RateLimit, deque[float]]] = []
        refused: Verdict | None = None
        for number, limit in enumerate(self.limits):
            if limit.writes_only and not write:
                continue
            log = self._logs.setdefault((key, number), deque())
            horizon = now - limit.seconds
            while log and log[0] <= horizon:
                log.popleft()
            if len(log) >= limit.limit:
                wait = log[0] + limit.seconds - now
                if refused is None or wait > refused.reset_in:
                    refused = Verdict(False, limit, 0, wait)
            counted.append((limit, log))
        if refused is not None:
            return refused
        tightest: Verdict | None = None
        for limit, log in counted:
            log.append(now)
            verdict = Verdict(True, limit, limit.limit - len(log), log[0] + limit.seconds - now)
            if tightest is None or (verdict.remaining, -verdict.reset_in) < (
                tightest.remaining,
                -tightest.reset_in,
            ):
                tightest = verdict
        return tightest

    def reset(self) -> None:
        self._logs.clear()
