from __future__ import annotations

import email.utils
import importlib
from typing import Any

import httpx
import pytest
from issuetrak import (
    APIConnectionError,
    APITimeoutError,
    BadRequestError,
    InternalServerError,
    RateLimitError,
)
from issuetrak._retry import INITIAL_RETRY_DELAY, MAX_RETRY_DELAY, RetryPolicy, backoff_delay

API = "/api/v2"
WALL_EPOCH = 1_750_000_000.0


def generated_operation(name: str) -> Any:
    """``"users.get_user"`` -> the generated module of the default label's package."""
    from issuetrak._versions import default_version

    return importlib.import_module(f"{default_version().package}.api.{name}")


def ok(**fields: Any) -> httpx.Response:
    return httpx.Response(200, json={"traceId": "t-ok", **fields})


FAILURES: dict[str, Any] = {
    "503": lambda: httpx.Response(503),
    "502": lambda: httpx.Response(502),
    "504": lambda: httpx.Response(504),
    "429": lambda: httpx.Response(429),
    "read-timeout": lambda: httpx.ReadTimeout("slow"),
    "connect-error": lambda: httpx.ConnectError("refused"),
    "connection-reset": lambda: httpx.RemoteProtocolError("peer closed"),
}


@pytest.mark.parametrize("failure", sorted(FAILURES))
@pytest.mark.parametrize("failures_before_success", [0, 1, 2, 3])
def test_get_succeeds_after_transient_failures(
    make_client, scripted, fake_time, failure: str, failures_before_success: int
) -> None:
    steps = [("GET", f"{API}/Users/7", FAILURES[failure]()) for _ in range(failures_before_success)]
    script = scripted(*steps, ("GET", f"{API}/Users/7", ok(iid=7)))
    client = make_client(script, max_retries=3)

    response = client.request("GET", "/Users/7")

    assert response.json()["iid"] == 7
    assert response.extensions["issuetrak"]["attempts"] == failures_before_success + 1
    assert len(fake_time.sleeps) == failures_before_success
    script.assert_done()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/Users/7"),
        ("DELETE", "/Notes/3"),
        ("POST", "/Issues/Search"),
        ("POST", "/users/SEARCH/"),
    ],
)
def test_idempotent_writes_and_searches_are_retried_on_503(
    make_client, scripted, method: str, path: str
) -> None:
    script = scripted((method, f"{API}{path}", httpx.Response(503)), (method, f"{API}{path}", ok()))
    response = make_client(script).request(method, path, json={"x": 1})
    assert response.extensions["issuetrak"]["attempts"] == 2
    script.assert_done()


def test_giving_up_raises_the_typed_error_with_the_attempt_count(
    make_client, scripted, fake_time
) -> None:
    script = scripted(*[("GET", f"{API}/Users", httpx.Response(503))] * 3)
    with pytest.raises(InternalServerError) as info:
        make_client(script, max_retries=2).request("GET", "/Users")
    assert info.value.attempts == 3
    assert info.value.status_code == 503
    assert len(fake_time.sleeps) == 2
    script.assert_done()


@pytest.mark.parametrize(
    "error",
    [httpx.ReadTimeout("slow"), httpx.WriteError("broken pipe"), httpx.RemoteProtocolError("eof")],
)
def test_create_that_may_have_reached_the_server_is_sent_once(make_client, scripted, error) -> None:
    script = scripted(("POST", f"{API}/Issues", error))  # a second POST would fail the test
    with pytest.raises(APIConnectionError) as info:
        make_client(script).request("POST", "/Issues", json={"subject": "printer on fire"})
    assert info.value.attempts == 1
    assert isinstance(info.value, APITimeoutError) == isinstance(error, httpx.TimeoutException)
    script.assert_done()


