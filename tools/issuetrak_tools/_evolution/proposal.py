"""Turning drift findings into a JSON Patch (the ``spec/<label>/overrides.json`` format) that makes the document match.

Every operation carries a ``reason`` naming what was observed and where, like the hand-written
overrides. The patch is meant to be reviewed and appended to ``overrides.json``, not applied blindly:
a site returning ``null`` once is evidence, not proof, that the field is nullable everywhere.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from issuetrak.conventions import escape as _escape

from .refs import resolve_pointer
from .strict import (
    MISSING_REQUIRED,
    NULL,
    TYPE,
    UNDOCUMENTED_ENUM,
    UNDOCUMENTED_PROPERTY,
    UNDOCUMENTED_STATUS,
    Finding,
    json_type,
)

__all__ = ["infer_schema", "propose_overrides", "render_overrides"]

_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_INT32 = (-(2**31), 2**31 - 1)
_STRING_FORMATS = {
    "date-time",
    "date",
    "time",
    "uuid",
    "byte",
    "binary",
    "email",
    "uri",
    "password",
}
_FORMAT_TYPES = {"int32": "integer", "int64": "integer", "float": "number", "double": "number"}


def infer_schema(samples: Iterable[Any], depth: int = 0) -> dict[str, Any]:
    """A schema that every observed value fits, in the document's style (closed objects, nullable flag)."""
    values = list(samples)
    kinds = {json_type(v) for v in values}
    nullable = "null" in kinds
    kinds.discard("null")
    schema: dict[str, Any] = {}
    if kinds == {"integer", "number"}:
        kinds = {"number"}
    if len(kinds) == 1:
        kind = kinds.pop()
        present = [v for v in values if v is not None]
        schema["type"] = kind
        if kind == "integer":
            schema["format"] = (
                "int32" if all(_INT32[0] <= v <= _INT32[1] for v in present) else "int64"
            )
        elif kind == "number":
            schema["format"] = "double"
        elif kind == "string" and present and all(_DATE_TIME.match(v) for v in present):
            schema["format"] = "date-time"
        elif kind == "array" and depth < 8:
            schema["items"] = infer_schema((item for v in present for item in v), depth + 1)
        elif kind == "object" and depth < 8:
            names: dict[str, None] = {}
            for v in present:
                names.update(dict.fromkeys(v))
            schema["properties"] = {
                n: infer_schema((v[n] for v in present if n in v), depth + 1) for n in names
            }
            schema["additionalProperties"] = False
    if nullable:
        schema["nullable"] = True
    return schema


def _sites(finding: Finding) -> str:
    ops = sorted(finding.operations)
    more = f" and {len(ops) - 2} more" if len(ops) > 2 else ""
    return ", ".join(ops[:2]) + more


def _seen(finding: Finding) -> str:
    return f"seen {finding.count} time{'s' if finding.count != 1 else ''} ({_sites(finding)})"


def propose_overrides(
    document: Mapping[str, Any], findings: Iterable[Finding], *, site: str = "the site"
) -> list[dict[str, Any]]:
    """JSON Patch operations, each with a ``reason``, that make ``document`` accept what was observed."""
    by_pointer: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_pointer[finding.pointer].append(finding)
    ops: list[dict[str, Any]] = []
    for pointer in sorted(by_pointer):
        node = resolve_pointer(document, "#" + pointer)
        node = node if isinstance(node, Mapping) else {}
        group = sorted(by_pointer[pointer], key=lambda f: (f.kind, repr(f.value)))
        ops += _statuses(
            pointer, [f for f in group if f.kind == UNDOCUMENTED_STATUS], document, site
        )
        ops += _properties(
            pointer, node, [f for f in group if f.kind == UNDOCUMENTED_PROPERTY], site
        )
        ops += _enums(pointer, [f for f in group if f.kind == UNDOCUMENTED_ENUM], site)
        ops += _types(pointer, node, [f for f in group if f.kind == TYPE], site)
        ops += _nulls(pointer, node, [f for f in group if f.kind == NULL], site)
        ops += _required(pointer, node, [f for f in group if f.kind == MISSING_REQUIRED], site)
    return ops


def _properties(
    pointer: str, node: Mapping[str, Any], found: list[Finding], site: str
) -> list[dict[str, Any]]:
    if not found:
        return []
    reasons = "; ".join(f"'{f.value}' {_seen(f)}" for f in found)
    if not isinstance(node.get("properties"), Mapping):
        value = {str(f.value): infer_schema(f.samples) for f in found}
        reason = f"{site} returns properties the document does not declare: {reasons}"
        return [{"op": "add", "path": f"{pointer}/properties", "value": value, "reason": reason}]
    return [
        {
            "op": "add",
            "path": f"{pointer}/properties/{_escape(str(f.value))}",
            "value": infer_schema(f.samples),
            "reason": f"{site} returns '{f.value}' in {f.location.rsplit('.', 1)[0]}, {_seen(f)}; the document does not declare it",
        }
        for f in found
    ]


