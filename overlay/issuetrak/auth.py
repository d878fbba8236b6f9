"""Authentication for Issuetrak: ``ApiTokenAuth`` (API v2) and ``HmacAuth`` (legacy API v1).

Example::

    >>> from issuetrak.auth import HmacAuth
    >>> import httpx
    >>> client = httpx.Client(auth=HmacAuth("wV4JA/59PUf6XjiMF1om+Eg+D4rQlE8WGRTybNIkdrs="))
    >>> requests_auth = HmacAuth("...key...").for_requests()   # for requests / schemathesis
"""

from __future__ import annotations

from ._auth import API_KEY_HEADER, ApiTokenAuth, HmacAuth
from ._hmac import (
    HMAC_AUTHORIZATION_HEADER,
    HMAC_REQUEST_ID_HEADER,
    HMAC_TIMESTAMP_HEADER,
    HmacRequestsAuth,
    HmacSigner,
    format_timestamp,
)

__all__ = [
    "API_KEY_HEADER",
    "HMAC_AUTHORIZATION_HEADER",
    "HMAC_REQUEST_ID_HEADER",
    "HMAC_TIMESTAMP_HEADER",
    "ApiTokenAuth",
    "HmacAuth",
    "HmacRequestsAuth",
    "HmacSigner",
    "format_timestamp",
]
