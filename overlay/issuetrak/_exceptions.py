"""Typed errors and the one function that maps an HTTP response to them.

The tree::

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
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import httpx

from ._retry import parse_retry_after
from ._secrets import REDACTED, contains_secret, redact, redact_value
from .conventions.bodies import trace_id as extract_trace_id

__all__ = [
    "MAY_HAVE_BEEN_APPLIED",
    "REDACTED",
    "SECRET_HEADERS",
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

MAY_HAVE_BEEN_APPLIED = "the site may have applied it; check before retrying"
# Headers that carry a credential; they are replaced by REDACTED wherever a request is kept.
SECRET_HEADERS = frozenset(
    {"x-api-key", "authorization", "x-issuetrak-api-authorization", "cookie", "proxy-authorization"}
)
UNAUTHORIZED_HINT = "token missing, expired or revoked (check the token or ISSUETRAK_TOKEN)"
_MAX_TEXT_MESSAGE = 200


def _restore(cls: type[IssuetrakError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class IssuetrakError(Exception):
    """Base class of every error this package raises on purpose."""

    def __reduce__(self) -> tuple[Any, ...]:
        # keyword-only constructors cannot be re-run from self.args: restore the fields instead
        state = dict(self.__dict__)
        for name in ("response", "request"):
            if state.get(name) is not None:
                state[name] = _picklable(state[name])
        return (_restore, (type(self), self.args, state))


def _picklable(message: Any) -> Any:
    """A copy of an httpx request or response without what does not pickle (the network
    stream in its extensions), or ``None``."""
    if isinstance(message, httpx.Response):
        try:
            request = _picklable(message.request)
        except RuntimeError:  # a response made without a request
            request = None
        try:
            return httpx.Response(
                message.status_code,
                headers=message.headers,
                content=message.content,
                request=request,
            )
        except httpx.ResponseNotRead:
            return None
    if isinstance(message, httpx.Request):
        try:
            content = message.content
        except httpx.RequestNotRead:
            content = b""
        return httpx.Request(message.method, message.url, headers=message.headers, content=content)
    return None


class ConfigurationError(IssuetrakError, ValueError):
    """The client was configured with a value it cannot work with (raised at construction)."""


class APIConnectionError(IssuetrakError):
    """No complete HTTP response was received: DNS, refused connection, TLS, a connection reset
    or a body cut short, ...

    ``may_have_been_applied``: the request (a create, PATCH or upload) may have reached the site
    before the connection was lost; it was not retried. ``request``: the request (no credential).
    """

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        url: str = "",
        attempts: int = 1,
        may_have_been_applied: bool = False,
        request: httpx.Request | None = None,
    ) -> None:
        message = redact(message)
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = redact(url)
        self.attempts = attempts
        self.may_have_been_applied = may_have_been_applied
        self.request = request
        self.response: httpx.Response | None = None


class APITimeoutError(APIConnectionError):
    """A per-attempt timeout or the total deadline across attempts ran out."""


class APIStatusError(IssuetrakError):
    """The final response had a non-2xx status.

    Attributes:
        status_code: the HTTP status.
        trace_id: the ``traceId`` of the body, when there is one.
        messages: ``information[].message`` of an ApiResponse body, or the ValidationProblemDetails
            ``errors`` flattened as ``"field: message"``; empty when the body says nothing.
        body: the decoded JSON body, the text when it is not JSON, or ``None`` when empty.
        method, url: of the request (``path`` is the URL path relative to the API base).
        attempts: how many times the request was sent, retries included.
        headers: the response headers. ``request_headers``: the request's, credentials redacted.
        request_id: a server request id header when present (``Request-Id``/``X-Request-Id``).
        may_have_been_applied: a create, PATCH or upload answered 5xx: the site may have done
            it (it was not retried).
        response, request: the ``httpx`` reply and request (a credential the site echoed back
            in the body is redacted in this copy).
    """

    def __init__(
        self,
        *,
        status_code: int,
        method: str,
        url: str,
        path: str,
        trace_id: str | None,
        messages: list[str],
        body: Any,
        attempts: int,
        headers: Mapping[str, str],
        request_headers: Mapping[str, str],
        request_id: str | None = None,
        may_have_been_applied: bool = False,
        response: httpx.Response | None = None,
        request: httpx.Request | None = None,
    ) -> None:
        self.status_code = status_code
        self.method = method
        self.url = redact(url)
        self.path = redact(path)
        self.trace_id = trace_id
        self.messages = [redact(m) for m in messages]
        self.body = redact_value(body)
        self.attempts = attempts
        self.headers = {k: redact(v) for k, v in headers.items()}
        self.request_headers = dict(request_headers)
        self.request_id = request_id
        self.may_have_been_applied = may_have_been_applied
        self.response = response
        self.request = request
        super().__init__(self._format())

    def _format(self) -> str:
        try:
            reason = HTTPStatus(self.status_code).phrase
        except ValueError:
            reason = "Unknown Status"
        text = f"{self.status_code} {reason} on {self.method} {self.path}"
        detail = "; ".join(self.messages)
        if not detail and self.status_code == 401:
            detail = UNAUTHORIZED_HINT
        if detail:
            text += f": {detail}"
        if self.trace_id:
            text += f" (trace {self.trace_id})"
        if self.may_have_been_applied:
            text += f"; {MAY_HAVE_BEEN_APPLIED}"
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class BadRequestError(APIStatusError):
    """400: the request was malformed or failed validation; ``messages`` says why."""


class AuthenticationError(APIStatusError):
    """401: the token is missing, expired or revoked (Issuetrak sends no body)."""


class PermissionDeniedError(APIStatusError):
    """403: the token's user may not do this."""


class NotFoundError(APIStatusError):
    """404: no such entity (or the token's user cannot see it)."""


class RateLimitError(APIStatusError):
    """429: a server rate-limit window was full. ``retry_after`` is the server's hint in seconds
    (from ``Retry-After``, seconds or an HTTP date), or ``None`` when it gave none."""

    def __init__(self, *, retry_after: float | None = None, **fields: Any) -> None:
        self.retry_after = retry_after  # before the message is formatted: it mentions it
        super().__init__(**fields)

    def _format(self) -> str:
        if self.messages:
            return super()._format()
        hint = "rate limit exceeded" + (
            f"; the server asks to retry after {self.retry_after:g} s"
            if self.retry_after is not None
            else ""
        )
        text = f"{self.status_code} Too Many Requests on {self.method} {self.path}: {hint}"
        return text + (f" (trace {self.trace_id})" if self.trace_id else "")


class InternalServerError(APIStatusError):
    """A 5xx status."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
}


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` with every credential header replaced by ``[REDACTED]``."""
    return {k: (REDACTED if k.lower() in SECRET_HEADERS else redact(v)) for k, v in headers.items()}


def _redacted_response(response: httpx.Response) -> httpx.Response:
    """``response`` itself, or a copy without the credentials it echoes."""
    if not (contains_secret(response.content) or contains_secret(str(response.headers))):
        return response
    return httpx.Response(
        response.status_code,
        headers=redact_headers(response.headers),
        content=redact(response.content.decode("utf-8", "replace")).encode(),
        request=response.request,
        extensions={k: v for k, v in response.extensions.items() if k == "issuetrak"},
    )


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
        response=_redacted_response(response),
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
