"""The facade signature of each operation, read from the generated package at regen time.

:mod:`issuetrak_tools._nsgen` writes it into the generated namespace methods:

* path parameters, positional (``iid``);
* ``body``, a model, a mapping in wire names, a ``Where`` for searches (optional when its fields
  are given as keywords);
* keywords: page number and size of paged operations, query parameters, the body model's fields
  in snake_case (a search: its sort options and the filter's criteria), and the per-call options
  (``timeout``, ``max_retries``, ``deadline``, ``extra_headers``).

Types are written as the caller may pass them: an enum also as its string, a date as an ISO
string, a nested model as a mapping.
"""

from __future__ import annotations

import ast
import datetime as _dt
import inspect
import types
import typing
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from issuetrak.codegen import OpSpec, field_names, required_fields, resolve_model

__all__ = ["FILTER_VALUE", "OPTION_TYPES", "Param", "Shape", "shape"]

PAGING = ("page_number", "page_size")
SORTING = ("sort_field", "sort_direction")
OPTION_TYPES: dict[str, str] = {
    "timeout": "float | httpx.Timeout | None",
    "max_retries": "int",
    "deadline": "float | None",
    "extra_headers": "Mapping[str, str]",
}
FILTER_VALUE = "FilterValue"  # issuetrak.filters.FilterValue: what a criteria keyword takes

Namer = Callable[[type], str]


def _package_of(cls: type) -> str:
    """The generated package that defines ``cls`` (a label's, or a standalone one)."""
    return cls.__module__.partition(".models.")[0]


def _plain_name(cls: type) -> str:
    return cls.__name__


@dataclass(frozen=True)
class Param:
    """One parameter of a facade method: its name, type (source text) and whether it is required."""

    name: str
    annotation: str
    required: bool = False


@dataclass(frozen=True)
class Shape:
    """Everything a facade method accepts, grouped as its signature has them."""

    path: tuple[Param, ...]
    body: Param | None
    keywords: tuple[Param, ...]  # paging, query parameters, sorting
    fields: tuple[Param, ...]  # body fields (required ones marked; only when no body is given)
    criteria: tuple[str, ...]  # a search's criteria keywords (FILTER_VALUE each)
    flags: tuple[Param, ...] = ()  # namespace-specific options (groups: normalize)

    def names(self) -> list[str]:
        return [
            p.name
            for p in (
                *self.path,
                *((self.body,) if self.body else ()),
                *self.keywords,
                *self.fields,
            )
        ] + list(self.criteria)


# -- types as text ------------------------------------------------------------------------------


def _union(parts: list[str]) -> str:
    seen: dict[str, None] = {}
    for part in parts:
        for piece in part.split(" | "):
            seen.setdefault(piece, None)
    if "Any" in seen:
        return "Any"
    return " | ".join(seen)


def _named(name: str, package: str | None, namer: Namer, inputs: bool) -> str:
    builtin = {
        "str": "str",
        "int": "int",
        "float": "float",
        "bool": "bool",
        "None": "None",
        "Any": "Any",
        "bytes": "bytes",
    }
    if name in builtin:
        return builtin[name]
    if name == "UUID":
        return "UUID | str" if inputs else "UUID"
    if name == "File":
        return "File"
    cls = resolve_model(name, package)
    text = namer(cls)
    if inputs:
        text += " | str" if hasattr(cls, "__members__") else " | Mapping[str, Any]"
    return text


def _text_type(node: ast.expr, package: str | None, namer: Namer, inputs: bool) -> str:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union(
            [
                _text_type(node.left, package, namer, inputs),
                _text_type(node.right, package, namer, inputs),
            ]
        )
    if isinstance(node, ast.Constant) and node.value is None:
        return "None"
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        inner = _text_type(node.slice, package, namer, inputs)
        if node.value.id == "list":
            return f"Sequence[{inner}]" if inputs else f"builtins.list[{inner}]"
        return "Any"
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        if node.value.id == "datetime" and node.attr in ("datetime", "date"):
            return f"datetime.{node.attr}" + (" | str" if inputs else "")
        return "Any"
    if isinstance(node, ast.Name):
        if node.id == "Unset":
            return ""
        return _named(node.id, package, namer, inputs)
    return "Any"


