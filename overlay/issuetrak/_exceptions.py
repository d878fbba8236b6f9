"""The one function that maps an HTTP response to a typed error, and its helpers.

The classes live in :mod:`issuetrak.errors` (re-exported here for the package's own imports).
The HTTP part of the tree::

    IssuetrakError
    ├── ConfigurationError          (also a ValueError: bad base URL, missing token, ...)
    ├── APIConnectionError          the request got no HTTP answer
    │   └── APITimeoutError         ... because a timeout or the total deadline ran out
    └── APIStatusError              the final answer was not 2xx
        ├── BadRequestError         400
        ├── AuthenticationError     401
        ├── PermissionDeniedError   403
        ├── NotFoundError           404
        ├── RateLimitError          429
        └── InternalServerError     >= 500

Every other non-2xx status (e.g. 405, 409, a 3xx that was not followed) is a plain
:class:`APIStatusError`. :func:`make_status_error` is the only place that decides which class a
response becomes; the client calls it for every final non-2xx response.

Every error pickles with its fields (for multiprocessing and task queues), and no field holds a
credential: headers are redacted by name, and a token the site echoes back in a body is replaced
by ``[REDACTED]`` (:mod:`issuetrak._secrets`). ``may_have_been_applied`` is true on the errors of
a create, PATCH or upload that may have reached the site (connection lost after sending, a 5xx
answer): such a request is never retried, and its message says to check before retrying.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from ._retry import parse_retry_after
from ._secrets import REDACTED, SECRET_HEADERS, redact_headers
from .conventions.bodies import trace_id as extract_trace_id
from .errors import (
    MAY_HAVE_BEEN_APPLIED,
    UNAUTHORIZED_HINT,
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

__all__ = [
    "MAY_HAVE_BEEN_APPLIED",
    "REDACTED",
    "SECRET_HEADERS",
    "UNAUTHORIZED_HINT",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "InternalServerError",
    "IssuetrakError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "connection_error",
    "extract_trace_id",
    "make_status_error",
    "redact_headers",
    "relative_path",
]

_MAX_TEXT_MESSAGE = 200
_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
}


def relative_path(url: httpx.URL, api_base_path: str) -> str:
    """``/api/v2/Users/3`` -> ``/Users/3`` when the API base path is ``/api/v2``."""
    path = url.path
    base = api_base_path.rstrip("/")
    if base and path.lower().startswith(base.lower()):
        path = path[len(base) :] or "/"
    return path


def _messages(body: Any) -> list[str]:
    if isinstance(body, dict):
        out: list[str] = []
        information = body.get("information")
        if isinstance(information, list):
            for item in information:
                if isinstance(item, dict) and item.get("message"):
                    out.append(str(item["message"]))
                elif isinstance(item, str) and item:
                    out.append(item)
        errors = body.get("errors")
        if isinstance(errors, dict):
            # ASP.NET ValidationProblemDetails: {"errors": {"field": ["msg", ...]}}
            for field_name, field_messages in errors.items():
                items = field_messages if isinstance(field_messages, list) else [field_messages]
                for message in items:
                    out.append(f"{field_name}: {message}" if field_name else str(message))
        if not out:
            for key in ("detail", "title", "message"):
                value = body.get(key)
                if isinstance(value, str) and value:
                    out.append(value)
                    break
        return out
    if isinstance(body, str) and body.strip():
        text = " ".join(body.split())
        return [text if len(text) <= _MAX_TEXT_MESSAGE else text[:_MAX_TEXT_MESSAGE] + "..."]
    return []


def _decode_body(response: httpx.Response) -> Any:
    content = response.content
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return response.text


def parse_retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds, from either ``"120"`` or an HTTP date (measured from now)."""
    return parse_retry_after(value)


def make_status_error(
    response: httpx.Response, *, api_base_path: str = "", attempts: int | None = None
) -> APIStatusError:
    """Build the typed error for a non-2xx ``response``. The body must be read already.

    ``attempts`` defaults to what the retry transport recorded on the response.
    """
    request = response.request
    body = _decode_body(response)
    meta = response.extensions.get("issuetrak")
    meta = meta if isinstance(meta, dict) else {}
    if attempts is None:
        attempts = int(meta.get("attempts", 1))
    sent_headers = meta.get("sent_headers", request.headers)
    cls = _BY_STATUS.get(response.status_code)
    if cls is None:
        cls = InternalServerError if response.status_code >= 500 else APIStatusError
    extra: dict[str, Any] = {}
    if cls is RateLimitError:
        # the retry loop parsed it against its (injectable) wall clock; else parse it now
        extra["retry_after"] = (
            meta["retry_after"]
            if "retry_after" in meta
            else parse_retry_after_seconds(response.headers.get("retry-after"))
        )
    error = cls(
        status_code=response.status_code,
        method=request.method,
        url=str(request.url),
        path=relative_path(request.url, api_base_path),
        trace_id=extract_trace_id(body),
        messages=_messages(body),
        body=body,
        attempts=attempts,
        headers=response.headers,
        request_headers=redact_headers(sent_headers),
        request_id=response.headers.get("request-id") or response.headers.get("x-request-id"),
        may_have_been_applied=bool(meta.get("may_have_been_applied")),
        response=response,
        request=request,
        **extra,
    )
    return error


def connection_error(exc: httpx.HTTPError, attempts: int = 1) -> APIConnectionError:
    """A typed error for an httpx failure that happened outside the retry loop (reading a
    streamed body after the transport returned it)."""
    try:
        request: httpx.Request | None = exc.request
    except RuntimeError:
        request = None
    method = request.method if request is not None else ""
    cls = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
    what = f"{method} {request.url.path}: " if request is not None else ""
    return cls(
        f"{what}connection lost while reading the reply ({type(exc).__name__}: {exc})",
        method=method,
        url=str(request.url) if request is not None else "",
        attempts=attempts,
        request=request,
    )
