from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import requests
from issuetrak._transport import RetryTransport, Runtime
from issuetrak.auth import ApiTokenAuth, HmacAuth, HmacRequestsAuth

KEY = "wV4JA/59PUf6XjiMF1om+Eg+D4rQlE8WGRTybNIkdrs="
FIXED_ID = "3F2504E0-4F89-11D3-9A0C-0305E82C3301"
FIXED_TIME = datetime(2014, 9, 10, 17, 28, 8, 322735, tzinfo=UTC)


def expected_signature(message: str) -> str:
    # the independent route: hmac + hashlib + base64 on a message written out by hand
    return base64.b64encode(
        hmac.new(KEY.encode(), message.encode(), hashlib.sha512).digest()
    ).decode()


def capture(auth: httpx.Auth, method: str, url: str, **kwargs) -> httpx.Request:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    with httpx.Client(auth=auth, transport=httpx.MockTransport(handler)) as client:
        client.request(method, url, **kwargs)
    return seen[0]


def fixed_auth() -> HmacAuth:
    return HmacAuth(KEY, request_id_factory=lambda: FIXED_ID, clock=lambda: FIXED_TIME)


def test_hmac_headers_match_an_independent_computation_for_a_post_with_body() -> None:
    request = capture(
        fixed_auth(),
        "POST",
        "https://Site.Example/API/v1/Attachments?Mode=Full&x=1",
        content=b'{"IssueNumber":1}',
    )
    message = (
        "POST\n"
        "3f2504e0-4f89-11d3-9a0c-0305e82c3301\n"
        "2014-09-10T17:28:08.3227350Z\n"
        "/api/v1/attachments\n"
        "Mode=Full&x=1\n"
        '{"IssueNumber":1}'
    )
    assert request.headers["X-IssueTrak-API-Request-ID"] == "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
    assert request.headers["X-IssueTrak-API-Timestamp"] == "2014-09-10T17:28:08.3227350Z"
    assert request.headers["X-IssueTrak-API-Authorization"] == expected_signature(message)


def test_hmac_get_without_query_or_body_signs_empty_lines() -> None:
    request = capture(fixed_auth(), "get", "https://site.example/api/v1/Users/5")
    message = "GET\n3f2504e0-4f89-11d3-9a0c-0305e82c3301\n2014-09-10T17:28:08.3227350Z\n/api/v1/users/5\n\n"
    assert request.headers["X-IssueTrak-API-Authorization"] == expected_signature(message)


def test_hmac_timestamp_is_utc_with_seven_digits_even_from_another_zone() -> None:
    local = FIXED_TIME.astimezone(__import__("datetime").timezone(timedelta(hours=-5)))
    request = capture(HmacAuth(KEY, clock=lambda: local), "GET", "https://s.example/api/v1/x")
    assert request.headers["X-IssueTrak-API-Timestamp"] == "2014-09-10T17:28:08.3227350Z"
    request_id = request.headers["X-IssueTrak-API-Request-ID"]
    assert request_id == str(uuid.UUID(request_id)) and request_id == request_id.lower()


def test_requests_adapter_signs_the_same_way() -> None:
    auth = fixed_auth().for_requests()
    assert isinstance(auth, HmacRequestsAuth)
    prepared = requests.Request(
        "PUT", "https://site.example/api/v1/Notes/9?a=b", data=b"hello", auth=auth
    ).prepare()
    message = "PUT\n3f2504e0-4f89-11d3-9a0c-0305e82c3301\n2014-09-10T17:28:08.3227350Z\n/api/v1/notes/9\na=b\nhello"
    assert prepared.headers["X-IssueTrak-API-Authorization"] == expected_signature(message)


def test_every_retry_is_signed_afresh() -> None:
    ids = (f"00000000-0000-0000-0000-00000000000{i}" for i in itertools.count(1))
    times = (FIXED_TIME + timedelta(seconds=i) for i in itertools.count())
    auth = HmacAuth(KEY, request_id_factory=lambda: next(ids), clock=lambda: next(times))
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(503 if len(seen) == 1 else 200)

    transport = RetryTransport(
        httpx.MockTransport(handler),
        auth=auth,
        runtime=Runtime(sleep=lambda s: None, random=lambda: 0.0),
    )
    with httpx.Client(transport=transport) as client:
        response = client.get("https://site.example/api/v1/Users")
    assert response.status_code == 200
    first, second = (r.headers for r in seen)
    assert first["X-IssueTrak-API-Request-ID"] != second["X-IssueTrak-API-Request-ID"]
    assert first["X-IssueTrak-API-Timestamp"] != second["X-IssueTrak-API-Timestamp"]
    for headers in (first, second):
        message = "\n".join(
            [
                "GET",
                headers["X-IssueTrak-API-Request-ID"],
                headers["X-IssueTrak-API-Timestamp"],
                "/api/v1/users",
                "",
                "",
            ]
        )
        assert headers["X-IssueTrak-API-Authorization"] == expected_signature(message)
    # the caller's request object never held the signature
    assert "X-IssueTrak-API-Authorization" not in response.request.headers


def test_secrets_stay_out_of_reprs() -> None:
    token = "tok-SECRET-123"
    for obj in (
        ApiTokenAuth(token),
        HmacAuth(token),
        HmacAuth(token).for_requests(),
        HmacAuth(token).signer,
    ):
        assert token not in repr(obj) and token not in str(obj)


@pytest.mark.parametrize("bad", ["", "   ", " lead", "trail\n"])
def test_bad_credentials_are_rejected_with_a_reason(bad: str) -> None:
    with pytest.raises(ValueError, match="token"):
        ApiTokenAuth(bad)
    with pytest.raises(ValueError, match="api_key"):
        HmacAuth(bad)


@pytest.mark.parametrize("token", ["tok-SECRET-123", "tok-ü-123"], ids=["ascii", "not ascii"])
@pytest.mark.parametrize(
    "given",
    [
        {},
        {"Accept": "application/json", "User-Agent": "x/1"},
        {"x-api-key": "the caller's own"},  # replaced, as headers[...] = ... would
        {"Accept": "*/*", "X-API-KEY": "one"},
    ],
    ids=["none", "others", "own key", "own key upper"],
)
def test_the_token_header_is_set_exactly_as_httpx_would_set_it(
    given: dict[str, str], token: str
) -> None:
    # ApiTokenAuth.apply appends to httpx's header list when it can (the hot path); the headers
    # it leaves must be those that the public `headers[key] = value` leaves, byte for byte
    applied = httpx.Request("GET", "https://site.example/api/v2/Users", headers=given)
    ApiTokenAuth(token).apply(applied)
    public = httpx.Request("GET", "https://site.example/api/v2/Users", headers=given)
    public.headers["X-Api-Key"] = token
    assert applied.headers.raw == public.headers.raw
    assert applied.headers.get_list("x-api-key") == [token]
