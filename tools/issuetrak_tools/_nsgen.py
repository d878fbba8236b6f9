"""Write a label package's ``namespaces/``: the client's namespaces as real classes.

One module per document tag (``namespaces/users.py``) holds four classes, ``Users``,
``AsyncUsers``, ``RawUsers`` and ``AsyncRawUsers`` (``client.users``, the async client's, and
``client.with_raw_response.users`` of each), with one real method per operation and per friendly
name (``list``, ``get``, ``search``, ``create``, ``update``, ``patch``; see
:func:`issuetrak_tools._describe.friendly_names`). Each method has the operation's signature
(path and query parameters; body fields as keywords typed by a ``TypedDict`` per body model; the
per-call options), a docstring made from the operation's summary and description, and a body
that hands the operation's :class:`~issuetrak.facade.OpSpec` to the runtime's invocation core.
``namespaces/__init__.py`` holds the containers the client reaches them through.

Tags with hand-written helpers are those of :data:`issuetrak.codegen.ENTITIES`: their classes
derive from the named base classes. ``issuetrak regen`` runs :func:`main` in a fresh interpreter
that imports the new package (:mod:`issuetrak_tools._finish`, after the import check); alone::

    python -m issuetrak_tools._nsgen PACKAGE FOLDER

A failure prints one ``operation TAG.NAME: problem`` line per operation it cannot describe (regen
turns them into places in the document) and exits 1 before anything is written.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import re
import sys
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from issuetrak.codegen import (
    ENTITIES,
    OPTION_NAMES,
    Entity,
    OpSpec,
    field_classes,
    field_is_list,
    field_names,
    resolve_model,
)
from issuetrak_tools import _describe
from issuetrak_tools._shapes import (
    FILTER_VALUE,
    OPTION_TYPES,
    Param,
    Shape,
    annotation_type,
    shape,
)

__all__ = ["NamespaceProblem", "main", "render"]

_LINE = 100  # the project's line length, for wrapping imports as the import sorter does
# the runtime modules the written namespaces import (see render_tag)
RUNTIME_MODULES = ("issuetrak.facade", "issuetrak.filters")
FAILURE_PREFIX = "operation "


class NamespaceProblem(Exception):
    """An operation the namespace generator cannot describe."""

    def __init__(self, tag: str, name: str, problem: str) -> None:
        super().__init__(f"{FAILURE_PREFIX}{tag}.{name}: {problem}")
        self.tag, self.name = tag, name


def camel(tag: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in tag.split("_"))


class _Imports:
    """The package being rendered, and what one tag module imports from it."""

    def __init__(self, package: str) -> None:
        self.package = package
        self.models: dict[str, str] = {}  # class name -> module, relative to the package
        self.operations: dict[str, str] = {}  # operation module -> its tag

    def name(self, cls: type) -> str:
        module = cls.__module__
        if module.startswith(f"{self.package}."):
            self.models[cls.__name__] = module.removeprefix(self.package)
        return cls.__name__

    def lines(self) -> list[str]:
        found = [(f"..api.{tag}", op) for op, tag in self.operations.items()]
        found += [(f".{module}", name) for name, module in self.models.items()]
        lines = []
        for module, name in sorted(found):
            line = f"from {module} import {name}"
            if len(line) > _LINE:
                line = f"from {module} import (\n    {name},\n)"
            lines.append(line)
        return lines


@dataclass(frozen=True)
class _Variant:
    """One of the four classes of a namespace."""

    prefix: str  # class name prefix: "", "Async", "Raw", "AsyncRaw"
    is_async: bool
    raw: bool


VARIANTS = (
    _Variant("", False, False),
    _Variant("Async", True, False),
    _Variant("Raw", False, True),
    _Variant("AsyncRaw", True, True),
)


# -- types --------------------------------------------------------------------------------------


def _type_name(cls: type, imports: _Imports) -> str:
    if cls is type(None):
        return "None"
    if cls is list:
        return "builtins.list[Any]"
    if cls.__module__ == "builtins":
        return cls.__name__
    return imports.name(cls)


def _item_type(cls: type, imports: _Imports) -> str:
    """``User`` for ``SingleUserResponse{values: User}``, ``builtins.list[X]`` for lists; enums,
    JSON values and lists of them as they are."""
    if not hasattr(cls, "__attrs_attrs__") or "values" not in field_names(cls):
        return _type_name(cls, imports)
    inner = field_classes(cls, "values")
    if not inner:
        return "Any"
    name = " | ".join(imports.name(c) for c in inner)
    return f"builtins.list[{name}]" if field_is_list(cls, "values") else name


def _answer_members(spec: OpSpec) -> list[Any]:
    """The members of the generated function's ``Response[...]`` (a union flattened)."""
    returned = typing.get_args(inspect.signature(spec.module.sync_detailed).return_annotation)
    if not returned:
        return []
    answer = returned[0]
    if typing.get_origin(answer) in (typing.Union, types.UnionType):
        return list(typing.get_args(answer))
    return [answer]


