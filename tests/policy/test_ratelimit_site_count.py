"""What the site says of its own count (``X-Rate-Limit-*`` headers, a quota 429 body) and how
the limiter reads it while other requests of its own are still on their way. Times are passed
explicitly: no clock runs."""

from __future__ import annotations

import pytest
from issuetrak._ratelimit import DEFAULT_WINDOWS, RateLimiter, RateLimits, Window


def _sent(limiter: RateLimiter, times: list[float], is_write: bool = False) -> None:
    for t in times:
        assert limiter.reserve(is_write, t) == 0.0


def test_requests_still_on_their_way_use_what_the_site_said_was_left() -> None:
    # A went out at 0.00, B and C right after it. A's answer says 2 requests are left in the
    # 1 s window until its reset at 1.0 (another process spent the rest): B and C, not yet
    # counted when A was, take those 2, so nothing more may go before the reset.
    limiter = RateLimiter(RateLimits([Window(20, 1.0)], margin=0.0))
    _sent(limiter, [0.0, 0.01, 0.02])
    limiter.observe(1.0, 2, 0.97, 0.03, False, sent=0.0)
    assert limiter.reserve(False, 0.03, max_wait=0.9) is None
    assert limiter.reserve(False, 1.0) == 0.0


def test_an_answer_read_late_never_raises_what_a_newer_answer_said() -> None:
    # B (sent after A) said nothing is left until 1.0; A's answer, read after B's, still shows
    # the count from before B: it must not hand out requests the site no longer has.
    limiter = RateLimiter(RateLimits([Window(20, 1.0)], margin=0.0))
    _sent(limiter, [0.0, 0.01])
    limiter.observe(1.0, 0, 0.98, 0.02, False, sent=0.01)
    limiter.observe(1.0, 5, 0.97, 0.03, False, sent=0.0)
    assert limiter.reserve(False, 0.03, max_wait=0.9) is None
    assert limiter.reserve(False, 1.0) == 0.0


def test_a_newer_answer_replaces_an_older_one() -> None:
    # A's answer said nothing is left until 0.9; B, sent after A, was counted in the site's next
    # window and says 3 are left there: B's word holds
    limiter = RateLimiter(RateLimits([Window(20, 1.0)], margin=0.0))
    _sent(limiter, [0.0, 0.01])
    limiter.observe(1.0, 0, 0.88, 0.02, False, sent=0.0)
    assert limiter.reserve(False, 0.02, max_wait=0.5) is None
    limiter.observe(1.0, 3, 0.97, 0.03, False, sent=0.01)
    for _ in range(3):
        assert limiter.reserve(False, 0.03) == 0.0
    assert limiter.reserve(False, 0.03) == pytest.approx(0.97)


def test_a_write_answer_of_a_spent_write_window_does_not_hold_reads_back() -> None:
    # Issuetrak: 20 requests and 5 writes per second. A write's answer naming "1s" with nothing
    # left is the writes window (the one a write is shown against): reads go on.
    limiter = RateLimiter(RateLimits(DEFAULT_WINDOWS, margin=0.0))
    _sent(limiter, [0.0], is_write=True)
    assert limiter.observe(1.0, 0, 0.9, 0.1, True, sent=0.0) == Window(5, 1.0, writes_only=True)
    assert limiter.reserve(False, 0.1) == 0.0
    assert limiter.reserve(True, 0.1) == pytest.approx(0.9)  # the reset, at 1.0


def test_a_read_answer_of_a_spent_window_holds_writes_back_too() -> None:
    # every write counts in the all-requests window as well
    limiter = RateLimiter(RateLimits(DEFAULT_WINDOWS, margin=0.0))
    _sent(limiter, [0.0])
    assert limiter.observe(1.0, 0, 0.9, 0.1, False, sent=0.0) == Window(20, 1.0)
    assert limiter.reserve(True, 0.1) == pytest.approx(0.9)


def test_a_write_answer_with_more_left_than_the_write_window_holds_names_all_requests() -> None:
    # "1s" with 12 left cannot be the 5 writes/1 s window: it is the 20/1 s one, so reads count
    limiter = RateLimiter(RateLimits(DEFAULT_WINDOWS, margin=0.0))
    _sent(limiter, [0.0], is_write=True)
    assert limiter.observe(1.0, 12, 0.9, 0.1, True, sent=0.0) == Window(20, 1.0)
    for _ in range(12):
        assert limiter.reserve(False, 0.1) == 0.0
    assert limiter.reserve(False, 0.1) == pytest.approx(0.9)


@pytest.mark.parametrize("reset_in", [0.0, -0.5, -30.0])
def test_nothing_left_with_a_reset_already_past_holds_nothing(reset_in: float) -> None:
    limiter = RateLimiter(RateLimits([Window(20, 1.0)], margin=0.0))
    _sent(limiter, [0.0])
    limiter.observe(1.0, 0, reset_in, 0.1, False, sent=0.0)
    assert limiter.reserve(False, 0.1) == 0.0


def test_headers_of_an_answer_that_arrives_after_the_reset_hold_nothing() -> None:
    limiter = RateLimiter(RateLimits([Window(20, 1.0)], margin=0.0))
    _sent(limiter, [0.0])
    headers = {
        "x-rate-limit-limit": "1s",
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": "2026-12-07T14:30:00.5000000Z",
    }
    wall_now = 1_796_653_801.0  # 2026-12-07T14:30:01Z: half a second after that reset
    limiter.observe_headers(headers, 0.1, wall_now, False, sent=0.0)
    assert limiter.reserve(False, 0.1) == 0.0


def test_a_waiter_whose_slot_the_site_says_it_has_no_room_for_waits_for_the_sites_reset() -> None:
    # A, B and C went out at 0.00-0.02; D waits for A's slot to leave the 3/1 s window at 1.0.
    # Meanwhile A's answer says the site counted A late: 2 left (for B and C), its window
    # resets at 1.3. D's slot at 1.0 would be refused: D waits for the reset instead.
    now = [0.0]
    limiter = RateLimiter(RateLimits([Window(3, 1.0)], margin=0.0), clock=lambda: now[0])
    _sent(limiter, [0.0, 0.01, 0.02])
    now[0] = 0.03

    def sleep(seconds: float) -> None:
        if now[0] == 0.03:  # A's answer arrives while D sleeps
            limiter.observe(1.0, 2, 1.0, 0.3, False, sent=0.0)
        now[0] += seconds

    assert limiter.acquire(False, sleep=sleep) == pytest.approx(1.3 - 0.03)
    assert now[0] == pytest.approx(1.3)


def test_a_waiter_the_site_has_room_for_keeps_its_slot() -> None:
    now = [0.0]
    limiter = RateLimiter(RateLimits([Window(3, 1.0)], margin=0.0), clock=lambda: now[0])
    _sent(limiter, [0.0, 0.01, 0.02])
    now[0] = 0.03

    def sleep(seconds: float) -> None:
        if now[0] == 0.03:  # the site counted A at once: its window resets at 1.0
            limiter.observe(1.0, 2, 0.95, 0.05, False, sent=0.0)
        now[0] += seconds

    assert limiter.acquire(False, sleep=sleep) == pytest.approx(1.0 - 0.03)
