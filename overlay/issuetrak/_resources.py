"""The client mixins that turn ``client.<tag>`` into a namespace of the client's generated package.

:class:`SyncResources` and :class:`AsyncResources` are mixins for the client classes: each tag
package of the bound version's ``api`` becomes a namespace (:mod:`issuetrak._namespace`); the tags
with entity-specific helpers (``groups``, ``issues``) get their own namespace classes. Nothing
is imported until a namespace is first looked up, so ``import issuetrak`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from . import _catalog
from ._groups import AsyncGroups, SyncGroups
from ._issues import AsyncIssues, SyncIssues
from ._namespace import AsyncNamespace, SyncNamespace, did_you_mean

__all__ = ["AsyncRawResources", "AsyncResources", "SyncRawResources", "SyncResources"]

# Namespaces with entity-specific helpers, by tag.
_SYNC_SPECIAL: dict[str, type[SyncNamespace]] = {"groups": SyncGroups, "issues": SyncIssues}
_ASYNC_SPECIAL: dict[str, type[AsyncNamespace]] = {"groups": AsyncGroups, "issues": AsyncIssues}

if TYPE_CHECKING:  # typed views of the default label's namespaces (written by regen)
    # (they also declare ``with_raw_response``, typed per namespace and method)
    from issuetrak_client import AsyncNamespaces as _TypedAsync
    from issuetrak_client import Namespaces as _TypedSync
else:
    _TypedSync = _TypedAsync = object


class _ResourcesBase:
    """Shared ``__getattr__`` of the client mixins."""

    def _namespace_for(self, tag: str) -> Any:
        raise NotImplementedError

    def _tags(self) -> tuple[str, ...]:
        return (
            _catalog.tags(self.__dict__["_version"].package) if "_version" in self.__dict__ else ()
        )

    if not TYPE_CHECKING:  # hidden from type checkers: a misspelt namespace must be an error

        def __getattr__(self, name: str) -> Any:
            return self._namespace(name)

    def _namespace(self, name: str) -> Any:
        # Only reached for attributes the client does not have itself.
        if name.startswith("_") or name not in self._tags():
            hint = "" if name.startswith("_") else did_you_mean(name, self._tags())
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}{hint}")
        cache = self.__dict__.setdefault("_issuetrak_namespaces", {})
        namespace = cache.get(name)
        if namespace is None or namespace._client is not self:  # copies must not share namespaces
            namespace = self._namespace_for(name)
            cache[name] = namespace
        return namespace

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self._tags()})


class _RawBase:
    """``client.with_raw_response``: the client's namespaces, each method returning a
    :class:`~issuetrak.RawResponse` (see :mod:`issuetrak._raw`)."""

    _special: ClassVar[dict[str, Any]] = {}
    _plain: Any = None

    def __init__(self, client: Any) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<with_raw_response of {self._client!r}>"

    def _tags(self) -> tuple[str, ...]:
        return tuple(_catalog.tags(self._client._version.package))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in self._tags():
            hint = "" if name.startswith("_") else did_you_mean(name, self._tags())
            raise AttributeError(f"with_raw_response has no namespace {name!r}{hint}")
        namespace = self._special.get(name, self._plain)(self._client, name, raw=True)
        self.__dict__[name] = namespace
        return namespace

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self._tags()})


class SyncRawResources(_RawBase):
    _special = _SYNC_SPECIAL
    _plain = SyncNamespace


class AsyncRawResources(_RawBase):
    _special = _ASYNC_SPECIAL
    _plain = AsyncNamespace


class SyncResources(_ResourcesBase, _TypedSync):
    """Mixin: ``client.<tag>`` namespaces with blocking methods. Needs ``self._api``."""

    def _namespace_for(self, tag: str) -> SyncNamespace:
        return _SYNC_SPECIAL.get(tag, SyncNamespace)(self, tag)

    if not TYPE_CHECKING:  # type checkers read the typed view's with_raw_response

        @property
        def with_raw_response(self) -> SyncRawResources:
            """The same namespaces, each method returning a :class:`~issuetrak.RawResponse`:
            ``client.with_raw_response.users.get(1).headers``."""
            raw = self.__dict__.get("_issuetrak_raw")
            if raw is None:
                raw = self.__dict__["_issuetrak_raw"] = SyncRawResources(self)
            return raw


class AsyncResources(_ResourcesBase, _TypedAsync):
    """Mixin: ``client.<tag>`` namespaces with coroutine methods. Needs ``self._api``."""

    def _namespace_for(self, tag: str) -> AsyncNamespace:
        return _ASYNC_SPECIAL.get(tag, AsyncNamespace)(self, tag)

    if not TYPE_CHECKING:  # type checkers read the typed view's with_raw_response

        @property
        def with_raw_response(self) -> AsyncRawResources:
            """The same namespaces, each method a coroutine giving a
            :class:`~issuetrak.RawResponse`: ``(await client.with_raw_response.users.get(1))``."""
            raw = self.__dict__.get("_issuetrak_raw")
            if raw is None:
                raw = self.__dict__["_issuetrak_raw"] = AsyncRawResources(self)
            return raw
