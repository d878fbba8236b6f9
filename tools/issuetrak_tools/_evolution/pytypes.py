"""The Python type openapi-python-client gives a schema, as a comparable string.

A type is written as its members joined by ``" | "`` in sorted order, ``None`` and ``Unset`` left
out (nullability and optionality are reported on their own): ``int``, ``datetime.datetime``,
``Cause``, ``list[int]``, ``SortDirection``, ``float | int``. :func:`schema_type` derives it from a
schema with the generator's rules (0.29); :func:`annotation_type` reads it from an annotation in a
generated module, so the derived and the generated surface compare alike. A class the generator
makes from an inline schema is written with the name the generator gives it where the caller
knows it (an inline enum of a model's property: ``ThingColor``), else ``INLINE``.

:func:`schema_shape` is what a type *is*, whatever its classes are called: formats, nullability,
an enum's value type and inline objects' fields spelled out, a referenced model by its name (its
own changes are the model's). Two positions whose shapes agree hold the same values, so a
``$ref`` inlined into the same schema is no change, while int32 -> int64 or a field becoming
nullable is one, as on the wire.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any

from .refs import deref, normalize, ref_name, resolve_pointer

__all__ = ["INLINE", "annotation_type", "enum_values", "schema_shape", "schema_type"]

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
    *,
    inline: str | None = None,
) -> str:
    """The Python type of a property or parameter with ``schema`` (see the module docstring).

    ``inline``: the class name the generator gives an inline enum here (``Item`` is appended for
    the items of an array, as the generator does).
    """
    return _join(_members(schema, document, class_name, _depth, inline))


def _members(
    schema: Any,
    document: Mapping[str, Any],
    class_name: Callable[[str], str],
    depth: int,
    inline: str | None = None,
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
            if len(inner) == 1:  # a wrapper, not a union: the generator names what it wraps
                return _members(inner[0], document, class_name, depth + 1, inline)
            return {m for s in inner for m in _members(s, document, class_name, depth + 1)}
    if "enum" in schema:
        return {inline or INLINE}
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
            named = f"{inline}Item" if inline else None
            inner = (
                _join(_members(items, document, class_name, depth + 1, named)) if items else "Any"
            )
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


def schema_shape(schema: Any, document: Mapping[str, Any], *, expand: bool = False) -> str:
    """What values a position holds (see the module docstring), as a comparable string.

    ``expand``: spell out referenced models too (a cycle stops at the model's name), to tell a
    ``$ref`` inlined into the same schema from a real change.
    """
    return _shape(schema, document, expand, ())


def _shape(schema: Any, document: Mapping[str, Any], expand: bool, stack: tuple[str, ...]) -> str:
    plain = normalize(schema)
    ref = plain.get("$ref")
    if isinstance(ref, str):
        target = normalize(resolve_pointer(document, ref))
        nullable = plain.get("nullable") is True or target.get("nullable") is True
        is_model = "enum" not in target and (
            target.get("type") == "object" or "properties" in target or "allOf" in target
        )
        if is_model and (not expand or ref in stack or len(stack) > _MAX_DEPTH):
            return ref_name(ref) + (" | None" if nullable else "")
        stack = (*stack, ref)
    resolved = deref(document, plain)
    nullable = resolved.get("nullable") is True
    return _resolved_shape(resolved, document, expand, stack) + (" | None" if nullable else "")


def _resolved_shape(
    schema: Mapping[str, Any], document: Mapping[str, Any], expand: bool, stack: tuple[str, ...]
) -> str:
    for key in ("oneOf", "anyOf"):
        inner = schema.get(key)
        if isinstance(inner, list) and inner:
            return " | ".join(sorted({_shape(s, document, expand, stack) for s in inner}))
    kind = schema.get("type")
    if "enum" in schema:
        return f"enum[{kind or 'any'}]"  # the values are compared on their own
    fmt = schema.get("format")
    suffix = f"({fmt})" if isinstance(fmt, str) and fmt else ""
    if kind == "string" or kind in _PRIMITIVES:
        return f"{_PRIMITIVES.get(str(kind), 'str')}{suffix}"
    if kind == "array":
        return f"list[{_shape(schema.get('items'), document, expand, stack)}]"
    properties = schema.get("properties")
    if kind == "object" or isinstance(properties, Mapping):
        required = set(schema.get("required") or ())
        fields = properties if isinstance(properties, Mapping) else {}
        return (
            "{"
            + ", ".join(
                f"{name}{'' if name in required else '?'}: {_shape(fields[name], document, expand, stack)}"
                for name in sorted(fields)
            )
            + "}"
        )
    return "Any"


def enum_values(schema: Any, document: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The values of the enum a position holds (through ``$ref`` and arrays), sorted; else None."""
    resolved = deref(document, normalize(schema)) if isinstance(schema, Mapping) else {}
    for _ in range(_MAX_DEPTH):
        if resolved.get("type") != "array" or "enum" in resolved:
            break
        items = resolved.get("items")
        resolved = deref(document, normalize(items)) if isinstance(items, Mapping) else {}
    values = resolved.get("enum")
    return tuple(sorted(str(v) for v in values)) if isinstance(values, list) else None


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
