from __future__ import annotations

import math
import threading

import httpx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from issuetrak import AsyncIssuetrak, Issuetrak
from issuetrak._ratelimit import (
    DEFAULT_WINDOWS,
    SETTLE_GUARD,
    RateLimiter,
    RateLimits,
    Window,
)

SMALL = RateLimits([Window(4, 1.0), Window(2, 1.0, writes_only=True), Window(7, 5.0)], margin=0.0)


def window_counts_ok(
    grants: list[tuple[float, bool]], windows: tuple[Window, ...], margin: float = 0.0
) -> bool:
    """Brute force: at every grant, each window (widened by ``margin``) holds at most its limit
    (itself included)."""
    for window in windows:
        times = [t for t, write in grants if write or not window.writes_only]
        period = window.period + margin
        for g in times:
            if sum(1 for t in times if g - period < t <= g) > window.limit:
                return False
    return True


def has_room(
    grants: list[tuple[float, bool]],
    now: float,
    is_write: bool,
    windows: tuple[Window, ...],
    margin: float = 0.0,
) -> bool:
    return window_counts_ok([*grants, (now, is_write)], windows, margin)


schedules = st.lists(
    st.tuples(
        st.one_of(st.just(0.0), st.floats(min_value=0.0, max_value=3.0, allow_nan=False)),
        st.booleans(),
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(schedule=schedules)
def test_no_window_is_ever_exceeded_and_no_needless_wait(schedule) -> None:
    limiter = RateLimiter(SMALL)
    now = 0.0
    grants: list[tuple[float, bool]] = []
    for gap, is_write in schedule:
        now += gap
        room = has_room(grants, now, is_write, SMALL.windows)
        wait = limiter.reserve(is_write, now)
        assert wait is not None and wait >= 0
        if room:
            assert wait == 0, "waited although every window had room"
        grants.append((now + wait, is_write))
        assert window_counts_ok(grants, SMALL.windows)


@settings(max_examples=40, deadline=None)
@given(schedule=st.lists(st.tuples(st.floats(0.0, 0.2), st.booleans()), min_size=1, max_size=150))
def test_default_windows_hold_for_bursts(schedule) -> None:
    limiter = RateLimiter()
    now, grants = 0.0, []
    for gap, is_write in schedule:
        now += gap
        wait = limiter.reserve(is_write, now)
        assert wait is not None
        grants.append((now + wait, is_write))
    assert window_counts_ok(grants, DEFAULT_WINDOWS)


def test_sequential_caller_gets_exactly_the_window_rate() -> None:
    limiter = RateLimiter(RateLimits([Window(5, 1.0)], margin=0.0))
    now, starts = 0.0, []
    for _ in range(12):
        now += limiter.reserve(False, now) or 0.0
        starts.append(now)
    assert starts == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2]


def test_reads_do_not_queue_behind_writes() -> None:
    limiter = RateLimiter(SMALL)
    assert [limiter.reserve(True, 0.0) for _ in range(3)] == [0.0, 0.0, 1.0]
    assert limiter.reserve(False, 0.0) == 0.0  # the write window does not hold reads back


def test_max_wait_declines_without_spending_budget() -> None:
    limiter = RateLimiter(RateLimits([Window(1, 10.0)], margin=0.0))
    assert limiter.reserve(False, 0.0) == 0.0
    assert limiter.reserve(False, 0.0, max_wait=5.0) is None
    assert limiter.reserve(False, 0.0) == 10.0  # the declined one took nothing


def test_a_429_pauses_everyone_for_the_retry_after_and_never_lowers_the_limits() -> None:
    limiter = RateLimiter(RateLimits([Window(10, 1.0), Window(50, 600.0)], margin=0.0))
    limiter.on_rate_limited(3.0, now=100.0)
    assert limiter.reserve(False, 100.0) == 3.0
    grants = [103.0] + [103.0 + (limiter.reserve(False, 103.0) or 0.0) for _ in range(9)]
    assert grants == [103.0] * 10  # the full 10/1 s after the pause, not a reduced share
    assert limiter.reserve(False, 103.0) == 1.0  # and the 50/600 s window is not halved


def test_a_slot_that_cannot_come_in_time_names_the_window_that_binds() -> None:
    from issuetrak._ratelimit import SlotUnavailable

    limiter = RateLimiter(RateLimits([Window(20, 1.0), Window(2, 600.0)], margin=0.0))
    limiter.reserve(False, 0.0)
    limiter.reserve(False, 0.0)
    with pytest.raises(SlotUnavailable) as refused:
        limiter.reserve_or_raise(False, 1.0, max_wait=30.0)
    assert refused.value.reason == "the 2/600s window" and refused.value.needed == 599.0
    limiter.on_rate_limited(45.0, now=700.0)
    with pytest.raises(SlotUnavailable, match="Retry-After"):
        limiter.reserve_or_raise(False, 700.0, max_wait=10.0)


def test_a_grant_made_before_a_pause_is_reserved_again_after_it(fake_time) -> None:
    limiter = RateLimiter(RateLimits([Window(2, 1.0)], margin=0.0), clock=fake_time.clock)
    limiter.acquire(False, sleep=fake_time.sleep)
    limiter.acquire(False, sleep=fake_time.sleep)

    def sleep_and_meet_a_429(seconds: float) -> None:
        fake_time.sleep(seconds)
        if fake_time.now == 1.0:  # while this caller slept, another request met a 429
            limiter.on_rate_limited(5.0, now=0.5)

    waited = limiter.acquire(False, sleep=sleep_and_meet_a_429)
    assert waited == 5.5 and fake_time.now == 5.5  # went out after the pause, not into it
    assert limiter.granted == 3


def test_a_cancelled_waiter_gives_its_slot_back(fake_time) -> None:
    limiter = RateLimiter(RateLimits([Window(1, 1.0)], margin=0.0), clock=fake_time.clock)
    limiter.acquire(False, sleep=fake_time.sleep)

    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        limiter.acquire(False, sleep=interrupted)
    assert limiter.reserve(False, 0.0) == 1.0  # the slot at 1.0 was released and is free again


def test_threads_sharing_a_limiter_never_overrun_a_window() -> None:
    limiter = RateLimiter(SMALL)
    grants: list[tuple[float, bool]] = []
    lock = threading.Lock()

    def worker(is_write: bool) -> None:
        for _ in range(40):
            wait = limiter.reserve(is_write, 0.0)
            with lock:
                grants.append((wait or 0.0, is_write))

    threads = [threading.Thread(target=worker, args=(i % 2 == 0,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(grants) == 240
    assert window_counts_ok(grants, SMALL.windows)


def test_invalid_windows_are_rejected_with_the_reason() -> None:
    with pytest.raises(ValueError, match="limit"):
        Window(0, 1.0)
    with pytest.raises(ValueError, match="period"):
        Window(5, 0)
    with pytest.raises(ValueError, match="windows"):
        RateLimits([])


def _ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"traceId": "t"})


def test_with_options_copies_and_async_clients_share_one_budget(fake_time, unique_token) -> None:
    limits = RateLimits([Window(2, 1.0)], margin=0.0)
    common = {"token": unique_token, "rate_limits": limits, "_runtime": fake_time.runtime()}
    client = Issuetrak("https://shared.example", transport=httpx.MockTransport(_ok), **common)
    copy = client.with_options(max_retries=0, timeout=5)
    async_client = AsyncIssuetrak(
        "https://shared.example/api/v2/", transport=httpx.MockTransport(_ok), **common
    )
    other_token = Issuetrak(
        "https://shared.example",
        transport=httpx.MockTransport(_ok),
        **{**common, "token": unique_token + "x"},
    )
    assert client.rate_limiter is copy.rate_limiter is async_client.rate_limiter
    assert other_token.rate_limiter is not client.rate_limiter

    client.request("GET", "/Users")
    copy.request("GET", "/Users")
    assert fake_time.sleeps == []
    other_token.request("GET", "/Users")  # its own budget: no wait
    assert fake_time.sleeps == []
    copy.request("GET", "/Users")  # third in the shared 2/1 s window
    assert fake_time.sleeps == [1.0]
    for c in (client, other_token):
        c.close()


@pytest.mark.anyio
async def test_async_client_waits_on_the_budget_a_sync_client_spent(
    fake_time, unique_token
) -> None:
    limits = RateLimits([Window(1, 2.0)], margin=0.0)
    common = {"token": unique_token, "rate_limits": limits, "_runtime": fake_time.runtime()}
    with Issuetrak("https://both.example", transport=httpx.MockTransport(_ok), **common) as client:
        client.request("GET", "/Users")
        async with AsyncIssuetrak(
            "https://both.example", transport=httpx.MockTransport(_ok), **common
        ) as aclient:
            await aclient.request("GET", "/Users")
    assert fake_time.sleeps == [2.0]


def test_a_429_pauses_the_whole_budget_and_the_retry_waits_as_asked(
    make_client, scripted, fake_time
) -> None:
    limiter = RateLimiter(RateLimits([Window(20, 1.0)], margin=0.0), clock=fake_time.clock)
    script = scripted(
        ("GET", "/api/v2/Users", httpx.Response(429, headers={"Retry-After": "2"})),
        ("GET", "/api/v2/Users", httpx.Response(200, json={"traceId": "t"})),
    )
    make_client(script, rate_limits=limiter).request("GET", "/Users")
    assert fake_time.sleeps == [2.0]  # the Retry-After, and no extra limiter wait on top
    assert limiter.paused_until == 2.0


def test_limiter_disabled_with_false_or_none(make_client, scripted) -> None:
    assert make_client(scripted(), rate_limits=False).rate_limiter is None
    assert make_client(scripted(), rate_limits=None).rate_limiter is None


def test_margin_widens_every_window() -> None:
    limiter = RateLimiter(RateLimits([Window(2, 1.0)], margin=0.25))
    assert [limiter.reserve(False, 0.0) for _ in range(3)] == [0.0, 0.0, 1.25]


def test_the_default_margin_spaces_window_edges_by_a_tenth_of_a_second() -> None:
    limiter = RateLimiter(RateLimits([Window(1, 1.0)]))
    assert [limiter.reserve(False, 0.0) for _ in range(3)] == [0.0, 1.1, 2.2]


@pytest.mark.anyio
async def test_concurrent_tasks_sharing_a_limiter_never_overrun_a_window() -> None:
    import anyio

    limiter = RateLimiter(SMALL, clock=lambda: 0.0)
    grants: list[tuple[float, bool]] = []

    async def yield_only(seconds: float) -> None:
        await anyio.sleep(0)  # let the other tasks reserve while this one "waits"

    async def worker(is_write: bool) -> None:
        for _ in range(15):
            wait = await limiter.acquire_async(is_write, sleep=yield_only)
            grants.append((wait or 0.0, is_write))

    async with anyio.create_task_group() as group:
        for i in range(8):
            group.start_soon(worker, i % 3 == 0)
    assert len(grants) == 120
    assert window_counts_ok(grants, SMALL.windows)


def test_a_client_made_after_another_was_dropped_still_sees_what_it_spent(
    fake_time, unique_token
) -> None:
    import gc

    limits = RateLimits([Window(2, 1.0)], margin=0.0)
    common = {"token": unique_token, "rate_limits": limits, "_runtime": fake_time.runtime()}
    first = Issuetrak("https://gone.example", transport=httpx.MockTransport(_ok), **common)
    first.request("GET", "/Users")
    first.request("GET", "/Users")
    first.close()
    del first
    gc.collect()  # the server still counts those two requests
    with Issuetrak("https://gone.example", transport=httpx.MockTransport(_ok), **common) as later:
        later.request("GET", "/Users")
    assert fake_time.sleeps == [1.0]


def test_a_long_wait_is_announced_as_a_warning_before_it_is_slept(
    make_client, scripted, fake_time, caplog
) -> None:
    import logging

    limiter = RateLimiter(RateLimits([Window(1, 3600.0)], margin=0.0), clock=fake_time.clock)
    ok = httpx.Response(200, json={"traceId": "t"})
    announced_at: list[float] = []

    class AtWarning(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            announced_at.append(fake_time.now)

    handler = AtWarning(logging.WARNING)
    logging.getLogger("issuetrak").addHandler(handler)
    try:
        client = make_client(
            scripted(("GET", "/api/v2/Users", ok), ("GET", "/api/v2/Users", ok)),
            rate_limits=limiter,
            deadline=None,  # no deadline: the call waits its hour
        )
        client.request("GET", "/Users")
        client.request("GET", "/Users")
    finally:
        logging.getLogger("issuetrak").removeHandler(handler)
    assert announced_at == [0.0]  # before the hour was slept, not after
    assert fake_time.sleeps == [3600.0]
    warning = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "GET /Users waits 3600 s for a free slot in RateLimiter(1/3600s)" in warning[0].message


def test_the_deadline_covers_the_rate_limit_wait_and_the_error_names_the_window(
    make_client, scripted, fake_time
) -> None:
    from issuetrak import APITimeoutError

    limiter = RateLimiter(RateLimits([Window(1, 600.0)], margin=0.0), clock=fake_time.clock)
    ok = httpx.Response(200, json={"traceId": "t"})
    client = make_client(scripted(("GET", "/api/v2/Users", ok)), rate_limits=limiter, deadline=30)
    client.request("GET", "/Users")
    with pytest.raises(APITimeoutError) as failed:
        client.request("GET", "/Users")
    assert fake_time.sleeps == []  # refused at once, not after sleeping into the deadline
    assert "no client-side rate-limit slot within the 30 s deadline" in str(failed.value)
    assert "the 1/600s window needs 600.0 s" in str(failed.value)


any_windows = st.lists(
    st.builds(
        Window,
        st.integers(1, 6),
        st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0, 7.0]),
        st.booleans(),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@example(  # float rounding once put a send an ulp inside the window of the one before
    windows=[Window(1, 1.0)],
    margin=0.0,
    schedule=[(1.2402091291662232, False)] + [(0.0, False)] * 4 + [(2.0, False)],
)
@given(windows=any_windows, margin=st.sampled_from([0.0, 0.05, 0.3]), schedule=schedules)
def test_any_configured_windows_hold_where_the_caller_really_sends(
    windows, margin, schedule
) -> None:
    limits = RateLimits(windows, margin=margin)
    limiter = RateLimiter(limits)
    now = 0.0
    sent: list[tuple[float, bool]] = []
    for gap, is_write in schedule:
        now += gap
        room = has_room(sent, now, is_write, limits.windows, margin)
        wait = limiter.reserve(is_write, now)
        assert wait is not None and wait >= 0
        if room:
            assert wait == 0, "waited although every window had room"
        sent.append((now + wait, is_write))  # what a caller sleeping `wait` does
        assert window_counts_ok(sent, limits.windows, margin)


pauses = st.lists(
    st.tuples(
        st.floats(min_value=0.0, max_value=2.0, allow_nan=False),  # time passing before
        st.booleans(),  # a write?
        st.one_of(st.none(), st.floats(min_value=0.0, max_value=3.0)),  # a 429's Retry-After
    ),
    min_size=1,
    max_size=50,
)


@settings(max_examples=300, deadline=None)
@given(windows=any_windows, margin=st.sampled_from([0.0, 0.1]), steps=pauses)
def test_no_wait_is_longer_than_the_windows_and_the_sites_pauses_require(
    windows, margin, steps
) -> None:
    """A fake clock; requests, some meeting a 429. A request goes at once (or when the site's
    pause ends) whenever every window has room then; otherwise it queues behind the grants
    already made and goes at the first moment the windows allow: one tick earlier would overrun
    a window. So no wait is ever longer than the windows and the pause require (no stall)."""
    limits = RateLimits(windows, margin=margin)
    limiter = RateLimiter(limits)
    now, paused_until = 0.0, -math.inf
    sent: list[tuple[float, bool]] = []
    for gap, is_write, retry_after in steps:
        now += gap
        wait = limiter.reserve(is_write, now)
        assert wait is not None
        granted = now + wait
        start = max(now, paused_until)
        assert granted >= start - 1e-9  # (float noise of one ulp aside)
        if has_room(sent, start, is_write, limits.windows, margin):
            assert granted <= start + 1e-9, "waited although every window had room"
        else:
            queue_end = max([start, *(t for t, _ in sent)])
            if granted > queue_end + 1e-9:
                tick = granted - 1e-9  # just before: one float ulp is noise
                assert not has_room(sent, tick, is_write, limits.windows, margin), (
                    "waited past the moment the windows allowed"
                )
        sent.append((granted, is_write))
        assert window_counts_ok(sent, limits.windows, margin)
        if retry_after is not None:
            limiter.on_rate_limited(retry_after, granted)
            pause = retry_after or limits.default_pause  # Retry-After: 0 is no "at once"
            paused_until = max(paused_until, granted + pause)


def test_a_budget_is_named_by_the_sites_origin_whatever_url_names_it(unique_token) -> None:
    from issuetrak._ratelimit import shared_limiter

    limits = RateLimits([Window(3, 1.0)])
    first = shared_limiter("https://Site.example/api/v2", unique_token, limits)
    for same in (
        "https://site.example/",
        "https://site.example:443/api/v2/Users",
        "HTTPS://SITE.EXAMPLE",
    ):
        assert shared_limiter(same, unique_token, limits) is first, same
    for other in ("https://site.example:8443", "http://site.example", "https://other.example"):
        assert shared_limiter(other, unique_token, limits) is not first, other
    with Issuetrak("https://site.example", token=unique_token, rate_limits=limits) as client:
        assert client.rate_limiter is first  # a client and e.g. the contract runner share it


def test_a_request_the_site_refused_keeps_its_slot_in_the_log(
    make_client, scripted, fake_time
) -> None:
    """A 429'd attempt stays counted: a storm of 429s must not become a storm of requests, and
    a site that counts refused requests (or another client on the token) sees it too."""
    limiter = RateLimiter(
        RateLimits([Window(3, 1.0), Window(5, 600.0)], margin=0.0), clock=fake_time.clock
    )
    ok = httpx.Response(200, json={"traceId": "t"})
    refused = httpx.Response(429, headers={"Retry-After": "1"})
    script = scripted(
        ("GET", "/api/v2/Users/1", ok),
        ("GET", "/api/v2/Users/2", refused),
        ("GET", "/api/v2/Users/2", ok),
        ("GET", "/api/v2/Users/3", ok),
        ("GET", "/api/v2/Users/4", ok),
    )
    client = make_client(script, rate_limits=limiter, deadline=None)
    for iid in (1, 2, 3, 4):
        client.request("GET", f"/Users/{iid}")
    script.assert_done()
    assert limiter.granted == 5  # four requests and the refused attempt
    assert limiter.reserve(False, fake_time.now) is not None
    assert limiter.reserve(False, fake_time.now, max_wait=60) is None  # the 5/600 s window


# -- settling: the site answered, so it counted the request by then -----------------------------


@settings(max_examples=200, deadline=None)
@given(
    windows=st.sampled_from([SMALL.windows, DEFAULT_WINDOWS[:2], (Window(3, 0.5),)]),
    margin=st.sampled_from([0.0, 0.05, 0.1, 0.3]),
    # where the clock stands: float rounding at a window's edge grows with it
    start=st.sampled_from([0.0, 1.0, 43_200.0, 3_600_000.5, 1.7e9]),
    steps=st.lists(
        st.tuples(
            st.floats(0.0, 0.4, allow_nan=False),  # round trip of the request
            st.floats(0.0, 0.3, allow_nan=False),  # idle time before the next one
            st.booleans(),
        ),
        min_size=1,
        max_size=80,
    ),
)
def test_a_caller_whose_requests_are_settled_never_lets_the_site_count_too_many(
    windows, margin, start, steps
) -> None:
    # One caller in order: request k reaches the site somewhere in [sent_k, answered_k]. The
    # worst case for a window is k counted as late and k+L as early as possible; even then every
    # window of the site (no margin) holds. Settling is what lets the next window start at the
    # answer instead of at grant + margin.
    limiter = RateLimiter(RateLimits(windows, margin=margin))
    now = start
    sent: list[tuple[float, float, bool]] = []  # (sent, answered, write)
    for round_trip, idle, is_write in steps:
        wait = limiter.reserve(is_write, now)
        assert wait is not None
        grant = now + wait
        answered = grant + round_trip
        limiter.settle(is_write, grant, answered)
        sent.append((grant, answered, is_write))
        now = answered + idle
    for window in windows:
        mine = [(s, a) for s, a, w in sent if w or not window.writes_only]
        for k in range(len(mine) - window.limit):
            granted, answered = mine[k]
            # a site counts k in the window at t, in floats, when k > t - period
            edge = mine[k + window.limit][0] - window.period
            if answered + SETTLE_GUARD < granted + margin:
                # settled: k reached the site by its answer, a fact, so exactly
                assert answered <= edge
            else:
                # the margin's premise: k reached the site within the margin (exact without one)
                assert granted + margin <= edge + (1e-9 if margin else 0.0)


def test_a_fast_site_does_not_pay_the_whole_margin_at_each_window_edge() -> None:
    limits = RateLimits([Window(20, 1.0)], margin=0.1)
    last: dict[bool, float] = {}
    for settles in (True, False):
        limiter, now, grant = RateLimiter(limits), 0.0, 0.0
        for _ in range(100):
            grant = now + (limiter.reserve(False, now) or 0.0)
            if settles:
                limiter.settle(False, grant, grant + 0.003)  # answered in 3 ms
            now = grant + 0.003
        last[settles] = grant
    # the 100th request: 4 window edges of 1 s, each widened by the 3 ms the site took to answer
    # (settled) or by the whole margin (unsettled)
    assert 4.0 < last[True] < 4.1 < 4.4 <= last[False]


def test_a_settled_slot_can_still_be_given_back() -> None:
    limiter = RateLimiter(RateLimits([Window(1, 10.0)], margin=0.5))
    assert limiter.reserve(False, 0.0) == 0.0
    moved = limiter.settle(False, 0.0, 0.1)
    assert moved == pytest.approx(-0.4 + SETTLE_GUARD)
    limiter.release(False, moved)
    assert limiter.reserve(False, 0.0) == 0.0


def test_settling_moves_an_entry_to_its_answer_and_never_past_the_margin() -> None:
    limiter = RateLimiter(RateLimits([Window(5, 1.0)], margin=0.1))
    limiter.reserve(False, 1.0)
    assert limiter.settle(False, 1.0, 1.1) == 1.0  # at the margin: its window covers it
    # slower than the margin: the site may have counted it as late as its answer
    assert limiter.settle(False, 1.0, 1.5) == pytest.approx(1.4 + SETTLE_GUARD)
    limiter.reserve(False, 2.0)
    # a clock that disagrees: never past the margin
    assert limiter.settle(False, 2.0, 0.0) == pytest.approx(1.9 + SETTLE_GUARD)


def test_a_grant_planned_before_an_answer_came_late_is_planned_again() -> None:
    # 1 per second: the second request is planned from the first one's entry; the first one's
    # answer then comes 0.5 s late (a cold connection), so the site may have counted it then,
    # and the second must wait for that window, not the one planned before the answer came
    clock = [0.0]
    limiter = RateLimiter(RateLimits([Window(1, 1.0)], margin=0.1), clock=lambda: clock[0])
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds
        if len(slept) == 1:  # while the second one sleeps, the first one's answer comes
            limiter.settle(False, 0.0, 0.6)

    assert limiter.grant_now(False)
    waited = limiter.acquire(False, sleep=sleep)
    assert slept[0] == pytest.approx(1.1)  # planned from the first grant's entry
    assert waited == pytest.approx(1.6 + SETTLE_GUARD)  # then from its answer: 0.6 + 1.0


@pytest.mark.parametrize("settled", [False, True], ids=["unsettled", "settled"])
def test_a_limit_never_reached_keeps_the_log_bounded(settled: bool) -> None:
    # the fast path keeps stale entries until half the log is stale, then drops them in one
    # go: memory stays within twice what the horizon holds (or 4096), without a list shift on
    # every call
    clock = [0.0]
    limiter = RateLimiter(RateLimits([Window(10**9, 1.0)], margin=0.1), clock=lambda: clock[0])
    longest = 0
    for _ in range(50_000):
        clock[0] += 0.0001  # 10,000 per second: ~11,000 entries within the 1.1 s horizon
        grant = limiter.try_grant(False)
        assert grant == clock[0]
        if settled:
            assert limiter.settle(False, grant, grant + 0.00005) < grant
        longest = max(longest, len(limiter._all.times))
    assert 11_000 <= longest <= 2 * 11_001 + 1


def test_try_grant_and_grant_now_share_one_rule() -> None:
    limits = RateLimits([Window(2, 1.0), Window(1, 1.0, writes_only=True)])
    limiter = RateLimiter(limits, clock=lambda: 5.0)
    assert limiter.try_grant(True) == 5.0
    assert limiter.try_grant(True) is None  # the write window is full
    assert limiter.grant_now(False) is True  # a read still fits the 2/1s window
    assert limiter.try_grant(False) is None and limiter.grant_now(False) is False
    assert limiter.granted == 2
