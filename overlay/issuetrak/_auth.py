"""Credentials as ``httpx.Auth`` flows: the API v2 token and the legacy API v1 HMAC signer.

Both keep their secret out of ``repr`` and ``str``. The client runs the auth flow inside its
retry loop, on a copy of the request, so every attempt is signed afresh (a new HMAC request id
and timestamp) and the request object the caller can see never carries the credential.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Callable, Generator
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx

if TYPE_CHECKING:
    from ._requests_auth import HmacRequestsAuth

__all__ = [
    "API_KEY_HEADER",
    "HMAC_AUTHORIZATION_HEADER",
    "HMAC_REQUEST_ID_HEADER",
    "HMAC_TIMESTAMP_HEADER",
    "ApiTokenAuth",
    "HmacAuth",
    "HmacSigner",
    "format_timestamp",
]

API_KEY_HEADER = "X-Api-Key"
HMAC_REQUEST_ID_HEADER = "X-IssueTrak-API-Request-ID"
HMAC_TIMESTAMP_HEADER = "X-IssueTrak-API-Timestamp"
HMAC_AUTHORIZATION_HEADER = "X-IssueTrak-API-Authorization"


def _check_secret(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string")
    if value != value.strip() or "\n" in value or "\r" in value:
        raise ValueError(
            f"{what} has leading/trailing whitespace or a line break; check its source"
        )
    return value


class ApiTokenAuth(httpx.Auth):
    """API v2: sends the token in the ``X-Api-Key`` header."""

    def __init__(self, token: str) -> None:
        self._token = _check_secret(token, "token")

    def __repr__(self) -> str:
        return "ApiTokenAuth(token='[REDACTED]')"

    __str__ = __repr__

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[API_KEY_HEADER] = self._token
        yield request


def format_timestamp(moment: datetime) -> str:
    """``2014-09-10T17:28:08.3227350Z``: UTC, seven fractional digits (.NET ticks), ``Z``."""
    if moment.tzinfo is None:
        raise ValueError("the HMAC clock must return an aware datetime (UTC)")
    moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond:06d}0Z"


def _now_utc() -> datetime:
    return datetime.now(UTC)


def _new_request_id() -> str:
    return str(uuid.uuid4())


class HmacSigner:
    """Computes the API v1 headers for one request; shared by the httpx and requests adapters.

    The signed message is ``METHOD\\nrequest-id\\ntimestamp\\nlower-cased absolute path\\nquery
    \\nbody`` (the query without its ``?``; the body decoded as UTF-8), HMAC-SHA512 keyed with the
    API key's UTF-8 bytes, base64-encoded.
    """

    def __init__(
        self,
        api_key: str,
        *,
        request_id_factory: Callable[[], str] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._key = _check_secret(api_key, "api_key").encode()
        self._request_id = request_id_factory or _new_request_id
        self._clock = clock or _now_utc

    def __repr__(self) -> str:
        return "HmacSigner(api_key='[REDACTED]')"

    def headers(self, method: str, url: str, body: bytes) -> dict[str, str]:
        """The three headers for a request to absolute ``url`` with ``body``."""
        parts = urlsplit(url)
        request_id = self._request_id().lower()
        timestamp = format_timestamp(self._clock())
        message = "\n".join(
            [
                method.upper(),
                request_id,
                timestamp,
                (parts.path or "/").lower(),
                parts.query,
                body.decode("utf-8", errors="replace"),
            ]
        )
        digest = hmac.new(self._key, message.encode("utf-8"), hashlib.sha512).digest()
        return {
            HMAC_REQUEST_ID_HEADER: request_id,
            HMAC_TIMESTAMP_HEADER: timestamp,
            HMAC_AUTHORIZATION_HEADER: base64.b64encode(digest).decode("ascii"),
        }


class HmacAuth(httpx.Auth):
    """API v1 (legacy): HMAC-SHA512 request signing. Each send gets a fresh id and timestamp.

    ``request_id_factory`` and ``clock`` exist for tests (fixed id, fixed time).
    Use :meth:`for_requests` to sign ``requests`` calls (e.g. with schemathesis).
    """

    requires_request_body = True

    def __init__(
        self,
        api_key: str,
        *,
        request_id_factory: Callable[[], str] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.signer = HmacSigner(api_key, request_id_factory=request_id_factory, clock=clock)

    def __repr__(self) -> str:
        return "HmacAuth(api_key='[REDACTED]')"

    __str__ = __repr__

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(
            self.signer.headers(request.method, str(request.url), request.content)
        )
        yield request

    def for_requests(self) -> HmacRequestsAuth:
        """The same signer as a ``requests.auth.AuthBase`` (needs the ``requests`` package)."""
        from ._requests_auth import HmacRequestsAuth

        return HmacRequestsAuth(self.signer)
