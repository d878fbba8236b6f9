"""Resource namespaces (``client.users``, ``client.issues``, ...) derived from the generated package.

Every tag package of ``issuetrak_client.api`` becomes a namespace named like it; every operation
module in it becomes a method under its own name (``client.users.search_for_users``) and, for the
common shapes, a short name (``list``, ``get``, ``search``, ``create``, ``update``, ``patch``; see
:func:`issuetrak._catalog.friendly_names`). Nothing is imported until a namespace method is first
looked up, so ``import issuetrak`` stays cheap.

:class:`SyncResources` and :class:`AsyncResources` are mixins for the client classes. They need one
attribute from the client: ``_api``, an ``issuetrak_client.AuthenticatedClient`` whose httpx
client raises the overlay's typed errors for non-2xx replies.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from . import _catalog
from ._calls import Bound, bind, parsing, result, unwrap
from ._facade_errors import UsageError
from ._merge import check_changes, merged_body
from ._models import is_model
from ._paging import AsyncPager, SyncPager

__all__ = ["AsyncNamespace", "AsyncResources", "SyncNamespace", "SyncResources"]


class _Namespace:
    """Operations of one document tag. Subclasses add entity-specific helpers."""

    _is_async = False

    def __init__(self, client: Any, tag: str) -> None:
        self._client = client
        self._tag = tag
        self._aliases = _catalog.friendly_names(tag)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._tag}: {', '.join(self._method_names())}>"

    def _method_names(self) -> list[str]:
        return sorted({*self._aliases, *_catalog.operation_names(self._tag)})

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self._method_names()})

    def _spec(self, name: str) -> _catalog.OpSpec:
        return _catalog.load(self._tag, self._aliases.get(name, name))

    def _has(self, name: str) -> bool:
        return name in self._aliases or name in _catalog.operation_names(self._tag)

    def _merge_capable(self) -> bool:
        """GET and PUT by iid: ``update(iid, **changes)`` is a merge-update."""
        if "get" not in self._aliases or "update" not in self._aliases:
            return False
        put = self._spec("update")
        return put.path_params == ("iid",) and put.body_cls is not None and not put.body_is_list

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or not self._has(name):
            raise AttributeError(
                f"{self._tag!r} has no operation {name!r}; available: {', '.join(self._method_names())}"
            )
        if name == "update" and self._merge_capable():
            method: Callable[..., Any] = self._merge_update
        else:
            spec = self._spec(name)
            generated = (
                spec.module.asyncio_detailed if self._is_async else spec.module.sync_detailed
            )
            method = _named(
                functools.partial(self._invoke, spec), f"{self._tag}.{name}", generated.__doc__
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
                f"{type(self._client).__name__} has no _api (an issuetrak_client.AuthenticatedClient)"
            ) from None


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
        check_changes(put.body_cls, changes, where)
        self._precheck_update(changes, options)
        record = self._call(self._spec("get"), {"iid": iid})
        new_body = self._prepare_update(
            merged_body(record, put.body_cls, changes, where), options, changes
        )
        stored = self._call(put, {"iid": iid, "body": new_body})
        return stored if is_model(stored) else self._call(self._spec("get"), {"iid": iid})

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
        check_changes(update_cls, changes, where)  # before any request, even before awaiting
        self._precheck_update(changes, options)

        async def run() -> Any:
            record = await self._call(self._spec("get"), {"iid": iid})
            new_body = self._prepare_update(
                merged_body(record, update_cls, changes, where), options, changes
            )
            stored = await self._call(put, {"iid": iid, "body": new_body})
            return stored if is_model(stored) else await self._call(self._spec("get"), {"iid": iid})

        return run()

    _update_options: frozenset[str] = frozenset()


# Namespaces with entity-specific helpers, by tag; filled by the modules that define them.
_SYNC_SPECIAL: dict[str, type[SyncNamespace]] = {}
_ASYNC_SPECIAL: dict[str, type[AsyncNamespace]] = {}


def register(tag: str, sync_cls: type[SyncNamespace], async_cls: type[AsyncNamespace]) -> None:
    _SYNC_SPECIAL[tag] = sync_cls
    _ASYNC_SPECIAL[tag] = async_cls


def _load_specials() -> None:
    # imported here, not at module level: they import model modules on first use only
    from . import _groups, _issues  # noqa: F401


class _ResourcesBase:
    """Shared ``__getattr__`` of the client mixins."""

    def _namespace_for(self, tag: str) -> Any:
        raise NotImplementedError

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes the client does not have itself.
        if name.startswith("_") or name not in _catalog.tags():
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        cache = self.__dict__.setdefault("_issuetrak_namespaces", {})
        namespace = cache.get(name)
        if namespace is None or namespace._client is not self:  # copies must not share namespaces
            namespace = self._namespace_for(name)
            cache[name] = namespace
        return namespace

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *_catalog.tags()})


class SyncResources(_ResourcesBase):
    """Mixin: ``client.<tag>`` namespaces with blocking methods. Needs ``self._api``."""

    def _namespace_for(self, tag: str) -> SyncNamespace:
        _load_specials()
        return _SYNC_SPECIAL.get(tag, SyncNamespace)(self, tag)


class AsyncResources(_ResourcesBase):
    """Mixin: ``client.<tag>`` namespaces with coroutine methods. Needs ``self._api``."""

    def _namespace_for(self, tag: str) -> AsyncNamespace:
        _load_specials()
        return _ASYNC_SPECIAL.get(tag, AsyncNamespace)(self, tag)
