"""One resource namespace (``client.users``, ``client.issues``, ...) derived from a generated package.

Every tag package of the client's generated package (``issuetrak_client.<label>.api``) becomes a
namespace named like it (:mod:`issuetrak._resources`); every operation
module in it becomes a method under its own name (``client.users.search_for_users``) and, for the
common shapes, a short name (``list``, ``get``, ``search``, ``create``, ``update``, ``patch``; see
:func:`issuetrak._catalog.friendly_names`). Nothing is imported until a namespace method is first
looked up, so ``import issuetrak`` stays cheap.

A namespace needs two attributes from its client: ``_api``, the generated package's
``AuthenticatedClient`` whose httpx client raises the overlay's typed errors for non-2xx replies,
and ``_version``, the :class:`~issuetrak._versions.Version` whose package it calls.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpx

from . import _catalog
from ._calls import Bound, bind, decode, request_for, stamp, trace_id_of_reply, unwrap
from ._exceptions import connection_error
from ._facade_errors import RecordNotFoundError, UsageError
from ._merge import check_changes, merged_body
from ._models import field_classes, field_names, is_model
from ._options import NO_OPTIONS, CallOptions, pop_options
from ._paging import AsyncPager, Page, SyncPager
from ._raw import RawResponse
from ._signatures import signature_of

__all__ = ["AsyncNamespace", "SyncNamespace", "did_you_mean"]


class _Namespace:
    """Operations of one document tag. Subclasses add entity-specific helpers."""

    _is_async = False

    def __init__(
        self, client: Any, tag: str, package: str | None = None, *, raw: bool = False
    ) -> None:
        self._client = client
        self._tag = tag
        self._package = package or client._version.package
        self._aliases = _catalog.friendly_names(tag, self._package)
        self._raw = raw  # client.with_raw_response.<tag>: methods return RawResponse

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._tag}: {', '.join(self._method_names())}>"

    def _method_names(self) -> list[str]:
        return sorted({*self._aliases, *_catalog.operation_names(self._tag, self._package)})

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self._method_names()})

    def _spec(self, name: str) -> _catalog.OpSpec:
        return _catalog.load(self._tag, self._aliases.get(name, name), self._package)

    def _has(self, name: str) -> bool:
        return name in self._aliases or name in _catalog.operation_names(self._tag, self._package)

    def _merge_capable(self) -> bool:
        """PUT by iid and a way to read one record: ``update(iid, **changes)`` is a merge-update.

        The record is read with GET by iid; a tag without one (departments) is read with its
        search operation filtered on ``iid``, so ``update`` never sends a partial record that
        would reset the fields the caller did not name.
        """
        if "update" not in self._aliases or self._reader() is None:
            return False
        put = self._spec("update")
        return put.path_params == ("iid",) and put.body_cls is not None and not put.body_is_list

    def _reader(self) -> str | None:
        """``"get"``, ``"search"`` (a search whose filter has ``iid``) or None."""
        if "get" in self._aliases and self._spec("get").path_params == ("iid",):
            return "get"
        if "search" in self._aliases:
            search = self._spec("search")
            if search.paged_by_body and not search.path_params and search.body_cls is not None:
                from ._filter_rules import criteria_fields

                if "iid" in criteria_fields(search.body_cls):
                    return "search"
        return None

    def _read_args(self, iid: int) -> tuple[_catalog.OpSpec, dict[str, Any]]:
        """The operation and arguments that read record ``iid`` for a merge-update."""
        if self._reader() == "get":
            return self._spec("get"), {"iid": iid}
        from .filters import match_any, where

        search = self._spec("search")
        return search, bind(search, (where(iid=match_any(iid)),), {"page_size": 2}).for_page(1, 2)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or not self._has(name):
            raise AttributeError(
                f"{self._tag!r} has no operation {name!r}{did_you_mean(name, self._method_names())}"
                f"; available: {', '.join(self._method_names())}"
            )
        if name == "update" and self._merge_capable():
            put = self._spec("update")
            generated = put.module.asyncio_detailed if self._is_async else put.module.sync_detailed
            assert put.body_cls is not None
            method: Callable[..., Any] = _named(
                functools.partial(self._merge_update),
                f"{self._tag}.update",
                _MERGE_DOC.format(
                    tag=self._tag, operation=put.name, field=field_names(put.body_cls)[0]
                )
                + (_facade_doc(put, generated.__doc__, self._is_async) or ""),
                signature_of(put, merge=True, extra=self._update_options),
            )
        else:
            spec = self._spec(name)
            generated = (
                spec.module.asyncio_detailed if self._is_async else spec.module.sync_detailed
            )
            method = _named(
                functools.partial(self._invoke, spec),
                f"{self._tag}.{name}",
                _facade_doc(spec, generated.__doc__, self._is_async),
                signature_of(spec),
            )
        self.__dict__[name] = method  # later lookups skip __getattr__
        return method

    # -- what sync and async share: binding, and turning a reply into the result -----------------
    def _invoke(self, spec: _catalog.OpSpec, *args: Any, **kwargs: Any) -> Any:
        options = pop_options(kwargs)
        bound = bind(spec, args, kwargs)
        if bound.paged:
            if self._raw:
                return self._raw_page(bound, options)
            return self._pager(bound, options)
        return self._call(spec, bound.kwargs, options)

    def _request(
        self, spec: _catalog.OpSpec, kwargs: dict[str, Any], options: CallOptions
    ) -> httpx.Request:
        request: httpx.Request = request_for(self._client, spec, kwargs, options)
        return request

    def _result(self, spec: _catalog.OpSpec, response: httpx.Response) -> Any:
        """What a plain call returns for a 2xx ``response``: the record of a ``{traceId, values}``
        envelope, other replies as parsed; models carry the reply's trace id."""
        trace = trace_id_of_reply(response)
        value = stamp(decode(self._client, spec, response), trace)
        return stamp(unwrap(spec, value, response.status_code), trace)

    def _page_of(self, spec: _catalog.OpSpec, number: int, response: httpx.Response) -> Page[Any]:
        envelope = decode(self._client, spec, response)
        trace = trace_id_of_reply(response)
        page: Page[Any] = Page.from_envelope(envelope, number, trace_id=trace)
        if trace is not None:
            for item in page.items:
                stamp(item, trace)
        return page

    def _raw_of(self, response: httpx.Response, parse: Callable[[], Any]) -> RawResponse[Any]:
        return RawResponse(response, parse, trace_id_of_reply(response))

    def _record_of(self, spec: _catalog.OpSpec, response: httpx.Response, iid: int) -> Any:
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
        self, iid: int, body: Any, changes: dict[str, Any]
    ) -> tuple[_catalog.OpSpec, CallOptions, dict[str, Any]]:
        """Check a merge-update before any request: (the PUT, call options, update flags)."""
        put = self._spec("update")
        assert put.body_cls is not None
        options = pop_options(changes)
        if body is not None:
            return put, options, {}
        flags = {k: changes.pop(k) for k in list(changes) if k in self._update_options}
        check_changes(put.body_cls, changes, f"{self._tag}.update", allow_empty=any(flags.values()))
        self._precheck_update(changes, flags)
        return put, options, flags

    def _merged(
        self, put: _catalog.OpSpec, record: Any, changes: dict[str, Any], flags: dict[str, Any]
    ) -> Any:
        assert put.body_cls is not None
        where = f"{self._tag}.update"
        return self._prepare_update(
            merged_body(record, put.body_cls, changes, where), flags, changes
        )

    # -- subclasses: the I/O ---------------------------------------------------------------------
    def _call(
        self, spec: _catalog.OpSpec, kwargs: dict[str, Any], options: CallOptions = NO_OPTIONS
    ) -> Any:
        raise NotImplementedError

    def _pager(self, bound: Bound, options: CallOptions) -> Any:
        raise NotImplementedError

    def _raw_page(self, bound: Bound, options: CallOptions) -> Any:
        raise NotImplementedError

    def _merge_update(self, iid: int, /, *, body: Any = None, **changes: Any) -> Any:
        raise NotImplementedError

    def _precheck_update(self, changes: dict[str, Any], flags: dict[str, Any]) -> None:
        """Hook: refuse an update before any request (groups check new permissions here)."""

    def _prepare_update(self, body: Any, flags: dict[str, Any], changes: dict[str, Any]) -> Any:
        """Hook: adjust a merged update body (groups normalise permissions here)."""
        if flags:
            raise UsageError(f"{self._tag}.update: unknown option(s) {', '.join(flags)}")
        return body

    _update_options: frozenset[str] = frozenset()