def _result(spec: OpSpec, imports: _Imports) -> tuple[str, bool]:
    """(what the plain call returns, whether it is paged) for one operation."""
    if spec.paged_by_query or spec.paged_by_body:
        item = _item_type(spec.success[0], imports) if spec.success else "Any"
        return item.removeprefix("builtins.list[").removesuffix("]"), True
    if spec.success:
        shown: list[str] = []
        for member in _answer_members(spec):
            if isinstance(member, type) and member in spec.success:
                shown.append(_item_type(member, imports))
            elif typing.get_origin(member) is list or member is type(None):
                shown.append(annotation_type(member, imports.name, inputs=False))
        return " | ".join(dict.fromkeys(shown)) or "Any", False
    if spec.declares_api_response:
        return imports.name(resolve_model("ApiResponse", imports.package)), False
    return "None", False


def _returns(result: str, paged: bool, variant: _Variant) -> str:
    if variant.raw:
        result = f"RawResponse[{f'Page[{result}]' if paged else result}]"
    elif paged:
        return f"{'AsyncPager' if variant.is_async else 'SyncPager'}[{result}]"
    return f"Coroutine[Any, Any, {result}]" if variant.is_async else result


# -- docstrings ---------------------------------------------------------------------------------

_LINK = re.compile(r"\[([^\]]+)\]\((#[^)]*)\)")  # a link into the vendor's own page


def _values_of(spec: OpSpec, imports: _Imports) -> str:
    result, _ = _result(spec, imports)
    return result.replace("builtins.", "")


def _doc(spec: OpSpec, imports: _Imports, variant: _Variant, fields: tuple[Param, ...]) -> str:
    """The operation's summary and description (from the generated function), with what the
    facade method takes and returns."""
    text = inspect.cleandoc(spec.module.sync_detailed.__doc__ or spec.qualname)
    head = re.split(r"\n\s*(Args|Raises|Returns):\s*\n", text, maxsplit=1)[0].rstrip()
    head = _LINK.sub(r"\1", head) or spec.qualname
    values = _values_of(spec, imports)
    if spec.paged_by_query or spec.paged_by_body:
        returns = (
            f"{'AsyncPager' if variant.is_async else 'SyncPager'} of {values} across pages "
            "(lazy: nothing is sent until iterated; ``.pages()``, ``.total``)."
        )
    elif spec.success or spec.declares_api_response:
        returns = f"{values}."
    else:
        returns = "None (the document declares no reply body)."
    if variant.raw:
        returns = f"a RawResponse whose ``.parse()`` gives {returns}"
    if variant.is_async and not (spec.paged_by_query or spec.paged_by_body):
        returns = f"a coroutine; awaited: {returns}"
    lines = [head, "", f"Operation ``{spec.name}``.", ""]
    if fields:
        lines += ["Body fields may be given as keywords, instead of or on top of ``body``.", ""]
    lines += [
        "Returns:",
        f"    {returns}",
        "",
        "Raises:",
        "    issuetrak.errors.APIStatusError: a non-2xx reply (``NotFoundError``, ...).",
        "    issuetrak.errors.UsageError: arguments refused before anything is sent.",
    ]
    body = "\n".join(lines).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    indented = "\n".join(f"        {line}" if line else "" for line in body.splitlines())
    return f'        """{indented.lstrip()}\n        """'


# -- one operation ------------------------------------------------------------------------------


