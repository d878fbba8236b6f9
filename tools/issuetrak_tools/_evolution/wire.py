"""What changed on the wire between two documents: operations, parameters, bodies, responses, security."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from issuetrak.conventions.documents import deref_node, iter_operations, pair_operations

from .model import WIRE, Change
from .refs import ref_name
from .rules import BOTH, REQUEST, RESPONSE, fixed_breaking
from .schemas import SchemaComparer, component_schemas, schema_usage

__all__ = ["OperationView", "diff_wire", "index_operations", "schema_roots"]

_PARAM_SCHEMA_KEYS = ("type", "format", "enum", "items", "nullable", "minimum", "maximum")


@dataclass(frozen=True)
class OperationView:
    """One operation with its path-level parameters merged in and references resolved."""

    method: str
    path: str
    operation: Mapping[str, Any]
    parameters: dict[tuple[str, str], Mapping[str, Any]]

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def _resolve(document: Mapping[str, Any], node: Any) -> Any:
    """Follow a (possibly chained) ``$ref`` of a parameter, request body or response."""
    node = deref_node(document, node)
    return node if isinstance(node, Mapping) else {}


def _param_schema(param: Mapping[str, Any]) -> Any:
    if "schema" in param:
        return param["schema"]
    # Swagger 2 keeps the schema keywords on the parameter itself
    return {k: param[k] for k in _PARAM_SCHEMA_KEYS if k in param}


def index_operations(document: Mapping[str, Any]) -> dict[tuple[str, str], OperationView]:
    """Operations by (METHOD, path), parameters matched by :func:`parameter_key`."""
    return {
        (op.method, op.path): OperationView(op.method, op.path, op.spec, op.parameter_map(document))
        for op in iter_operations(document)
    }


def _request_body(document: Mapping[str, Any], op: OperationView) -> Mapping[str, Any] | None:
    if "requestBody" not in op.operation:
        return None
    body: Mapping[str, Any] = _resolve(document, op.operation["requestBody"])
    return body


def _content(node: Mapping[str, Any]) -> dict[str, Any]:
    content = node.get("content")
    if isinstance(content, Mapping):
        return {
            str(media): (m.get("schema", {}) if isinstance(m, Mapping) else {})
            for media, m in content.items()
        }
    if "schema" in node:  # Swagger 2 response
        return {"application/json": node["schema"]}
    return {}


def _responses(document: Mapping[str, Any], op: OperationView) -> dict[str, Mapping[str, Any]]:
    responses = op.operation.get("responses")
    if not isinstance(responses, Mapping):
        return {}
    return {str(status): _resolve(document, r) for status, r in responses.items()}


def schema_roots(document: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The schemas operations use directly, by direction (for :func:`schema_usage`)."""
    roots: dict[str, list[Any]] = {REQUEST: [], RESPONSE: []}
    for op in index_operations(document).values():
        roots[REQUEST] += [_param_schema(p) for p in op.parameters.values()]
        body = _request_body(document, op)
        if body is not None:
            roots[REQUEST] += list(_content(body).values())
        for response in _responses(document, op).values():
            roots[RESPONSE] += list(_content(response).values())
    return roots


