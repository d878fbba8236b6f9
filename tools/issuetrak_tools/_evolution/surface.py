"""The public surface of the package openapi-python-client generates from a document, derived by name.

We derive the names the generator would use rather than running it: the surface of a document
then costs milliseconds instead of a generator run per document, needs neither the generator nor
a writable temp folder, and works on any document, including ones the generator would reject.
The naming functions below follow ``openapi_python_client.strings`` (0.29): one module per
operation (``operationId`` in snake case, else ``<method>_<path>``) under ``api/<tag>/``, keyword
arguments named after parameters in snake case plus ``body``; one class per component schema that
is an object or an enum (PascalCase), attributes in snake case, plus the enum class the generator
makes of an inline enum in a model's property (``<Model><Property>``, ``...Item`` for an array's
items). A test checks the derivation against the generated package in ``generated/``. Other
classes the generator makes from inline schemas (``UploadIssueAttachmentBody``) are not derived:
their changes show at the argument or field that holds them, and ``spec-diff --surface generated``
(:mod:`issuetrak_tools._evolution.generated`) runs the real generator when the exact surface matters.

Types are compared by shape (:func:`~issuetrak_tools._evolution.pytypes.schema_shape`), so the
package view and the wire view agree: a ``$ref`` inlined into the same schema is no change, a
format or nullability change is one, and an enum's members are compared wherever it sits.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from keyword import iskeyword
from typing import Any

from .model import SURFACE, Change
from .pytypes import INLINE, enum_values, schema_shape, schema_type
from .refs import deref, normalize
from .rules import fixed_breaking
from .schemas import component_schemas
from .wire import index_operations

__all__ = [
    "Surface",
    "class_name",
    "derive_surface",
    "diff_surface",
    "python_identifier",
    "snake_case",
]

PACKAGE = "issuetrak_client"
_DELIMITERS = r"\. _-"
_RESERVED = (set(dir(builtins)) | {"self", "true", "false", "datetime"}) - {"id"}
_FIELD_PREFIX = "field_"


def _sanitize(value: str) -> str:
    return "".join(c for c in value if c.isidentifier() or c.isdecimal() or c in _DELIMITERS)


def _split_words(value: str) -> list[str]:
    if any(c.isupper() for c in value):
        value = " ".join(re.split("([A-Z]?[a-z]+)", value))
    return re.findall(rf"[^{re.escape(_DELIMITERS)}]+", value)


def _fix_reserved(value: str) -> str:
    return f"{value}_" if value in _RESERVED or iskeyword(value) else value


def snake_case(value: str) -> str:
    return "_".join(_split_words(_sanitize(value))).lower()


def python_identifier(value: str, prefix: str = _FIELD_PREFIX) -> str:
    """The attribute, argument or module name the generator gives ``value``."""
    safe = _sanitize(value)
    result = _fix_reserved(snake_case(safe))
    if not result.isidentifier() or safe.startswith("_"):
        result = f"{prefix}{result}"
    return result


def class_name(value: str, prefix: str = _FIELD_PREFIX) -> str:
    """The class name the generator gives a schema called ``value``."""
    words = _split_words(_sanitize(value))
    result = _fix_reserved("".join(w if w.isupper() else w.capitalize() for w in words))
    if not result.isidentifier():
        result = class_name(f"{prefix}{result}", prefix)
    return result


@dataclass
class Surface:
    """Importable names: ``functions[module] = {argument: required}``, ``models[class] = {field: required}``.

    ``types`` holds the Python type of each argument (``"<module>(<argument>=)"``) and field
    (``"<class>.<field>"``) in :mod:`issuetrak_tools._evolution.pytypes` form; ``enums`` the
    values of each enum class. Derived from a document, ``shapes`` and ``expanded`` hold each
    position's shape (referenced models by name, and spelled out) and ``values`` the members of
    the enum it holds; a surface read from a package has only the types.
    """

    functions: dict[str, dict[str, bool]] = field(default_factory=dict)
    models: dict[str, dict[str, bool]] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    shapes: dict[str, str] = field(default_factory=dict)
    expanded: dict[str, str] = field(default_factory=dict)
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def hold(
        self, position: str, schema: Any, document: Mapping[str, Any], inline: str | None = None
    ) -> None:
        """Record the type, shape and enum members of what ``position`` holds."""
        self.types[position] = schema_type(schema, document, class_name, inline=inline)
        self.shapes[position] = schema_shape(schema, document)
        self.expanded[position] = schema_shape(schema, document, expand=True)
        values = enum_values(schema, document)
        if values is not None:
            self.values[position] = values


def _operation_module(method: str, path: str, operation: Mapping[str, Any]) -> str:
    operation_id = operation.get("operationId")
    if isinstance(operation_id, str) and operation_id:
        return python_identifier(operation_id)
    unsafe = (
        path.replace("{", "").replace("}", "").replace("/", "_").removeprefix("_").removesuffix("_")
    )
    return python_identifier(f"{method.lower()}_{unsafe}")


def _body_schema(document: Mapping[str, Any], body: Any) -> Any:
    """The schema the generated ``body`` argument is typed with (JSON preferred, as regen does)."""
    body = deref(document, body) if isinstance(body, Mapping) else {}
    content = body.get("content") if isinstance(body, Mapping) else None
    if not isinstance(content, Mapping) or not content:
        return None
    media = "application/json" if "application/json" in content else next(iter(content))
    if media == "multipart/form-data":
        return {"type": "object", "properties": {}}  # an inline class of the generator's own
    node = content[media]
    return node.get("schema") if isinstance(node, Mapping) else None


def derive_surface(document: Mapping[str, Any]) -> Surface:
    """The surface of the package the generator would make from ``document``."""
    surface = Surface()
    for op in index_operations(document).values():
        tags = op.operation.get("tags") or ["default"]
        tag = python_identifier(str(tags[0]), prefix="tag")
        module = f"{PACKAGE}.api.{tag}.{_operation_module(op.method, op.path, op.operation)}"
        arguments: dict[str, bool] = {}
        for param in op.parameters.values():
            name = python_identifier(str(param.get("name", "")))
            arguments[name] = param.get("in") == "path" or param.get("required") is True
            surface.hold(f"{module}({name}=)", param.get("schema"), document)
        if "requestBody" in op.operation:
            body = op.operation["requestBody"]
            arguments["body"] = isinstance(body, Mapping) and body.get("required") is True
            surface.hold(f"{module}(body=)", _body_schema(document, body), document)
        surface.functions[module] = arguments
    for ref, schema in component_schemas(document).items():
        _derive_model(surface, document, ref.rsplit("/", 1)[-1], schema)
    return surface


def _derive_model(
    surface: Surface, document: Mapping[str, Any], raw_name: str, schema: Any
) -> None:
    """The class of one component schema, and the enum classes of its inline enum properties."""
    resolved = deref(document, schema if isinstance(schema, Mapping) else {})
    if resolved.get("nullable") is True and (
        "properties" in resolved or resolved.get("type") == "object"
    ):
        # a nullable object becomes `Name | None`; the generator names the object part Type0
        raw_name = f"{raw_name}_type_0"
    short = class_name(raw_name)
    name = f"{PACKAGE}.models.{short}"
    if "enum" in resolved:
        surface.models[name] = {}
        surface.enums[name] = tuple(sorted(str(v) for v in resolved["enum"]))
        return
    if resolved.get("type") != "object" and "properties" not in resolved:
        return
    properties = resolved.get("properties") or {}
    required = set(resolved.get("required") or ())
    surface.models[name] = {python_identifier(str(p)): p in required for p in properties}
    for prop, sub in properties.items():
        inline = class_name(f"{short}{class_name(str(prop))}")
        surface.hold(f"{name}.{python_identifier(str(prop))}", sub, document, inline)
        _derive_inline_enum(surface, sub, f"{PACKAGE}.models.{inline}")


def _derive_inline_enum(surface: Surface, schema: Any, name: str) -> None:
    """The enum class the generator makes of an inline enum (or an array of one) in a property."""
    plain = normalize(schema)
    if isinstance(plain.get("$ref"), str):
        return
    if plain.get("type") == "array" and "enum" not in plain:
        items = normalize(plain.get("items"))
        if "enum" in items and not isinstance(items.get("$ref"), str):
            surface.models[f"{name}Item"] = {}
            surface.enums[f"{name}Item"] = tuple(sorted(str(v) for v in items["enum"]))
        return
    if isinstance(plain.get("enum"), list):
        surface.models[name] = {}
        surface.enums[name] = tuple(sorted(str(v) for v in plain["enum"]))


def _diff_members(
    changes: list[Change],
    kind: str,
    owner: str,
    before: dict[str, bool],
    after: dict[str, bool],
    sides: tuple[Surface, Surface],
) -> None:
    def at(member: str) -> str:
        return f"{owner}({member}=)" if kind == "argument" else f"{owner}.{member}"

    def add(change: str, member: str, message: str, detail: str = "") -> None:
        changes.append(Change(SURFACE, change, at(member), fixed_breaking(change), message, detail))

    for member in sorted(set(after) - set(before)):
        add(
            f"required-{kind}-added" if after[member] else f"{kind}-added",
            member,
            f"{kind} {member} added",
        )
    for member in sorted(set(before) - set(after)):
        add(f"{kind}-removed", member, f"{kind} {member} removed")
    for member in sorted(set(before) & set(after)):
        if before[member] != after[member]:
            became = "required" if after[member] else "optional"
            add(f"{kind}-became-{became}", member, f"{kind} {member} became {became}")
        type_change = _type_change(at(member), *sides)
        nullable = _nullable_change(type_change)
        if nullable is not None:
            add(
                f"{kind}-became-{nullable}",
                member,
                f"{kind} {member} "
                + ("may now be None" if nullable == "nullable" else "is never None now"),
                f"{type_change[0]} -> {type_change[1]}" if type_change else "",
            )
        elif type_change is not None and _same_python_type(type_change, at(member), sides):
            add(
                f"{kind}-format-changed",
                member,
                f"{kind} {member} holds {type_change[1]} (was {type_change[0]})",
                f"{type_change[0]} -> {type_change[1]}",
            )
        elif type_change is not None:
            add(
                f"{kind}-type-changed",
                member,
                f"{kind} {member} is now {type_change[1]} (was {type_change[0]})",
                f"{type_change[0]} -> {type_change[1]}",
            )
        for change, value in _member_changes(at(member), *sides):
            add(
                change, member, f"{kind} {member}: member {value!r} {change.rsplit('-')[-1]}", value
            )


def _type_change(position: str, old: Surface, new: Surface) -> tuple[str, str] | None:
    """(was, is) when what ``position`` holds changed; None when it holds the same values."""
    old_type, new_type = old.types.get(position), new.types.get(position)
    if not old_type or not new_type:
        return None
    if position in old.shapes and position in new.shapes:
        old_shape, new_shape = old.shapes[position], new.shapes[position]
        if old_shape == new_shape or old.expanded[position] == new.expanded[position]:
            return None  # same values, whatever the classes are called ($ref inlined)
        if old_shape.startswith("{") and new_shape.startswith("{"):
            # an inline class on both sides: its fields' changes are the wire view's (and, by
            # name, --surface generated's); only its nullability is this position's
            was, now = old_shape.endswith(" | None"), new_shape.endswith(" | None")
            if was == now:
                return None
            return (old_type, f"{old_type} | None") if now else (f"{old_type} | None", old_type)
        if old_type == new_type or INLINE in (old_type, new_type):
            return old_shape, new_shape  # int32 -> int64, nullable: the shapes say what changed
        return old_type, new_type
    if old_type != new_type and INLINE not in (old_type, new_type):
        return old_type, new_type
    return None


def _same_python_type(change: tuple[str, str], position: str, sides: tuple[Surface, ...]) -> bool:
    """Whether a change keeps the Python type and differs only in formats (int32 -> int64)."""
    old, new = sides
    if old.types.get(position) != new.types.get(position):
        return False
    return re.sub(r"\([^()]*\)", "", change[0]) == re.sub(r"\([^()]*\)", "", change[1])


def _nullable_change(change: tuple[str, str] | None) -> str | None:
    """``"nullable"``/``"non-nullable"`` when a type change is only that, else None."""
    if change is None:
        return None
    was, now = change
    if now == f"{was} | None":
        return "nullable"
    if was == f"{now} | None":
        return "non-nullable"
    return None


_CLASS_NAMES = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _member_changes(position: str, old: Surface, new: Surface) -> list[tuple[str, str]]:
    """Enum members added or removed at ``position``, unless one enum class shared by both
    sides holds them (then they are reported once, on the class)."""
    before, after = old.values.get(position), new.values.get(position)
    if before is None or after is None or before == after:
        return []
    if old.types.get(position) == new.types.get(position):
        both = old.enums.keys() & new.enums.keys()
        named = _CLASS_NAMES.findall(old.types.get(position, ""))
        if any(f"{PACKAGE}.models.{name}" in both for name in named):
            return []
    return [("enum-member-added", v) for v in sorted(set(after) - set(before))] + [
        ("enum-member-removed", v) for v in sorted(set(before) - set(after))
    ]


def _diff_enums(changes: list[Change], old: Surface, new: Surface) -> None:
    for name in sorted(set(old.enums) & set(new.enums)):
        before, after = set(old.enums[name]), set(new.enums[name])
        for value in sorted(after - before):
            change = "enum-member-added"
            changes.append(
                Change(
                    SURFACE, change, name, fixed_breaking(change), f"member {value!r} added", value
                )
            )
        for value in sorted(before - after):
            change = "enum-member-removed"
            changes.append(
                Change(
                    SURFACE,
                    change,
                    name,
                    fixed_breaking(change),
                    f"member {value!r} removed",
                    value,
                )
            )


def diff_surface(old: Surface, new: Surface) -> list[Change]:
    """Functions, arguments, models, fields and enum members added or removed; arguments and
    fields that became required or optional or changed their Python type."""
    changes: list[Change] = []
    for group, kind, member in (
        (old.functions, "function", "argument"),
        (old.models, "model", "field"),
    ):
        after_group = new.functions if kind == "function" else new.models
        for name in sorted(set(after_group) - set(group)):
            changes.append(
                Change(
                    SURFACE, f"{kind}-added", name, fixed_breaking(f"{kind}-added"), f"{kind} added"
                )
            )
        for name in sorted(set(group) - set(after_group)):
            changes.append(
                Change(
                    SURFACE,
                    f"{kind}-removed",
                    name,
                    fixed_breaking(f"{kind}-removed"),
                    f"{kind} removed",
                )
            )
        for name in sorted(set(group) & set(after_group)):
            _diff_members(changes, member, name, group[name], after_group[name], (old, new))
    _diff_enums(changes, old, new)
    return changes
