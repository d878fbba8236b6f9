"""The base classes of the client's resource namespaces (``client.users``, ``client.issues``, ...).

``issuetrak regen`` writes the namespaces themselves into the label's package: one module per
document tag (``issuetrak_client.<label>.namespaces.users``) with four real classes (``Users``,
``AsyncUsers``, ``RawUsers``, ``AsyncRawUsers``), whose methods have the operation's signature and
docstring and call :meth:`_Namespace._invoke` (or :meth:`_Namespace._merge_update`) with the
operation's :class:`~issuetrak._catalog.OpSpec`. This module holds what they share: binding the
arguments (:mod:`issuetrak._calls`), one exchange per call, pagers and raw responses.
Entity-specific helpers (``issues.patch``, ``groups.create(normalize=...)``) live in the base
classes that :data:`issuetrak._resources.ENTITIES` names.

A namespace needs two attributes from its client: ``_http``, the httpx client that raises the
overlay's typed errors for non-2xx replies, and ``_read_policy``; see :mod:`issuetrak._calls`.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import httpx

from ._calls import Bound, bind, decode, request_for, stamp, trace_id_of_reply, unwrap
from ._catalog import OpSpec
from ._exceptions import connection_error
from ._facade_errors import RecordNotFoundError, UsageError
from ._merge import check_changes, merged_body
from ._models import is_model
from ._options import NO_OPTIONS, CallOptions, pop_options
from ._paging import AsyncPager, Page, SyncPager
from ._raw import RawResponse

__all__ = [
    "NOT_GIVEN",
    "AsyncNamespace",
    "Namespaces",
    "SyncNamespace",
    "did_you_mean",
    "given",
    "supplied",
]

_T = TypeVar("_T")


class _NotGiven:
    """The default of a keyword the caller did not pass (``None`` may be a value to send)."""

    _instance: _NotGiven | None = None

    def __new__(cls) -> _NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> bool:
        return False


NOT_GIVEN: Any = _NotGiven()


def supplied(**named: Any) -> dict[str, Any]:
    """The keywords a caller passed (body fields, criteria, per-call options)."""
    return {name: value for name, value in named.items() if value is not NOT_GIVEN}


def given(**named: Any) -> dict[str, Any]:
    """The named arguments a caller gave: ``None`` means "not given" for path-less parameters
    (query parameters, paging, ``body``), as in the generated signatures."""
    return {name: value for name, value in named.items() if value is not None}


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Namespace:
    """Operations of one document tag. Generated subclasses add one method per operation."""

    _tag: ClassVar[str] = ""
    _package: ClassVar[str] = ""
    _raw: ClassVar[bool] = False  # client.with_raw_response.<tag>: methods return RawResponse
    _is_async: ClassVar[bool] = False
    _update_options: ClassVar[frozenset[str]] = frozenset()  # keyword flags (groups: normalize)

    def __init__(self, client: Any) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._tag}: {', '.join(self._method_names())}>"

    @classmethod
    def _method_names(cls) -> list[str]:
        return sorted(
            n for n in dir(cls) if not n.startswith("_") and callable(getattr(cls, n, None))
        )

    if not TYPE_CHECKING:  # a misspelt method is a type error; at run time, a hint

        def __getattr__(self, name: str) -> Any:
            raise AttributeError(
                f"{self._tag!r} has no operation {name!r}{did_you_mean(name, self._method_names())}"
                f"; available: {', '.join(self._method_names())}"
            )

    # -- what the generated methods call ---------------------------------------------------------
    def _invoke(self, spec: OpSpec, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """One call of ``spec``: bind the arguments, send, and return the result (a pager for a
        paged operation, a :class:`RawResponse` on ``with_raw_response``)."""
        kwargs = dict(kwargs)
        options = pop_options(kwargs)
        flags = {k: kwargs.pop(k) for k in list(kwargs) if k in self._update_options}
        bound = bind(spec, args, kwargs)
        self._prepare_call(spec, bound, flags)
        if bound.paged:
            if self._raw:
                return self._raw_page(bound, options)
            return self._pager(bound, options)
        return self._call(spec, bound.kwargs, options)

    def _prepare_call(self, spec: OpSpec, bound: Bound, flags: dict[str, Any]) -> None:
        """Hook: check or adjust a bound call before it is sent (groups check permissions)."""
        if flags:
            raise UsageError(f"{spec.qualname}: unknown option(s) {', '.join(flags)}")

    # -- what sync and async share: turning a reply into the result ------------------------------
    def _request(self, spec: OpSpec, kwargs: dict[str, Any], options: CallOptions) -> httpx.Request:
        request: httpx.Request = request_for(self._client, spec, kwargs, options)
        return request

    def _result(self, spec: OpSpec, response: httpx.Response) -> Any:
        """What a plain call returns for a 2xx ``response``: the record of a ``{traceId, values}``
        envelope, other replies as parsed; models carry the reply's trace id."""
        trace = trace_id_of_reply(response)
        value = stamp(decode(self._client, spec, response), trace)
        return stamp(unwrap(spec, value, response.status_code), trace)

    def _page_of(self, spec: OpSpec, number: int, response: httpx.Response) -> Page[Any]:
        envelope = decode(self._client, spec, response)
        trace = trace_id_of_reply(response)
        page: Page[Any] = Page.from_envelope(envelope, number, trace_id=trace)
        if trace is not None:
            for item in page.items:
                stamp(item, trace)
        return page

    def _raw_of(self, response: httpx.Response, parse: Callable[[], Any]) -> RawResponse[Any]:
        return RawResponse(response, parse, trace_id_of_reply(response))

    # -- merge-update: read the record, apply the changes, PUT it back --------------------------
    def _read_args(self, reader: OpSpec, iid: int) -> dict[str, Any]:
        """The arguments that read record ``iid`` with ``reader`` (GET by iid, or a search whose
        filter has ``iid``: a tag without GET by iid, such as departments)."""
        if not reader.paged_by_body:
            return {"iid": iid}
        from .filters import match_any, where

        return bind(reader, (where(iid=match_any(iid)),), {"page_size": 2}).for_page(1, 2)

    def _record_of(self, spec: OpSpec, response: httpx.Response, iid: int) -> Any:
        """The record from a GET reply, or the single match of a search by iid."""
        if not spec.paged_by_body:
            return self._result(spec, response)
        page = self._page_of(spec, 1, response)
        matches = [v for v in page.items if getattr(v, "iid", None) == iid]
        if len(matches) != 1:
            raise RecordNotFoundError(
                f"{self._tag}.update: no record with iid {iid} "
                f"({spec.qualname} by iid found {len(matches)})"
            )
        return stamp(matches[0], page.trace_id)

    def _merge_plan(
        self, put: OpSpec, body: Any, changes: dict[str, Any]
    ) -> tuple[CallOptions, dict[str, Any]]:
        """Check a merge-update before any request: (call options, update flags)."""
        assert put.body_cls is not None
        options = pop_options(changes)
        if body is not None:
            return options, {}
        flags = {k: changes.pop(k) for k in list(changes) if k in self._update_options}
        check_changes(put.body_cls, changes, f"{self._tag}.update", allow_empty=any(flags.values()))
        self._precheck_update(changes, flags)
        return options, flags

    def _merged(
        self, put: OpSpec, record: Any, changes: dict[str, Any], flags: dict[str, Any]
    ) -> Any:
        assert put.body_cls is not None
        where = f"{self._tag}.update"
        return self._prepare_update(
            merged_body(record, put.body_cls, changes, where), flags, changes
        )

    def _precheck_update(self, changes: dict[str, Any], flags: dict[str, Any]) -> None:
        """Hook: refuse an update before any request (groups check new permissions here)."""

    def _prepare_update(self, body: Any, flags: dict[str, Any], changes: dict[str, Any]) -> Any:
        """Hook: adjust a merged update body (groups normalise permissions here)."""
        if flags:
            raise UsageError(f"{self._tag}.update: unknown option(s) {', '.join(flags)}")
        return body

    # -- subclasses: the I/O ---------------------------------------------------------------------
    def _call(self, spec: OpSpec, kwargs: dict[str, Any], options: CallOptions = NO_OPTIONS) -> Any:
        raise NotImplementedError

    def _pager(self, bound: Bound, options: CallOptions) -> Any:
        raise NotImplementedError

    def _raw_page(self, bound: Bound, options: CallOptions) -> Any:
        raise NotImplementedError

    def _merge_update(
        self, put: OpSpec, reader: OpSpec, iid: int, body: Any, changes: dict[str, Any]
    ) -> Any:
        raise NotImplementedError


