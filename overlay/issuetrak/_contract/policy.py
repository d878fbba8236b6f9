"""The overlay's politeness, applied to the contract suite's traffic.

Every request the suite sends passes :class:`PoliteTransport`: the overlay's client-side
:class:`~issuetrak._ratelimit.RateLimiter` (Issuetrak's windows, shared per site and token with any
SDK client of the process) decides when it may leave, and the overlay's
:class:`~issuetrak._retry.RetryPolicy` rules decide whether a 429/502/503/504 or a connection error
is retried (reads and idempotent writes only; a create is re-sent only if it provably never left).
What the limiter held back and what was retried is recorded in :class:`~.transport.RunStats`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import httpx
from issuetrak._contract.transport import RunStats
from issuetrak._ratelimit import RateLimiter, RateLimits, shared_limiter
from issuetrak._retry import (
    RETRYABLE_STATUSES,
    RequestKind,
    RetryPolicy,
    backoff_delay,
    is_write,
    never_sent,
    parse_retry_after,
    request_kind,
)

__all__ = ["PoliteTransport", "make_limiter"]


def make_limiter(site: str, token: str, limits: RateLimits | None) -> RateLimiter | None:
    """The process-wide limiter of ``site`` + ``token`` (``None``: no client-side limiting)."""
    return None if limits is None else shared_limiter(site, token, limits)


class PoliteTransport(httpx.BaseTransport):
    """Rate-limit, then send; retry what the overlay's retry rules allow."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        stats: RunStats,
        limiter: RateLimiter | None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self._inner, self._stats, self._limiter = inner, stats, limiter
        self._retry = retry if retry is not None else RetryPolicy()
        self._sleep, self._clock, self._rng = sleep, clock, rng

    def _acquire(self, request: httpx.Request) -> None:
        if self._limiter is None:
            return
        waited = self._limiter.acquire(
            is_write(request.method, request.url.path), sleep=self._sleep
        )
        self._stats.record_wait(waited or 0.0)

    def _may_retry(self, kind: RequestKind, attempt: int, started: float, delay: float) -> bool:
        policy = self._retry
        if attempt > policy.max_retries:
            return False
        return policy.deadline is None or self._clock() - started + delay <= policy.deadline

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        kind = request_kind(request)
        started = self._clock()
        attempt = 0
        while True:
            attempt += 1
            self._acquire(request)
            try:
                response = self._inner.handle_request(request)
            except httpx.TransportError as exc:
                retryable = kind is not RequestKind.UNSAFE or never_sent(exc)
                delay = backoff_delay(attempt, self._retry, self._rng())
                if not retryable or not self._may_retry(kind, attempt, started, delay):
                    raise
                self._stats.retries += 1
                self._sleep(delay)
                continue
            if response.status_code not in RETRYABLE_STATUSES or kind is RequestKind.UNSAFE:
                return response
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            if response.status_code == 429 and self._limiter is not None:
                self._limiter.on_rate_limited(retry_after, self._limiter_now())
            delay = backoff_delay(attempt, self._retry, self._rng())
            if retry_after is not None:
                if retry_after > self._retry.max_retry_after:
                    return response
                delay = max(delay, retry_after)
            if not self._may_retry(kind, attempt, started, delay):
                return response
            response.read()
            response.close()
            self._stats.retries += 1
            self._sleep(delay)

    def _limiter_now(self) -> float:
        clock = getattr(self._limiter, "_clock", None)
        return float(clock()) if callable(clock) else time.monotonic()

    def close(self) -> None:
        self._inner.close()
