from __future__ import annotations

import importlib
import pickle
from typing import Any

import httpx
import pytest
from issuetrak import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
)
from issuetrak._exceptions import make_status_error

API = "/api/v2"
TOKEN = "tok-3b9f0c1e-SECRET-do-not-log"


def generated_operation(name: str) -> Any:
    """``"users.get_user"`` -> the generated module of the default label's package."""
    from issuetrak._versions import default_version

    return importlib.import_module(f"{default_version().package}.api.{name}")


def _response(
    status: int, request_method: str = "POST", path: str = "/Users", **kwargs
) -> httpx.Response:
    request = httpx.Request(
        request_method, f"https://x.test{API}{path}?pageSize=5", headers={"X-Api-Key": TOKEN}
    )
    response = httpx.Response(status, request=request, **kwargs)
    response.read()
    return response


def test_api_response_body_reads_like_a_sentence() -> None:
    body = {
        "traceId": "0HMGDP8E63BDF:00000004",
        "information": [{"type": "Error", "message": "Last Name must not be empty"}],
    }
    error = make_status_error(_response(400, json=body), api_base_path=API, attempts=1)
    assert isinstance(error, BadRequestError)
    assert str(error) == (
        "400 Bad Request on POST /Users: Last Name must not be empty (trace 0HMGDP8E63BDF:00000004)"
    )
    assert error.trace_id == "0HMGDP8E63BDF:00000004"
    assert error.messages == ["Last Name must not be empty"]
    assert error.body == body
    assert error.method == "POST"
    assert error.url.endswith("/api/v2/Users?pageSize=5")
    assert error.path == "/Users"


def test_validation_problem_details_are_flattened_field_by_field() -> None:
    body = {
        "type": "https://tools.ietf.org/html/rfc7231#section-6.5.1",
        "title": "One or more validation errors occurred.",
        "status": 400,
        "errors": {"Email": ["Email is invalid", "Email is too long"], "Name": ["Required"]},
        "traceId": "00-abc-01",
    }
    error = make_status_error(_response(400, json=body), api_base_path=API)
    assert error.messages == [
        "Email: Email is invalid",
        "Email: Email is too long",
        "Name: Required",
    ]
    assert str(error).endswith("Name: Required (trace 00-abc-01)")


def test_401_without_body_still_explains_itself() -> None:
    error = make_status_error(_response(401, "GET", "/Users/1"), api_base_path=API)
    assert isinstance(error, AuthenticationError)
    assert str(error) == (
        "401 Unauthorized on GET /Users/1: token missing, expired or revoked "
        "(check the token or ISSUETRAK_TOKEN)"
    )
    assert error.body is None and error.trace_id is None and error.messages == []


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (429, RateLimitError),
        (500, InternalServerError),
        (503, InternalServerError),
        (409, APIStatusError),
        (302, APIStatusError),
    ],
)
def test_status_maps_to_its_class(status: int, cls: type[APIStatusError]) -> None:
    error = make_status_error(_response(status), api_base_path=API)
    assert type(error) is cls
    assert error.status_code == status


def test_plain_text_body_becomes_the_message() -> None:
    error = make_status_error(
        _response(502, text="<html> Bad   gateway </html>"), api_base_path=API
    )
    assert error.messages == ["<html> Bad gateway </html>"]
    assert error.body == "<html> Bad   gateway </html>"


def test_stored_request_headers_and_text_never_hold_the_token() -> None:
    error = make_status_error(_response(403, json={"traceId": "t"}), api_base_path=API)
    assert error.request_headers["x-api-key"] == "[REDACTED]"
    assert TOKEN not in str(error) + repr(error) + repr(error.request_headers)


def test_rate_limit_error_carries_retry_after() -> None:
    error = make_status_error(_response(429, headers={"Retry-After": "30"}), api_base_path=API)
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 30.0