@pytest.mark.parametrize("status", [500, 502, 503, 504])
@pytest.mark.parametrize(("method", "path"), [("POST", "/Notes"), ("PATCH", "/Issues/5")])
def test_creates_and_patches_answered_5xx_are_not_retried_and_say_they_may_have_been_applied(
    make_client, scripted, status: int, method: str, path: str
) -> None:
    from issuetrak import InternalServerError

    script = scripted((method, f"{API}{path}", httpx.Response(status)))
    with pytest.raises(InternalServerError) as info:
        make_client(script).request(method, path, json={})
    assert info.value.attempts == 1
    assert info.value.status_code == status
    assert info.value.may_have_been_applied
    assert str(info.value).endswith(
        f"on {method} {path}; the site may have applied it; check before retrying"
    )


@pytest.mark.parametrize(("method", "path"), [("POST", "/Notes"), ("PATCH", "/Issues/5")])
def test_a_429_is_retried_for_creates_too_as_the_site_asks(
    make_client, scripted, fake_time, method: str, path: str
) -> None:
    too_many = httpx.Response(429, headers={"Retry-After": "2"})
    created = httpx.Response(201, json={"traceId": "t"})
    script = scripted((method, f"{API}{path}", too_many), (method, f"{API}{path}", created))
    response = make_client(script).request(method, path, json={"text": "n"})
    assert response.status_code == 201 and fake_time.sleeps == [2.0]
    assert script.requests[0].content == script.requests[1].content


def test_a_storm_of_429s_counts_against_max_retries_well_before_the_deadline(
    make_client, scripted, fake_time
) -> None:
    too_many = httpx.Response(429, headers={"Retry-After": "1"})
    script = scripted(*[("GET", f"{API}/Users", too_many)] * 4)
    with pytest.raises(RateLimitError) as info:
        make_client(script, max_retries=3, deadline=600).request("GET", "/Users")
    assert info.value.attempts == 4
    script.assert_done()  # a further request would find no scripted answer


def test_no_call_sends_more_than_max_attempts_whatever_max_retries(
    make_client, scripted, fake_time
) -> None:
    from issuetrak._retry import MAX_ATTEMPTS

    too_many = httpx.Response(429, headers={"Retry-After": "0"})
    script = scripted(*[("GET", f"{API}/Users", too_many)] * MAX_ATTEMPTS)
    with pytest.raises(RateLimitError) as info:
        make_client(script, max_retries=50, deadline=None).request("GET", "/Users")
    assert info.value.attempts == MAX_ATTEMPTS == 10
    script.assert_done()


def test_a_429_storm_longer_than_the_deadline_ends_in_a_rate_limit_error(
    make_client, scripted, fake_time
) -> None:
    from issuetrak import RateLimitError

    too_many = httpx.Response(429, headers={"Retry-After": "4"})
    script = scripted(*[("GET", f"{API}/Users", too_many)] * 3)
    with pytest.raises(RateLimitError) as info:
        make_client(script, deadline=10).request("GET", "/Users")
    assert info.value.attempts == 3 and fake_time.now == 8.0  # a third wait would pass 10 s
    assert info.value.retry_after == 4.0


def test_max_retries_zero_turns_off_429_retries_too(make_client, scripted) -> None:
    from issuetrak import RateLimitError

    script = scripted(("GET", f"{API}/Users", httpx.Response(429, headers={"Retry-After": "1"})))
    with pytest.raises(RateLimitError):
        make_client(script, max_retries=0).request("GET", "/Users")


@pytest.mark.parametrize("error", [httpx.ConnectError("refused"), httpx.ConnectTimeout("syn")])
def test_create_is_retried_when_the_connection_never_opened(make_client, scripted, error) -> None:
    script = scripted(
        ("POST", f"{API}/Issues", error),
        ("POST", f"{API}/Issues", httpx.Response(201, json={"traceId": "t"})),
    )
    response = make_client(script).request("POST", "/Issues", json={"subject": "s"})
    assert response.status_code == 201
    assert script.requests[0].content == script.requests[1].content == b'{"subject":"s"}'


def test_upload_is_retried_only_on_connect_failure(make_client, scripted) -> None:
    files = {"file": ("a.txt", b"hello", "text/plain")}
    script = scripted(
        ("PUT", f"{API}/Attachments", httpx.ConnectError("refused")),
        ("PUT", f"{API}/Attachments", httpx.Response(503)),
    )
    with pytest.raises(InternalServerError) as info:
        make_client(script).request("PUT", "/Attachments", files=files)
    assert info.value.attempts == 2
    assert b"hello" in script.requests[1].content
    script.assert_done()