def _check_names(spec: OpSpec, found: Shape) -> None:
    # a body field or criterion named like an option stays reachable through ``body``; a path
    # or query parameter would not be
    clash = OPTION_NAMES.intersection(p.name for p in (*found.path, *found.keywords))
    if clash:  # the facade could not tell the option from the operation's own argument
        raise NamespaceProblem(
            spec.tag, spec.name, f"{', '.join(sorted(clash))} is both an argument and an option"
        )


@dataclass
class _Method:
    """What one method is: its name, parameters, return type and the call it makes."""

    name: str
    spec: OpSpec
    params: list[str]
    returns: str
    call: str
    overloads: list[list[str]]
    fields: tuple[Param, ...] = ()


def _const(spec: OpSpec) -> str:
    return f"_{spec.name.upper()}"


def _path_args(found: Shape) -> str:
    names = [p.name for p in found.path]
    return f"({names[0]},)" if len(names) == 1 else f"({', '.join(names)})"


def _pass(helper: str, names: list[str]) -> str:
    return f"**_{helper}({', '.join(f'{n}={n}' for n in names)})" if names else ""


def _kwargs(parts: list[str]) -> str:
    return "{" + ", ".join(p for p in parts if p) + "}"


_OPTIONS = [Param(name, text) for name, text in OPTION_TYPES.items()]
# a misspelt keyword: refused by type checkers (Never), and at run time by the invocation core
# with a "did you mean" hint (UnknownFieldError) rather than Python's bare TypeError
_UNKNOWN = "**unknown: Never"


def _unset(params: list[Param] | tuple[Param, ...], default: str) -> list[str]:
    return [f"{p.name}: {p.annotation} = {default}" for p in params]


def _free(params: tuple[Param, ...], taken: set[str]) -> tuple[Param, ...]:
    """Body fields whose names no other parameter has (the others are reachable through body)."""
    return tuple(p for p in params if p.name not in taken and p.name != "self")


def _method(
    name: str,
    spec: OpSpec,
    imports: _Imports,
    flags: tuple[str, ...],
) -> _Method:
    """A method that calls ``spec`` with the shape of its generated function."""
    found = shape(spec, imports.name, flags=flags)
    _check_names(spec, found)
    result, _ = _result(spec, imports)
    path = [f"{p.name}: {p.annotation}" for p in found.path]
    keywords = [f"{p.name}: {p.annotation} = None" for p in found.keywords]
    flag_params = [f"{f}: bool = False" for f in flags]
    flag_args = [f'"{f}": {f}' for f in flags]
    options = _unset(_OPTIONS, "NOT_GIVEN")
    option_names = [p.name for p in _OPTIONS]
    named = [p.name for p in found.keywords]
    const = _const(spec)
    body = found.body
    taken = {"body", "unknown", *(p.name for p in found.path), *named, *flags, *option_names}
    if body is None or spec.body_is_list:
        params = list(path)
        if body is not None:
            params.append(f"body: {body.annotation.removesuffix(' | None')}")
        params += ["*", *keywords, *options, _UNKNOWN]
        extra = ['"body": body'] if body is not None else []
        passed = [*extra, _pass("given", named), _pass("supplied", option_names), "**unknown"]
        call = f"self._invoke({const}, {_path_args(found)}, {_kwargs(passed)})"
        return _Method(name, spec, params, result, call, [])
    assert spec.body_cls is not None
    if spec.paged_by_body:
        criteria = [c for c in found.criteria if c not in taken]
        params = [*path, f"body: {body.annotation} = None", "*", *keywords]
        params += [f"{c}: {FILTER_VALUE} = NOT_GIVEN" for c in criteria] + options + [_UNKNOWN]
        passed = [
            _pass("given", ["body", *named]),
            _pass("supplied", [*criteria, *option_names]),
            "**unknown",
        ]
        call = f"self._invoke({const}, {_path_args(found)}, {_kwargs(passed)})"
        return _Method(name, spec, params, result, call, [])
    fields = _free(found.fields, taken)
    body_type = body.annotation.removesuffix(" | None")
    head = ["*", *keywords, *flag_params]
    required = [f"{p.name}: {p.annotation}" for p in fields if p.required]
    optional = [p for p in fields if not p.required]
    overloads = [
        [*path, f"body: {body_type}", *head, *_unset(fields, "..."), *_unset(_OPTIONS, "...")],
        [*path, *head, *required, *_unset(optional, "..."), *_unset(_OPTIONS, "...")],
    ]
    params = [*path, f"body: {body.annotation} = None", *head, *_unset(fields, "NOT_GIVEN")]
    params += [*options, _UNKNOWN]
    field_names_ = [p.name for p in fields]
    passed = [
        _pass("given", ["body", *named]),
        _pass("supplied", [*field_names_, *option_names]),
        *flag_args,
        "**unknown",
    ]
    call = f"self._invoke({const}, {_path_args(found)}, {_kwargs(passed)})"
    return _Method(name, spec, params, result, call, overloads, fields)


