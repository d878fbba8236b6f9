"""Every error the SDK raises, defined here and shown under this public path.

    IssuetrakError
    ├── ConfigurationError          bad base URL, missing token, ... (also a ValueError)
    │   └── UnknownVersionError     no generated client for the asked Issuetrak version
    ├── APIConnectionError          the request got no complete HTTP answer
    │   └── APITimeoutError         a timeout, or the call's total deadline, ran out
    ├── APIStatusError              the final answer was not 2xx
    │   ├── BadRequestError 400, AuthenticationError 401, PermissionDeniedError 403,
    │   ├── NotFoundError 404, RateLimitError 429, InternalServerError >= 500
    │   └── OperationNotAvailableError  (a NotFoundError) an empty 404 or a 405: the site lacks
    │                               the operation, likely another Issuetrak version
    ├── UsageError                  refused before sending (also a ValueError)
    │   ├── UnknownFieldError       a field the schema does not have; lists the valid ones
    │   ├── ArityError              wrong number of values for a filter match type
    │   ├── InvalidPatchError       a PATCH path/op/value the document does not allow
    │   └── PermissionConflictError group permissions that break a rule (see permissions.RULES)
    ├── RecordNotFoundError         a record looked up by search is not there (also a LookupError)
    └── UnexpectedResponseError     a 2xx reply without the documented body (strict: or with a
        │                           value the document does not allow)
        └── UndecodableResponseError  a 2xx body that is not the JSON the document says (an HTML
                                    login page, text, JSON cut short), after the retries a read
                                    allows; on a write ``may_have_been_applied`` is true

Every class is defined in this module, so tracebacks, ``repr`` and pickles name
``issuetrak.errors.NotFoundError`` (each is also importable as ``issuetrak.NotFoundError``).

Errors pickle with their fields; ``APIStatusError``, ``APIConnectionError`` and
``UnexpectedResponseError`` have ``.response`` and/or ``.request`` and ``may_have_been_applied``
(a write that may have reached the site before it failed: check before sending it again). No
field, message, ``repr`` or pickle holds the token, whatever the site echoes (see
:mod:`issuetrak._secrets`).

Example::

    from issuetrak.errors import NotFoundError, UnknownFieldError

    try:
        client.users.update(12, emial="x@example.com")
    except UnknownFieldError as exc:
        print(exc.field, exc.valid)       # 'emial', ('address_line_one', ..., 'email', ...)
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import httpx

from ._retry import is_write
from ._secrets import contains_secret, redact, redact_bytes, redact_headers, redact_value

if TYPE_CHECKING:
    from ._site_version import VersionCheck
    from .permissions import Rule

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "ArityError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "InternalServerError",
    "InvalidPatchError",
    "IssuetrakError",
    "NotFoundError",
    "OperationNotAvailableError",
    "PermissionConflictError",
    "PermissionDeniedError",
    "RateLimitError",
    "RecordNotFoundError",
    "UndecodableResponseError",
    "UnexpectedResponseError",
    "UnknownFieldError",
    "UnknownVersionError",
    "UsageError",
]

MAY_HAVE_BEEN_APPLIED = "the site may have applied it; check before retrying"
UNAUTHORIZED_HINT = "token missing, expired or revoked (check the token or ISSUETRAK_TOKEN)"


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


def _safe_request(request: httpx.Request | None) -> httpx.Request | None:
    """``request`` itself, or a copy without the credentials it holds (headers by name, and
    anything echoing a registered secret in its URL, headers or body)."""
    if request is None:
        return None
    try:
        content = request.content
    except httpx.RequestNotRead:
        content = b""
    headers = redact_headers(request.headers)
    if headers == dict(request.headers) and not (
        contains_secret(str(request.url)) or contains_secret(content)
    ):
        return request
    return httpx.Request(
        request.method,
        redact(str(request.url)),
        headers=headers,
        content=redact_bytes(content),
        extensions={k: v for k, v in request.extensions.items() if k == "issuetrak"},
    )


def _safe_response(response: Any) -> Any:
    """``response`` itself, or a copy without the credentials it echoes: in its headers, or in
    its body however encoded (the copy keeps the body's encoding, so ``.text`` still reads)."""
    if not isinstance(response, httpx.Response):
        return response
    try:
        content = response.content
    except httpx.ResponseNotRead:
        content = b""
    try:
        request: httpx.Request | None = response.request
    except RuntimeError:  # a response made without a request
        request = None
    safe_request = _safe_request(request)
    if safe_request is request and not (
        contains_secret(content)
        or any(contains_secret(f"{k}: {v}") for k, v in response.headers.items())
    ):
        return response
    return httpx.Response(
        response.status_code,
        headers=redact_headers(response.headers),
        content=redact_bytes(content),
        request=safe_request,
        extensions={k: v for k, v in response.extensions.items() if k == "issuetrak"},
    )


def _redact_optional(value: str | None) -> str | None:
    return redact(value) if value else value


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
        self.request = _safe_request(request)
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
        self.trace_id = _redact_optional(trace_id)
        self.messages = [redact(m) for m in messages]
        self.body = redact_value(body)
        self.attempts = attempts
        self.headers = {k: redact(v) for k, v in headers.items()}
        self.request_headers = redact_headers(request_headers)
        self.request_id = _redact_optional(request_id)
        self.may_have_been_applied = may_have_been_applied
        self.response = _safe_response(response)
        self.request = _safe_request(request)
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


class UsageError(IssuetrakError, ValueError):
    """A call the facade can tell is wrong without asking the server."""


class UnknownFieldError(UsageError):
    """A field name the entity's schema does not have; the message lists the valid ones."""

    def __init__(self, field: str, valid: Iterable[str], where: str, hint: str = "") -> None:
        self.field = field
        self.valid = tuple(sorted(valid))
        self.where = where
        close = difflib.get_close_matches(field, self.valid, n=1)
        suggestion = f" (did you mean {close[0]!r}?)" if close else ""
        super().__init__(
            f"{where} has no field {field!r}{suggestion}; {hint + '; ' if hint else ''}"
            f"valid fields: {', '.join(self.valid)}"
        )


class ArityError(UsageError):
    """A criterion with the wrong number of values for its match type."""

    def __init__(self, field: str, match_type: str, expected: str, got: int) -> None:
        self.field, self.match_type, self.expected, self.got = field, match_type, expected, got
        super().__init__(f"{field}: {match_type} takes {expected}, got {got}")


class InvalidPatchError(UsageError):
    """A PATCH operation the document does not allow (path, op, value type or clearing)."""


class RecordNotFoundError(IssuetrakError, LookupError):
    """A record the facade looked up by search (no GET by iid exists) is not there."""


class UnexpectedResponseError(IssuetrakError):
    """A reply the facade cannot turn into the documented result (e.g. a 2xx without a body, or
    with ``strict=True`` a value the document does not allow). ``response`` is the reply.

    ``may_have_been_applied``: the request was a write and the site answered 2xx, so it did
    the work; do not send it again without checking."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        operation: str,
        response: Any = None,
        may_have_been_applied: bool | None = None,
    ) -> None:
        self.status_code = status_code
        self.operation = operation
        if may_have_been_applied is None:
            may_have_been_applied = 200 <= status_code < 300 and _is_write(response)
        self.may_have_been_applied = may_have_been_applied
        self.response = _safe_response(response)
        text = f"{operation}: {message} (HTTP {status_code})"
        if may_have_been_applied:
            text += f"; {MAY_HAVE_BEEN_APPLIED}"
        super().__init__(redact(text))


def _is_write(response: Any) -> bool:
    """Whether ``response`` answers a write (see :func:`issuetrak._retry.is_write`)."""
    try:
        request = response.request
        return is_write(str(request.method), request.url.path)
    except (AttributeError, RuntimeError):
        return False


class UndecodableResponseError(UnexpectedResponseError):
    """A 2xx reply whose body is not the JSON the document says (an HTML login or proxy page,
    plain text, JSON cut short), after every retry a read allows. On a write
    ``may_have_been_applied`` is true: the site answered 2xx, so it did the work."""


class UnknownVersionError(ConfigurationError):
    """No generated package exists for the asked label (or none at all)."""


class PermissionConflictError(UsageError):
    """A permission set breaks a rule; ``client.groups.create(..., normalize=True)`` resolves it."""

    def __init__(self, rule: Rule, detail: str) -> None:
        self.rule = rule
        super().__init__(
            f"permission rule {rule.name!r}: {detail}. Pass normalize=True to resolve it ({rule.resolution})."
        )


class OperationNotAvailableError(NotFoundError):
    """The site has no such operation (an empty 404, or a 405): it likely runs another Issuetrak
    version than the client's. A subclass of :class:`~issuetrak.NotFoundError`, also for 405.

    Attributes (beside those of :class:`~issuetrak.APIStatusError`):
        operation: the operation of the client's version the call matched
            (``"GET /Causes/{iid}"``), or ``None`` when the client's document lacks it too.
        version: the client's version label.
        check: the last :class:`VersionCheck` of the client, if ``check_version()`` ran.
    """

    def __init__(
        self,
        *,
        operation: str | None,
        version: str,
        check: VersionCheck | None,
        explanation: str,
        **fields: Any,
    ) -> None:
        self.operation = operation
        self.version = version
        self.check = check
        self._explanation = explanation  # before the message is formatted: it says it
        super().__init__(**fields)

    def _format(self) -> str:
        return f"{super()._format()}: {self._explanation}"
