"""The legacy API v1 HMAC signature, and its adapter for the ``requests`` library.

:class:`HmacSigner` computes the three v1 headers for one request; :class:`~issuetrak.auth.HmacAuth`
(httpx) and :class:`HmacRequestsAuth` (``requests``, which schemathesis sends with) both use it.
``requests`` accepts any callable as ``auth``, so the adapter needs no import of ``requests``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Callable, MutableMapping
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import urlsplit

__all__ = [
    "HMAC_AUTHORIZATION_HEADER",
    "HMAC_REQUEST_ID_HEADER",
    "HMAC_TIMESTAMP_HEADER",
    "HmacRequestsAuth",
    "HmacSigner",
    "check_secret",
    "format_timestamp",
]

HMAC_REQUEST_ID_HEADER = "X-IssueTrak-API-Request-ID"
HMAC_TIMESTAMP_HEADER = "X-IssueTrak-API-Timestamp"
HMAC_AUTHORIZATION_HEADER = "X-IssueTrak-API-Authorization"


def check_secret(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string")
    if value != value.strip() or "\n" in value or "\r" in value:
        raise ValueError(
            f"{what} has leading/trailing whitespace or a line break; check its source"
        )
    return value


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
        self._key = check_secret(api_key, "api_key").encode()
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


class PreparedRequest(Protocol):
    """What :class:`HmacRequestsAuth` needs of a ``requests.PreparedRequest``."""

    method: str | None
    url: str | None
    body: bytes | str | None
    headers: MutableMapping[str, str]


class HmacRequestsAuth:
    """``requests`` auth that signs every prepared request (and every resend) afresh::

    requests.get(url, auth=HmacRequestsAuth(api_key))
    """

    def __init__(
        self,
        signer: HmacSigner | str,
        *,
        request_id_factory: Callable[[], str] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if isinstance(signer, str):
            signer = HmacSigner(signer, request_id_factory=request_id_factory, clock=clock)
        self.signer = signer

    def __repr__(self) -> str:
        return "HmacRequestsAuth(api_key='[REDACTED]')"

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        body = r.body
        if body is None:
            data = b""
        elif isinstance(body, bytes):
            data = body
        elif isinstance(body, str):
            data = body.encode("utf-8")
        else:
            raise TypeError("HMAC signing needs the whole body; streamed bodies cannot be signed")
        r.headers.update(self.signer.headers(r.method or "GET", r.url or "", data))
        return r
