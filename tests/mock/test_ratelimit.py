"""Point 6: per-token sliding windows answered with 429 and Retry-After; configurable; off."""

from __future__ import annotations

import pytest
from issuetrak_mock import DEFAULT_RATE_LIMITS, FrozenClock, RateLimit

from .conftest import client, new_app


def _limited(clock: FrozenClock, limits: object = DEFAULT_RATE_LIMITS) -> object:
    return new_app(clock=clock, issues=3, rate_limits=limits)


def test_the_21st_request_within_a_second_gets_429_with_retry_after() -> None:
    clock = FrozenClock("2024-03-15T08:30:00")
    app = _limited(clock)
    with client(app) as c:
        statuses = []
        for _ in range(21):
            statuses.append(c.get("/Issues/1").status_code)
            clock.advance(0.01)
        assert statuses[:20] == [200] * 20
        refused = c.get("/Issues/1")
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
        clock.advance(1)
        assert c.get("/Issues/1").status_code == 200


def test_the_sixth_write_within_a_second_gets_429_while_reads_continue() -> None:
    clock = FrozenClock("2024-03-15T08:30:00")
    app = _limited(clock)
    with client(app) as c:
        writes = [c.post("/Causes", json={"name": f"c{n}"}).status_code for n in range(6)]
        assert writes == [201] * 5 + [429]
        assert c.get("/Causes/1").status_code == 200


def test_searches_and_patches_are_counted_as_the_sdk_counts_them() -> None:
    # one definition of "write" (issuetrak._retry.is_write) for the SDK's limiter and the mock:
    # POST searches are reads, PATCH is a write
    clock = FrozenClock("2024-03-15T08:30:00")
    app = _limited(clock)
    with client(app) as c:
        searches = [c.post("/Causes/Search", json={"pageSize": 1}).status_code for _ in range(8)]
        assert searches == [200] * 8
        patches = [
            c.patch("/Issues/1", json=[{"op": "Add", "path": "/Notes", "value": "n"}]).status_code
            for _ in range(6)
        ]
        assert patches[5] == 429 and all(code != 429 for code in patches[:5])


def test_a_hundred_requests_fill_the_minute_and_ten_minute_windows_and_retry_after_names_the_longer_wait() -> (
    None
):
    clock = FrozenClock("2024-03-15T08:30:00")
    app = _limited(clock)
    with client(app) as c:
        for _ in range(100):
            assert c.get("/Issues/1").status_code == 200
            clock.advance(0.1)  # 10 per second stays under 20/s
        refused = c.get("/Issues/1")
        assert refused.status_code == 429
        # the first request leaves the 1-minute window after 50 s more, the 10-minute one after 590 s
        assert refused.headers["Retry-After"] == "590"
        clock.advance(51)
        assert c.get("/Issues/1").status_code == 429
        clock.advance(539)
        assert c.get("/Issues/1").status_code == 200


def test_limits_are_counted_per_token() -> None:
    clock = FrozenClock("2024-03-15T08:30:00")
    app = _limited(clock)
    with client(app) as admin, client(app, "agent") as agent:
        for _ in range(20):
            admin.get("/Issues/1")
        assert admin.get("/Issues/1").status_code == 429
        assert agent.get("/Issues/1").status_code == 200


def test_limits_are_configurable_and_can_be_switched_off() -> None:
    clock = FrozenClock("2024-03-15T08:30:00")
    with client(_limited(clock, [RateLimit(2, 10)])) as c:
        assert [c.get("/Issues/1").status_code for _ in range(3)] == [200, 200, 429]
        assert c.get("/Issues/1").headers["Retry-After"] == "10"
    with client(_limited(clock, None)) as c:
        assert {c.get("/Issues/1").status_code for _ in range(150)} == {200}


def test_a_rate_limit_needs_a_positive_size_and_window() -> None:
    with pytest.raises(ValueError, match="limit >= 1"):
        RateLimit(0, 1)
