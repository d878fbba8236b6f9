"""Fakes for the policy tests: a clock that only moves when slept on, and scripted servers."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from issuetrak._transport import Runtime

TOKEN = "tok-3b9f0c1e-SECRET-do-not-log"
SITE = "https://example.issuetrak.test"
WALL_EPOCH = 1_750_000_000.0  # fake wall clock = WALL_EPOCH + fake monotonic time


@dataclass
class FakeTime:
    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)
    random_value: float = 0.5

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)

    def runtime(self) -> Runtime:
        return Runtime(
            clock=self.clock,
            sleep=self.sleep,
            async_sleep=self.async_sleep,
            random=lambda: self.random_value,
            wall_clock=lambda: WALL_EPOCH + self.now,
        )


Outcome = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class Script:
    """A MockTransport handler that expects exactly the listed requests, in order."""

    def __init__(self, *steps: tuple[str, str, Outcome]) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if not self.steps:
            pytest.fail(f"unexpected request: {request.method} {request.url}")
        method, path, outcome = self.steps.pop(0)
        assert (request.method, request.url.path) == (method, path), "request out of script"
        request.read()
        self.requests.append(request)
        if isinstance(outcome, Exception):
            raise outcome
        if isinstance(outcome, httpx.Response):
            return outcome
        return outcome(request)

    def assert_done(self) -> None:
        assert not self.steps, f"expected requests never sent: {self.steps}"


_tokens = itertools.count()


@pytest.fixture(autouse=True)
def _fresh_limiter_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    # A limiter is shared per (site, token, limits) in the process, and keeps what a site reported
    # (a spent window) until its reset; a loopback port a finished test used can come back in the
    # next one, which must not inherit that budget.
    import issuetrak._ratelimit

    monkeypatch.setattr(issuetrak._ratelimit, "_registry", {})


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def unique_token() -> str:
    # each test gets its own rate-limit budget in the process-wide registry
    return f"{TOKEN}-{next(_tokens)}"


@pytest.fixture
def make_client(fake_time: FakeTime) -> Iterator[Callable[..., Any]]:
    from issuetrak import Issuetrak

    made: list[Issuetrak] = []

    def make(script: Script, **kwargs: Any) -> Issuetrak:
        kwargs.setdefault("token", TOKEN)
        kwargs.setdefault("rate_limits", None)
        client = Issuetrak(
            SITE, transport=httpx.MockTransport(script), _runtime=fake_time.runtime(), **kwargs
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def api_error(status: int, message: str, trace: str = "0HMGDP8E63BDF:00000004") -> httpx.Response:
    return httpx.Response(
        status, json={"traceId": trace, "information": [{"type": "Error", "message": message}]}
    )


@pytest.fixture
def api_response() -> Callable[..., httpx.Response]:
    return api_error


@pytest.fixture
def scripted() -> type[Script]:
    return Script