class SyncNamespace(_Namespace):
    """Namespace whose methods send the request and return the result."""

    def _exchange(
        self, spec: OpSpec, kwargs: dict[str, Any], options: CallOptions
    ) -> httpx.Response:
        try:
            response: httpx.Response = self._client._http.send(self._request(spec, kwargs, options))
        except httpx.HTTPError as exc:
            raise connection_error(exc) from exc
        return response

    def _call(self, spec: OpSpec, kwargs: dict[str, Any], options: CallOptions = NO_OPTIONS) -> Any:
        response = self._exchange(spec, kwargs, options)
        if self._raw:
            return self._raw_of(response, functools.partial(self._result, spec, response))
        return self._result(spec, response)

    def _pager(self, bound: Bound, options: CallOptions) -> SyncPager[Any]:
        spec = bound.spec

        def fetch(number: int, size: int) -> Page[Any]:
            return self._page_of(
                spec, number, self._exchange(spec, bound.for_page(number, size), options)
            )

        return SyncPager(
            fetch, page_size=bound.page_size, first_page=bound.first_page, operation=spec.qualname
        )

    def _raw_page(self, bound: Bound, options: CallOptions) -> RawResponse[Page[Any]]:
        spec, number = bound.spec, bound.first_page
        response = self._exchange(spec, bound.for_page(number, bound.page_size), options)
        return self._raw_of(response, functools.partial(self._page_of, spec, number, response))

    def _merge_update(
        self, put: OpSpec, reader: OpSpec, iid: int, body: Any, changes: dict[str, Any]
    ) -> Any:
        """Update a record by iid: read it with ``reader``, apply ``changes`` (snake_case
        fields), PUT it back with ``put`` and return the stored record. With ``body`` (a full
        update model) it is PUT as is, without reading."""
        changes = dict(changes)
        options, flags = self._merge_plan(put, body, changes)
        if body is not None:
            return self._call(put, bind(put, (iid, body), {}).kwargs, options)
        new_body = self._merged(put, self._read(reader, iid, options), changes, flags)
        stored = self._call(put, {"iid": iid, "body": new_body}, options)
        return stored if self._raw or is_model(stored) else self._read(reader, iid, options)

    def _read(self, reader: OpSpec, iid: int, options: CallOptions = NO_OPTIONS) -> Any:
        response = self._exchange(reader, self._read_args(reader, iid), options)
        return self._record_of(reader, response, iid)


