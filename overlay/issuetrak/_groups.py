"""``client.groups``: create/update check group permissions, or normalise them with ``normalize=True``.

The generated ``issuetrak_client.<label>.namespaces.groups`` classes derive from
:class:`SyncGroups`/:class:`AsyncGroups` and give ``create`` and ``update`` the ``normalize``
keyword (see :data:`issuetrak._resources.ENTITIES`).
"""

from __future__ import annotations

from typing import Any

import attrs

from ._calls import Bound
from ._catalog import OpSpec
from ._models import field_classes
from ._namespace import AsyncNamespace, SyncNamespace, _Namespace
from .permissions import normalize_permissions

__all__ = ["AsyncGroups", "SyncGroups"]


def _with_permissions(body: Any, normalize: bool) -> Any:
    perms = getattr(body, "permissions", None)
    if not isinstance(perms, list):
        return body
    resolved = normalize_permissions(perms, strict=not normalize)
    # the enum of the body's own generated package (its version), not the default label's
    enum_cls = next(
        c for c in field_classes(type(body), "permissions") if hasattr(c, "__members__")
    )
    return attrs.evolve(body, permissions=[enum_cls(p) for p in resolved])


class _GroupsMixin(_Namespace):
    _update_options = frozenset({"normalize"})

    def _prepare_call(self, spec: OpSpec, bound: Bound, flags: dict[str, Any]) -> None:
        # the generated create (and only the methods regen gave the flag) pass ``normalize``
        if "normalize" not in flags or "body" not in bound.kwargs:
            super()._prepare_call(spec, bound, flags)
            return
        normalize = bool(flags.pop("normalize"))
        super()._prepare_call(spec, bound, flags)
        bound.kwargs["body"] = _with_permissions(bound.kwargs["body"], normalize)

    def _precheck_update(self, changes: dict[str, Any], flags: dict[str, Any]) -> None:
        if "permissions" in changes and not flags.get("normalize"):
            normalize_permissions(changes["permissions"], strict=True)

    def _prepare_update(self, body: Any, flags: dict[str, Any], changes: dict[str, Any]) -> Any:
        normalize = bool(flags.pop("normalize", False))
        body = super()._prepare_update(body, flags, changes)
        # stored permissions are left alone unless this update touches them or asks to normalise
        if normalize or "permissions" in changes:
            body = _with_permissions(body, normalize)
        return body


class SyncGroups(_GroupsMixin, SyncNamespace):
    """``client.groups``."""


class AsyncGroups(_GroupsMixin, AsyncNamespace):
    """``client.groups`` on the async client."""
