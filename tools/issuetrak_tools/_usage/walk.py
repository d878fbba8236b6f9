"""Each item of a usage file looked up in one document: found (where), or what is wrong (where).

A usage names operations (``POST /Issues/Search``), query parameters, body properties, filter
paths (``filter.priority.iid``) with their operators, sort fields, issue PATCH paths and the
properties read per schema. :func:`walk_usage` finds each of them in a document and returns
:class:`Finding` entries for what the document does not accept, each with a JSON pointer into it,
plus the named schema properties the usage touches (to tell which changes of a changelog matter).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from issuetrak.conventions import escape, unescape
from issuetrak_tools._evolution.refs import normalize, ref_name
from issuetrak_tools._evolution.schemas import COMPONENT_PREFIXES
from issuetrak_tools._evolution.wire import OperationView, index_operations

__all__ = ["Finding", "Walk", "walk_usage"]

_TEMPLATE = re.compile(r"\{[^}/]*\}")
_MAX_DEPTH = 32


@dataclass(frozen=True, order=True)
class Finding:
    """Something the usage needs that the document does not give (``pointer`` into it)."""

    pointer: str
    item: str
    problem: str


@dataclass
class Walk:
    """What one usage needs from one document."""

    findings: list[Finding] = field(default_factory=list)
    #: (component name, property) pairs the usage sends or reads; ("Name", "") for a whole schema
    touched: set[tuple[str, str]] = field(default_factory=set)
    #: operation labels (``GET /Users/{iid}``) the usage calls, as the document spells them
    operations: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class _Node:
    """A schema with its ``$ref`` followed, where it lives, and the component it is (if any)."""

    schema: Mapping[str, Any]
    pointer: str
    component: str = ""


def _follow(document: Mapping[str, Any], schema: Any, where: str) -> _Node:
    node, component = normalize(schema), ""
    for _ in range(_MAX_DEPTH):
        ref = node.get("$ref")
        if not isinstance(ref, str) or not ref.startswith("#"):
            break
        where, component = ref[1:], ref_name(ref) if ref.startswith(COMPONENT_PREFIXES) else ""
        target: Any = document
        for part in ref[2:].split("/"):
            target = target.get(unescape(part)) if isinstance(target, Mapping) else None
        node = normalize(target)
    return _Node(node, where, component)


def _properties(document: Mapping[str, Any], node: _Node) -> dict[str, _Node]:
    """Properties of an object schema (``allOf`` parts merged), each with its pointer."""
    found: dict[str, _Node] = {}
    for index, part in enumerate(node.schema.get("allOf") or ()):
        found.update(
            _properties(document, _follow(document, part, f"{node.pointer}/allOf/{index}"))
        )
    for name, prop in (node.schema.get("properties") or {}).items():
        where = f"{node.pointer}/properties/{escape(str(name))}"
        found[str(name)] = _Node(normalize(prop), where, node.component)
    return found


def _find_operation(
    operations: Mapping[tuple[str, str], OperationView], key: str
) -> OperationView | None:
    method, _, path = key.partition(" ")
    exact = operations.get((method, path))
    if exact is not None:
        return exact
    blank = _TEMPLATE.sub("{}", path).lower()
    for (m, p), view in operations.items():
        if m == method and _TEMPLATE.sub("{}", p).lower() == blank:
            return view
    return None


def _op_pointer(view: OperationView) -> str:
    return f"/paths/{escape(view.path)}/{view.method.lower()}"


def _body(document: Mapping[str, Any], view: OperationView) -> _Node | None:
    body = view.operation.get("requestBody")
    where = f"{_op_pointer(view)}/requestBody"
    if isinstance(body, Mapping) and isinstance(body.get("$ref"), str):
        where = body["$ref"][1:]
        body = _follow(document, body, where).schema
    content = body.get("content") if isinstance(body, Mapping) else None
    if not isinstance(content, Mapping):
        return None
    for media, entry in content.items():
        if "json" in str(media) and isinstance(entry, Mapping):
            return _follow(
                document, entry.get("schema", {}), f"{where}/content/{escape(media)}/schema"
            )
    return None


class _Walker:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.operations = index_operations(document)
        self.result = Walk()

    def fail(self, pointer: str, item: str, problem: str) -> None:
        self.result.findings.append(Finding(pointer, item, problem))

    def touch(self, node: _Node, name: str = "") -> None:
        if node.component:
            self.result.touched.add((node.component, name))

    def operation(self, key: str, entry: Mapping[str, Any]) -> None:
        view = _find_operation(self.operations, key)
        if view is None:
            path = key.partition(" ")[2]
            where = f"/paths/{escape(path)}"
            self.fail(where, key, "operation not in the document")
            return
        self.result.operations.add(view.label)
        query = {n for (kind, n) in view.parameters if kind == "query"}
        for name in entry.get("query", ()):
            if name not in query:
                self.fail(
                    f"{_op_pointer(view)}/parameters",
                    f"{key} query {name}",
                    "no such query parameter",
                )
        body = _body(self.document, view) if {"body", "filters", "sort"} & set(entry) else None
        if body is None and {"body", "filters", "sort"} & set(entry):
            self.fail(f"{_op_pointer(view)}/requestBody", key, "no JSON request body")
        if body is not None:
            self.body(key, body, entry)
        if "patch" in entry:
            self.patch(key, view, entry["patch"])
        if entry.get("whole_response"):
            self.whole_response(view)

    def body(self, key: str, body: _Node, entry: Mapping[str, Any]) -> None:
        props = _properties(self.document, body)
        search = "filters" in entry or "sort" in entry
        for name in entry.get("body", ()):
            self.touch(body, name)
            prop = props.get(name)
            if prop is None and props:
                self.fail(body.pointer, f"{key} body {name}", "no such body property")
            elif prop is not None and not search and prop.schema.get("readOnly") is True:
                self.fail(prop.pointer, f"{key} body {name}", "sent property is read-only")
        for path, operators in entry.get("filters", {}).items():
            self.criterion(key, body, path, operators)
        for value in entry.get("sort", ()):
            sort = props.get("sortField")
            if sort is None:
                continue
            target = _follow(self.document, sort.schema, sort.pointer)
            self.touch(target)
            enum = target.schema.get("enum")
            if isinstance(enum, list) and value not in enum:
                self.fail(target.pointer, f"{key} sort {value}", "sort field not accepted")

    def criterion(self, key: str, body: _Node, path: str, operators: list[str]) -> None:
        node = body
        for part in path.split("."):
            name = part.removesuffix("[]")
            props = _properties(self.document, _follow(self.document, node.schema, node.pointer))
            here = _follow(self.document, node.schema, node.pointer)
            self.touch(here, name)
            prop = props.get(name)
            if prop is None:
                self.fail(here.pointer, f"{key} filter {path}", "no such filter field")
                return
            node = prop
            if part.endswith("[]"):
                node = _Node(normalize(prop.schema.get("items", {})), f"{prop.pointer}/items")
        leaf = _follow(self.document, node.schema, node.pointer)
        kind = _properties(self.document, leaf).get("type")
        if kind is None:
            return
        match = _follow(self.document, kind.schema, kind.pointer)
        self.touch(leaf, "type")
        self.touch(match)
        enum = match.schema.get("enum")
        for operator in operators:
            if isinstance(enum, list) and operator not in enum:
                self.fail(match.pointer, f"{key} filter {path} {operator}", "operator not accepted")

    def patch(self, key: str, view: OperationView, rows: list[str]) -> None:
        from issuetrak.conventions import document_patch_rules

        rules = document_patch_rules(self.document)
        for row in rows:
            op, _, path = row.partition(" ")
            rule = next((r for r in rules if r.matches(path.replace("{index}", "1"))), None)
            if rule is None:
                self.fail(
                    f"{_op_pointer(view)}/requestBody",
                    f"{key} patch {path}",
                    "PATCH path not documented",
                )
            elif op.lower() not in {o.lower() for o in rule.ops}:
                self.fail(
                    f"{_op_pointer(view)}/requestBody",
                    f"{key} patch {row}",
                    "PATCH operation not allowed on this path",
                )

    def whole_response(self, view: OperationView) -> None:
        for status, response in (view.operation.get("responses") or {}).items():
            if not str(status).startswith("2") or not isinstance(response, Mapping):
                continue
            for entry in (response.get("content") or {}).values():
                if isinstance(entry, Mapping):
                    for name in self.reachable(entry.get("schema", {})):
                        self.result.touched.add((name, ""))

    def reachable(self, schema: Any) -> Iterator[str]:
        stack, seen = [schema], set[str]()
        while stack:
            item = stack.pop()
            if isinstance(item, Mapping):
                ref = item.get("$ref")
                if isinstance(ref, str) and ref.startswith(COMPONENT_PREFIXES):
                    name = ref_name(ref)
                    if name not in seen:
                        seen.add(name)
                        yield name
                        stack.append(_follow(self.document, item, ref[1:]).schema)
                stack.extend(v for k, v in item.items() if k != "$ref")
            elif isinstance(item, list):
                stack.extend(item)

    def read(self, schema: str, props: list[str]) -> None:
        node = _follow(self.document, {"$ref": f"#/components/schemas/{escape(schema)}"}, "")
        if not node.schema:
            self.fail(f"/components/schemas/{escape(schema)}", schema, "schema not in the document")
            return
        found = _properties(self.document, node)
        for name in props:
            self.touch(node, name)
            prop = found.get(name)
            if prop is None:
                self.fail(
                    f"{node.pointer}/properties/{escape(name)}",
                    f"{schema}.{name}",
                    "read property not in the document",
                )
                continue
            for target in self.reachable(prop.schema):  # an enum or a scalar named schema it uses
                inner = _follow(
                    self.document, {"$ref": f"#/components/schemas/{escape(target)}"}, ""
                )
                if "properties" not in inner.schema and "allOf" not in inner.schema:
                    self.result.touched.add((target, ""))


def walk_usage(usage: Mapping[str, Any], document: Mapping[str, Any]) -> Walk:
    """Look every item of ``usage`` up in ``document``."""
    walker = _Walker(document)
    for key, entry in usage.get("operations", {}).items():
        walker.operation(key, entry)
    for schema, props in usage.get("reads", {}).items():
        walker.read(schema, props)
    walker.result.findings.sort()
    return walker.result
