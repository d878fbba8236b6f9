"""The route table, built once from the document's paths.

Every operation is classified by Issuetrak's conventions so that a new entity needs no code:

* ``GET /Xs`` answering ``PagedXResponse`` - list; ``POST /Xs`` or ``POST /Xs/Create`` with
  ``CreateX`` - create; ``GET /Xs/{iid}`` - get; ``PUT /Xs/{iid}`` with ``UpdateX`` - update;
  ``POST /Xs/Search`` - search; ``PATCH`` - patch; ``.../Memberships/...`` - memberships.
* Anything else is an ``other`` operation answered by a named handler, or by a value built from
  its response schema.

Matching is case-insensitive, as ASP.NET routing is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from issuetrak.conventions import iter_operations

from .schemas import SchemaIndex, ref_name

__all__ = ["Match", "Route", "RouteTable", "build_routes"]

_RESPONSE_NAME = re.compile(r"^(?:Paged|Single|Create|Update|Multiple)(?P<entity>\w+?)s?Response$")


@dataclass
class Route:
    """One operation of the document and how the mock serves it."""

    method: str
    path: str
    operation_id: str
    kind: str  # list | create | get | update | search | patch | membership | other
    entity: str | None  # read schema name, e.g. "Cause"
    store: str | None  # store key, e.g. "subtypes1:subtype"
    request_schema: str | None
    request_inline: Mapping[str, Any] | None
    response_status: int
    response_schema: str | None
    values_schema: str | None
    params: tuple[str, ...]
    spec: Mapping[str, Any] = field(repr=False)
    content_type: str | None = None
    pattern: re.Pattern[str] | None = None
    patch_rules: Any = None  # the published PATCH path table, parsed on first use


def _json_schema(
    content: Mapping[str, Any],
) -> tuple[str | None, Mapping[str, Any] | None, str | None]:
    for ctype, media in content.items():
        schema = media.get("schema") if isinstance(media, Mapping) else None
        if isinstance(schema, Mapping):
            return ref_name(schema), schema, ctype
    return None, None, None


def _entity_of(index: SchemaIndex, response: str | None) -> str | None:
    if response is None:
        return None
    match = _RESPONSE_NAME.match(response)
    if match and match.group("entity") in index.schemas:
        candidate = match.group("entity")
        if "properties" in index.schemas[candidate]:
            return candidate
    values = index.properties(response).get("values")
    if isinstance(values, Mapping):
        name = ref_name(values) or ref_name(values.get("items", {}) or {})
        if name and "properties" in index.schemas.get(name, {}):
            return name
    return None


def _values_schema(index: SchemaIndex, response: str | None) -> str | None:
    values = index.properties(response or "").get("values")
    if not isinstance(values, Mapping):
        return None
    return ref_name(values) or ref_name(index.resolve(values).get("items", {}) or {})


def _classify(
    method: str,
    path: str,
    request: str | None,
    response: str | None,
    entity: str | None,
    index: SchemaIndex,
) -> str:
    parts = [p for p in path.split("/") if p]
    last = parts[-1] if parts else ""
    ends_param = last.startswith("{")
    if "/memberships/" in path.lower():
        return "membership"
    if method == "PATCH":
        return "patch"
    if entity is None:
        return "other"
    if method == "POST" and last.lower() == "search":
        return "search"
    if method == "POST" and request and request.startswith("Create") and not ends_param:
        return "create"
    if method == "PUT" and ends_param and request and request.startswith("Update"):
        return "update"
    if method == "GET" and ends_param and len(parts) >= 2 and not parts[-2].startswith("{"):
        return "get"
    values = index.properties(response or "").get("values", {})
    if method == "GET" and not ends_param and index.resolve(values).get("type") == "array":
        return "list"
    return "other"


def _store_key(path: str, entity: str) -> str:
    first = next((p for p in path.split("/") if p), "")
    return f"{first.lower()}:{entity.lower()}"


def _pattern(path: str) -> re.Pattern[str]:
    out = []
    for part in path.split("/"):
        if part.startswith("{") and part.endswith("}"):
            out.append(f"(?P<{part[1:-1]}>[^/]+)")
        else:
            out.append(re.escape(part))
    return re.compile("^" + "/".join(out) + r"/?\Z", re.IGNORECASE)


def _specificity(path: str) -> tuple[int, tuple[bool, ...]]:
    """Sort key: fewer parameters first, then literal segments before parameters, left to right."""
    segments = [p for p in path.split("/") if p]
    return path.count("{"), tuple(s.startswith("{") for s in segments)


@dataclass(frozen=True)
class Match:
    """What a request path and method resolve to.

    ``allowed`` lists the methods the document declares on the resolved path (empty when no
    document path matches): a ``405`` must name them in its ``Allow`` header (RFC 9110).
    """

    route: Route | None
    params: dict[str, str]
    allowed: tuple[str, ...]


class RouteTable:
    """Resolves a request path to one document path, then the method to one of its routes.

    As OpenAPI prescribes, a concrete path wins over a templated one (``/Causes/Search`` is not
    ``/Causes/{iid}`` with ``iid="Search"``), so ``PUT /Causes/Search`` is a method the path does
    not have (``405``), like an ASP.NET site whose ``{iid:int}`` routes do not take ``Search``.
    Literal paths sit in a dict; templated ones are precompiled patterns grouped by segment count.
    """

    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes = list(routes)
        self._by_path: dict[str, dict[str, Route]] = {}
        self._literal: set[str] = set()
        self._templated: dict[int, list[tuple[re.Pattern[str], str]]] = {}
        for route in self.routes:
            key = route.path.lower().rstrip("/")
            if "{" in route.path:
                route.pattern = _pattern(route.path)
            methods = self._by_path.setdefault(key, {})
            methods[route.method] = route
        for route in sorted(self.routes, key=lambda r: _specificity(r.path)):
            key = route.path.lower().rstrip("/")
            if route.pattern is None:
                self._literal.add(key)
                continue
            group = self._templated.setdefault(key.strip("/").count("/"), [])
            if all(path != key for _, path in group):
                group.append((route.pattern, key))
        self._allowed = {key: tuple(sorted(methods)) for key, methods in self._by_path.items()}

    def match(self, method: str, path: str) -> Match:
        """Resolve ``method path`` (``path`` below the API prefix, any case)."""
        key = path.lower().rstrip("/")
        if key in self._literal:
            return Match(self._by_path[key].get(method), {}, self._allowed[key])
        for pattern, doc_path in self._templated.get(key.strip("/").count("/"), ()):
            found = pattern.match(key)
            if found:
                route = self._by_path[doc_path].get(method)
                return Match(route, found.groupdict(), self._allowed[doc_path])
        return Match(None, {}, ())

    def allowed(self, path: str) -> tuple[str, ...]:
        """The methods the document declares on ``path`` (a document path, any case)."""
        return self._allowed.get(path.lower().rstrip("/"), ())


def build_routes(document: Mapping[str, Any], index: SchemaIndex) -> RouteTable:
    """Classify every operation of ``document``."""
    routes: list[Route] = []
    for op in iter_operations(document):
        request_name = request_inline = ctype = None
        body = op.spec.get("requestBody")
        if isinstance(body, Mapping):
            request_name, request_inline, ctype = _json_schema(body.get("content", {}))
        status, response_name = 200, None
        for code in ("200", "201"):
            resp = op.spec.get("responses", {}).get(code)
            if isinstance(resp, Mapping):
                status = int(code)
                response_name, _, _ = _json_schema(resp.get("content", {}) or {})
                break
        entity = _entity_of(index, response_name)
        kind = _classify(op.method, op.path, request_name, response_name, entity, index)
        if kind == "search" and entity is None:
            kind = "other"
        params = tuple(p.strip("{}") for p in op.path.split("/") if p.startswith("{"))
        routes.append(
            Route(
                method=op.method,
                path=op.path,
                operation_id=op.operation_id,
                kind=kind,
                entity=entity,
                store=_store_key(op.path, entity) if entity else None,
                request_schema=request_name,
                request_inline=request_inline if request_name is None else None,
                response_status=status,
                response_schema=response_name,
                values_schema=_values_schema(index, response_name),
                params=params,
                spec=op.spec,
                content_type=ctype,
            )
        )
    # keeps the order stores and singletons are created in (and so the seeded data) stable
    routes.sort(key=lambda r: r.path.count("{"))
    return RouteTable(routes)