_MERGE_DOC = """Merge-update of one {tag} record: ``update(iid, **changes)``.

Reads the stored record, carries every field the update schema has over to it (read-only fields
are dropped), applies ``changes`` (snake_case field names), PUTs it and returns the stored record.
Fields not named are sent exactly as stored; an unknown name raises ``UnknownFieldError`` before
any request. ``update(iid, body=model)`` PUTs a full update model as is, without reading.

Example::

    client.{tag}.update(12, {field}=...)

The PUT ({operation}) as documented:
"""


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _facade_doc(spec: _catalog.OpSpec, doc: str | None, is_async: bool) -> str | None:
    """The generated docstring with its Raises/Returns (about the raw generated function)
    replaced by what the facade method does."""
    if doc is None:  # python -OO
        return None
    head = re.split(r"\n\s*Raises:\s*\n", doc, maxsplit=1)[0].rstrip()
    if spec.paged_by_query or spec.paged_by_body:
        returns = (
            f"{'AsyncPager' if is_async else 'SyncPager'} of {_values_of(spec)} across pages\n"
            "        (lazy: nothing is sent until iterated; ``.pages()``, ``.total``)"
        )
    elif spec.success:
        returns = _values_of(spec)
    elif spec.declares_api_response:
        returns = "the ApiResponse"
    else:
        returns = "None (the document declares no reply body)"
    if is_async and not (spec.paged_by_query or spec.paged_by_body):
        returns = f"a coroutine; awaited: {returns}"
    return (
        f"{head}\n\n    Returns:\n        {returns}\n\n    Raises:\n"
        "        issuetrak.errors.APIStatusError subclasses (NotFoundError, ...) for\n"
        "        non-2xx replies; issuetrak.errors.UsageError subclasses for arguments refused\n"
        "        before sending; UnexpectedResponseError for a 2xx reply without its body.\n"
    )


