"""Issuetrak API v2 SDK.

Example::

    from issuetrak import Issuetrak

    with Issuetrak("https://example.issuetrak.com") as client:   # token from $ISSUETRAK_TOKEN
        user = client.request("GET", "/Users/1").json()
"""

from __future__ import annotations

from ._client import AsyncIssuetrak, Issuetrak
from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    InternalServerError,
    IssuetrakError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
)
from ._ratelimit import DEFAULT_WINDOWS, RateLimiter, RateLimits, Window
from ._retry import (
    DEFAULT_DEADLINE,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    INITIAL_RETRY_DELAY,
    MAX_RETRY_AFTER,
    MAX_RETRY_DELAY,
    RetryPolicy,
)
from ._transport import AsyncRetryTransport, RetryTransport
from .auth import ApiTokenAuth, HmacAuth

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "DEFAULT_WINDOWS",
    "INITIAL_RETRY_DELAY",
    "MAX_RETRY_AFTER",
    "MAX_RETRY_DELAY",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "ApiTokenAuth",
    "AsyncIssuetrak",
    "AsyncRetryTransport",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "HmacAuth",
    "InternalServerError",
    "Issuetrak",
    "IssuetrakError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RateLimiter",
    "RateLimits",
    "RetryPolicy",
    "RetryTransport",
    "Window",
    "__version__",
]