def field_type(cls: type, field: str, namer: Namer = _plain_name, *, inputs: bool = True) -> str:
    """The type of a generated model's field as text (``Unset`` dropped)."""
    import attrs

    for f in attrs.fields(cls):
        if f.name == field:
            annotation = f.type if isinstance(f.type, str) else repr(f.type)
            node = ast.parse(annotation, mode="eval").body
            text = _text_type(node, _package_of(cls), namer, inputs)
            return " | ".join(p for p in text.split(" | ") if p) or "Any"
    raise KeyError(field)


def annotation_type(annotation: Any, namer: Namer = _plain_name, *, inputs: bool = True) -> str:
    """A typing annotation of a generated function as text (``Unset`` dropped)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return _union(
            [
                annotation_type(a, namer, inputs=inputs)
                for a in typing.get_args(annotation)
                if getattr(a, "__name__", "") != "Unset"
            ]
        )
    if origin is list:
        (item,) = typing.get_args(annotation)
        inner = annotation_type(item, namer, inputs=inputs)
        return f"Sequence[{inner}]" if inputs else f"builtins.list[{inner}]"
    if annotation is type(None) or annotation is None:
        return "None"
    if annotation is Any:
        return "Any"
    if annotation in (int, str, float, bool, bytes):
        return str(annotation.__name__)
    if annotation is _dt.datetime:
        return "datetime.datetime" + (" | str" if inputs else "")
    if annotation is _dt.date:
        return "datetime.date" + (" | str" if inputs else "")
    if annotation is uuid.UUID:
        return "UUID | str" if inputs else "UUID"
    if isinstance(annotation, type):
        name = namer(annotation)
        if inputs and hasattr(annotation, "__members__"):
            return f"{name} | str"
        return name
    return "Any"


# -- the shape of one operation -----------------------------------------------------------------


def _optional(text: str) -> str:
    return text if "None" in text.split(" | ") else f"{text} | None"


def _body_type(spec: OpSpec, namer: Namer) -> str:
    assert spec.body_cls is not None
    body = namer(spec.body_cls)
    if spec.body_is_list:
        return f"Sequence[{body} | Mapping[str, Any]]"
    if spec.paged_by_body:
        return f"{body} | Where | Mapping[str, Any]"
    return f"{body} | Mapping[str, Any]"


def _search_parts(spec: OpSpec, namer: Namer) -> tuple[list[Param], list[str]]:
    """A search body's own fields (sorting, options) and the criteria keywords."""
    from issuetrak.codegen import criteria_fields, field_model

    cls = spec.body_cls
    assert cls is not None
    inner = field_model(cls, "filter_") if "filter_" in field_names(cls) else cls
    criteria = set(criteria_fields(inner)) if inner is not None else set()
    own = [
        Param(name, _optional(field_type(cls, name, namer)))
        for name in field_names(cls)
        if name not in PAGING and name not in criteria
    ]
    return own, sorted(criteria)


def shape(
    spec: OpSpec,
    namer: Namer = _plain_name,
    *,
    merge: bool = False,
    flags: tuple[str, ...] = (),
) -> Shape:
    """What the facade method of ``spec`` accepts (``merge``: the merge-update form of a PUT)."""
    signature = inspect.signature(spec.module.sync_detailed)
    path = tuple(
        Param(name, annotation_type(signature.parameters[name].annotation, namer), True)
        for name in spec.path_params
    )
    extra = tuple(Param(flag, "bool") for flag in flags)
    body: Param | None = None
    keywords: list[Param] = []
    fields: list[Param] = []
    criteria: list[str] = []
    if spec.body_cls is not None:
        body = Param("body", _optional(_body_type(spec, namer)))
    if spec.paged_by_query or spec.paged_by_body:
        keywords += [Param(name, "int | None") for name in PAGING]
    for name in spec.query_params:
        if name in PAGING:
            continue
        keywords.append(
            Param(name, _optional(annotation_type(signature.parameters[name].annotation, namer)))
        )
    cls = spec.body_cls
    if cls is not None and not spec.body_is_list:
        if spec.paged_by_body:
            own, criteria = _search_parts(spec, namer)
            keywords += own
        else:
            required = set() if merge else set(required_fields(cls))
            fields = [
                Param(name, field_type(cls, name, namer), name in required)
                for name in field_names(cls)
            ]
    return Shape(path, body, tuple(keywords), tuple(fields), tuple(criteria), extra)
