"""The document's own conventions: which operations list, get, create, update and search which records.

Issuetrak names everything the same way - an entity ``X`` is read as ``X``, created from
``CreateX`` by ``POST /Xs`` (or ``POST /Xs/Create``), read by ``GET /Xs/{iid}``, changed from
``UpdateX`` by ``PUT /Xs/{iid}``, listed by ``GET /Xs`` (``PagedXResponse``) and searched by
``POST /Xs/Search`` (``XFilter``). The mock finds its entities by exactly these rules
(:func:`issuetrak_mock.routing.build_routes`); the contract run reads the document through the same
table, so what the mock serves and what the suite expects cannot drift apart, and a new entity in a
newer document is known to both without a line of code.

:class:`Conventions` answers the questions the run asks: the collection (a store of records, e.g.
``causes:cause``) each operation works on, which collection a path parameter's value comes from
(``{iid}`` of ``/Causes/{iid}``, ``{issueIid}`` of ``/Issues/{issueIid}/Tasks/Search``), and the
templated ``METHOD /path`` of a concrete request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from issuetrak_mock.routing import RouteTable, build_routes
from issuetrak_mock.schemas import SchemaIndex

__all__ = ["Collection", "Conventions", "OperationRef"]

KINDS = ("list", "search", "get", "create", "update", "patch", "delete")
_PARAM = re.compile(r"^\{(?P<name>[^}]+)\}$")


@dataclass(frozen=True)
class OperationRef:
    """One operation of the document as the conventions see it."""

    method: str
    path: str
    operation_id: str
    kind: str  # list | search | get | create | update | patch | delete | membership | other
    entity: str | None
    store: str | None  # the collection it works on, e.g. "causes:cause"
    request_schema: str | None
    response_schema: str | None
    success_status: int

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(p[1:-1] for p in self.path.split("/") if _PARAM.match(p))


@dataclass
class Collection:
    """A store of records and the operations on it, by kind."""

    store: str
    entity: str
    operations: dict[str, OperationRef] = field(default_factory=dict)

    @property
    def segment(self) -> str:
        """The first path segment, as the document spells it (``Causes``)."""
        first = next(iter(self.operations.values()))
        return next(p for p in first.path.split("/") if p)


def _segments(path: str) -> list[str]:
    return [p for p in path.split("/") if p]


class Conventions:
    """The entities, collections and operations of one document (built once per run)."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.index = SchemaIndex(document)
        self.routes: RouteTable = build_routes(document, self.index)
        self.operations: dict[str, OperationRef] = {}
        self.collections: dict[str, Collection] = {}
        for route in self.routes.routes:
            kind = route.kind
            parts = _segments(route.path)
            if route.method == "DELETE" and len(parts) == 2 and _PARAM.match(parts[1]):
                kind = "delete"
            ref = OperationRef(
                method=route.method,
                path=route.path,
                operation_id=route.operation_id,
                kind=kind,
                entity=route.entity,
                store=route.store,
                request_schema=route.request_schema,
                response_schema=route.response_schema,
                success_status=route.response_status,
            )
            self.operations[ref.label] = ref
        for ref in sorted(self.operations.values(), key=lambda r: (r.path.count("{"), r.path)):
            if ref.kind in KINDS and ref.store and ref.entity:
                collection = self.collections.setdefault(
                    ref.store, Collection(ref.store, ref.entity)
                )
                collection.operations.setdefault(ref.kind, ref)

    # -- lookups ----------------------------------------------------------------------------------

    def operation(self, label: str) -> OperationRef | None:
        return self.operations.get(label)

    def collection_of(self, ref: OperationRef) -> Collection | None:
        return self.collections.get(ref.store or "")

    def label_of(self, method: str, path: str) -> str:
        """The templated ``METHOD /path`` of a concrete request path (below the API prefix)."""
        match = self.routes.match(method.upper(), path)
        if match.route is not None:
            return f"{match.route.method} {match.route.path}"
        return f"{method.upper()} {path}"

    def owner(self, path: str, param: str) -> Collection | None:
        """The collection whose iids a path parameter takes.

        ``/Xs/{p}/...``: the collection at ``/Xs``; otherwise by name: ``{issueTypeIid}`` is an
        ``IssueType`` iid (``/IssueForms/IssueType/{issueTypeIid}``).
        """
        parts = _segments(path)
        token = "{" + param + "}"
        if token in parts:
            position = parts.index(token)
            if position == 1:
                found = self._collection_at(parts[0])
                if found is not None:
                    return found
        stem = re.sub(r"(Iid|Id)$", "", param)
        if stem and stem != param:
            candidates = [c for c in self.collections.values() if c.entity.lower() == stem.lower()]
            if candidates:
                return sorted(candidates, key=lambda c: len(c.store))[0]
        return None

    def referenced(self, name: str) -> Collection | None:
        """The listed collection a field or PATCH path refers to by the entity its name ends
        with: ``primaryOrganizationIid`` -> organizations, ``AssignedToUser`` -> users,
        ``SubType2`` -> subtypes2 (the digits pick the collection whose segment ends with them)."""
        head = re.sub(r"(Iid|Id)$", "", name)
        stem = head.rstrip("0123456789")
        digits = head[len(stem) :]
        found = [
            c
            for c in self.collections.values()
            if stem.lower().endswith(c.entity.lower())
            and any(k in c.operations for k in ("list", "search"))
            and (not digits or c.segment.endswith(digits))
        ]
        return min(found, key=lambda c: (-len(c.entity), len(c.store))) if found else None

    def _collection_at(self, segment: str) -> Collection | None:
        """The collection of the top-level operations on ``/segment`` (``GET /Xs``, ``GET /Xs/{iid}``)."""
        best: Collection | None = None
        for collection in self.collections.values():
            for ref in collection.operations.values():
                parts = _segments(ref.path)
                if parts and parts[0].lower() == segment.lower() and ref.path.count("{") <= 1:
                    top = len(parts) <= 2
                    if top and (best is None or ref.kind in ("get", "list")):
                        best = collection
        return best

    def success_values(self, ref: OperationRef) -> Mapping[str, Any]:
        """The schema of ``values`` in ``ref``'s success answer (resolved), or ``{}``."""
        if not ref.response_schema:
            return {}
        values = self.index.properties(ref.response_schema).get("values")
        return self.index.resolve(values) if isinstance(values, Mapping) else {}

    def returns_record_with_iid(self, ref: OperationRef) -> bool:
        """Whether the success answer is ``{values: {iid, ...}}`` (one record)."""
        values = self.success_values(ref)
        return values.get("type", "object") == "object" and "iid" in values.get("properties", {})

    def read_properties(self, entity: str) -> dict[str, Any]:
        return self.index.properties(entity)