def _merge_update(
    put: OpSpec, reader: OpSpec, imports: _Imports, flags: tuple[str, ...]
) -> _Method:
    found = shape(put, imports.name, merge=True, flags=flags)
    _check_names(put, found)
    result, _ = _result(put, imports)
    assert put.body_cls is not None and found.body is not None
    option_names = [p.name for p in _OPTIONS]
    taken = {"body", "unknown", *(p.name for p in found.path), *flags, *option_names}
    fields = _free(found.fields, taken)
    params = [
        *(f"{p.name}: {p.annotation}" for p in found.path),
        "/",
        "*",
        f"body: {found.body.annotation} = None",
        *(f"{f}: bool = False" for f in flags),
        *_unset(fields, "NOT_GIVEN"),
        *_unset(_OPTIONS, "NOT_GIVEN"),
        _UNKNOWN,
    ]
    flag_args = [f'"{f}": {f}' for f in flags]
    supplied = _pass("supplied", [*(p.name for p in fields), *option_names])
    passed = _kwargs([*flag_args, supplied, "**unknown"])
    call = f"self._merge_update({_const(put)}, {_const(reader)}, iid, body, {passed})"
    return _Method("update", put, params, result, call, [], fields)


_MERGE_HEAD = """Merge-update of one {tag} record: ``update(iid, **changes)``.

Reads the stored record, carries every field the update schema has over to it (read-only fields
are dropped), applies ``changes`` (snake_case field names), PUTs it ({operation}) and returns the
stored record. Fields not named are sent exactly as stored; an unknown name raises
``UnknownFieldError`` before any request. ``update(iid, body=model)`` PUTs a full update model as
is, without reading."""


def _render_method(method: _Method, variant: _Variant, imports: _Imports) -> list[str]:
    paged = method.spec.paged_by_query or method.spec.paged_by_body
    returns = _returns(method.returns, paged and method.name != "update", variant)
    lines: list[str] = []
    for overload in method.overloads:
        lines.append("    @overload")
        lines.append(f"    def {method.name}({', '.join(['self', *overload])}) -> {returns}: ...")
    lines.append(f"    def {method.name}({', '.join(['self', *method.params])}) -> {returns}:")
    if variant.raw:
        lines.append(
            f'        """Like ``{method.name}`` of ``client.{method.spec.tag}``, returning the'
            ' RawResponse (headers, status, ``.parse()``)."""'
        )
    else:
        doc = _doc(method.spec, imports, variant, method.fields)
        if method.call.startswith("self._merge_update"):
            head = _MERGE_HEAD.format(tag=method.spec.tag, operation=method.spec.name)
            doc = doc.replace('"""', '"""' + head.replace("\n", "\n        ") + "\n\n        ", 1)
        lines.append(doc)
    lines.append(f"        _result: {returns} = {method.call}")
    lines.append("        return _result")
    return lines


# -- one tag ------------------------------------------------------------------------------------


def _reader(package: str, tag: str, aliases: dict[str, str]) -> OpSpec | None:
    """What reads one record for a merge-update: GET by iid, or a search whose filter has iid."""
    if "get" in aliases:
        get = _describe.load(tag, aliases["get"], package)
        if get.path_params == ("iid",):
            return get
    if "search" in aliases:
        search = _describe.load(tag, aliases["search"], package)
        if search.paged_by_body and not search.path_params and search.body_cls is not None:
            from issuetrak.codegen import criteria_fields

            if "iid" in criteria_fields(search.body_cls):
                return search
    return None


