"""Point 6: per-token fixed windows counted and answered as AspNetCoreRateLimit does (429,
Retry-After, the quota message, the X-Rate-Limit-* headers); configurable; off."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from issuetrak_mock import DEFAULT_RATE_LIMITS, FrozenClock, RateLimit, SystemClock
from issuetrak_mock import clock as clock_module
from issuetrak_mock.clock import window_clock
from issuetrak_mock.ratelimit import format_period

from .conftest import client, new_app


def _limited(clock: object, limits: object = DEFAULT_RATE_LIMITS) -> object:
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
    # one definition of "write" (issuetrak.conventions.is_write) for the SDK's limiter and the mock:
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


def test_a_hundred_requests_fill_the_minute_window_first_then_the_ten_minute_one() -> None:
    # AspNetCoreRateLimit checks the shortest period first and answers with the first full
    # window: the minute one (Retry-After 50 s), and only once it has ended the ten-minute one
    clock = FrozenClock("2024-03-15T08:30:00")
    app = _limited(clock)
    with client(app) as c:
        for _ in range(100):
            assert c.get("/Issues/1").status_code == 200
            clock.advance(0.1)  # 10 per second stays under 20/s
        refused = c.get("/Issues/1")
        assert refused.status_code == 429
        assert refused.text == "API calls quota exceeded! maximum admitted 100 per 1m."
        assert refused.headers["Retry-After"] == "50"  # the minute window opened 10 s ago
        clock.advance(51)
        again = c.get("/Issues/1")
        assert again.status_code == 429
        assert again.text == "API calls quota exceeded! maximum admitted 100 per 10m."
        assert again.headers["Retry-After"] == "539"
        clock.advance(539)  # the window's last instant: still counted
        assert c.get("/Issues/1").status_code == 429
        clock.advance(0.5)
        assert c.get("/Issues/1").status_code == 200


def test_a_window_gives_back_its_whole_count_when_it_ends_and_not_before() -> None:
    clock = FrozenClock()
    with client(_limited(clock, [RateLimit(2, 10)])) as c:
        assert [c.get("/Issues/1").status_code for _ in range(2)] == [200, 200]
        clock.advance(9)
        assert c.get("/Issues/1").status_code == 429
        clock.advance(1)  # the window's last instant still counts, as the library's >= does
        assert c.get("/Issues/1").status_code == 429
        clock.advance(0.01)
        assert [c.get("/Issues/1").status_code for _ in range(3)] == [200, 200, 429]


def test_a_refused_request_is_counted_in_the_shorter_windows_checked_before_it() -> None:
    # three requests: the third is refused by the minute window, but the 10 s window counted it
    # (the library counts before it checks), so a fourth is refused by the 10 s window
    clock = FrozenClock()
    with client(_limited(clock, [RateLimit(2, 60), RateLimit(3, 10)])) as c:
        assert [c.get("/Issues/1").status_code for _ in range(3)] == [200, 200, 429]
        clock.advance(1)
        fourth = c.get("/Issues/1")
    assert fourth.status_code == 429
    assert fourth.text == "API calls quota exceeded! maximum admitted 3 per 10s."
    assert fourth.headers["Retry-After"] == "9"


@pytest.mark.parametrize(
    ("elapsed", "retry_after"), [(0.0, "10"), (4.4, "6"), (4.5, "6"), (4.6, "5"), (9.8, "1")]
)
def test_retry_after_is_the_wait_to_the_windows_end_rounded_to_the_nearest_second(
    elapsed: float, retry_after: str
) -> None:
    # .NET writes the wait with {seconds:F0} (halves away from zero), and at least 1
    clock = FrozenClock()
    with client(_limited(clock, [RateLimit(1, 10)])) as c:
        c.get("/Issues/1")
        clock.advance(elapsed)
        assert c.get("/Issues/1").headers["Retry-After"] == retry_after


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


# -- sub-second windows (the site counts time, not whole seconds) -----------------------------


def test_requests_within_a_second_across_a_second_boundary_share_one_window() -> None:
    # 08:30:00.90 .. 08:30:01.05: six requests in 0.15 s, across the boundary of a whole second
    clock = FrozenClock("2024-03-15T08:30:00.900000")
    with client(_limited(clock, [RateLimit(3, 1)])) as c:
        statuses = []
        for _ in range(6):
            statuses.append(c.get("/Issues/1").status_code)
            clock.advance(0.03)
        assert statuses == [200, 200, 200, 429, 429, 429]


def test_a_sub_second_window_admits_again_once_it_has_ended() -> None:
    clock = FrozenClock()
    with client(_limited(clock, [RateLimit(2, 0.5)])) as c:
        assert [c.get("/Issues/1").status_code for _ in range(3)] == [200, 200, 429]
        clock.advance(0.49)
        assert c.get("/Issues/1").status_code == 429
        clock.advance(0.02)
        assert c.get("/Issues/1").status_code == 200


def test_the_cli_clock_gives_the_windows_sub_second_monotonic_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the console script serves with SystemClock(): its windows follow time.monotonic, not the
    # wall clock it writes into records (whole seconds)
    now = [1000.95]
    monkeypatch.setattr(clock_module.time, "monotonic", lambda: now[0])
    app = new_app(clock=SystemClock(), issues=3, rate_limits=[RateLimit(3, 1)])
    with client(app) as c:
        statuses = []
        for _ in range(6):
            statuses.append(c.get("/Issues/1").status_code)
            now[0] += 0.03
        assert statuses == [200, 200, 200, 429, 429, 429]
        now[0] += 1.0
        assert c.get("/Issues/1").status_code == 200


def test_a_clock_without_monotonic_drives_the_windows_through_now() -> None:
    class WallOnly:
        def __init__(self) -> None:
            self.when = dt.datetime(2024, 3, 15, 8, 30, 0, 900000)

        def now(self) -> dt.datetime:
            return self.when

    clock = WallOnly()
    assert window_clock(clock)() == clock.when.timestamp()
    with client(_limited(clock, [RateLimit(1, 0.5)])) as c:  # type: ignore[arg-type]
        assert [c.get("/Issues/1").status_code for _ in range(2)] == [200, 429]
        clock.when += dt.timedelta(seconds=0.6)
        assert c.get("/Issues/1").status_code == 200


def test_a_frozen_clock_never_moves_its_monotonic_time_back() -> None:
    clock = FrozenClock("2024-03-15T08:30:00")
    clock.advance(1.25)
    assert clock.monotonic() == 1.25
    clock.set("2024-03-15T08:00:00")  # the wall clock jumps back; monotonic time stays
    assert clock.monotonic() == 1.25
    clock.set("2024-03-15T08:00:02")
    assert clock.monotonic() == 3.25


# -- what the site tells the client: AspNetCoreRateLimit's headers and quota message ----------


class _UtcClock(FrozenClock):
    """A frozen site clock that also knows UTC now, as :class:`SystemClock` does."""

    def utcnow(self) -> dt.datetime:
        return dt.datetime(2026, 12, 7, 14, 30, tzinfo=dt.UTC) + dt.timedelta(
            seconds=self.monotonic()
        )


def test_an_admitted_answer_names_the_longest_window_its_remaining_count_and_reset() -> None:
    clock = _UtcClock()
    with client(_limited(clock, [RateLimit(3, 60), RateLimit(10, 3600)])) as c:
        first = c.get("/Issues/1")
        assert first.headers["X-Rate-Limit-Limit"] == "1h"
        assert first.headers["X-Rate-Limit-Remaining"] == "9"
        assert first.headers["X-Rate-Limit-Reset"] == "2026-12-07T15:30:00.0000000Z"
        clock.advance(15.5)
        c.get("/Issues/1")
        third = c.get("/Issues/1")
        # the minute window is spent, but the headers speak of the hour, whose fixed window
        # still ends an hour after the first request
        assert third.headers["X-Rate-Limit-Remaining"] == "7"
        assert third.headers["X-Rate-Limit-Reset"] == "2026-12-07T15:30:00.0000000Z"
        assert c.get("/Issues/1").status_code == 429


def test_a_window_opened_after_the_last_one_ended_reports_its_full_count_and_new_reset() -> None:
    clock = _UtcClock()
    with client(_limited(clock, [RateLimit(3, 60)])) as c:
        for _ in range(3):
            c.get("/Issues/1")
        clock.advance(60.25)
        answer = c.get("/Issues/1")
    assert answer.headers["X-Rate-Limit-Remaining"] == "2"
    assert answer.headers["X-Rate-Limit-Reset"] == "2026-12-07T14:32:00.2500000Z"


def test_a_refused_request_gets_the_quota_message_as_text_and_retry_after() -> None:
    clock = FrozenClock()
    with client(_limited(clock)) as c:
        for _ in range(20):
            c.get("/Issues/1")
        refused = c.get("/Issues/1")
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("text/plain")
    assert refused.text == "API calls quota exceeded! maximum admitted 20 per 1s."
    assert refused.headers["Retry-After"] == "1"
    assert "X-Rate-Limit-Remaining" not in refused.headers  # the library sends none on a 429


def test_writes_are_refused_by_the_write_window_while_the_headers_name_the_longest() -> None:
    with client(_limited(FrozenClock())) as c:
        created = [c.post("/Causes", json={"name": f"c{n}"}) for n in range(6)]
        read = c.get("/Causes/1")
    assert [answer.status_code for answer in created] == [201] * 5 + [429]
    assert created[5].text == "API calls quota exceeded! maximum admitted 5 per 1s."
    assert (
        created[0].headers["X-Rate-Limit-Limit"],
        created[0].headers["X-Rate-Limit-Remaining"],
    ) == (
        "12h",
        "999",
    )
    # the refused write was counted in the 1 s windows only (the longer ones come after the
    # write window, whose refusal ends the check): the read is the 6th in the 12 h window
    assert (read.status_code, read.headers["X-Rate-Limit-Remaining"]) == (200, "994")


def test_every_counted_answer_carries_the_headers_and_an_uncounted_one_none() -> None:
    app = _limited(FrozenClock())
    with client(app, "end_user") as end_user, client(app, token="not-a-token") as stranger:
        forbidden = end_user.get("/Departments")
        refused = stranger.get("/Issues/1")
    assert forbidden.status_code == 403 and forbidden.headers["X-Rate-Limit-Remaining"] == "999"
    assert refused.status_code == 401 and "X-Rate-Limit-Limit" not in refused.headers


def test_the_headers_can_be_turned_off_and_the_limits_still_apply() -> None:
    app = new_app(
        clock=FrozenClock(), issues=3, rate_limits=[RateLimit(1, 60)], rate_limit_headers=False
    )
    with client(app) as c:
        admitted = c.get("/Issues/1")
        refused = c.get("/Issues/1")
    assert not [name for name in admitted.headers if name.lower().startswith("x-rate-limit")]
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert refused.text == "API calls quota exceeded! maximum admitted 1 per 1m."


def test_a_system_clock_writes_the_reset_in_utc() -> None:
    app = new_app(clock=SystemClock(), issues=3, rate_limits=[RateLimit(5, 3600)])
    before = dt.datetime.now(dt.UTC)
    with client(app) as c:
        reset = c.get("/Issues/1").headers["X-Rate-Limit-Reset"]
    after = dt.datetime.now(dt.UTC)
    assert reset.endswith("Z")
    when = dt.datetime.fromisoformat(reset[:26] + "+00:00")  # Python reads six digits
    assert before + dt.timedelta(hours=1) - dt.timedelta(seconds=1) <= when
    assert when <= after + dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (1, "1s"),
        (60, "1m"),
        (600, "10m"),
        (3600, "1h"),
        (43200, "12h"),
        (86400, "1d"),
        (90, "90s"),
        (0.5, "0.5s"),
    ],
)
def test_periods_are_written_as_aspnetcoreratelimit_writes_them(seconds: float, text: str) -> None:
    assert format_period(seconds) == text


@pytest.mark.issuetrak_mock(rate_limits="default")
def test_the_fixture_sends_the_headers_when_its_site_has_limits(issuetrak_mock: Any) -> None:
    assert issuetrak_mock.client().get("/Issues/1").headers["X-Rate-Limit-Limit"] == "12h"


@pytest.mark.issuetrak_mock(rate_limits="default", rate_limit_headers=False)
def test_the_fixture_leaves_them_out_when_asked(issuetrak_mock: Any) -> None:
    answer = issuetrak_mock.client().get("/Issues/1")
    assert answer.status_code == 200 and "X-Rate-Limit-Limit" not in answer.headers


def test_without_a_clock_the_reset_is_on_the_machines_clock_like_the_windows() -> None:
    # the windows follow the machine's time when no clock is given; the reset a client reads
    # must too (the site's pinned "today" is for records, not for when a window frees a slot)
    import time

    app = new_app(issues=3, rate_limits=DEFAULT_RATE_LIMITS, clock=None)
    with client(app) as c:
        before = time.time()
        answer = c.get("/Issues/1")
        after = time.time()
    text = answer.headers["X-Rate-Limit-Reset"]
    reset = dt.datetime.strptime(text[:26] + "Z", "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    # the 12 h window, opened by this request
    assert before + 43200 <= reset.timestamp() <= after + 43200
