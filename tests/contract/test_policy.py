"""Requests go through the overlay's limiter and retry rules, and the run counts them."""

from __future__ import annotations

import httpx
from issuetrak._ratelimit import RateLimiter, RateLimits, Window
from issuetrak._retry import RetryPolicy
from issuetrak_tools._contract.policy import PoliteTransport
from issuetrak_tools._contract.transport import CountingTransport, RunStats, make_session


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


TWO_RETRIES = RetryPolicy(max_retries=2)


def _client(
    handler: httpx.MockTransport,
    stats: RunStats,
    fake: FakeTime,
    limits: RateLimits | None,
    retry: RetryPolicy | None = TWO_RETRIES,  # None: a run's own policy
) -> httpx.Client:
    limiter = RateLimiter(limits, clock=fake.clock) if limits is not None else None
    transport = PoliteTransport(
        CountingTransport(handler, stats),
        stats=stats,
        limiter=limiter,
        retry=retry,
        sleep=fake.sleep,
        clock=fake.clock,
        rng=lambda: 0.5,
    )
    return httpx.Client(transport=transport, base_url="http://127.0.0.1/api/v2")


def test_limiter_wait_is_slept_through_the_injected_sleep_and_reported() -> None:
    stats, fake = RunStats(), FakeTime()
    handler = httpx.MockTransport(lambda request: httpx.Response(200, json={"traceId": "t"}))
    limits = RateLimits(windows=(Window(2, 1.0),), margin=0.0)
    with _client(handler, stats, fake, limits) as client:
        for _ in range(5):
            assert client.get("/Users").status_code == 200
    assert stats.requests_sent == 5
    assert stats.limiter_waits == 2
    assert abs(stats.limiter_wait_seconds - 2.0) < 1e-9
    assert sum(fake.slept) == stats.limiter_wait_seconds


def test_a_limiter_wait_longer_than_an_sdk_deadline_is_waited_out() -> None:
    # Issuetrak's default windows: request 101 waits ~10 minutes for the 100/600 s window. An
    # SDK call refuses that wait (its deadline is 120 s); a run waits it out, as its plan says.
    stats, fake = RunStats(), FakeTime()
    handler = httpx.MockTransport(lambda request: httpx.Response(200, json={"traceId": "t"}))
    with _client(handler, stats, fake, RateLimits(), retry=None) as client:
        for _ in range(101):
            assert client.get("/Users").status_code == 200
    assert stats.requests_sent == 101
    assert 590 < fake.now < 620
    assert max(fake.slept) > 120


def test_a_site_that_keeps_answering_429_costs_a_request_a_few_attempts_not_a_deadline() -> None:
    stats, fake = RunStats(), FakeTime()

    def refuse(request: httpx.Request) -> httpx.Response:
        fake.now += 0.05  # each answer takes a moment
        return httpx.Response(429, headers={"Retry-After": "0"})

    with _client(httpx.MockTransport(refuse), stats, fake, None, retry=None) as client:
        assert client.get("/Users").status_code == 429
    assert stats.requests_sent == RetryPolicy().max_retries + 1


def test_a_read_answered_429_is_retried_after_retry_after() -> None:
    stats, fake = RunStats(), FakeTime()
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "3"}),
            httpx.Response(200, json={"traceId": "t"}),
        ]
    )
    handler = httpx.MockTransport(lambda request: next(answers))
    with _client(handler, stats, fake, None) as client:
        assert client.post("/Users/Search", json={}).status_code == 200
    assert stats.requests_sent == 2
    assert stats.retries == 1
    assert fake.slept == [3.0]


def test_a_create_answered_503_is_not_sent_twice() -> None:
    stats, fake = RunStats(), FakeTime()
    handler = httpx.MockTransport(lambda request: httpx.Response(503))
    with _client(handler, stats, fake, None) as client:
        assert client.post("/Users", json={"firstName": "A"}).status_code == 503
    assert stats.requests_sent == 1
    assert stats.writes_sent == 1


def test_requests_session_sends_through_the_httpx_client() -> None:
    stats, fake = RunStats(), FakeTime()
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"traceId": "t"}, headers={"X-Multi": "a"})

    with _client(httpx.MockTransport(handler), stats, fake, None) as client:
        session = make_session(client, owns_client=False)
        response = session.post(
            "http://127.0.0.1/api/v2/Causes", json={"name": "x"}, headers={"X-Api-Key": "k"}
        )
    assert response.status_code == 201
    assert response.json() == {"traceId": "t"}
    assert seen[0].headers["X-Api-Key"] == "k"
    assert seen[0].content == b'{"name": "x"}'
    assert stats.by_method == {"POST": 1}