def test_generated_calls_raise_typed_errors_and_return_2xx(
    make_client, scripted, api_response
) -> None:
    close_duplicate_issues = generated_operation("issues.close_duplicate_issues")
    get_user = generated_operation("users.get_user")

    script = scripted(
        (
            "POST",
            f"{API}/Issues/Close/Duplicate",
            httpx.Response(200, json={"traceId": "t", "information": []}),
        ),
        ("GET", f"{API}/Users/2", api_response(404, "User not found")),
    )
    client = make_client(script)
    done = close_duplicate_issues.sync_detailed(client=client._api)
    assert done.status_code == 200
    assert done.parsed.trace_id == "t"
    with pytest.raises(NotFoundError, match=r"404 Not Found on GET /Users/2: User not found"):
        get_user.sync_detailed(2, client=client._api)
    script.assert_done()


@pytest.mark.anyio
async def test_async_generated_calls_raise_typed_errors(fake_time, scripted, api_response) -> None:
    from issuetrak import AsyncIssuetrak

    get_user = generated_operation("users.get_user")

    script = scripted(("GET", f"{API}/Users/2", api_response(403, "no access")))
    async with AsyncIssuetrak(
        "https://x.test",
        token=TOKEN,
        transport=httpx.MockTransport(script),
        rate_limits=None,
        _runtime=fake_time.runtime(),
    ) as client:
        with pytest.raises(PermissionDeniedError, match="no access"):
            await get_user.asyncio_detailed(2, client=client._api)


def test_rate_limit_error_without_a_body_says_when_to_come_back() -> None:
    error = make_status_error(_response(429, headers={"Retry-After": "30"}), api_base_path=API)
    assert str(error) == (
        "429 Too Many Requests on POST /Users: rate limit exceeded; "
        "the server asks to retry after 30 s"
    )
    bare = make_status_error(_response(429), api_base_path=API)
    assert str(bare) == "429 Too Many Requests on POST /Users: rate limit exceeded"
    assert bare.retry_after is None


def test_rate_limit_error_http_date_is_measured_on_the_clients_wall_clock(
    make_client, scripted, fake_time
) -> None:
    import email.utils

    from .conftest import WALL_EPOCH

    when = email.utils.formatdate(WALL_EPOCH + 3600, usegmt=True)  # beyond the retry cap
    script = scripted(("POST", f"{API}/Notes", httpx.Response(429, headers={"Retry-After": when})))
    with pytest.raises(RateLimitError) as info:
        make_client(script).request("POST", "/Notes", json={})
    assert info.value.retry_after == pytest.approx(3600.0)
    assert "retry after 3600 s" in str(info.value)


# -- pickling, .response/.request, and the token never shown ----------------------------------

ECHO_TOKEN = "tok-7f3a9c2e-ECHOED-secret-value"


def _every_error() -> list[Exception]:
    from issuetrak.errors import (
        APIConnectionError,
        APITimeoutError,
        ArityError,
        ConfigurationError,
        InvalidPatchError,
        RecordNotFoundError,
        UndecodableResponseError,
        UnexpectedResponseError,
        UnknownFieldError,
        UsageError,
    )

    request = httpx.Request("POST", "https://x.test/api/v2/Issues")
    return [
        make_status_error(_response(404, json={"traceId": "0HM:1", "information": []})),
        make_status_error(_response(429, headers={"Retry-After": "7"})),
        make_status_error(_response(500, text="boom")),
        APIConnectionError(
            "POST /Issues: lost",
            method="POST",
            url=str(request.url),
            attempts=2,
            may_have_been_applied=True,
            request=request,
        ),
        APITimeoutError("GET /Users: timed out", method="GET", attempts=3),
        ConfigurationError("no token"),
        UsageError("bad"),
        UnknownFieldError("emial", ["email", "name"], "users.update"),
        ArityError("subject", "Contains", "exactly 1 value", 2),
        InvalidPatchError("nope"),
        RecordNotFoundError("gone"),
        UnexpectedResponseError("odd", status_code=200, operation="users.get_user"),
        UndecodableResponseError(
            "cut", status_code=201, operation="POST /Issues", may_have_been_applied=True
        ),
    ]


