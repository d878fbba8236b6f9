"""Per-call options: ``timeout``, ``max_retries``, ``deadline`` and ``extra_headers``.

Every facade method and pager takes them as keywords, next to the operation's own arguments::

    client.users.get(42, timeout=5, max_retries=0)
    for issue in client.issues.search(where(is_open=is_true()), deadline=30): ...

They override the client's settings for that call only (for a pager: for every page it fetches).
:class:`RequestOptions` is their type, for ``**options: Unpack[RequestOptions]`` in your own
wrappers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

import httpx

from ._config import resolve_timeout
from ._exceptions import SECRET_HEADERS, ConfigurationError

__all__ = [
    "NO_OPTIONS",
    "OPTION_NAMES",
    "CallOptions",
    "RequestOptions",
    "make_options",
    "pop_options",
]


class RequestOptions(TypedDict, total=False):
    """Options of one call; each overrides the client's setting of the same name."""

    timeout: float | httpx.Timeout | None
    """Per attempt, seconds or an ``httpx.Timeout`` (``None``: no timeout); still capped by
    what is left of the deadline."""
    max_retries: int
    """Retries after the first attempt (0: none)."""
    deadline: float | None
    """Seconds for all attempts, waits and rate-limit waits of this call (``None``: none)."""
    extra_headers: Mapping[str, str]
    """Headers added to this call's request (not credentials: the client sends the token)."""


OPTION_NAMES = frozenset(RequestOptions.__annotations__)


class CallOptions:
    """Validated options of one call, ready to apply to a request."""

    __slots__ = ("extensions", "headers", "timeout")

    def __init__(
        self,
        timeout: httpx.Timeout | None = None,
        extensions: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.timeout = timeout  # None: the client's
        self.extensions = extensions or {}  # RetryPolicy overrides
        self.headers = headers or {}

    def __bool__(self) -> bool:
        return self.timeout is not None or bool(self.extensions) or bool(self.headers)


NO_OPTIONS = CallOptions()


def _check_headers(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise ConfigurationError(
            f"extra_headers must be a mapping of header names to strings, got {type(value).__name__}"
        )
    headers: dict[str, str] = {}
    for name, text in value.items():
        if not isinstance(name, str) or not isinstance(text, str):
            raise ConfigurationError(
                f"extra_headers must map strings to strings, got {name!r}: {type(text).__name__}"
            )
        if name.lower() in SECRET_HEADERS:
            raise ConfigurationError(
                f"extra_headers must not set {name}: the client sends the credentials itself"
            )
        headers[name] = text
    return headers


def make_options(options: Mapping[str, Any]) -> CallOptions:
    """Check per-call options (names and values) and turn them into a :class:`CallOptions`."""
    if not options:
        return NO_OPTIONS
    unknown = set(options) - OPTION_NAMES
    if unknown:
        raise TypeError(
            f"unknown option(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(OPTION_NAMES))}"
        )
    from ._retry import RetryPolicy

    extensions: dict[str, Any] = {}
    if "max_retries" in options:
        extensions["max_retries"] = options["max_retries"]
    if "deadline" in options:
        extensions["deadline"] = options["deadline"]
    if extensions:
        try:
            RetryPolicy().updated(extensions)  # the same checks as the client's own settings
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None
    timeout = resolve_timeout(options["timeout"]) if "timeout" in options else None
    headers = _check_headers(options["extra_headers"]) if "extra_headers" in options else None
    return CallOptions(timeout=timeout, extensions=extensions, headers=headers)


def pop_options(kwargs: dict[str, Any]) -> CallOptions:
    """Remove the option keywords from ``kwargs`` (a call's keywords) and validate them."""
    if not OPTION_NAMES.intersection(kwargs):
        return NO_OPTIONS
    return make_options({name: kwargs.pop(name) for name in OPTION_NAMES if name in kwargs})
