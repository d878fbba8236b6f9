"""Server-side rate limiting as an Issuetrak site does it: several sliding windows per token."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from issuetrak.conventions import is_write

__all__ = ["DEFAULT_RATE_LIMITS", "RateLimit", "SlidingWindowLimiter"]


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


class SlidingWindowLimiter:
    """Exact sliding windows: a log of admitted request times per (token, window).

    A refused request is not counted, so a client that waits ``Retry-After`` seconds gets through.
    """

    def __init__(self, limits: Iterable[RateLimit]) -> None:
        self.limits = tuple(limits)
        self._logs: dict[tuple[str, int], deque[float]] = {}

    def check(self, key: str, method: str, path: str, now: float) -> float | None:
        """Admit and record the request (``None``), or return the seconds to wait."""
        write = is_write(method, path)
        wait = 0.0
        applicable: list[deque[float]] = []
        for number, limit in enumerate(self.limits):
            if limit.writes_only and not write:
                continue
            log = self._logs.setdefault((key, number), deque())
            horizon = now - limit.seconds
            while log and log[0] <= horizon:
                log.popleft()
            if len(log) >= limit.limit:
                wait = max(wait, log[0] + limit.seconds - now)
            applicable.append(log)
        if wait > 0:
            return wait
        for log in applicable:
            log.append(now)
        return None

    @staticmethod
    def retry_after(wait: float) -> str:
        """``Retry-After`` is whole seconds, rounded up, at least 1."""
        return str(max(1, math.ceil(wait)))

    def reset(self) -> None:
        self._logs.clear()