def _merge_parts(package: str, tag: str, aliases: dict[str, str]) -> tuple[OpSpec, OpSpec] | None:
    """(PUT by iid, reader) when ``update(iid, **changes)`` is a merge-update."""
    if "update" not in aliases:
        return None
    put = _describe.load(tag, aliases["update"], package)
    reader = _reader(package, tag, aliases)
    if reader is None or put.path_params != ("iid",) or put.body_cls is None or put.body_is_list:
        return None
    return put, reader


def _entity_ops(package: str, entity: Entity) -> dict[str, OpSpec] | None:
    """The operations an entity's base class needs, or None if the document lacks one."""
    found: dict[str, OpSpec] = {}
    for attribute, where in entity.operations.items():
        tag, _, name = where.partition(".")
        if tag not in _describe.tags(package):
            return None
        name = _describe.friendly_names(tag, package).get(name, name)
        if name not in _describe.operation_names(tag, package):
            return None
        found[attribute] = _describe.load(tag, name, package)
    return found


def _methods(
    package: str, tag: str, imports: _Imports, entity: Entity | None
) -> tuple[list[_Method], dict[str, str]]:
    """The tag's methods (under their friendly name where they have one), and the other names
    of the same methods (``get_user = get``)."""
    aliases = _describe.friendly_names(tag, package)
    operations = _describe.operation_names(tag, package)
    inherited = set(dir(entity.sync)) if entity is not None else set()
    flags = entity.flags if entity is not None else {}
    merge = _merge_parts(package, tag, aliases)
    methods: list[_Method] = []
    primary: dict[str, str] = {}  # operation -> the friendly name it is written under
    for alias, name in sorted(aliases.items()):
        if alias in inherited or alias in operations:
            continue
        with _about(tag, name):
            if alias == "update" and merge is not None:
                methods.append(_merge_update(*merge, imports, flags.get(alias, ())))
            elif flags.get(alias):
                spec = _describe.load(tag, name, package)
                methods.append(_method(alias, spec, imports, flags[alias]))
            else:
                primary.setdefault(name, alias)
    same = {
        alias: primary[name]
        for alias, name in aliases.items()
        if name in primary and primary[name] != alias and alias not in inherited
    }
    for name in operations:
        with _about(tag, name):
            method = primary.get(name, name)
            methods.append(_method(method, _describe.load(tag, name, package), imports, ()))
        if method != name:
            same[name] = method
        imports.operations[name] = tag
    return sorted(methods, key=lambda m: m.name), same


@contextlib.contextmanager
def _about(tag: str, name: str) -> Iterator[None]:
    """Report any failure while describing operation ``tag.name`` as a NamespaceProblem."""
    try:
        yield
    except NamespaceProblem:
        raise
    except Exception as exc:  # a shape of the document this generator does not know
        raise NamespaceProblem(tag, name, f"{type(exc).__name__}: {exc}") from exc


def _spec_literal(spec: OpSpec, imports: _Imports) -> list[str]:
    def classes(found: tuple[type, ...]) -> str:
        names = [
            "type(None)" if c is type(None) else _type_name(c, imports).removesuffix("[Any]")
            for c in found
        ]
        names = [n.removeprefix("builtins.") for n in names]
        return "(" + "".join(f"{n}, " for n in names).rstrip(" ") + ")"

    query = ", ".join(f'"{k}": {classes(v)}' for k, v in spec.query_params.items())
    body = imports.name(spec.body_cls) if spec.body_cls is not None else "None"
    return [
        f"{_const(spec)} = OpSpec(",
        f'    tag="{spec.tag}",',
        f'    name="{spec.name}",',
        "    package=_PACKAGE,",
        f"    module={spec.name},",
        f"    path_params={tuple(spec.path_params)!r},",
        f"    query_params={{{query}}},",
        f"    body_cls={body},",
        f"    body_is_list={spec.body_is_list},",
        f"    body_required={spec.body_required},",
        f"    success={classes(spec.success)},",
        f"    declares_api_response={spec.declares_api_response},",
        ")",
    ]