def test_retry_after_seconds_is_honoured(make_client, scripted, fake_time) -> None:
    script = scripted(
        ("GET", f"{API}/Users", httpx.Response(429, headers={"Retry-After": "7"})),
        ("GET", f"{API}/Users", ok()),
    )
    make_client(script).request("GET", "/Users")
    assert fake_time.sleeps == [7.0]


def test_retry_after_http_date_is_honoured(make_client, scripted, fake_time) -> None:
    when = email.utils.formatdate(WALL_EPOCH + 12, usegmt=True)
    script = scripted(
        ("GET", f"{API}/Users", httpx.Response(503, headers={"Retry-After": when})),
        ("GET", f"{API}/Users", ok()),
    )
    make_client(script).request("GET", "/Users")
    assert fake_time.sleeps == [pytest.approx(12.0)]


def test_retry_after_beyond_the_cap_raises_instead_of_blocking(
    make_client, scripted, fake_time
) -> None:
    script = scripted(("GET", f"{API}/Users", httpx.Response(429, headers={"Retry-After": "3600"})))
    with pytest.raises(RateLimitError) as info:
        make_client(script).request("GET", "/Users")
    assert info.value.retry_after == 3600
    assert info.value.attempts == 1
    assert fake_time.sleeps == []


def test_backoff_is_exponential_with_full_jitter_and_capped() -> None:
    policy = RetryPolicy()
    ceilings = [backoff_delay(n, policy, 0.999999) for n in range(1, 10)]
    assert ceilings[0] == pytest.approx(INITIAL_RETRY_DELAY, rel=1e-5)
    assert ceilings[1] == pytest.approx(2 * INITIAL_RETRY_DELAY, rel=1e-5)
    assert max(ceilings) == pytest.approx(MAX_RETRY_DELAY, rel=1e-5)
    assert backoff_delay(3, policy, 0.0) == 0.0  # full jitter reaches down to zero


def test_deadline_bounds_all_attempts_and_caps_each_timeout(
    make_client, scripted, fake_time
) -> None:
    read_timeouts: list[float] = []

    def slow(request: httpx.Request) -> httpx.Response:
        read_timeout = request.extensions["timeout"]["read"]
        read_timeouts.append(read_timeout)
        fake_time.now += min(4.0, read_timeout)  # the attempt hangs until its timeout
        raise httpx.ReadTimeout("no answer")

    script = scripted(*[("GET", f"{API}/Users", slow)] * 3)
    fake_time.random_value = 0.999
    with pytest.raises(APITimeoutError, match="deadline of 10 s exceeded"):
        make_client(script, max_retries=10, deadline=10.0, timeout=30.0).request("GET", "/Users")
    assert fake_time.now <= 10.0
    assert read_timeouts[0] == 10.0  # the 30 s timeout capped by the deadline
    assert all(t <= 10.0 - 4.0 * i for i, t in enumerate(read_timeouts))


def test_per_call_override_disables_retries(make_client, scripted) -> None:
    script = scripted(("GET", f"{API}/Users", httpx.Response(503)))
    with pytest.raises(InternalServerError):
        make_client(script).request("GET", "/Users", max_retries=0)
    script.assert_done()


def test_with_options_copy_overrides_retries_for_generated_calls(make_client, scripted) -> None:
    get_user = generated_operation("users.get_user")

    script = scripted(
        ("GET", f"{API}/Users/3", httpx.Response(503)),
        ("GET", f"{API}/Users/3", httpx.Response(503)),
    )
    client = make_client(script, max_retries=5)
    with pytest.raises(InternalServerError) as info:
        get_user.sync_detailed(3, client=client.with_options(max_retries=1)._api)
    assert info.value.attempts == 2
    script.assert_done()


def test_non_retryable_status_is_raised_at_once(make_client, scripted, api_response) -> None:
    script = scripted(("GET", f"{API}/Users/x", api_response(400, "bad id")))
    with pytest.raises(BadRequestError, match="bad id"):
        make_client(script).request("GET", "/Users/x")


