"""Which operations a contract run may send, decided from the document alone.

A live Issuetrak site is somebody's production data, so every operation is put in one of four
kinds before anything is sent, and the run only sends the kinds its options allow:

* ``read``: ``GET``, and ``POST`` to a path ending in ``/Search`` (Issuetrak searches are reads);
* ``create``: any other ``POST`` (creates, uploads, memberships added, duplicates closed);
* ``modify``: ``PUT`` and ``PATCH``;
* ``destructive``: ``DELETE``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from issuetrak_tools._contract.entities import OperationRef
from issuetrak_tools.spec import iter_operations

__all__ = ["OperationKind", "WritePolicy", "classify", "classify_document", "operation_kind"]


class OperationKind(enum.Enum):
    READ = "read"
    CREATE = "create"
    MODIFY = "modify"
    DESTRUCTIVE = "destructive"


def classify(method: str, path: str) -> OperationKind:
    """The kind of one operation, from its method and templated path."""
    verb = method.upper()
    if verb in ("GET", "HEAD", "OPTIONS", "TRACE"):
        return OperationKind.READ
    if verb == "POST":
        last = path.rstrip("/").rsplit("/", 1)[-1]
        return OperationKind.READ if last.lower() == "search" else OperationKind.CREATE
    if verb in ("PUT", "PATCH"):
        return OperationKind.MODIFY
    if verb == "DELETE":
        return OperationKind.DESTRUCTIVE
    raise ValueError(f"cannot classify HTTP method {method!r} of {path}")


@dataclass(frozen=True)
class WritePolicy:
    """What a run may send: reads always; writes and deletes only when asked for."""

    allow_writes: bool = False
    allow_destructive: bool = False

    @classmethod
    def for_target(cls, *, live: bool, allow_writes: bool, allow_destructive: bool) -> WritePolicy:
        """The in-process mock is disposable, so it gets everything; a live site gets what was asked."""
        if not live:
            return cls(allow_writes=True, allow_destructive=True)
        if allow_destructive and not allow_writes:
            raise ValueError(
                "--allow-destructive needs --allow-writes as well (deletes act on created data)"
            )
        return cls(allow_writes=allow_writes, allow_destructive=allow_destructive)

    @property
    def allowed_kinds(self) -> frozenset[OperationKind]:
        kinds = {OperationKind.READ}
        if self.allow_writes:
            kinds |= {OperationKind.CREATE, OperationKind.MODIFY}
        if self.allow_destructive:
            kinds.add(OperationKind.DESTRUCTIVE)
        return frozenset(kinds)

    def allows(self, method: str, path: str) -> bool:
        return classify(method, path) in self.allowed_kinds

    def describe(self) -> str:
        return ", ".join(sorted(kind.value for kind in self.allowed_kinds))


def classify_document(document: Mapping[str, Any]) -> dict[tuple[str, str], OperationKind]:
    """``{(METHOD, path): kind}`` for every operation of ``document``."""
    return {(op.method, op.path): classify(op.method, op.path) for op in iter_operations(document)}


def operation_kind(ref: OperationRef) -> str:
    """The finer kind of one operation, by Issuetrak's conventions (for the check families).

    ``get`` (by iid), ``list``, ``search``, ``create``, ``update`` (PUT), ``patch``, ``delete``,
    ``membership_list``/``membership_add``/``membership_replace``/``membership_remove``,
    ``subcollection`` (a read below a record: ``GET /Organizations/{iid}/Contracts``),
    ``settings`` (a read of one configuration document: ``GET /System/Settings``,
    ``GET /Issues/Udfs``), or ``other`` (an action: ``POST /Issues/Close/Duplicate``).
    """
    if ref.kind == "membership":
        return {
            "GET": "membership_list",
            "POST": "membership_add",
            "PUT": "membership_replace",
            "DELETE": "membership_remove",
        }.get(ref.method, "other")
    if ref.kind in ("get", "list", "search", "create", "update", "patch", "delete"):
        if ref.kind in ("list", "get") and ref.path.count("{") >= 1 and _below_record(ref.path):
            return "subcollection"
        return ref.kind
    if ref.method == "GET":
        return "subcollection" if "{" in ref.path else "settings"
    return "other"


def _below_record(path: str) -> bool:
    """Whether ``path`` continues after a path parameter (``/Xs/{iid}/Ys``)."""
    parts = [p for p in path.split("/") if p]
    return any(p.startswith("{") for p in parts[:-1])
