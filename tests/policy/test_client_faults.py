"""What a misbehaving site cannot make the client do, on a fake clock (nothing really sleeps).

429 storms whatever their ``Retry-After``, a body trickling in past the deadline, a 2xx that is
not JSON (the table of docs/errors.md), and a site that says how much of its window is left.
The same scenarios over a real socket are in ``test_faults_client.py``.
"""

from __future__ import annotations

import email.utils
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from issuetrak import AsyncIssuetrak, Issuetrak, RateLimiter, RateLimits, Window
from issuetrak._ratelimit import parse_period, parse_quota, parse_reset
from issuetrak._retry import DEFAULT_MAX_RETRIES, INITIAL_RETRY_DELAY
from issuetrak.errors import (
    APITimeoutError,
    IssuetrakError,
    RateLimitError,
    UndecodableResponseError,
)

from .conftest import SITE, WALL_EPOCH, FakeTime

API = "/api/v2"
STAMP = "2026-01-01T00:00:00Z"
CAUSE = {  # a complete record: a partial one would log (once per process) what it lacks
    "traceId": "t",
    "values": {
        **{"iid": 1, "id": 1, "name": "c", "displayOrder": 1, "createdByUserIid": 1},
        **{"createdDate": STAMP, "modifiedByUserIid": 1, "modifiedDate": STAMP},
    },
}


class Counting:
    """A MockTransport handler answering every request with ``answer(request)``; counts them."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
        return answer(request) if callable(answer) else answer


def _client(handler: Any, fake_time: FakeTime, mode: str = "sync", **options: Any) -> Any:
    options.setdefault("rate_limits", None)
    options.setdefault("token", "tok-client-faults-0123456789")
    cls = Issuetrak if mode == "sync" else AsyncIssuetrak
    return cls(
        SITE, transport=httpx.MockTransport(handler), _runtime=fake_time.runtime(), **options
    )


async def _run(client: Any, method: str, *args: Any, **kwargs: Any) -> Any:
    """Call ``client.<method>`` (a dotted name) sync or async; the result or the error."""
    target = client
    for part in method.split("."):
        target = getattr(target, part)
    try:
        result = target(*args, **kwargs)
        if hasattr(result, "__await__"):
            result = await result
        return result
    except IssuetrakError as error:
        return error
    finally:
        closing = client.close() if isinstance(client, Issuetrak) else client.aclose()
        if closing is not None:
            await closing


# -- 429 storms -------------------------------------------------------------------------------

PAST = email.utils.formatdate(WALL_EPOCH - 60, usegmt=True)
RETRY_AFTERS = {"zero": "0", "absent": None, "negative": "-5", "unparsable": "soon", "past": PAST}


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("shape", sorted(RETRY_AFTERS))
@pytest.mark.parametrize("deadline", [None, 120.0])
async def test_a_429_storm_never_retries_at_once_and_stops_at_the_cap(
    fake_time, mode, shape, deadline
) -> None:
    value = RETRY_AFTERS[shape]
    headers = {} if value is None else {"Retry-After": value}
    site = Counting(httpx.Response(429, headers=headers))
    fake_time.random_value = 0.0  # the shortest waits the jitter allows
    client = _client(site, fake_time, mode, deadline=deadline)
    outcome = await _run(client, "request", "GET", "/Users/1")
    assert isinstance(outcome, RateLimitError), outcome
    assert len(site.requests) == DEFAULT_MAX_RETRIES + 1 <= 10
    assert min(fake_time.sleeps) >= INITIAL_RETRY_DELAY / 2  # never "at once"
    assert fake_time.sleeps == sorted(fake_time.sleeps)  # backing off


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_429_storm_with_the_limiter_sends_at_most_10_within_a_short_deadline(
    fake_time, mode
) -> None:
    site = Counting(httpx.Response(429, headers={"Retry-After": "0"}))
    limiter = RateLimiter(RateLimits(), clock=fake_time.clock)
    client = _client(site, fake_time, mode, deadline=3.0, rate_limits=limiter)
    outcome = await _run(client, "request", "GET", "/Users/1")
    assert isinstance(outcome, RateLimitError | APITimeoutError), outcome
    assert 2 <= len(site.requests) <= 10
    assert limiter.granted == len(site.requests)  # every refused attempt kept its slot


# -- the deadline while a body trickles in ------------------------------------------------------


class Trickle(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body of ``size`` bytes, one per ``every`` seconds of the fake clock."""

    def __init__(self, fake_time: FakeTime, size: int = 400, every: float = 0.05) -> None:
        self.fake_time, self.size, self.every = fake_time, size, every

    def __iter__(self) -> Iterator[bytes]:
        yield b'{"traceId": "'
        for _ in range(self.size):
            self.fake_time.now += self.every
            yield b"x"

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self:
            yield chunk


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_trickling_body_is_cut_at_the_deadline(fake_time, mode) -> None:
    def trickle(request: httpx.Request) -> httpx.Response:
        headers = {"Content-Type": "application/json"}
        return httpx.Response(200, headers=headers, stream=Trickle(fake_time))

    client = _client(Counting(trickle), fake_time, mode, deadline=2.0, timeout=1.0)
    outcome = await _run(client, "request", "GET", "/Users/1")
    assert isinstance(outcome, APITimeoutError), outcome
    assert "deadline of 2 s exceeded" in str(outcome)
    assert fake_time.now <= 2.0 + 0.05  # the body would have taken 20 s