def test_unknown_per_call_option_is_a_clear_error(make_client, scripted) -> None:
    client = make_client(scripted())
    with pytest.raises(TypeError, match="max_retrys"):
        client.with_options(max_retrys=1)


@pytest.mark.anyio
async def test_async_client_retries_reads_and_not_creates(
    fake_time, scripted, unique_token
) -> None:
    from issuetrak import AsyncIssuetrak

    script = scripted(
        ("GET", f"{API}/Users", httpx.Response(502)),
        ("GET", f"{API}/Users", ok(n=1)),
        ("POST", f"{API}/Issues", httpx.ReadTimeout("slow")),
    )
    async with AsyncIssuetrak(
        "https://example.issuetrak.test",
        token=unique_token,
        transport=httpx.MockTransport(script),
        _runtime=fake_time.runtime(),
    ) as client:
        response = await client.request("GET", "/Users")
        assert response.json()["n"] == 1
        with pytest.raises(APITimeoutError):
            await client.request("POST", "/Issues", json={})
    assert len(fake_time.sleeps) == 1
    script.assert_done()


def test_with_options_keeps_the_subclass_so_layers_built_on_top_survive(
    make_client, scripted
) -> None:
    from issuetrak import Issuetrak

    class Extended(Issuetrak):
        pass

    client = Extended("https://x.test", token="tok", rate_limits=None)
    copy = client.with_options(max_retries=0)
    assert type(copy) is Extended and copy.max_retries == 0
    client.close()


def test_per_call_timeout_reaches_the_wire_and_closing_a_copy_keeps_the_pool(
    make_client, scripted
) -> None:
    seen: list[dict[str, float]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return ok()

    script = scripted(("GET", f"{API}/Users", answer), ("GET", f"{API}/Users", answer))
    client = make_client(script, deadline=None)
    copy = client.with_options(timeout=7.0)
    copy.request("GET", "/Users")
    copy.close()
    client.request("GET", "/Users", timeout=2.5)
    assert seen[0]["read"] == 7.0
    assert seen[1]["read"] == 2.5


def test_a_retry_the_rate_limiter_would_push_past_the_deadline_fails_at_once(
    make_client, scripted, fake_time
) -> None:
    from issuetrak import RateLimiter, RateLimits, Window

    limiter = RateLimiter(RateLimits([Window(1, 60.0)], margin=0.0), clock=fake_time.clock)
    script = scripted(("GET", f"{API}/Users", httpx.Response(503)))  # no second send
    fake_time.random_value = 0.0
    with pytest.raises(APITimeoutError) as info:
        make_client(script, rate_limits=limiter, deadline=10.0).request("GET", "/Users")
    assert str(info.value) == (
        "GET /Users: no client-side rate-limit slot within the 10 s deadline: the 1/60s window "
        "needs 60.0 s more (after 1 attempt(s))"
    )
    assert fake_time.now < 10.0  # it did not sit out the minute first
    assert limiter.reserve(False, 60.0) == 0.0  # and the declined retry took no slot
    script.assert_done()


@pytest.mark.anyio
async def test_async_deadline_bounds_attempts_like_the_sync_client(
    fake_time, scripted, unique_token
) -> None:
    from issuetrak import AsyncIssuetrak

    def slow(request: httpx.Request) -> httpx.Response:
        fake_time.now += min(4.0, request.extensions["timeout"]["read"])  # hangs until timeout
        raise httpx.ReadTimeout("no answer")

    script = scripted(*[("GET", f"{API}/Users", slow)] * 3)
    fake_time.random_value = 0.999
    async with AsyncIssuetrak(
        "https://example.issuetrak.test",
        token=unique_token,
        transport=httpx.MockTransport(script),
        rate_limits=None,
        max_retries=10,
        deadline=10.0,
        _runtime=fake_time.runtime(),
    ) as client:
        with pytest.raises(APITimeoutError, match="deadline of 10 s exceeded"):
            await client.request("GET", "/Users")
    assert fake_time.now <= 10.0