class AsyncNamespace(_Namespace):
    """Namespace whose methods are coroutines; list/search return an :class:`AsyncPager` at once."""

    _is_async = True

    async def _exchange(
        self, spec: OpSpec, kwargs: dict[str, Any], options: CallOptions
    ) -> httpx.Response:
        try:
            response: httpx.Response = await self._client._http.send(
                self._request(spec, kwargs, options)
            )
        except httpx.HTTPError as exc:
            raise connection_error(exc) from exc
        return response

    async def _call(
        self, spec: OpSpec, kwargs: dict[str, Any], options: CallOptions = NO_OPTIONS
    ) -> Any:
        response = await self._exchange(spec, kwargs, options)
        if self._raw:
            return self._raw_of(response, functools.partial(self._result, spec, response))
        return self._result(spec, response)

    def _pager(self, bound: Bound, options: CallOptions) -> AsyncPager[Any]:
        spec = bound.spec

        async def fetch(number: int, size: int) -> Page[Any]:
            response = await self._exchange(spec, bound.for_page(number, size), options)
            return self._page_of(spec, number, response)

        return AsyncPager(
            fetch, page_size=bound.page_size, first_page=bound.first_page, operation=spec.qualname
        )

    async def _raw_page(self, bound: Bound, options: CallOptions) -> RawResponse[Page[Any]]:
        spec, number = bound.spec, bound.first_page
        response = await self._exchange(spec, bound.for_page(number, bound.page_size), options)
        return self._raw_of(response, functools.partial(self._page_of, spec, number, response))

    def _merge_update(
        self, put: OpSpec, reader: OpSpec, iid: int, body: Any, changes: dict[str, Any]
    ) -> Awaitable[Any]:
        # checked before any request, even before the coroutine is awaited
        changes = dict(changes)
        options, flags = self._merge_plan(put, body, changes)
        if body is not None:
            return self._call(put, bind(put, (iid, body), {}).kwargs, options)

        async def run() -> Any:
            record = await self._read(reader, iid, options)
            new_body = self._merged(put, record, changes, flags)
            stored = await self._call(put, {"iid": iid, "body": new_body}, options)
            return (
                stored if self._raw or is_model(stored) else await self._read(reader, iid, options)
            )

        return run()

    async def _read(self, reader: OpSpec, iid: int, options: CallOptions = NO_OPTIONS) -> Any:
        response = await self._exchange(reader, self._read_args(reader, iid), options)
        return self._record_of(reader, response, iid)


class Namespaces:
    """Base of the generated namespace containers (``issuetrak_client.<label>.namespaces``):
    each namespace is made on first use and kept, bound to one client."""

    _client: Any
    _made: dict[type, Any]

    if not TYPE_CHECKING:  # type checkers see the container as a base of the client classes,
        # whose own __init__ must stay the one they check calls against

        def __init__(self, client: Any) -> None:
            self._client = client
            self._made = {}

    def _get(self, cls: type[_T]) -> _T:
        made: _T | None = self._made.get(cls)
        if made is None:
            made = self._made[cls] = cls(self._client)  # type: ignore[call-arg]
        return made