def _enums(pointer: str, found: list[Finding], site: str) -> list[dict[str, Any]]:
    return [
        {
            "op": "add",
            "path": f"{pointer}/enum/-",
            "value": f.value,
            "reason": f"{site} returns {f.value!r} for {f.location}, {_seen(f)}; not among the documented values",
        }
        for f in found
    ]


def _types(
    pointer: str, node: Mapping[str, Any], found: list[Finding], site: str
) -> list[dict[str, Any]]:
    if not found:
        return []
    observed = sorted({str(f.value) for f in found})
    if len(observed) > 1 or "$ref" in node:
        # more than one other type, or a reference: one replacement schema that fits every sample
        samples = [s for f in found for s in f.samples]
        reason = f"{site} returns {' and '.join(observed)} for {found[0].location}, {_seen(found[0])}; the document says otherwise"
        return [
            {"op": "replace", "path": pointer, "value": infer_schema(samples), "reason": reason}
        ]
    kind = observed[0]
    declared = node.get("type", "any")
    reason = (
        f"{site} returns {kind} for {found[0].location} (documented: {declared}), {_seen(found[0])}"
    )
    ops: list[dict[str, Any]] = [
        {
            "op": "replace" if "type" in node else "add",
            "path": f"{pointer}/type",
            "value": kind,
            "reason": reason,
        }
    ]
    fmt = node.get("format")
    if isinstance(fmt, str) and not _format_fits(fmt, kind):
        ops.append(
            {
                "op": "remove",
                "path": f"{pointer}/format",
                "reason": f"format {fmt} does not apply to {kind} ({found[0].location})",
            }
        )
    return ops


def _format_fits(fmt: str, kind: str) -> bool:
    if fmt in _STRING_FORMATS:
        return kind == "string"
    return _FORMAT_TYPES.get(fmt, kind) == kind


def _nulls(
    pointer: str, node: Mapping[str, Any], found: list[Finding], site: str
) -> list[dict[str, Any]]:
    if not found:
        return []
    f = found[0]
    reason = (
        f"{site} returns null for {f.location}, {_seen(f)}; the document does not allow null there"
    )
    if isinstance(node.get("$ref"), str):
        # nullable beside a $ref is ignored in OpenAPI 3.0; wrap the reference the way Swashbuckle does
        wrapped = {k: v for k, v in node.items() if k != "$ref"}
        value = {"allOf": [{"$ref": node["$ref"]}], **wrapped, "nullable": True}
        return [{"op": "replace", "path": pointer, "value": value, "reason": reason}]
    return [
        {
            "op": "replace" if "nullable" in node else "add",
            "path": f"{pointer}/nullable",
            "value": True,
            "reason": reason,
        }
    ]


def _required(
    pointer: str, node: Mapping[str, Any], found: list[Finding], site: str
) -> list[dict[str, Any]]:
    required = node.get("required")
    if not found or not isinstance(required, list):
        return []
    missing = {str(f.value): f for f in found}
    ops = []
    for index in sorted(
        (i for i, name in enumerate(required) if name in missing), reverse=True
    ):  # later first: indexes stay valid
        f = missing[required[index]]
        reason = f"{site} omits '{f.value}' from {f.location.rsplit('.', 1)[0]}, {_seen(f)}; the document requires it"
        ops.append({"op": "remove", "path": f"{pointer}/required/{index}", "reason": reason})
    return ops


def _statuses(
    pointer: str, found: list[Finding], document: Mapping[str, Any], site: str
) -> list[dict[str, Any]]:
    ops = []
    for f in found:
        response: dict[str, Any] = {"description": f"Observed on {site}; not documented."}
        bodies = [s for s in f.samples if s is not None]
        if bodies:
            api_response = resolve_pointer(document, "#/components/schemas/ApiResponse")
            if isinstance(api_response, Mapping) and _fits_api_response(document, bodies):
                schema: dict[str, Any] = {"$ref": "#/components/schemas/ApiResponse"}
            else:
                schema = infer_schema(bodies)
            response["content"] = {"application/json": {"schema": schema}}
        reason = f"{site} answers {f.value} to {_sites(f)} ({f.count} time{'s' if f.count != 1 else ''}); the document does not declare it"
        ops.append(
            {
                "op": "add",
                "path": f"{pointer}/{_escape(str(f.value))}",
                "value": response,
                "reason": reason,
            }
        )
    return ops


def _fits_api_response(document: Mapping[str, Any], bodies: list[Any]) -> bool:
    from .strict import StrictValidator

    validator = StrictValidator(document)
    for body in bodies:
        validator.validate(body, "/components/schemas/ApiResponse", "ApiResponse", "")
    return not validator.findings


def render_overrides(ops: list[dict[str, Any]]) -> str:
    """One operation a line, like ``spec/<label>/overrides.json``."""
    import json

    if not ops:
        return "[]\n"
    lines = ",\n".join("  " + json.dumps(op, ensure_ascii=False) for op in ops)
    return f"[\n{lines}\n]\n"
