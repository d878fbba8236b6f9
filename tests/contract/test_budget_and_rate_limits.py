"""The request budget holds exactly at the transport; --rate-limits reads the site's windows; a
429 is waited out or reported as rate limiting (never as another check's failure); every 429
must carry Retry-After; the plan's expected duration is the limiter's own arithmetic."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from issuetrak._ratelimit import DEFAULT_WINDOWS, RateLimits, Window
from issuetrak._retry import MAX_ATTEMPTS, RetryPolicy
from issuetrak_tools._contract.guard import SiteGuard
from issuetrak_tools._contract.plan import expected_duration, format_duration
from issuetrak_tools._contract.policy import PoliteTransport
from issuetrak_tools._contract.ratelimits import EDGE_MARGIN, describe_windows, parse_rate_limits
from issuetrak_tools._contract.report import FailureRecord
from issuetrak_tools._contract.target import RATE_LIMITED_STOP
from issuetrak_tools._contract.transport import (
    CountingTransport,
    RequestBudget,
    RequestBudgetExhausted,
    RunStats,
)

from .live import mock_site, run_live


def _client(
    handler: httpx.MockTransport, budget: RequestBudget, slept: list[float] | None = None
) -> tuple[httpx.Client, RunStats, list[FailureRecord]]:
    stats, found = RunStats(), []
    guard = SiteGuard(
        CountingTransport(handler, stats, budget), "http://127.0.0.1/api/v2", observe=found.append
    )
    transport = PoliteTransport(
        guard,
        stats=stats,
        limiter=None,
        retry=RetryPolicy(max_retries=3),
        sleep=(slept.append if slept is not None else lambda s: None),
        rng=lambda: 0.5,
    )
    return httpx.Client(transport=transport, base_url="http://127.0.0.1/api/v2"), stats, found


def test_the_budget_stops_the_request_that_would_exceed_it_retries_included() -> None:
    sent: list[str] = []
    answers = iter([503, 503, 200, 200, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        return httpx.Response(next(answers), headers={"Retry-After": "1"})

    client, stats, _ = _client(httpx.MockTransport(handler), RequestBudget(4))
    assert client.get("/Users").status_code == 200  # three attempts
    assert client.get("/Users").status_code == 200  # the fourth request
    with pytest.raises(RequestBudgetExhausted, match="request budget of 4 reached"):
        client.get("/Users")
    assert len(sent) == stats.requests_sent == 4


def test_no_budget_means_no_limit() -> None:
    budget = RequestBudget(0)
    for _ in range(1000):
        budget.take()
    assert budget.remaining is None and not budget.exhausted


def test_a_429_without_retry_after_is_reported_and_still_waited_out() -> None:
    answers = iter(
        [
            httpx.Response(429),
            httpx.Response(429, headers={"Retry-After": "2"}),
            httpx.Response(200),
        ]
    )
    slept: list[float] = []
    client, stats, found = _client(
        httpx.MockTransport(lambda r: next(answers)), RequestBudget(0), slept
    )
    assert client.get("/Users").status_code == 200
    assert stats.retries == 2 and 2.0 in slept
    assert [r.check for r in found] == ["retry_after_on_429"]  # the one with the header passed
    assert "no Retry-After header" in found[0].message


@pytest.mark.slow
@pytest.mark.network
def test_a_site_that_keeps_answering_429_is_reported_as_rate_limiting_not_as_deviations(
    tmp_path: Path,
) -> None:
    from . import deviations

    refused: list[str] = []

    def throttled(ex: deviations.Exchange) -> None:
        if ex.path.lower().startswith("/causes"):
            ex.status, ex.response_headers = 429, [(b"retry-after", b"0")]
            refused.append(ex.path)

    with mock_site() as (app, token):
        result = run_live(
            deviations.Middleware(app, before=throttled),
            token,
            tmp_path,
            operations=["^GET /Causes$"],
            max_requests=0,
            max_examples=0,
        )
    assert result.recorder.failures == {}  # no check read the 429 as its own failure
    assert result.recorder.rate_limited
    assert "--rate-limits" in result.recorder.rate_limited[0]  # what to do
    assert "## Rate limited" in result.report
    # after RATE_LIMITED_STOP calls in a row answered 429, the run stops sending
    assert len(result.recorder.rate_limited) == RATE_LIMITED_STOP
    assert result.recorder.rate_limited_not_sent > 0
    assert f"{result.recorder.rate_limited_not_sent} more step(s) not sent" in result.report
    assert len(refused) <= RATE_LIMITED_STOP * MAX_ATTEMPTS


@pytest.mark.parametrize(
    ("text", "windows"),
    [
        ("20/1s,5/1s:writes,100/60s,100/10m,1000/1h,1000/12h", DEFAULT_WINDOWS),
        (
            "50/1s, 10/1s:writes, 500/10m",
            (Window(50, 1.0), Window(10, 1.0, True), Window(500, 600.0)),
        ),
        ("2/0.5s", (Window(2, 0.5),)),
    ],
)
def test_rate_limits_read_the_sites_windows(text: str, windows: tuple[Window, ...]) -> None:
    limits = parse_rate_limits(text)
    assert limits is not None and tuple(limits.windows) == windows


def test_rate_limits_default_and_off() -> None:
    # Issuetrak's defaults, each window widened by the margin that absorbs arrival jitter
    assert parse_rate_limits(None) == RateLimits(margin=EDGE_MARGIN)
    assert parse_rate_limits("default") == RateLimits(margin=EDGE_MARGIN)
    assert parse_rate_limits("off") is None
    assert describe_windows(RateLimits()).startswith(
        "20/1s, 5/1s writes, 100/1m, 100/10m, 1000/1h, 1000/12h"
    )
    assert describe_windows(None).startswith("off")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("20/1x", "'20/1x': the period needs a unit s, m or h"),
        ("20", "'20' is not LIMIT/PERIOD"),
        ("0/1s", "'0/1s': the limit must be a whole number of at least 1"),
        ("2.5/1s", "the limit must be a whole number"),
        ("20/s", "the period needs a number"),
        ("20/1s,", "has an empty window"),
        ("20/1s:reads", "only ':writes' may follow a window"),
        ("5/1s:writes", "add one for all requests"),
    ],
)
def test_bad_rate_limits_are_one_line_naming_the_part(text: str, says: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_rate_limits(text)
    message = str(caught.value)
    assert says in message and "\n" not in message and message.startswith("--rate-limits: ")


def test_the_expected_duration_is_the_limiters_arithmetic() -> None:
    defaults = RateLimits()
    # 100 per 10 minutes: requests 101-200 wait for the first window to pass, and so on
    assert expected_duration(defaults, 100) < 10
    assert 600 <= expected_duration(defaults, 101) < 610
    assert 1800 <= expected_duration(defaults, 400) < 1810
    assert format_duration(expected_duration(defaults, 400)).startswith("30 min")
    # a site whose administrator raised the windows runs the same plan in seconds
    raised = parse_rate_limits("50/1s,10/1s:writes")
    assert raised is not None and expected_duration(raised, 400) < 10
    # writes wait for their own window
    assert expected_duration(RateLimits([Window(100, 1), Window(1, 1, True)]), 10, 10) >= 9


def test_a_long_limiter_wait_is_announced_before_it_is_slept() -> None:
    from issuetrak._ratelimit import RateLimiter
    from issuetrak_tools._contract.policy import MeasuredLimiter

    now = [0.0]
    heard: list[float] = []
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    inner = RateLimiter(RateLimits([Window(1, 20.0)], margin=0.0), clock=lambda: now[0])
    limiter = MeasuredLimiter(inner, RunStats(), announce=heard.append)
    limiter.acquire(False, sleep=sleep)
    limiter.acquire(False, sleep=sleep)
    assert heard == slept == [20.0]


def test_the_run_stops_sending_only_after_calls_in_a_row_were_rate_limited() -> None:
    from issuetrak_tools._contract.classify import WritePolicy
    from issuetrak_tools._contract.credentials import Secret
    from issuetrak_tools._contract.target import RateLimited, Target

    target = Target(
        "https://x.invalid/api/v2",
        Secret("t"),
        True,
        WritePolicy(),
        httpx.Client(),
        None,  # type: ignore[arg-type]
    )
    for _ in range(RATE_LIMITED_STOP - 1):
        target.before_call("GET /Causes")
        with pytest.raises(RateLimited) as caught:
            target.after_call("GET /Causes", 429, "1")
        assert caught.value.sent
    target.after_call("GET /Causes", 200, None)  # an answer: the count starts again
    for _ in range(RATE_LIMITED_STOP):
        target.before_call("GET /Causes")
        with pytest.raises(RateLimited):
            target.after_call("GET /Causes", 429, None)
    with pytest.raises(
        RateLimited, match=f"not sent: {RATE_LIMITED_STOP} calls in a row"
    ) as stopped:
        target.before_call("GET /Priorities")
    assert not stopped.value.sent
