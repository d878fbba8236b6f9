"""``client.<tag>``: the client mixins, and the table of namespaces with entity-specific helpers.

The namespaces are real classes that ``issuetrak regen`` writes into the label's package
(``issuetrak_client.<label>.namespaces``, one module per document tag); a client reaches them
through that package's ``Namespaces`` (or ``AsyncNamespaces``) container, made on first use for
the client's version. Type checkers and editors see the default label's container as a base
class of :class:`SyncResources`/:class:`AsyncResources`, so ``client.users.get`` goes to the
generated method.

:data:`ENTITIES` is the one place that says which tags get hand-written helpers: regen derives
the tag's generated classes from the named base classes, hands them the operations they need
and adds the keyword flags to the named methods.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._groups import AsyncGroups, SyncGroups
from ._issues import AsyncIssues, SyncIssues
from ._namespace import AsyncNamespace, SyncNamespace, did_you_mean

__all__ = ["ENTITIES", "AsyncResources", "Entity", "SyncResources"]


@dataclass(frozen=True)
class Entity:
    """Hand-written helpers of one tag's namespace, as regen reads them.

    ``operations``: class attribute -> ``"tag.method"`` (a friendly name such as ``patch`` or an
    operation name) that the base class calls; the base classes are generic in the results of
    these operations, in this order. ``flags``: keyword flags (``bool``, default ``False``) that
    the generated methods of these names accept and pass on. Methods the base class defines
    itself are not generated. A document whose tag lacks one of the operations gets a plain
    namespace for that tag.
    """

    sync: type[SyncNamespace]
    async_: type[AsyncNamespace]
    operations: dict[str, str] = field(default_factory=dict)
    flags: dict[str, tuple[str, ...]] = field(default_factory=dict)


ENTITIES: dict[str, Entity] = {
    "issues": Entity(
        SyncIssues,
        AsyncIssues,
        operations={
            "_patch_op": "issues.patch",
            "_upload_op": "issue_attachments.upload_issue_attachment",
        },
    ),
    "groups": Entity(
        SyncGroups, AsyncGroups, flags={"create": ("normalize",), "update": ("normalize",)}
    ),
}

if TYPE_CHECKING:  # the default label's generated containers (written by regen)
    from issuetrak_client import AsyncNamespaces as _TypedAsync
    from issuetrak_client import Namespaces as _TypedSync
else:
    _TypedSync = _TypedAsync = object


class _ResourcesBase:
    """``client.<tag>`` and ``client.with_raw_response``, from the generated container of the
    client's version."""

    _container_name = "Namespaces"

    def _container(self) -> Any:
        made = self.__dict__.get("_issuetrak_namespaces")
        if made is None or made._client is not self:  # copies must not share namespaces
            package = self.__dict__["_version"].package
            module = importlib.import_module(f"{package}.namespaces")
            made = self.__dict__["_issuetrak_namespaces"] = getattr(module, self._container_name)(
                self
            )
        return made

    def _tags(self) -> tuple[str, ...]:
        if "_version" not in self.__dict__:
            return ()
        tags: tuple[str, ...] = self._container().TAGS
        return tags

    if not TYPE_CHECKING:  # hidden from type checkers: a misspelt namespace must be an error

        def __getattr__(self, name: str) -> Any:
            # only reached for attributes the client does not have itself
            if not name.startswith("_") and "_version" in self.__dict__:
                container = self._container()
                if name in container.TAGS or name == "with_raw_response":
                    return getattr(container, name)
            hint = "" if name.startswith("_") else did_you_mean(name, self._tags())
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}{hint}")

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self._tags(), "with_raw_response"})


class SyncResources(_ResourcesBase, _TypedSync):
    """Mixin: ``client.<tag>`` namespaces with blocking methods."""


class AsyncResources(_ResourcesBase, _TypedAsync):
    """Mixin: ``client.<tag>`` namespaces with coroutine methods."""

    _container_name = "AsyncNamespaces"
