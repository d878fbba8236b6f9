"""Reading schemas the way the generators write them: local ``$ref``, wrappers, 3.0 and 3.1 nullability.

Swashbuckle writes a nullable reference as ``{"allOf": [{"$ref": ...}], "nullable": true}``, NSwag as
``{"oneOf": [{"$ref": ...}], "nullable": true}``; OpenAPI 3.1 writes ``"type": ["string", "null"]``.
:func:`normalize` turns all of them into one shape (``$ref`` plus outer keywords, ``nullable``), so
the comparison and the validator only meet the plain forms.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from issuetrak.conventions import ref_name
from issuetrak.conventions import resolve_ref as resolve_pointer

__all__ = [
    "deref",
    "is_nullable",
    "normalize",
    "ref_name",
    "resolve_pointer",
    "schema_type",
]

_WRAPPERS = ("allOf", "oneOf", "anyOf")
_MAX_REF_CHAIN = 64  # a chain of $ref to $ref longer than this is a cycle


def normalize(schema: Any) -> dict[str, Any]:
    """One plain shape for a schema: single-element wrappers unwrapped, type lists split into nullable."""
    if not isinstance(schema, Mapping):
        return {}
    result = dict(schema)
    for key in _WRAPPERS:
        inner = result.get(key)
        if isinstance(inner, list) and len(inner) == 1 and isinstance(inner[0], Mapping):
            del result[key]
            element = normalize(inner[0])
            # outer keywords (nullable, description) win over the wrapped schema's
            merged = {**element, **result}
            if element.get("nullable") is True:
                merged["nullable"] = True
            result = merged
    kind = result.get("type")
    if isinstance(kind, list):
        rest = [t for t in kind if t != "null"]
        if len(rest) < len(kind):
            result["nullable"] = True
        result["type"] = rest[0] if len(rest) == 1 else rest
    return result


def deref(document: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    """``schema`` with its ``$ref`` chain followed; outer keywords win, ``nullable`` is or-ed.

    An unresolvable or cyclic chain leaves an empty schema (accepts anything) rather than failing:
    a broken reference in someone else's document must not stop a report.
    """
    current = normalize(schema)
    outer_nullable = current.get("nullable") is True
    seen: set[str] = set()
    while isinstance(current.get("$ref"), str):
        ref = current["$ref"]
        if ref in seen or len(seen) > _MAX_REF_CHAIN:
            return {"nullable": True} if outer_nullable else {}
        seen.add(ref)
        target = normalize(resolve_pointer(document, ref))
        outer = {k: v for k, v in current.items() if k != "$ref"}
        current = {**target, **outer}
        outer_nullable = outer_nullable or target.get("nullable") is True
    if outer_nullable:
        current["nullable"] = True
    return _merge_all_of(document, current)


def _merge_all_of(
    document: Mapping[str, Any], schema: dict[str, Any], depth: int = 0
) -> dict[str, Any]:
    """Flatten a multi-element ``allOf`` (inheritance) into one object schema."""
    parts = schema.get("allOf")
    if not isinstance(parts, list) or depth > _MAX_REF_CHAIN:
        return schema
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    properties: dict[str, Any] = {}
    required: list[str] = []
    for part in parts:
        if not isinstance(part, Mapping):
            continue
        resolved = _merge_all_of(document, _deref_shallow(document, part), depth + 1)
        properties.update(resolved.get("properties") or {})
        required += [r for r in resolved.get("required") or [] if r not in required]
        for key, value in resolved.items():
            if key not in ("properties", "required"):
                merged.setdefault(key, value)
    properties.update(merged.get("properties") or {})
    required += [r for r in merged.get("required") or [] if r not in required]
    if properties:
        merged["properties"] = properties
    if required:
        merged["required"] = required
    return merged


def _deref_shallow(document: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    current = normalize(schema)
    seen: set[str] = set()
    while (
        isinstance(current.get("$ref"), str)
        and current["$ref"] not in seen
        and len(seen) <= _MAX_REF_CHAIN
    ):
        seen.add(current["$ref"])
        outer = {k: v for k, v in current.items() if k != "$ref"}
        current = {**normalize(resolve_pointer(document, current["$ref"])), **outer}
    current.pop("$ref", None)
    return current


def schema_type(schema: Mapping[str, Any]) -> str | None:
    """The declared type, or the one implied by ``properties``/``items``; ``None`` for 'anything'."""
    kind = schema.get("type")
    if isinstance(kind, str):
        return kind
    if isinstance(kind, list):
        return "|".join(sorted(str(k) for k in kind if k != "null")) or None
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return None


def is_nullable(schema: Mapping[str, Any]) -> bool:
    return schema.get("nullable") is True
