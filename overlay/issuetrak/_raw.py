"""``client.with_raw_response``: the HTTP response of a facade call, parsed on demand.

Like openai-python's ``with_raw_response``: the same namespaces and methods, each returning a
:class:`RawResponse` instead of the parsed result::

    raw = client.with_raw_response.users.get(42)
    raw.status_code, raw.headers["content-type"], raw.trace_id
    user = raw.parse()                    # the User that client.users.get(42) returns

A paged operation (``list``, ``search``) sends one request, for ``page_number`` (default 1), and
``parse()`` returns that :class:`~issuetrak.Page`. Errors are raised as by the plain call: a
non-2xx reply raises its :class:`~issuetrak.APIStatusError` (which has ``.response`` too).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import httpx

from . import _usage

__all__ = ["RawResponse", "trace_id_of"]

T = TypeVar("T")


class RawResponse(Generic[T]):
    """One reply as received; :meth:`parse` gives what the plain call would have returned."""

    __slots__ = ("_parse", "_parsed", "_trace_id", "http_response")

    _UNPARSED: Any = object()

    def __init__(
        self, http_response: httpx.Response, parse: Callable[[], T], trace_id: str | None
    ) -> None:
        self.http_response = http_response
        """The ``httpx.Response`` (body read; its ``request`` never holds the token)."""
        self._parse = parse
        self._parsed: Any = self._UNPARSED
        self._trace_id = trace_id
        if _usage.recording():  # the raw body is in the caller's hands: all of it counts as read
            _usage.note_raw_response(http_response)

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def trace_id(self) -> str | None:
        """The ``traceId`` Issuetrak put in the reply body (``None`` if there is none)."""
        return self._trace_id

    @property
    def content(self) -> bytes:
        return self.http_response.content

    @property
    def elapsed(self) -> float:
        """Seconds the call took, retries and waits included."""
        meta = self.http_response.extensions.get("issuetrak") or {}
        return float(meta.get("elapsed", 0.0))

    @property
    def attempts(self) -> int:
        """How many times the request was sent, retries included."""
        meta = self.http_response.extensions.get("issuetrak") or {}
        return int(meta.get("attempts", 1))

    def parse(self) -> T:
        """The result the plain call returns (parsed once, then cached)."""
        if self._parsed is self._UNPARSED:
            self._parsed = self._parse()
        result: T = self._parsed
        return result

    def __repr__(self) -> str:
        request = self.http_response.request
        return (
            f"<RawResponse {request.method} {request.url.path} -> {self.status_code}"
            f"{f' trace {self._trace_id}' if self._trace_id else ''}>"
        )


# The generated models have no room for it (they are slotted attrs classes whose fields are the
# document's properties), so the trace id of a returned record is kept beside it: keyed by the
# object's id, with a weak reference that drops the entry when the record is collected.
_traces: dict[int, tuple[weakref.ref[Any], str]] = {}


def remember_trace(record: Any, trace_id: str) -> None:
    """Note that ``record`` came from the reply with ``trace_id``."""
    key = id(record)

    def forget(_: weakref.ref[Any]) -> None:
        _traces.pop(key, None)

    try:
        ref = weakref.ref(record, forget)
    except TypeError:  # an object without weak references: nothing is kept
        return
    _traces[key] = (ref, trace_id)


def trace_id_of(result: object) -> str | None:
    """The ``traceId`` of the reply a facade call's result came from: a record
    (``client.users.get(1)``), a :class:`~issuetrak.Page`, or a :class:`RawResponse`; ``None``
    for anything else. Quote it to the site's administrators when a call did something odd."""
    if isinstance(result, RawResponse):
        return result.trace_id
    if type(result).__name__ == "Page":
        trace = getattr(result, "trace_id", None)
        return trace if isinstance(trace, str) else None
    entry = _traces.get(id(result))
    if entry is not None and entry[0]() is result:
        return entry[1]
    return None
