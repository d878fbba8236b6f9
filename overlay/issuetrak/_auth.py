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


class ApiTokenAuth(httpx.Auth):
    """API v2: sends the token in the ``X-Api-Key`` header."""

    def __init__(self, token: str) -> None:
        self._token = check_secret(token, "token")
        remember(self._token)  # redacted from errors and logs even if a site echoes it

    def __repr__(self) -> str:
        return "ApiTokenAuth(token='[REDACTED]')"

    __str__ = __repr__

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.apply(request)
        yield request

    def apply(self, request: httpx.Request) -> None:
        """Add the token header (what :meth:`auth_flow` does, without the generator)."""
        request.headers[API_KEY_HEADER] = self._token


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