def operation_roots(document: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The schemas each operation uses directly, by operation label (to tell who a component change affects)."""
    roots: dict[str, list[Any]] = {}
    for op in index_operations(document).values():
        schemas = [_param_schema(p) for p in op.parameters.values()]
        body = _request_body(document, op)
        if body is not None:
            schemas += list(_content(body).values())
        for response in _responses(document, op).values():
            schemas += list(_content(response).values())
        roots[op.label] = schemas
    return roots


def _security(document: Mapping[str, Any], op: OperationView) -> set[frozenset[str]]:
    """Alternatives (OR) of scheme sets (AND); the empty set means 'anonymous allowed'."""
    raw = op.operation["security"] if "security" in op.operation else document.get("security", [])
    alternatives = {frozenset(req) for req in raw or () if isinstance(req, Mapping)}
    return alternatives or {frozenset()}


def _schemes(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    components = document.get("components")
    found = components.get("securitySchemes") if isinstance(components, Mapping) else None
    if not isinstance(found, Mapping):
        found = document.get("securityDefinitions")
    if not isinstance(found, Mapping):
        return {}
    return {str(k): _resolve(document, v) for k, v in found.items()}


def _by_path(label: str) -> tuple[str, str]:
    method, _, path = label.partition(" ")
    return (path, method)


class _WireDiff:
    def __init__(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        self.old, self.new = old, new
        self.changes: list[Change] = []
        self.schemas = SchemaComparer(old, new, self.changes)

    def emit(self, kind: str, location: str, message: str, detail: str = "") -> None:
        self.changes.append(Change(WIRE, kind, location, fixed_breaking(kind), message, detail))

    def run(self) -> list[Change]:
        old_ops, new_ops = index_operations(self.old), index_operations(self.new)
        for old_key, new_key in pair_operations(set(old_ops), set(new_ops)):
            if old_key is not None and new_key is not None:
                self.operation(old_ops[old_key], new_ops[new_key])
            elif old_key is not None:
                self.emit("operation-removed", old_ops[old_key].label, "operation removed")
            elif new_key is not None:
                self.emit("operation-added", new_ops[new_key].label, "operation added")
        self.components()
        self.security_schemes()
        return self.changes

    def operation(self, old: OperationView, new: OperationView) -> None:
        self.parameters(old, new)
        self.request_body(old, new)
        self.responses(old, new)
        self.security(old, new)

    def parameters(self, old: OperationView, new: OperationView) -> None:
        here = new.label
        for key in sorted(set(new.parameters) - set(old.parameters)):
            param = new.parameters[key]
            required = param.get("required") is True
            kind = "required-parameter-added" if required else "parameter-added"
            self.emit(
                kind,
                f"{here} {key[0]}:{param.get('name')}",
                f"{'required ' if required else ''}parameter added",
            )
        for key in sorted(set(old.parameters) - set(new.parameters)):
            self.emit(
                "parameter-removed",
                f"{here} {key[0]}:{old.parameters[key].get('name')}",
                "parameter removed",
            )
        for key in sorted(set(old.parameters) & set(new.parameters)):
            before, after = old.parameters[key], new.parameters[key]
            where = f"{here} {key[0]}:{after.get('name')}"
            if after.get("required") is True and before.get("required") is not True:
                self.emit("parameter-became-required", where, "parameter became required")
            elif before.get("required") is True and after.get("required") is not True:
                self.emit("parameter-became-optional", where, "parameter is no longer required")
            self.schemas.compare(
                _param_schema(before), _param_schema(after), where, frozenset({REQUEST})
            )

    def request_body(self, old: OperationView, new: OperationView) -> None:
        here = f"{new.label} request"
        before, after = _request_body(self.old, old), _request_body(self.new, new)
        if before is None and after is None:
            return
        if before is None:
            assert after is not None
            required = after.get("required") is True
            self.emit(
                "required-request-body-added" if required else "request-body-added",
                here,
                "request body added",
            )
            return
        if after is None:
            self.emit("request-body-removed", here, "request body removed")
            return
        if after.get("required") is True and before.get("required") is not True:
            self.emit("request-body-became-required", here, "request body became required")
        elif before.get("required") is True and after.get("required") is not True:
            self.emit("request-body-became-optional", here, "request body is no longer required")
        self.media(_content(before), _content(after), here, "request", frozenset({REQUEST}), True)

    def media(
        self,
        before: dict[str, Any],
        after: dict[str, Any],
        here: str,
        side: str,
        direction: frozenset[str],
        removal_breaks: bool,
    ) -> None:
        for media in sorted(set(after) - set(before)):
            self.emit(f"{side}-media-type-added", f"{here} {media}", "media type added", media)
        for media in sorted(set(before) - set(after)):
            if removal_breaks:
                self.emit(
                    f"{side}-media-type-removed", f"{here} {media}", "media type removed", media
                )
        for media in sorted(set(before) & set(after)):
            self.schemas.compare(before[media], after[media], f"{here} {media}", direction)

    def responses(self, old: OperationView, new: OperationView) -> None:
        before, after = _responses(self.old, old), _responses(self.new, new)
        for status in sorted(set(after) - set(before)):
            self.emit("response-added", f"{new.label} {status}", f"response {status} added", status)
        for status in sorted(set(before) - set(after)):
            kind = "success-response-removed" if status.startswith("2") else "response-removed"
            self.emit(kind, f"{new.label} {status}", f"response {status} removed", status)
        for status in sorted(set(before) & set(after)):
            self.media(
                _content(before[status]),
                _content(after[status]),
                f"{new.label} {status}",
                "response",
                frozenset({RESPONSE}),
                status.startswith("2"),
            )

    def security(self, old: OperationView, new: OperationView) -> None:
        before, after = _security(self.old, old), _security(self.new, new)
        here = f"{new.label} security"

        def show(alternative: frozenset[str]) -> str:
            return " + ".join(sorted(alternative)) or "anonymous"

        if frozenset() in before and frozenset() not in after:
            detail = " | ".join(sorted(map(show, after)))
            self.emit(
                "security-requirement-added",
                here,
                f"authentication now required ({detail})",
                detail,
            )
            return
        if frozenset() in after and frozenset() not in before:
            detail = " | ".join(sorted(map(show, before)))
            self.emit(
                "security-requirement-removed",
                here,
                f"authentication no longer required (was {detail})",
                detail,
            )
            return
        for alternative in sorted(before - after, key=show):
            self.emit(
                "security-alternative-removed",
                here,
                f"no longer accepts {show(alternative)}",
                show(alternative),
            )
        for alternative in sorted(after - before, key=show):
            self.emit(
                "security-alternative-added",
                here,
                f"now also accepts {show(alternative)}",
                show(alternative),
            )

    def security_schemes(self) -> None:
        before, after = _schemes(self.old), _schemes(self.new)
        for name in sorted(set(after) - set(before)):
            self.emit(
                "security-scheme-added", f"securitySchemes.{name}", "security scheme added", name
            )
        for name in sorted(set(before) - set(after)):
            self.emit(
                "security-scheme-removed",
                f"securitySchemes.{name}",
                "security scheme removed",
                name,
            )
        for name in sorted(set(before) & set(after)):
            changed = sorted(
                k
                for k in set(before[name]) | set(after[name])
                if k != "description" and before[name].get(k) != after[name].get(k)
            )
            if changed:
                detail = ", ".join(changed)
                self.emit(
                    "security-scheme-changed",
                    f"securitySchemes.{name}",
                    f"security scheme changed ({detail})",
                    detail,
                )

    def components(self) -> None:
        old_components, new_components = component_schemas(self.old), component_schemas(self.new)
        usage_old = schema_usage(self.old, schema_roots(self.old))
        usage_new = schema_usage(self.new, schema_roots(self.new))
        users_old = schema_usage(self.old, operation_roots(self.old))
        users_new = schema_usage(self.new, operation_roots(self.new))
        for ref in sorted(set(old_components) & set(new_components)):
            direction = frozenset(usage_old.get(ref, set()) | usage_new.get(ref, set())) or BOTH
            name = ref_name(ref)
            start = len(self.changes)
            self.schemas.compare(old_components[ref], new_components[ref], name, direction)
            users = tuple(
                sorted(users_old.get(ref, set()) | users_new.get(ref, set()), key=_by_path)
            )
            self.changes[start:] = [replace(c, operations=users) for c in self.changes[start:]]


def diff_wire(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every wire-level change from ``old`` to ``new``."""
    return _WireDiff(old, new).run()
