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
import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from . import _catalog
from ._calls import Bound, bind, parsing, result, unwrap
from ._facade_errors import RecordNotFoundError, UsageError
from ._merge import check_changes, merged_body
from ._models import field_classes, field_names, is_model
from ._paging import AsyncPager, SyncPager

__all__ = ["AsyncNamespace", "SyncNamespace", "did_you_mean"]


class _Namespace:
    """Operations of one document tag. Subclasses add entity-specific helpers."""

    _is_async = False

    def __init__(self, client: Any, tag: str, package: str | None = None) -> None:
        self._client = client
        self._tag = tag
        self._package = package or client._version.package
        self._aliases = _catalog.friendly_names(tag, self._package)

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

    def _one_record(self, envelope: Any, status: int, spec: _catalog.OpSpec, iid: int) -> Any:
        """The record from a GET reply, or the single match of a search by iid."""
        if not spec.paged_by_body:
            return unwrap(spec, envelope, status)
        values = getattr(envelope, "values", None)
        matches = [v for v in values if getattr(v, "iid", None) == iid] if values else []
        if len(matches) != 1:
            raise RecordNotFoundError(
                f"{self._tag}.update: no record with iid {iid} "
                f"({spec.qualname} by iid found {len(matches)})"
            )
        return matches[0]

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
            )
        self.__dict__[name] = method  # later lookups skip __getattr__
        return method

    # -- subclasses: one request through the generated function ---------------------------------
    def _send(self, spec: _catalog.OpSpec, kwargs: dict[str, Any]) -> Any:
        raise NotImplementedError

    def _call(self, spec: _catalog.OpSpec, kwargs: dict[str, Any]) -> Any:
        raise NotImplementedError

    def _invoke(self, spec: _catalog.OpSpec, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def _merge_update(self, iid: int, /, *, body: Any = None, **changes: Any) -> Any:
        raise NotImplementedError

    def _precheck_update(self, changes: dict[str, Any], options: dict[str, Any]) -> None:
        """Hook: refuse an update before any request (groups check new permissions here)."""

    def _prepare_update(self, body: Any, options: dict[str, Any], changes: dict[str, Any]) -> Any:
        """Hook: adjust a merged update body (groups normalise permissions here)."""
        if options:
            raise UsageError(f"{self._tag}.update: unknown option(s) {', '.join(options)}")
        return body

    def _api(self) -> Any:
        try:
            return self._client._api
        except AttributeError:
            raise TypeError(
                f"{type(self._client).__name__} has no _api (a generated AuthenticatedClient)"
            ) from None


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


def _named(partial: functools.partial[Any], qualname: str, doc: str | None) -> Callable[..., Any]:
    """A plain function around a partial, named after the facade method, with the operation's
    docstring (the generated one: summary, description, parameters) for ``help()``."""

    def method(*args: Any, **kwargs: Any) -> Any:
        return partial(*args, **kwargs)

    method.__name__ = qualname.rsplit(".", 1)[-1]
    method.__qualname__ = qualname
    method.__doc__ = doc
    return method


class SyncNamespace(_Namespace):
    """Namespace whose methods send the request and return the result."""

    def _send(self, spec: _catalog.OpSpec, kwargs: dict[str, Any]) -> Any:
        with parsing(spec):
            response = spec.module.sync_detailed(client=self._api(), **kwargs)
        return result(spec, response), int(response.status_code)

    def _call(self, spec: _catalog.OpSpec, kwargs: dict[str, Any]) -> Any:
        envelope, status = self._send(spec, kwargs)
        return unwrap(spec, envelope, status)

    def _invoke(self, spec: _catalog.OpSpec, *args: Any, **kwargs: Any) -> Any:
        bound = bind(spec, args, kwargs)
        if bound.paged:
            return self._pager(bound)
        return self._call(spec, bound.kwargs)

    def _pager(self, bound: Bound) -> SyncPager[Any]:
        def fetch(number: int, size: int) -> Any:
            return self._send(bound.spec, bound.for_page(number, size))[0]

        return SyncPager(
            fetch,
            page_size=bound.page_size,
            first_page=bound.first_page,
            operation=bound.spec.qualname,
        )

    def _merge_update(self, iid: int, /, *, body: Any = None, **changes: Any) -> Any:
        """Update a record by iid: fetch it, apply ``changes`` (snake_case fields), PUT it back.

        Fields not named keep their stored values; the stored record is returned. Pass ``body=``
        (a full update model) to PUT it as is instead.
        """
        put = self._spec("update")
        where = f"{self._tag}.update"
        assert put.body_cls is not None
        if body is not None:
            return self._call(put, bind(put, (iid, body), {}).kwargs)
        options = {k: changes.pop(k) for k in list(changes) if k in self._update_options}
        check_changes(put.body_cls, changes, where, allow_empty=any(options.values()))
        self._precheck_update(changes, options)
        record = self._read(iid)
        new_body = self._prepare_update(
            merged_body(record, put.body_cls, changes, where), options, changes
        )
        stored = self._call(put, {"iid": iid, "body": new_body})
        return stored if is_model(stored) else self._read(iid)

    def _read(self, iid: int) -> Any:
        spec, kwargs = self._read_args(iid)
        envelope, status = self._send(spec, kwargs)
        return self._one_record(envelope, status, spec, iid)

    _update_options: frozenset[str] = frozenset()


class AsyncNamespace(_Namespace):
    """Namespace whose methods are coroutines; list/search return an :class:`AsyncPager` at once."""

    _is_async = True

    async def _send(self, spec: _catalog.OpSpec, kwargs: dict[str, Any]) -> Any:
        with parsing(spec):
            response = await spec.module.asyncio_detailed(client=self._api(), **kwargs)
        return result(spec, response), int(response.status_code)

    async def _call(self, spec: _catalog.OpSpec, kwargs: dict[str, Any]) -> Any:
        envelope, status = await self._send(spec, kwargs)
        return unwrap(spec, envelope, status)

    def _invoke(self, spec: _catalog.OpSpec, *args: Any, **kwargs: Any) -> Any:
        bound = bind(spec, args, kwargs)
        if bound.paged:
            return self._pager(bound)
        return self._call(spec, bound.kwargs)

    def _pager(self, bound: Bound) -> AsyncPager[Any]:
        async def fetch(number: int, size: int) -> Any:
            return (await self._send(bound.spec, bound.for_page(number, size)))[0]

        return AsyncPager(
            fetch,
            page_size=bound.page_size,
            first_page=bound.first_page,
            operation=bound.spec.qualname,
        )

    def _merge_update(self, iid: int, /, *, body: Any = None, **changes: Any) -> Awaitable[Any]:
        put = self._spec("update")
        where = f"{self._tag}.update"
        assert put.body_cls is not None
        if body is not None:
            return self._call(put, bind(put, (iid, body), {}).kwargs)
        options = {k: changes.pop(k) for k in list(changes) if k in self._update_options}
        update_cls: type = put.body_cls
        check_changes(
            update_cls, changes, where, allow_empty=any(options.values())
        )  # before any request, even before awaiting
        self._precheck_update(changes, options)

        async def run() -> Any:
            record = await self._read(iid)
            new_body = self._prepare_update(
                merged_body(record, update_cls, changes, where), options, changes
            )
            stored = await self._call(put, {"iid": iid, "body": new_body})
            return stored if is_model(stored) else await self._read(iid)

        return run()

    async def _read(self, iid: int) -> Any:
        spec, kwargs = self._read_args(iid)
        envelope, status = await self._send(spec, kwargs)
        return self._one_record(envelope, status, spec, iid)

    _update_options: frozenset[str] = frozenset()