# -- a 2xx that is not JSON ---------------------------------------------------------------------

NOT_JSON = {
    "html login page": ("text/html", b"<html><body><form>Sign in</form></body></html>"),
    "plain text": ("text/plain", b"Service is being updated, try later"),
    "json cut short": ("application/json", b'{"traceId": "t", "values": {"iid": 1, "us'),
    "html labelled json": ("application/json", b"<!DOCTYPE html><html></html>"),
}


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("case", sorted(NOT_JSON))
async def test_a_read_answered_2xx_not_json_is_retried(fake_time, mode, case) -> None:
    kind, body = NOT_JSON[case]
    site = Counting(httpx.Response(200, headers={"Content-Type": kind}, content=body), CAUSE_OK)
    outcome = await _run(_client(site, fake_time, mode), "causes.get", 1)
    assert not isinstance(outcome, Exception), outcome
    assert outcome.iid == 1 and len(site.requests) == 2


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("case", sorted(NOT_JSON))
async def test_a_read_always_answered_2xx_not_json_ends_undecodable_not_applied(
    fake_time, mode, case
) -> None:
    kind, body = NOT_JSON[case]
    site = Counting(httpx.Response(200, headers={"Content-Type": kind}, content=body))
    outcome = await _run(_client(site, fake_time, mode, max_retries=2), "causes.get", 1)
    assert isinstance(outcome, UndecodableResponseError), outcome
    assert not outcome.may_have_been_applied and len(site.requests) == 3


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("case", sorted(NOT_JSON))
async def test_a_create_answered_2xx_not_json_is_flagged_applied_and_sent_once(
    fake_time, mode, case
) -> None:
    kind, body = NOT_JSON[case]
    site = Counting(httpx.Response(201, headers={"Content-Type": kind}, content=body))
    outcome = await _run(_client(site, fake_time, mode), "priorities.create", name="p")
    assert isinstance(outcome, UndecodableResponseError), outcome
    assert outcome.may_have_been_applied and "check before retrying" in str(outcome)
    assert len(site.requests) == 1


def CAUSE_OK(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=CAUSE)


# -- what the site says of its own count ------------------------------------------------------


def test_the_sites_rate_limit_headers_and_quota_bodies_parse() -> None:
    assert [parse_period(p) for p in ("1s", "1m", "15m", "12h", "7d", "1x", "", None)] == [
        1.0,
        60.0,
        900.0,
        43200.0,
        604800.0,
        None,
        None,
        None,
    ]
    now = 1_796_653_800.0  # 2026-12-07T14:30:00Z
    assert parse_reset("2026-12-07T14:31:00.0000000Z", now) == pytest.approx(60.0)
    assert parse_reset("2026-12-07T14:30:30", now) == pytest.approx(30.0)
    assert parse_reset("tomorrow", now) is None
    assert parse_quota("API calls quota exceeded! maximum admitted 100 per 1m.") == (100, 60.0)
    assert parse_quota("<html>Too many requests</html>") is None


def _limited(remaining: str | None, period: str = "1m") -> httpx.Response:
    headers = {}
    if remaining is not None:
        reset = "2025-06-15T15:07:00.0000000Z"  # WALL_EPOCH is 2025-06-15T15:06:40Z: 20 s
        headers = {
            "X-Rate-Limit-Limit": period,
            "X-Rate-Limit-Remaining": remaining,
            "X-Rate-Limit-Reset": reset,
        }
    return httpx.Response(200, json={"traceId": "t"}, headers=headers)


@pytest.mark.parametrize("remaining", [None, "2", "0"])
def test_the_site_lowers_the_limiters_view_of_the_named_window(fake_time, remaining) -> None:
    limiter = RateLimiter(RateLimits([Window(10, 60.0)], margin=0.0), clock=fake_time.clock)
    site = Counting(_limited(remaining), httpx.Response(200, json={"traceId": "t"}))
    answered: list[float] = []
    with _client(site, fake_time, rate_limits=limiter, deadline=None) as client:
        for _ in range(6):
            client.request("GET", "/Users")
            answered.append(fake_time.now)
    if remaining is None:  # no word from the site: the configured 10/60 s
        assert answered == [0.0] * 6
    else:  # the site's remaining count at once, then nothing until its reset in 20 s
        at_once = 1 + int(remaining)
        assert answered == [0.0] * at_once + [pytest.approx(20.0)] * (6 - at_once)


def test_the_sites_word_never_raises_the_configured_limits(fake_time) -> None:
    limiter = RateLimiter(RateLimits([Window(3, 60.0)], margin=0.0), clock=fake_time.clock)
    limiter.observe(60.0, 500, 20.0, fake_time.now, False)
    for _ in range(3):
        assert limiter.reserve(False, fake_time.now) == 0.0
    assert limiter.reserve(False, fake_time.now, max_wait=59) is None


