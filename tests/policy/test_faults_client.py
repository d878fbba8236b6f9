"""The client under faults a site (or what stands before it) really plays, over a real socket.

Each scenario runs sync and async through :mod:`faultproxy` in front of the mock: a storm of
``Retry-After: 0`` 429s, a body trickling in past the deadline, an HTML login page answering 200,
a site echoing the token in every shape it can, and a site saying (AspNetCoreRateLimit headers,
a quota 429 body) that its window is spent. Times are generous margins that still fail without
the behaviour under test (a trickle of 20 s against a deadline of 2 s, say).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import pickle
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from issuetrak import AsyncIssuetrak, Issuetrak, IssuetrakError, RateLimits
from issuetrak.errors import (
    APITimeoutError,
    InternalServerError,
    RateLimitError,
    UndecodableResponseError,
)

from .faultproxy import FaultProxy, Plans, echo_shapes, served

pytestmark = pytest.mark.network

MODES = ("sync", "async")


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[str, dict[str, str]]]:
    from issuetrak_mock import create_app

    app = create_app(rate_limits=None, issues=5, users=4)
    with served(app) as url:
        yield url, dict(app.state.tokens)


def _call(
    mode: str, proxy: str, token: str, job: Callable[[Any], Any], **options: Any
) -> tuple[Any, float]:
    """Run ``job(client)`` (a coroutine function for async) on a fresh client; its result or
    the exception it raised, and the seconds it took."""
    options.setdefault("rate_limits", None)
    started = time.monotonic()
    try:
        if mode == "sync":
            with Issuetrak(proxy, token=token, **options) as client:
                outcome = job(client)
        else:

            async def main() -> Any:
                async with AsyncIssuetrak(proxy, token=token, **options) as client:
                    return await job(client)

            outcome = asyncio.run(main())
    except Exception as error:  # the outcome under test
        outcome = error
    return outcome, time.monotonic() - started


def _get(iid: int) -> Callable[[Any], Any]:
    def job(client: Any) -> Any:
        return client.users.get(iid)

    return job


@pytest.mark.parametrize("mode", MODES)
def test_one_call_under_a_retry_after_zero_storm_sends_at_most_10_requests(upstream, mode) -> None:
    url, tokens = upstream
    plans = Plans([("429-zero",) * 100])
    with FaultProxy(url, plans, delay=1) as proxy:
        outcome, _ = _call(
            mode, proxy, tokens["admin"], _get(1), deadline=3, rate_limits=RateLimits()
        )
    assert isinstance(outcome, RateLimitError | APITimeoutError), outcome
    sent = sum(plans.seen.values())
    assert 2 <= sent <= 10, plans.seen  # retried, but never a storm


@pytest.mark.parametrize("mode", MODES)
def test_a_body_trickling_past_the_deadline_is_cut_by_the_clock(upstream, mode) -> None:
    url, tokens = upstream
    length = len(httpx.get(f"{url}/api/v2/Users/1", headers={"X-Api-Key": tokens["admin"]}).content)
    trickle = 0.05
    assert length * trickle > 10  # the whole body would take far longer than the margins below
    plans = Plans([("trickle",)])
    with FaultProxy(url, plans, delay=1, trickle=trickle) as proxy:
        outcome, took = _call(mode, proxy, tokens["admin"], _get(1), timeout=1.0, deadline=2.0)
    assert isinstance(outcome, APITimeoutError), outcome
    assert "deadline" in str(outcome)
    assert took < 2.0 + 3.0, took  # cut at the deadline (a generous margin for a busy machine)


@pytest.mark.parametrize("mode", MODES)
def test_a_login_page_answering_200_to_a_read_is_retried(upstream, mode) -> None:
    url, tokens = upstream
    plans = Plans([("html-before",)])
    with FaultProxy(url, plans, delay=1) as proxy:
        outcome, _ = _call(mode, proxy, tokens["admin"], _get(2))
    assert not isinstance(outcome, Exception), outcome
    assert outcome.iid == 2 and plans.met["html-before"] == 1


def _priorities_named(url: str, token: str, name: str) -> int:
    found, number, pages = 0, 1, 1
    with httpx.Client(base_url=f"{url}/api/v2", headers={"X-Api-Key": token}) as http:
        while number <= pages:
            page = http.get("/Priorities", params={"PageSize": 100, "PageNumber": number}).json()
            pages = page["pagingInformation"]["pageCount"]
            found += sum(1 for value in page["values"] if value["name"] == name)
            number += 1
    return found


@pytest.mark.parametrize("mode", MODES)
def test_a_create_answered_by_a_login_page_is_flagged_and_never_sent_twice(upstream, mode) -> None:
    url, tokens = upstream
    name = f"html-{mode}"
    plans = Plans([("html-after",)])

    def job(client: Any) -> Any:
        return client.priorities.create(name=name)

    with FaultProxy(url, plans, delay=1) as proxy:
        outcome, _ = _call(mode, proxy, tokens["admin"], job)
    assert isinstance(outcome, UndecodableResponseError), outcome
    assert outcome.may_have_been_applied and "check before retrying" in str(outcome)
    assert sum(plans.seen.values()) == 1
    assert _priorities_named(url, tokens["admin"], name) == 1


def _token_forms(token: str) -> list[bytes]:
    texts = [*echo_shapes(token), token.lower()]
    forms = [text.encode(encoding) for text in texts for encoding in ("utf-8", "utf-16-le")]
    return [*forms, base64.b64encode(token.encode())]


def _outputs(error: BaseException) -> dict[str, bytes]:
    """Everything a user or a log may show of ``error``."""
    response = getattr(error, "response", None)
    fields = {
        "str": str(error),
        "repr": repr(error),
        "args": repr(error.args),
        "trace_id": str(getattr(error, "trace_id", "")),
        "request_id": str(getattr(error, "request_id", "")),
        "messages": repr(getattr(error, "messages", "")),
        "body": repr(getattr(error, "body", "")),
        "headers": repr(getattr(error, "headers", "")),
        "request": repr(getattr(getattr(error, "request", None), "headers", "")),
    }
    out = {name: value.encode() for name, value in fields.items()}
    out["pickle"] = pickle.dumps(error)
    restored = pickle.loads(out["pickle"])
    out["pickled str"] = str(restored).encode()
    if response is not None:
        out["response.content"] = response.content
        out["response.text"] = response.text.encode()
        out["response.headers"] = repr(response.headers.raw).encode()
    return out


@pytest.mark.parametrize("mode", MODES)
def test_a_token_the_site_echoes_in_every_shape_shows_nowhere(upstream, mode, caplog) -> None:
    url, tokens = upstream
    token = tokens["admin"]
    plans = Plans([("echo-token",)])
    with caplog.at_level(logging.DEBUG), FaultProxy(url, plans, delay=1) as proxy:
        outcome, _ = _call(mode, proxy, token, _get(3))
    assert isinstance(outcome, InternalServerError), outcome
    assert outcome.trace_id == "[REDACTED]" and outcome.request_id == "[REDACTED]"
    assert "[REDACTED]" in outcome.response.text  # the UTF-16 body still reads
    outputs = _outputs(outcome)
    outputs["log"] = "\n".join(r.getMessage() for r in caplog.records).encode()
    assert any(r.name.startswith("httpcore") for r in caplog.records)  # its DEBUG lines ran
    leaks = [
        (where, form)
        for where, data in outputs.items()
        for form in _token_forms(token)
        if form.lower() in data.lower()
    ]
    assert leaks == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("site_says", [True, False])
def test_a_spent_window_the_site_reports_holds_the_next_call(upstream, mode, site_says) -> None:
    url, tokens = upstream
    plans = Plans([("limits-spent" if site_says else "ok",)])

    def job(client: Any) -> Any:
        first = client.users.get(1)
        try:
            second = client.users.get(2, deadline=2.0)
        except IssuetrakError as error:
            return first, error
        return first, second

    def async_job(client: Any) -> Awaitable[Any]:
        async def run() -> Any:
            first = await client.users.get(1)
            try:
                second = await client.users.get(2, deadline=2.0)
            except IssuetrakError as error:
                return first, error
            return first, second

        return run()

    with FaultProxy(url, plans, delay=1) as proxy:
        outcome, _ = _call(
            mode,
            proxy,
            tokens["admin"],
            job if mode == "sync" else async_job,
            rate_limits=RateLimits(),
        )
    assert not isinstance(outcome, Exception), outcome
    first, second = outcome
    assert first.iid == 1
    if site_says:
        assert isinstance(second, APITimeoutError) and "100/60s window" in str(second), second
        assert sum(plans.seen.values()) == 1  # the second was never sent
    else:
        assert second.iid == 2


@pytest.mark.parametrize("mode", MODES)
def test_a_quota_429_ends_a_call_whose_deadline_is_shorter_than_the_pause(upstream, mode) -> None:
    url, tokens = upstream
    plans = Plans([("quota-429",)])
    with FaultProxy(url, plans, delay=1) as proxy:
        outcome, _ = _call(
            mode, proxy, tokens["admin"], _get(1), deadline=0.5, rate_limits=RateLimits()
        )
    assert isinstance(outcome, RateLimitError), outcome
    assert outcome.retry_after == 1.0 and "maximum admitted 100 per 1m" in str(outcome)
