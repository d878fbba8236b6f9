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
    """Importable names: ``functions[module] = {argument: required}``, ``models[class] = {field: required}``."""

    functions: dict[str, dict[str, bool]] = field(default_factory=dict)
    models: dict[str, dict[str, bool]] = field(default_factory=dict)


def _operation_module(method: str, path: str, operation: Mapping[str, Any]) -> str:
    operation_id = operation.get("operationId")
    if isinstance(operation_id, str) and operation_id:
        return python_identifier(operation_id)
    unsafe = (
        path.replace("{", "").replace("}", "").replace("/", "_").removeprefix("_").removesuffix("_")
    )
    return python_identifier(f"{method.lower()}_{unsafe}")


def derive_surface(document: Mapping[str, Any]) -> Surface:
    """The surface of the package the generator would make from ``document``."""
    surface = Surface()
    for op in index_operations(document).values():
        tags = op.operation.get("tags") or ["default"]
        tag = python_identifier(str(tags[0]), prefix="tag")
        module = f"{PACKAGE}.api.{tag}.{_operation_module(op.method, op.path, op.operation)}"
        arguments = {
            python_identifier(str(p.get("name", ""))): p.get("in") == "path"
            or p.get("required") is True
            for p in op.parameters.values()
        }
        if "requestBody" in op.operation:
            body = op.operation["requestBody"]
            arguments["body"] = isinstance(body, Mapping) and body.get("required") is True
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
        elif resolved.get("type") == "object" or "properties" in resolved:
            properties = resolved.get("properties") or {}
            required = set(resolved.get("required") or ())
            surface.models[name] = {python_identifier(str(p)): p in required for p in properties}
    return surface


def _diff_members(
    changes: list[Change], kind: str, owner: str, before: dict[str, bool], after: dict[str, bool]
) -> None:
    def at(member: str) -> str:
        return f"{owner}({member}=)" if kind == "argument" else f"{owner}.{member}"

    for member in sorted(set(after) - set(before)):
        added = f"required-{kind}-added" if after[member] else f"{kind}-added"
        changes.append(
            Change(SURFACE, added, at(member), fixed_breaking(added), f"{kind} {member} added")
        )
    for member in sorted(set(before) - set(after)):
        removed = f"{kind}-removed"
        changes.append(
            Change(
                SURFACE, removed, at(member), fixed_breaking(removed), f"{kind} {member} removed"
            )
        )


def diff_surface(old: Surface, new: Surface) -> list[Change]:
    """Functions, arguments, models and fields added or removed."""
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
            _diff_members(changes, member, name, group[name], after_group[name])
    return changes