@pytest.mark.parametrize("error", _every_error(), ids=lambda e: type(e).__name__)
def test_every_error_pickles_with_its_fields(error: Exception) -> None:
    import pickle

    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error) and str(copy) == str(error)
    fields = {k: v for k, v in vars(error).items() if k not in ("response", "request")}
    assert {k: v for k, v in vars(copy).items() if k in fields} == fields
    for name in ("response", "request"):
        if getattr(error, name, None) is not None:
            original, restored = getattr(error, name), getattr(copy, name)
            assert restored.url == original.url


def test_a_status_error_has_the_response_and_the_request() -> None:
    error = make_status_error(_response(400, json={"traceId": "t", "information": []}))
    assert error.response is not None and error.response.status_code == 400
    assert error.request is not None and error.request.url.path == f"{API}/Users"


def test_a_token_the_site_echoes_back_is_redacted_everywhere(make_client, scripted, caplog) -> None:
    import logging
    import pickle

    echo = {
        "traceId": "0HM:e",
        "information": [
            {"type": "Error", "message": f"bad request; headers: X-Api-Key={ECHO_TOKEN}"}
        ],
        "request": {"headers": {"X-Api-Key": ECHO_TOKEN}},
    }
    script = scripted(
        ("POST", f"{API}/Notes", httpx.Response(400, json=echo, headers={"X-Echo": ECHO_TOKEN}))
    )
    client = make_client(script, token=ECHO_TOKEN)
    with caplog.at_level(logging.DEBUG, logger="issuetrak"), pytest.raises(BadRequestError) as info:
        client.request("POST", "/Notes", json={"text": "n"})
    error = info.value
    logging.getLogger("issuetrak").exception("the call failed", exc_info=error)
    shown = [
        str(error),
        repr(error),
        *error.messages,
        repr(error.body),
        repr(error.headers),
        repr(error.request_headers),
        error.response.text,
        repr(error.response.headers),
        caplog.text,
        repr(pickle.dumps(error)),
    ]
    for text in shown:
        assert ECHO_TOKEN not in text
    assert "X-Api-Key=[REDACTED]" in str(error)


def test_a_log_line_with_an_echoed_token_is_redacted(make_client, scripted, caplog) -> None:
    import logging

    from issuetrak._auth import ApiTokenAuth

    ApiTokenAuth(ECHO_TOKEN)  # the client registers its token like this
    with caplog.at_level(logging.INFO, logger="issuetrak"):
        logging.getLogger("issuetrak").warning("site said %s", f"key {ECHO_TOKEN}")
    assert ECHO_TOKEN not in caplog.text and "key [REDACTED]" in caplog.text


def test_every_error_is_defined_once_and_shows_its_public_path() -> None:
    import inspect
    import traceback

    import issuetrak
    from issuetrak import _exceptions, _facade_errors, errors

    classes = [getattr(errors, name) for name in errors.__all__]
    assert all(inspect.isclass(c) and issubclass(c, Exception) for c in classes)
    assert {c.__module__ for c in classes} == {"issuetrak.errors"}
    # the package's old homes still hand out the very same classes
    for module in (_exceptions, _facade_errors, issuetrak):
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            if inspect.isclass(value) and issubclass(value, Exception):
                assert value is getattr(errors, name), name
    try:
        raise errors.NotFoundError(
            status_code=404,
            method="GET",
            url="https://s.example/api/v2/Users/9",
            path="/Users/9",
            trace_id=None,
            messages=[],
            body=None,
            attempts=1,
            headers={},
            request_headers={},
        )
    except errors.NotFoundError as error:
        shown = "".join(traceback.format_exception(error))
        pickled = pickle.dumps(error)
    assert "issuetrak.errors.NotFoundError: 404 Not Found on GET /Users/9" in shown
    assert b"issuetrak.errors" in pickled and b"_exceptions" not in pickled
