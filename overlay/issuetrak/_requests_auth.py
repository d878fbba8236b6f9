"""The API v1 HMAC signer for the ``requests`` library (schemathesis sends with ``requests``).

Imported only on demand: ``requests`` is not a dependency of the SDK itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import requests
import requests.auth

from ._auth import HmacSigner

__all__ = ["HmacRequestsAuth"]


class HmacRequestsAuth(requests.auth.AuthBase):
    """``requests`` auth that signs every prepared request (and every resend) afresh."""

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

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
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