def _class_lines(
    tag: str,
    variant: _Variant,
    methods: list[_Method],
    same: dict[str, str],
    imports: _Imports,
    entity: Entity | None,
    entity_ops: dict[str, OpSpec],
) -> list[str]:
    name = f"{variant.prefix}{camel(tag)}"
    if entity is not None:
        base = f"_{'Async' if variant.is_async else 'Sync'}Base"
        args = []
        for spec in entity_ops.values():
            result, _ = _result(spec, imports)
            args.append(f"RawResponse[{result}]" if variant.raw else result)
        if args:
            base += f"[{', '.join(args)}]"
    else:
        base = "AsyncNamespace" if variant.is_async else "SyncNamespace"
    kind = ("async " if variant.is_async else "") + ("raw " if variant.raw else "")
    where = "client.with_raw_response" if variant.raw else "client"
    lines = [
        f"class {name}({base}):",
        f'    """``{where}.{tag}`` on the {kind or "sync "}client: the operations of the'
        f' document\'s ``{tag}`` tag."""',
        "",
        f'    _tag = "{tag}"',
        "    _package = _PACKAGE",
    ]
    if variant.raw:
        lines.append("    _raw = True")
    for attribute, spec in entity_ops.items():
        lines.append(f"    {attribute} = {_const(spec)}")
    for method in methods:
        lines.append("")
        lines.extend(_render_method(method, variant, imports))
    if same:
        lines.append("")
    for alias, target in sorted(same.items()):
        lines.append(f"    {alias} = {target}")
        lines.append(f'    """The same method as ``{target}``, under its other name."""')
    return lines


def _module_head(summary: str) -> list[str]:
    """The opening lines of a generated module: its docstring, and no lint or format."""
    return [
        f'"""{summary}',
        "",
        "Written by ``issuetrak regen`` (``issuetrak_tools._nsgen``) from this package; do not edit.",
        '"""',
        "",
        "# fmt: off",
        "# ruff: noqa",
        "from __future__ import annotations",
        "",
    ]


def render_tag(package: str, tag: str) -> str:
    """The text of ``namespaces/<tag>.py`` for the generated ``package`` (importable by name)."""
    imports = _Imports(package)
    entity = ENTITIES.get(tag)
    entity_ops = _entity_ops(package, entity) if entity is not None else None
    if entity_ops is None:
        entity, entity_ops = None, {}
    methods, same = _methods(package, tag, imports, entity)
    specs = {m.spec.name: m.spec for m in methods}
    for spec in entity_ops.values():
        specs[spec.name] = spec
        imports.operations[spec.name] = spec.tag
    for spec in specs.values():  # merge-update readers
        imports.operations.setdefault(spec.name, spec.tag)
    merge = _merge_parts(package, tag, _describe.friendly_names(tag, package))
    if merge is not None:
        specs.setdefault(merge[1].name, merge[1])
        imports.operations.setdefault(merge[1].name, tag)
    constants: list[str] = []
    for spec_name in sorted(specs):
        constants.extend(_spec_literal(specs[spec_name], imports))
    classes: list[str] = []
    for variant in VARIANTS:
        classes.extend(_class_lines(tag, variant, methods, same, imports, entity, entity_ops))
        classes.extend(["", ""])
    runtime = [
        "from issuetrak.facade import NOT_GIVEN, AsyncNamespace, AsyncPager, OpSpec, Page",
        "from issuetrak.facade import RawResponse, SyncNamespace, SyncPager",
        "from issuetrak.facade import given as _given, supplied as _supplied",
        "from issuetrak.filters import FilterValue, Where",
    ]
    if entity is not None:
        runtime += [
            f"from issuetrak.facade import {entity.sync.__name__} as _SyncBase",
            f"from issuetrak.facade import {entity.async_.__name__} as _AsyncBase",
        ]
    head = [
        *_module_head(f"``client.{tag}``: the operations of the document's ``{tag}`` tag."),
        "import builtins",
        "import datetime",
        "from collections.abc import Coroutine, Mapping, Sequence",
        "from typing import Any, Never, overload",
        "from uuid import UUID",
        "",
        "import httpx",
        "",
        *sorted(runtime),
        "",
        *imports.lines(),
        "from ..types import File",
        "",
        '_PACKAGE = __name__.rpartition(".namespaces.")[0]',
        "",
        *constants,
        "",
    ]
    tags_all = [f"{v.prefix}{camel(tag)}" for v in VARIANTS]
    head.append(f"__all__ = [{', '.join(repr(n) for n in sorted(tags_all))}]")
    head.extend(["", ""])
    return "\n".join(head + classes).rstrip() + "\n"