def test_a_quota_429_names_the_spent_window_and_holds_it_until_the_retry_after_rounded_up(
    fake_time,
) -> None:
    # AspNetCoreRateLimit rounds Retry-After to the nearest second: 30 may mean 30.49
    from issuetrak._ratelimit import last_refusal

    limiter = RateLimiter(RateLimits(margin=0.0), clock=fake_time.clock)
    assert (
        limiter.observe_quota(
            "API calls quota exceeded! maximum admitted 100 per 1m.", 30.0, 0.0, False
        )
        == "the 100/60s window"
    )
    assert limiter.acquire(False, sleep=fake_time.sleep, max_wait=10) is None
    assert "100/60s window" in str(last_refusal())
    assert limiter.acquire(False, sleep=fake_time.sleep) == pytest.approx(30.5)
    assert limiter.observe_quota("Too many requests", 30.0, 0.0, False) is None


def test_the_rate_limit_response_json_is_not_mistaken_for_a_quota(fake_time) -> None:
    body = json.dumps({"traceId": "t", "information": [{"message": "slow down"}]})
    assert parse_quota(body) is None


# -- a token the site echoes back, in every shape ---------------------------------------------

ECHOED = "itk_3b9f+0c1e/SECRET=do-not-log&ok"


def _shapes(token: str) -> dict[str, str]:
    import base64
    import html
    from urllib.parse import quote, quote_plus

    raw = token.encode()
    return {
        "plain": token,
        "upper": token.upper(),
        "lower": token.lower(),
        "url-encoded": quote(token, safe=""),
        "form-encoded": quote_plus(token),
        "url-encoded lower hex": quote(token, safe="").replace("%2B", "%2b").replace("%2F", "%2f"),
        "json \\u-escaped": "".join(f"\\u{ord(c):04x}" for c in token),
        "json \\/-escaped": token.replace("/", "\\/"),
        "html-escaped": html.escape(token),
        "base64": base64.b64encode(raw).decode(),
        "base64 url-safe unpadded": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "base64 Basic credential": base64.b64encode(b"admin:" + raw).decode(),
        "base64 after one byte": base64.b64encode(b"k" + raw).decode(),
        "base64 after two bytes": base64.b64encode(b"k:" + raw).decode(),
        "hex": raw.hex(),
        "hex upper": raw.hex().upper(),
    }


SHAPES = _shapes(ECHOED)
ENCODINGS = ("utf-8", "utf-16", "utf-16-be", "utf-32")


def _echo_answers(echo: str, encoding: str) -> dict[str, httpx.Response]:
    charset = {"Content-Type": f"application/json; charset={encoding}"}
    document = json.dumps(
        {"traceId": echo, "information": [{"message": f"key {echo} refused"}]}, ensure_ascii=False
    )
    return {
        "400 json": httpx.Response(
            400,
            content=document.encode(encoding),
            headers={**charset, "Request-Id": echo, "X-Echo": f"k={echo}"},
        ),
        "200 text": httpx.Response(
            200,
            content=f"<html>Your key: {echo}</html>".encode(encoding),
            headers={"Content-Type": f"text/html; charset={encoding}", "Request-Id": echo},
        ),
        "200 json cut short": httpx.Response(
            200, content=document.encode(encoding)[:-3], headers=charset
        ),
    }


def _shown(error: BaseException) -> list[bytes]:
    import pickle

    response = getattr(error, "response", None)
    texts = [str(error), repr(error), repr(error.args), repr(vars(error))]
    shown = [text.encode() for text in texts] + [pickle.dumps(error)]
    shown.append(str(pickle.loads(shown[-1])).encode())
    if response is not None:
        shown += [response.content, response.text.encode(), repr(response.headers.raw).encode()]
    return shown


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_an_echoed_token_is_in_no_field_of_the_error(fake_time, caplog, shape, encoding) -> None:
    import logging

    echo = SHAPES[shape]
    for case, answer in _echo_answers(echo, encoding).items():
        site = Counting(answer)
        caplog.clear()
        with caplog.at_level(logging.DEBUG), _client(site, fake_time, token=ECHOED) as client:
            try:
                client.causes.get(1)
            except IssuetrakError as error:
                shown = _shown(error)
            else:
                pytest.fail(f"{case}: no error")
        shown.append(caplog.text.encode())
        forms = {echo.encode(e) for e in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le")}
        forms |= {ECHOED.encode(), ECHOED.encode("utf-16-le")}
        leaks = [form for form in forms for data in shown if form in data]
        assert leaks == [], (case, leaks)


def test_httpx_and_httpcore_debug_lines_are_redacted(caplog) -> None:
    import logging

    from issuetrak._auth import ApiTokenAuth

    ApiTokenAuth(ECHOED)  # the client registers its token like this
    with caplog.at_level(logging.DEBUG):
        for name in ("httpcore.http11", "httpcore.connection", "httpx"):
            logging.getLogger(name).debug("headers=%r", [(b"Request-Id", ECHOED.encode())])
    assert ECHOED not in caplog.text and caplog.text.count("[REDACTED]") == 3
