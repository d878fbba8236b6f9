"""Server-side rate limiting as an Issuetrak site does it: AspNetCoreRateLimit's fixed windows.

Issuetrak keeps its limits with AspNetCoreRateLimit, and the mock counts and answers as that
library does:

- one counter per (token, rule): the first request opens a window of the rule's period, every
  request until the period has passed (its end included) adds one, and at the end the whole count
  is gone (the next request opens a new window);
- a request's rules are checked shortest period first; each counts the request *before* checking
  it, so a refused request is counted too (in the rule that refused it and the shorter ones), and
  the first rule over its limit refuses: ``429``, ``Retry-After`` (seconds to that window's end,
  rounded to the nearest second, at least 1) and a text body ``API calls quota exceeded! maximum
  admitted 100 per 1m.`` (the library's default message), without ``X-Rate-Limit-*`` headers;
- an admitted answer carries the rule with the *longest* period: ``X-Rate-Limit-Limit`` (its
  period, ``1s``, ``1m``, ``12h``), ``X-Rate-Limit-Remaining`` (its limit minus its count) and
  ``X-Rate-Limit-Reset`` (its window's end: ISO 8601, UTC, seven fractional digits as .NET
  writes them).

One difference, on purpose: the library keeps one rule per period (the lowest limit), whereas
the mock counts a write in both 1 s windows (all requests, and writes), as the SDK's limiter does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from issuetrak.conventions import is_write

__all__ = [
    "DEFAULT_RATE_LIMITS",
    "FixedWindowLimiter",
    "RateLimit",
    "Verdict",
    "format_period",
    "format_reset",
    "round_seconds",
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


def round_seconds(seconds: float) -> int:
    """Seconds as .NET's ``{seconds:F0}`` writes them: to the nearest, halves away from zero."""
    return int(Decimal(seconds).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Verdict:
    """What the limiter decided for one request, and what the site tells the client about it.

    ``rule`` is the window that refused the request (the first over its limit, shortest period
    first), or, for an admitted one, the window with the longest period it was counted in;
    ``remaining`` is what that window has left and ``reset_in`` the seconds to its end (when its
    whole count is gone).
    """

    admitted: bool
    rule: RateLimit
    remaining: int
    reset_in: float

    def retry_after(self) -> str:
        """``Retry-After``: the seconds to the window's end, at least 1, to the nearest second
        (so up to half a second short of the end)."""
        return str(round_seconds(max(self.reset_in, 1.0)))

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


@dataclass
class _Counter:
    """One window of one rule: when its first request came, and how many came since."""

    start: float
    count: int = 0


class FixedWindowLimiter:
    """AspNetCoreRateLimit's counters: a fixed window per (token, rule) that opens with its
    first request and is gone, count and all, once its period has passed."""

    def __init__(self, limits: Iterable[RateLimit]) -> None:
        self.limits = tuple(limits)
        # the library checks a request's rules shortest period first (a stable sort)
        self._order = sorted(range(len(self.limits)), key=lambda n: self.limits[n].seconds)
        self._counters: dict[tuple[str, int], _Counter] = {}

    def check(self, key: str, method: str, path: str, now: float) -> Verdict | None:
        """Count the request and admit or refuse it; ``None`` when no window counts it."""
        write = is_write(method, path)
        longest: tuple[RateLimit, _Counter] | None = None
        for number in self._order:
            limit = self.limits[number]
            if limit.writes_only and not write:
                continue
            counter = self._counters.get((key, number))
            if counter is None or counter.start + limit.seconds < now:  # its end still counts
                counter = self._counters[(key, number)] = _Counter(now)
            counter.count += 1  # before the check: a refused request is counted too
            if counter.count > limit.limit:
                return Verdict(False, limit, 0, counter.start + limit.seconds - now)
            if longest is None or limit.seconds > longest[0].seconds:
                longest = (limit, counter)
        if longest is None:
            return None
        limit, counter = longest
        return Verdict(
            True, limit, limit.limit - counter.count, counter.start + limit.seconds - now
        )

    def reset(self) -> None:
        self._counters.clear()
