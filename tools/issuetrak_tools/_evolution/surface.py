"""The public surface of the package openapi-python-client generates from a document, derived by name.

We derive the names the generator would use rather than running it: the surface of a document
then costs milliseconds instead of a generator run per document, needs neither the generator nor
a writable temp folder, and works on any document, including ones the generator would reject.
The naming functions below follow ``openapi_python_client.strings`` (0.29): one module per
operation (``operationId`` in snake case, else ``<method>_<path>``) under ``api/<tag>/``, keyword
arguments named after parameters in snake case plus ``body``; one class per component schema that
is an object or an enum (PascalCase), attributes in snake case. A test checks the derivation
against the generated package in ``generated/``. Inline schemas the generator turns into extra
classes from inline schemas (``UploadIssueAttachmentBody``) are not derived: their changes show in
the wire diff, and ``spec-diff --surface generated`` (:mod:`issuetrak_tools._evolution.generated`) runs
the real generator when the exact surface matters.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from keyword import iskeyword
from typing import Any

from .model import SURFACE, Change
from .pytypes import INLINE, schema_type
from .refs import deref
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
    values of each enum class.
    """

    functions: dict[str, dict[str, bool]] = field(default_factory=dict)
    models: dict[str, dict[str, bool]] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)


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

    def typed(schema: Any) -> str:
        return schema_type(schema, document, class_name)

    for op in index_operations(document).values():
        tags = op.operation.get("tags") or ["default"]
        tag = python_identifier(str(tags[0]), prefix="tag")
        module = f"{PACKAGE}.api.{tag}.{_operation_module(op.method, op.path, op.operation)}"
        arguments: dict[str, bool] = {}
        for param in op.parameters.values():
            name = python_identifier(str(param.get("name", "")))
            arguments[name] = param.get("in") == "path" or param.get("required") is True
            surface.types[f"{module}({name}=)"] = typed(param.get("schema"))
        if "requestBody" in op.operation:
            body = op.operation["requestBody"]
            arguments["body"] = isinstance(body, Mapping) and body.get("required") is True
            surface.types[f"{module}(body=)"] = typed(_body_schema(document, body))
        surface.functions[module] = arguments
    for ref, schema in component_schemas(document).items():
        resolved = deref(document, schema if isinstance(schema, Mapping) else {})
        raw_name = ref.rsplit("/", 1)[-1]
        if resolved.get("nullable") is True and (
            "properties" in resolved or resolved.get("type") == "object"
        ):
            # a nullable object becomes `Name | None`; the generator names the object part Type0
            raw_name = f"{raw_name}_type_0"
        name = f"{PACKAGE}.models.{class_name(raw_name)}"
        if "enum" in resolved:
            surface.models[name] = {}
            surface.enums[name] = tuple(sorted(str(v) for v in resolved["enum"]))
        elif resolved.get("type") == "object" or "properties" in resolved:
            properties = resolved.get("properties") or {}
            required = set(resolved.get("required") or ())
            surface.models[name] = {python_identifier(str(p)): p in required for p in properties}
            for prop, sub in properties.items():
                surface.types[f"{name}.{python_identifier(str(prop))}"] = typed(sub)
    return surface


def _diff_members(
    changes: list[Change],
    kind: str,
    owner: str,
    before: dict[str, bool],
    after: dict[str, bool],
    types: tuple[Mapping[str, str], Mapping[str, str]],
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
        old_type, new_type = types[0].get(at(member)), types[1].get(at(member))
        if old_type and new_type and old_type != new_type and INLINE not in (old_type, new_type):
            add(
                f"{kind}-type-changed",
                member,
                f"{kind} {member} is now {new_type} (was {old_type})",
                f"{old_type} -> {new_type}",
            )


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
    types = (old.types, new.types)
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
            _diff_members(changes, member, name, group[name], after_group[name], types)
    _diff_enums(changes, old, new)
    return changes
