"""Authentication for Issuetrak: ``ApiTokenAuth`` (API v2) and ``HmacAuth`` (legacy API v1).

Example::

    >>> from issuetrak.auth import HmacAuth
    >>> import httpx
    >>> client = httpx.Client(auth=HmacAuth("wV4JA/59PUf6XjiMF1om+Eg+D4rQlE8WGRTybNIkdrs="))
    >>> requests_auth = HmacAuth("...key...").for_requests()   # for requests / schemathesis
"""

from __future__ import annotations

import typing

from ._auth import ApiTokenAuth, HmacAuth, HmacSigner

if typing.TYPE_CHECKING:
    from ._requests_auth import HmacRequestsAuth

__all__ = ["ApiTokenAuth", "HmacAuth", "HmacRequestsAuth", "HmacSigner"]


def __getattr__(name: str) -> object:
    # requests is optional: import the adapter only when asked for
    if name == "HmacRequestsAuth":
        from ._requests_auth import HmacRequestsAuth

        return HmacRequestsAuth
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