_CONTAINERS = (
    (
        "Namespaces",
        "",
        "The namespaces of :class:`issuetrak.Issuetrak` for this package's document.",
    ),
    ("AsyncNamespaces", "Async", "The namespaces of :class:`issuetrak.AsyncIssuetrak`."),
    ("RawNamespaces", "Raw", "``Issuetrak.with_raw_response``: methods return a RawResponse."),
    ("AsyncRawNamespaces", "AsyncRaw", "``AsyncIssuetrak.with_raw_response``."),
)


def render_index(package: str) -> str:
    """The text of ``namespaces/__init__.py``: the containers of the tag namespaces."""
    tags = _describe.tags(package)
    lines = [
        *_module_head("The client's namespaces for this package's document, one module per tag."),
        "from typing import TYPE_CHECKING",
        "",
        "from issuetrak.facade import Namespaces as _Container",
        "",
        "if TYPE_CHECKING:",
    ]
    for tag in tags:
        names = ", ".join(sorted(f"{v.prefix}{camel(tag)}" for v in VARIANTS))
        lines.append(f"    from .{tag} import {names}")
    lines += [
        "",
        f"__all__ = [{', '.join(repr(c) for c, _, _ in sorted(_CONTAINERS))}]",
        "",
        f"TAGS = ({''.join(f'{t!r}, ' for t in tags).rstrip()})",
    ]
    for container, prefix, doc in _CONTAINERS:
        lines += [
            "",
            "",
            f"class {container}(_Container):",
            f'    """{doc}"""',
            "",
            "    TAGS = TAGS",
        ]
        for tag in tags:
            cls = f"{prefix}{camel(tag)}"
            lines += [
                "",
                "    @property",
                f"    def {tag}(self) -> {cls}:",
                f'        """``{tag}``: see :class:`{cls}`."""',
                f"        from .{tag} import {cls}",
                "",
                f"        return self._get({cls})",
            ]
        if "Raw" not in prefix:
            raw = f"{prefix}RawNamespaces"
            lines += [
                "",
                "    @property",
                f"    def with_raw_response(self) -> {raw}:",
                '        """The same namespaces, each method returning a RawResponse."""',
                f"        return self._get({raw})",
            ]
    return "\n".join(lines) + "\n"


def render(package: str) -> dict[str, str]:
    """Every file of ``namespaces/`` (by name) for the generated ``package``."""
    files = {"__init__.py": render_index(package)}
    for tag in _describe.tags(package):
        files[f"{tag}.py"] = render_tag(package, tag)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "package", help="the generated package, e.g. issuetrak_client.cloud_2026_07"
    )
    parser.add_argument("folder", type=Path, help="the namespaces folder to write")
    args = parser.parse_args(argv)
    problems: list[str] = []
    files: dict[str, str] = {}
    try:
        files["__init__.py"] = render_index(args.package)
    except Exception as exc:
        problems.append(f"{FAILURE_PREFIX}*: {type(exc).__name__}: {exc}")
    for tag in _describe.tags(args.package):
        try:
            with _about(tag, "*"):
                files[f"{tag}.py"] = render_tag(args.package, tag)
        except NamespaceProblem as exc:
            problems.append(str(exc))
    if problems:
        for line in problems:
            print(line, file=sys.stderr)
        return 1
    args.folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (args.folder / name).write_text(text, encoding="utf-8")
    for name in sorted(files):  # as a user's program would: every module imports
        module = f"{args.package}.namespaces" + ("" if name == "__init__.py" else f".{name[:-3]}")
        try:
            importlib.import_module(module)
        except Exception as exc:
            tag = "*" if name == "__init__.py" else name[:-3]
            problems.append(f"{FAILURE_PREFIX}{tag}.*: {module} does not import: {exc}")
    for line in problems:
        print(line, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
