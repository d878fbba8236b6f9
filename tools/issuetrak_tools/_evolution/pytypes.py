"""The Python type openapi-python-client gives a schema, as a comparable string.

A type is written as its members joined by ``" | "`` in sorted order, ``None`` and ``Unset`` left
out (nullability and optionality are reported on their own): ``int``, ``datetime.datetime``,
``Cause``, ``list[int]``, ``SortDirection``, ``float | int``. :func:`schema_type` derives it from a
schema with the generator's rules (0.29); :func:`annotation_type` reads it from an annotation in a
generated module, so the derived and the generated surface compare alike. A class the generator
makes from an inline schema (an inline object or enum) is written ``INLINE``: its name depends on
where it sits, and its changes show in the wire diff.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any

from .refs import ref_name, resolve_pointer

__all__ = ["INLINE", "annotation_type", "schema_type"]

INLINE = "<inline class>"
_FORMATS = {
    "date-time": "datetime.datetime",
    "date": "datetime.date",
    "binary": "File",
    "uuid": "UUID",
}
_PRIMITIVES = {"integer": "int", "number": "float", "boolean": "bool"}
_DROPPED = frozenset({"None", "Unset"})
_MAX_DEPTH = 16


def _join(members: set[str]) -> str:
    members = members - _DROPPED
    return " | ".join(sorted(members)) if members else "Any"


def schema_type(
    schema: Any,
    document: Mapping[str, Any],
    class_name: Callable[[str], str],
    _depth: int = 0,
) -> str:
    """The Python type of a property or parameter with ``schema`` (see the module docstring)."""
    return _join(_members(schema, document, class_name, _depth))


def _members(
    schema: Any, document: Mapping[str, Any], class_name: Callable[[str], str], depth: int
) -> set[str]:
    if not isinstance(schema, Mapping) or depth > _MAX_DEPTH:
        return {"Any"}
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return _reference(ref, document, class_name, depth)
    for key in ("allOf", "oneOf", "anyOf"):
        inner = schema.get(key)
        if isinstance(inner, list) and inner:
            if key == "allOf" and len(inner) > 1:
                return {INLINE}  # the generator merges them into a class of its own
            return {m for s in inner for m in _members(s, document, class_name, depth + 1)}
    if "enum" in schema:
        return {INLINE}
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    members: set[str] = set()
    for one in kinds:
        if one == "null":
            continue
        if one == "string":
            members.add(_FORMATS.get(str(schema.get("format")), "str"))
        elif one in _PRIMITIVES:
            members.add(_PRIMITIVES[one])
        elif one == "array":
            items = schema.get("items")
            inner = _join(_members(items, document, class_name, depth + 1)) if items else "Any"
            members.add(f"list[{inner}]")
        elif one == "object" or "properties" in schema:
            members.add(INLINE)
        elif one is None:
            members.add(INLINE if "properties" in schema else "Any")
    return members or {"Any"}


def _reference(
    ref: str, document: Mapping[str, Any], class_name: Callable[[str], str], depth: int
) -> set[str]:
    target = resolve_pointer(document, ref)
    if not isinstance(target, Mapping):
        return {"Any"}
    name = ref_name(ref)
    if "enum" in target:
        return {class_name(name)}
    if target.get("type") == "object" or "properties" in target:
        # a nullable object schema becomes `Name | None`, its object part named Type0
        return {class_name(f"{name}_type_0" if target.get("nullable") is True else name)}
    return _members(target, document, class_name, depth + 1)


def _flatten(node: ast.expr) -> set[str]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _flatten(node.left) | _flatten(node.right)
    if isinstance(node, ast.Subscript) and ast.unparse(node.value) in ("Union", "typing.Union"):
        elements = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        return {m for e in elements for m in _flatten(e)}
    if isinstance(node, ast.Subscript) and ast.unparse(node.value) in ("list", "List"):
        return {f"list[{_join(_flatten(node.slice))}]"}
    if isinstance(node, ast.Constant) and isinstance(node.value, str):  # a quoted forward reference
        return _flatten(ast.parse(node.value, mode="eval").body)
    return {ast.unparse(node)}


def annotation_type(annotation: ast.expr | None) -> str:
    """The type an annotation in a generated module states, in :func:`schema_type`'s form."""
    return "Any" if annotation is None else _join(_flatten(annotation))
