"""Issuetrak API v2 SDK.

Example::

    from issuetrak import Issuetrak

    with Issuetrak("https://example.issuetrak.com") as client:   # token from $ISSUETRAK_TOKEN
        user = client.request("GET", "/Users/1").json()
"""

from __future__ import annotations

import typing as _typing

from ._version import __version__

if _typing.TYPE_CHECKING:  # the names below are imported on first use; see __getattr__
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
    from ._limiting import TransportLimiter
    from ._missing_route import OperationNotAvailableError
    from ._options import RequestOptions
    from ._paging import AsyncPager, Page, SyncPager
    from ._patch import IssuePatch
    from ._ratelimit import (
        DEFAULT_WINDOWS,
        ProcessSharedRateLimiter,
        RateLimiter,
        RateLimits,
        Window,
    )
    from ._raw import RawResponse, trace_id_of
    from ._retry import (
        DEFAULT_DEADLINE,
        DEFAULT_MAX_RETRIES,
        DEFAULT_TIMEOUT,
        INITIAL_RETRY_DELAY,
        MAX_RETRY_AFTER,
        MAX_RETRY_DELAY,
        RetryPolicy,
    )
    from ._site_version import VersionCheck
    from ._transport import AsyncRetryTransport, RetryTransport
    from .auth import ApiTokenAuth, HmacAuth

# Importing the package stays cheap: httpx, the policy layer and (through the facade) the generated
# client load only when one of these names is first used.
_LAZY: dict[str, str] = {
    "AsyncIssuetrak": "._client",
    "Issuetrak": "._client",
    "OperationNotAvailableError": "._missing_route",
    "VersionCheck": "._site_version",
    "APIConnectionError": "._exceptions",
    "APIStatusError": "._exceptions",
    "APITimeoutError": "._exceptions",
    "AuthenticationError": "._exceptions",
    "BadRequestError": "._exceptions",
    "ConfigurationError": "._exceptions",
    "InternalServerError": "._exceptions",
    "IssuetrakError": "._exceptions",
    "NotFoundError": "._exceptions",
    "PermissionDeniedError": "._exceptions",
    "RateLimitError": "._exceptions",
    "RequestOptions": "._options",
    "IssuePatch": "._patch",
    "AsyncPager": "._paging",
    "Page": "._paging",
    "SyncPager": "._paging",
    "RawResponse": "._raw",
    "trace_id_of": "._raw",
    "DEFAULT_WINDOWS": "._ratelimit",
    "ProcessSharedRateLimiter": "._ratelimit",
    "RateLimiter": "._ratelimit",
    "RateLimits": "._ratelimit",
    "Window": "._ratelimit",
    "DEFAULT_DEADLINE": "._retry",
    "DEFAULT_MAX_RETRIES": "._retry",
    "DEFAULT_TIMEOUT": "._retry",
    "INITIAL_RETRY_DELAY": "._retry",
    "MAX_RETRY_AFTER": "._retry",
    "MAX_RETRY_DELAY": "._retry",
    "RetryPolicy": "._retry",
    "AsyncRetryTransport": "._transport",
    "RetryTransport": "._transport",
    "TransportLimiter": "._limiting",
    "ApiTokenAuth": ".auth",
    "HmacAuth": ".auth",
}


def __getattr__(name: str) -> _typing.Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'issuetrak' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


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
    "AsyncPager",
    "AsyncRetryTransport",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "HmacAuth",
    "InternalServerError",
    "IssuePatch",
    "Issuetrak",
    "IssuetrakError",
    "NotFoundError",
    "OperationNotAvailableError",
    "Page",
    "PermissionDeniedError",
    "ProcessSharedRateLimiter",
    "RateLimitError",
    "RateLimiter",
    "RateLimits",
    "RawResponse",
    "RequestOptions",
    "RetryPolicy",
    "RetryTransport",
    "SyncPager",
    "TransportLimiter",
    "VersionCheck",
    "Window",
    "__version__",
    "trace_id_of",
]
