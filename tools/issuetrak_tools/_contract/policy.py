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
from collections.abc import Awaitable, Callable, Mapping

import httpx
from issuetrak import RetryPolicy
from issuetrak.ratelimit import RateLimiter, RateLimits, Window, shared_limiter
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


class MeasuredLimiter:
    """A view of a (shared) limiter that adds up how long its grants made requests wait.

    It holds the limiter (all state lives there) and has the methods the SDK's retry transport
    calls (:class:`issuetrak.ratelimit.TransportLimiter`): the waits pass through
    :meth:`acquire`, the rest goes to ``inner`` as it is. ``announce(seconds)`` hears every wait of
    :data:`LONG_WAIT` seconds or more before it is slept, so that a run can say why it is quiet
    (the 10-minute window holds it back). ``inner`` is the limiter itself, for bookings that are
    no transport's (a burst sent around it).
    """

    def __init__(
        self,
        inner: RateLimiter,
        stats: RunStats,
        announce: Callable[[float], None] | None = None,
    ) -> None:
        self.inner, self._stats = inner, stats
        self.announce = announce

    def _on_wait(self, given: Callable[[float], None] | None) -> Callable[[float], None]:
        def on_wait(seconds: float) -> None:
            if self.announce is not None and seconds >= LONG_WAIT:
                self.announce(seconds)
            if given is not None:
                given(seconds)

        return on_wait

    def _measured(self, wait: float | None) -> float | None:
        if wait:
            self._stats.record_wait(wait)
        return wait

    def acquire(
        self,
        is_write: bool,
        *,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = math.inf,
        on_wait: Callable[[float], None] | None = None,
    ) -> float | None:
        wait = self.inner.acquire(
            is_write, sleep=sleep, max_wait=max_wait, on_wait=self._on_wait(on_wait)
        )
        return self._measured(wait)

    async def acquire_async(
        self,
        is_write: bool,
        *,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        max_wait: float = math.inf,
        on_wait: Callable[[float], None] | None = None,
    ) -> float | None:
        wait = await self.inner.acquire_async(
            is_write, sleep=sleep, max_wait=max_wait, on_wait=self._on_wait(on_wait)
        )
        return self._measured(wait)

    def try_grant(self, is_write: bool) -> float | None:
        return self.inner.try_grant(is_write)  # a grant without a wait: nothing to measure

    def settle(self, is_write: bool, grant: float, done: float) -> float:
        return self.inner.settle(is_write, grant, done)

    def on_rate_limited(self, retry_after: float | None, now: float) -> None:
        self.inner.on_rate_limited(retry_after, now)

    def observe_headers(
        self,
        headers: Mapping[str, str],
        now: float,
        wall_now: float,
        is_write: bool,
        *,
        sent: float | None = None,
    ) -> Window | None:
        return self.inner.observe_headers(headers, now, wall_now, is_write, sent=sent)

    def observe_quota(
        self,
        body: str,
        retry_after: float | None,
        now: float,
        is_write: bool,
        *,
        sent: float | None = None,
    ) -> str | None:
        return self.inner.observe_quota(body, retry_after, now, is_write, sent=sent)

    def __repr__(self) -> str:
        return f"MeasuredLimiter({self.inner!r})"


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
