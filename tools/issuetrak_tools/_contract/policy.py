"""The overlay's politeness, applied to the contract suite's traffic.

Every request the suite sends passes the SDK's own retry loop, :class:`issuetrak._transport.
RetryTransport`, with the overlay's client-side :class:`~issuetrak._ratelimit.RateLimiter`
(Issuetrak's windows, shared per site and token with any SDK client of the process) and
:class:`~issuetrak._retry.RetryPolicy` (429/502/503/504 and connection errors retried for reads
and idempotent writes only; a create is re-sent only if it provably never left). No auth is
given to it: the token travels as an explicit header that schemathesis can see and strip.

:class:`PoliteTransport` adds the bookkeeping the run reports: time held by the limiter and
retries (from the ``attempts`` the retry loop records on each response).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from typing import Any

import httpx
from issuetrak import RetryPolicy
from issuetrak.ratelimit import RateLimiter, RateLimits, shared_limiter
from issuetrak.transport import RetryTransport, Runtime
from issuetrak_tools._contract.transport import RunStats

__all__ = ["LONG_WAIT", "RUN_RETRY", "MeasuredLimiter", "PoliteTransport", "make_limiter"]

# A run has no per-call deadline, unlike an SDK call (120 s): at Issuetrak's default windows
# request 101 waits about ten minutes for the 100/600 s window, which the plan announces and a
# nightly job expects. Without a deadline a 429 counts against ``max_retries``, so a site that
# keeps refusing costs each request a few attempts, and the run reports it as rate limiting.
RUN_RETRY = RetryPolicy(deadline=None)


def make_limiter(site: str, token: str, limits: RateLimits | None) -> RateLimiter | None:
    """The process-wide limiter of ``site`` + ``token`` (``None``: no client-side limiting)."""
    return None if limits is None else shared_limiter(site, token, limits)


LONG_WAIT = 10.0  # seconds; a wait at least this long is announced (see MeasuredLimiter)


class MeasuredLimiter(RateLimiter):
    """A view of a (shared) limiter that adds up how long its grants made requests wait.

    ``announce(seconds)`` hears every wait of :data:`LONG_WAIT` seconds or more before it is
    slept, so that a run can say why it is quiet (the 10-minute window holds it back).
    """

    def __init__(
        self,
        inner: RateLimiter,
        stats: RunStats,
        announce: Callable[[float], None] | None = None,
    ) -> None:
        # deliberately not calling super().__init__: all state lives in ``inner``
        self._inner, self._stats = inner, stats
        self.limits = inner.limits
        self.announce = announce

    def reserve(self, is_write: bool, now: float, *, max_wait: float = math.inf) -> float | None:
        wait = self._inner.reserve(is_write, now, max_wait=max_wait)
        if wait:
            self._stats.record_wait(wait)
        return wait

    def on_rate_limited(self, retry_after: float | None, now: float) -> None:
        self._inner.on_rate_limited(retry_after, now)

    def acquire(self, is_write: bool, **options: Any) -> float | None:
        # options (sleep, max_wait, on_wait, ...) pass through, whatever the SDK adds
        given = options.get("on_wait")

        def on_wait(seconds: float) -> None:
            if self.announce is not None and seconds >= LONG_WAIT:
                self.announce(seconds)
            if given is not None:
                given(seconds)

        options["on_wait"] = on_wait
        wait = self._inner.acquire(is_write, **options)
        if wait:
            self._stats.record_wait(wait)
        return wait

    # Everything else a transport asks of a limiter goes to ``inner``, which holds the state
    # (the inherited methods would look for state this view does not have).
    @property
    def paused_until(self) -> float:
        return self._inner.paused_until

    def try_grant(self, is_write: bool) -> float | None:
        return self._inner.try_grant(is_write)

    def reserve_or_raise(self, is_write: bool, now: float, *, max_wait: float = math.inf) -> float:
        return self._inner.reserve_or_raise(is_write, now, max_wait=max_wait)

    def settle(self, is_write: bool, grant: float, done: float) -> float:
        return self._inner.settle(is_write, grant, done)

    def release(self, is_write: bool, at: float) -> None:
        self._inner.release(is_write, at)

    def observe(self, *args: Any, **kwargs: Any) -> Any:
        return self._inner.observe(*args, **kwargs)

    def observe_headers(self, *args: Any, **kwargs: Any) -> Any:
        return self._inner.observe_headers(*args, **kwargs)

    def observe_quota(self, *args: Any, **kwargs: Any) -> Any:
        return self._inner.observe_quota(*args, **kwargs)

    def __repr__(self) -> str:
        return f"MeasuredLimiter({self._inner!r})"


class PoliteTransport(httpx.BaseTransport):
    """The SDK's retry loop and rate limiter around ``inner``, with the run's bookkeeping."""

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
        self._stats = stats
        measured = MeasuredLimiter(limiter, stats) if limiter is not None else None
        self.limiter = measured
        self._retrying = RetryTransport(
            inner,
            auth=None,
            policy=retry or RUN_RETRY,
            limiter=measured,
            runtime=Runtime(clock=clock, sleep=sleep, random=rng),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._retrying.handle_request(request)
        info = response.extensions.get("issuetrak") or {}
        attempts = info.get("attempts", 1) if isinstance(info, dict) else 1
        if isinstance(attempts, int) and attempts > 1:
            self._stats.retries += attempts - 1
        return response

    def close(self) -> None:
        self._retrying.close()
