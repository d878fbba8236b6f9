"""The retry transports take any limiter with the methods of ``TransportLimiter``, and call no
other: an object with exactly those methods goes through every path that touches the limiter
(a slot at once, a wait, the site's headers, a quota 429, a refusal at the deadline), sync and
async. A method the transport starts to call without adding it to the protocol fails here (and
under mypy, which checks the transport against the protocol)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

import httpx
import pytest
from issuetrak import APITimeoutError, RetryPolicy
from issuetrak.ratelimit import DEFAULT_MARGIN, RateLimiter, RateLimits, TransportLimiter, Window
from issuetrak.transport import AsyncRetryTransport, RetryTransport, Runtime
from issuetrak_tools._contract.policy import MeasuredLimiter
from issuetrak_tools._contract.transport import RunStats

QUOTA = "API calls quota exceeded! maximum admitted 20 per 1s."
HEADERS = {
    "X-Rate-Limit-Limit": "12h",
    "X-Rate-Limit-Remaining": "999",
    "X-Rate-Limit-Reset": "2026-12-08T02:30:00.0000000Z",
}


class Minimal:
    """Exactly the protocol's methods (``__slots__``: no attribute can be added by mistake).
    Grants at once while ``free``, else waits one second; refuses a wait beyond ``max_wait``."""

    __slots__ = ("calls", "free")

    def __init__(self, free: bool) -> None:
        self.calls: list[str] = []
        self.free = free

    def try_grant(self, is_write: bool) -> float | None:
        self.calls.append("try_grant")
        return 0.0 if self.free else None

    def acquire(
        self,
        is_write: bool,
        *,
        sleep: Callable[[float], None],
        max_wait: float,
        on_wait: Callable[[float], None] | None,
    ) -> float | None:
        self.calls.append("acquire")
        if max_wait < 1.0:
            return None
        sleep(1.0)
        return 1.0

    async def acquire_async(
        self,
        is_write: bool,
        *,
        sleep: Callable[[float], Awaitable[None]] | None,
        max_wait: float,
        on_wait: Callable[[float], None] | None,
    ) -> float | None:
        self.calls.append("acquire_async")
        if max_wait < 1.0:
            return None
        assert sleep is not None
        await sleep(1.0)
        return 1.0

    def settle(self, is_write: bool, grant: float, done: float) -> float:
        self.calls.append("settle")
        return grant

    def on_rate_limited(self, retry_after: float | None, now: float) -> None:
        self.calls.append("on_rate_limited")

    def observe_headers(
        self,
        headers: Mapping[str, str],
        now: float,
        wall_now: float,
        is_write: bool,
        *,
        sent: float | None,
    ) -> Window | None:
        self.calls.append("observe_headers")
        return None

    def observe_quota(
        self,
        body: str,
        retry_after: float | None,
        now: float,
        is_write: bool,
        *,
        sent: float | None,
    ) -> str | None:
        self.calls.append("observe_quota")
        return None


def _protocol_methods() -> set[str]:
    return {n for n, v in vars(TransportLimiter).items() if callable(v) and not n.startswith("_")}


def test_the_minimal_limiter_has_exactly_the_protocols_methods() -> None:
    mine = {n for n in dir(Minimal) if not n.startswith("_") and callable(getattr(Minimal, n))}
    assert mine == _protocol_methods()
    assert isinstance(Minimal(True), TransportLimiter)


class _Site:
    """A 429 with the quota body on the first request, then 200s with the rate-limit headers."""

    def __init__(self) -> None:
        self.requests = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.requests == 1:
            return httpx.Response(429, headers={"Retry-After": "1"}, text=QUOTA)
        return httpx.Response(200, headers=HEADERS, json={"traceId": "t"})


def _runtime() -> tuple[Runtime, list[float]]:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    async def async_sleep(seconds: float) -> None:
        now[0] += seconds

    runtime = Runtime(
        clock=lambda: now[0], sleep=sleep, async_sleep=async_sleep, random=lambda: 0.5
    )
    return runtime, now


def _sync(limiter: Minimal, deadline: float | None) -> list[int]:
    runtime, _ = _runtime()
    transport = RetryTransport(
        httpx.MockTransport(_Site()),
        policy=RetryPolicy(deadline=deadline),
        limiter=limiter,
        runtime=runtime,
    )
    with httpx.Client(transport=transport, base_url="https://site.test") as client:
        return [client.get("/api/v2/Users/1").status_code for _ in range(2)]


def _async(limiter: Minimal, deadline: float | None) -> list[int]:
    runtime, _ = _runtime()

    async def handler(request: httpx.Request) -> httpx.Response:
        return site(request)

    site = _Site()
    transport = AsyncRetryTransport(
        httpx.MockTransport(handler),
        policy=RetryPolicy(deadline=deadline),
        limiter=limiter,
        runtime=runtime,
    )

    async def run() -> list[int]:
        async with httpx.AsyncClient(transport=transport, base_url="https://site.test") as client:
            return [(await client.get("/api/v2/Users/1")).status_code for _ in range(2)]

    return asyncio.run(run())


@pytest.mark.parametrize("send", [_sync, _async], ids=["sync", "async"])
def test_every_limiter_path_of_the_transport_uses_only_the_protocols_methods(
    send: Callable[[Minimal, float | None], list[int]],
) -> None:
    at_once, waiting = Minimal(free=True), Minimal(free=False)
    assert send(at_once, None) == [200, 200]  # the 429 is retried
    assert send(waiting, None) == [200, 200]
    with pytest.raises(APITimeoutError, match="no client-side rate-limit slot"):
        send(Minimal(free=False), 0.5)  # a wait of 1 s does not fit a 0.5 s deadline
    called = set(at_once.calls) | set(waiting.calls)
    acquire = "acquire_async" if send is _async else "acquire"
    assert called == _protocol_methods() - ({"acquire", "acquire_async"} - {acquire})
    # a slot taken at once is settled when answered; a waited one's time is unknown (this
    # limiter records none), so it is not
    assert at_once.calls.count("settle") == 3 and "settle" not in waiting.calls


def test_an_object_without_the_protocols_methods_is_refused_naming_what_it_lacks() -> None:
    class Half:
        def try_grant(self, is_write: bool) -> float | None:
            return None

    with pytest.raises(TypeError, match=r"Half lacks acquire, acquire_async, settle"):
        RetryTransport(httpx.MockTransport(_Site()), limiter=Half())  # type: ignore[arg-type]


def test_the_sdk_limiter_and_the_measuring_view_satisfy_the_protocol() -> None:
    inner = RateLimiter(RateLimits())
    view = MeasuredLimiter(inner, RunStats())
    assert isinstance(inner, TransportLimiter) and isinstance(view, TransportLimiter)
    # the view holds no state of its own: what goes through it is the inner limiter's
    grant = view.try_grant(False)
    assert grant is not None and inner.granted == 1
    # answered at once: the entry moves back by the margin, in the inner limiter's log
    assert view.settle(False, grant, grant) == pytest.approx(grant - DEFAULT_MARGIN, abs=1e-4)