def _values_of(spec: _catalog.OpSpec) -> str:
    """``User`` for ``SingleUserResponse{values: User}``; the reply model for other replies."""
    names: list[str] = []
    for cls in spec.success:
        inner = [c.__name__ for c in field_classes(cls, "values")] if _has_values(cls) else []
        names.extend(inner or [cls.__name__])
    return " or ".join(dict.fromkeys(names)) or "the reply"


def _has_values(cls: type) -> bool:
    return "values" in field_names(cls)


def _named(
    partial: functools.partial[Any],
    qualname: str,
    doc: str | None,
    signature: inspect.Signature | None = None,
) -> Callable[..., Any]:
    """A plain function around a partial, named after the facade method, with the operation's
    docstring (the generated one: summary, description, parameters) and its facade signature
    (path and query parameters, body fields, per-call options) for ``help()``."""

    def method(*args: Any, **kwargs: Any) -> Any:
        return partial(*args, **kwargs)

    method.__name__ = qualname.rsplit(".", 1)[-1]
    method.__qualname__ = qualname
    method.__doc__ = doc
    if signature is not None:
        method.__signature__ = signature  # type: ignore[attr-defined]
    return method


class SyncNamespace(_Namespace):
    """Namespace whose methods send the request and return the result."""

    def _exchange(
        self, spec: _catalog.OpSpec, kwargs: dict[str, Any], options: CallOptions
    ) -> httpx.Response:
        try:
            response: httpx.Response = self._client._http.send(self._request(spec, kwargs, options))
        except httpx.HTTPError as exc:
            raise connection_error(exc) from exc
        return response

    def _call(
        self, spec: _catalog.OpSpec, kwargs: dict[str, Any], options: CallOptions = NO_OPTIONS
    ) -> Any:
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

    def _merge_update(self, iid: int, /, *, body: Any = None, **changes: Any) -> Any:
        """Update a record by iid: fetch it, apply ``changes`` (snake_case fields), PUT it back.

        Fields not named keep their stored values; the stored record is returned. Pass ``body=``
        (a full update model) to PUT it as is instead.
        """
        put, options, flags = self._merge_plan(iid, body, changes)
        if body is not None:
            return self._call(put, bind(put, (iid, body), {}).kwargs, options)
        new_body = self._merged(put, self._read(iid, options), changes, flags)
        stored = self._call(put, {"iid": iid, "body": new_body}, options)
        return stored if self._raw or is_model(stored) else self._read(iid, options)

    def _read(self, iid: int, options: CallOptions = NO_OPTIONS) -> Any:
        spec, kwargs = self._read_args(iid)
        return self._record_of(spec, self._exchange(spec, kwargs, options), iid)


class AsyncNamespace(_Namespace):
    """Namespace whose methods are coroutines; list/search return an :class:`AsyncPager` at once."""

    _is_async = True

    async def _exchange(
        self, spec: _catalog.OpSpec, kwargs: dict[str, Any], options: CallOptions
    ) -> httpx.Response:
        try:
            response: httpx.Response = await self._client._http.send(
                self._request(spec, kwargs, options)
            )
        except httpx.HTTPError as exc:
            raise connection_error(exc) from exc
        return response

    async def _call(
        self, spec: _catalog.OpSpec, kwargs: dict[str, Any], options: CallOptions = NO_OPTIONS
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

    def _merge_update(self, iid: int, /, *, body: Any = None, **changes: Any) -> Awaitable[Any]:
        # checked before any request, even before the coroutine is awaited
        put, options, flags = self._merge_plan(iid, body, changes)
        if body is not None:
            return self._call(put, bind(put, (iid, body), {}).kwargs, options)

        async def run() -> Any:
            new_body = self._merged(put, await self._read(iid, options), changes, flags)
            stored = await self._call(put, {"iid": iid, "body": new_body}, options)
            return stored if self._raw or is_model(stored) else await self._read(iid, options)

        return run()

    async def _read(self, iid: int, options: CallOptions = NO_OPTIONS) -> Any:
        spec, kwargs = self._read_args(iid)
        return self._record_of(spec, await self._exchange(spec, kwargs, options), iid)
