"""Credentials as ``httpx.Auth`` flows: the API v2 token and the legacy API v1 HMAC signer.

Both keep their secret out of ``repr`` and ``str``. The client runs the auth flow inside its
retry loop, on a copy of the request, so every attempt is signed afresh (a new HMAC request id
and timestamp) and the request object the caller can see never carries the credential.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from datetime import datetime

import httpx

from ._hmac import HmacRequestsAuth, HmacSigner, check_secret
from ._secrets import remember

__all__ = ["API_KEY_HEADER", "ApiTokenAuth", "HmacAuth"]

API_KEY_HEADER = "X-Api-Key"
_KEY = API_KEY_HEADER.encode("ascii")
_LOOKUP = _KEY.lower()


def _appendable_headers() -> bool:
    """Whether ``httpx.Headers`` keeps its entries as we expect, checked once: a list of
    ``(raw key, lower-cased key, value)`` byte triples that every reader goes through. Then the
    token is added with one append (a fifth of ``headers[key] = value``, which re-scans and
    re-encodes, and runs on every request); if not (another httpx), the public way is used."""
    try:
        headers = httpx.Headers({"A": "b"})
        entries = headers._list
        if type(entries) is not list or entries != [(b"A", b"a", b"b")]:
            return False
        entries.append((_KEY, _LOOKUP, b"v"))
        return headers.get(API_KEY_HEADER) == "v" and headers.raw == [(b"A", b"b"), (_KEY, b"v")]
    except Exception:
        return False


_APPENDABLE = _appendable_headers()


class ApiTokenAuth(httpx.Auth):
    """API v2: sends the token in the ``X-Api-Key`` header."""

    def __init__(self, token: str) -> None:
        self._token = check_secret(token, "token")
        # what headers[...] = stores, whatever encoding the headers use (ASCII is ASCII in all)
        self._entry = (_KEY, _LOOKUP, self._token.encode("ascii")) if token.isascii() else None
        remember(self._token)  # redacted from errors and logs even if a site echoes it

    def __repr__(self) -> str:
        return "ApiTokenAuth(token='[REDACTED]')"

    __str__ = __repr__

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.apply(request)
        yield request

    def apply(self, request: httpx.Request) -> None:
        """Add the token header (what :meth:`auth_flow` does, without the generator)."""
        headers = request.headers
        if _APPENDABLE and self._entry is not None:
            entries = headers._list
            for entry in entries:
                if entry[1] == _LOOKUP:  # the request names its own X-Api-Key: replace it
                    break
            else:
                entries.append(self._entry)
                return
        headers[API_KEY_HEADER] = self._token


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
        remember(api_key)

    def __repr__(self) -> str:
        return "HmacAuth(api_key='[REDACTED]')"

    __str__ = __repr__

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(
            self.signer.headers(request.method, str(request.url), request.content)
        )
        yield request

    def for_requests(self) -> HmacRequestsAuth:
        """The same signer as ``auth=`` for the ``requests`` library (or schemathesis)."""
        return HmacRequestsAuth(self.signer)
