"""Write a label package's ``_namespaces.py``: precise typed views of the client namespaces.

At run time the namespaces are built from the generated package on first use (``_resources``);
their methods are typed ``Any`` there. This module renders the same operations, read from the
same generated package, as Protocol classes, so that mypy, pyright and editors see exactly what a
call accepts and returns:

* ``client.users.get(1)`` is a ``User``; ``client.users.list()`` a ``SyncPager[User]``;
  ``client.with_raw_response.users.get(1)`` a ``RawResponse[User]``; async methods are coroutines;
* path and query parameters are typed parameters; body fields are keywords typed by a
  ``TypedDict`` per body model (``**fields: Unpack[...]``): a misspelt field, a missing required
  field (when no ``body=`` is given) or a value of the wrong type is an error;
* the per-call options (``timeout``, ``max_retries``, ``deadline``, ``extra_headers``) are typed
  keywords of every method;
* a misspelt namespace or method is an error (the views have no ``__getattr__``).

The description of each method comes from :mod:`issuetrak._signatures`, which ``help()`` uses as
well. Nothing at run time depends on the output. ``issuetrak regen`` runs it for every label it
builds::

    python -m issuetrak_tools._stubgen issuetrak_client.cloud_2026_07 OUT.py [--check]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from issuetrak import _catalog
from issuetrak._models import field_classes, field_is_list, field_names, resolve_model
from issuetrak._namespace import SyncNamespace
from issuetrak._options import OPTION_NAMES
from issuetrak._signatures import FILTER_VALUE, Param, Shape, shape

__all__ = ["main", "render"]

_LINE = 100  # the project's line length, for wrapping imports as the import sorter does
# Namespaces whose class adds keyword flags to create/update (issuetrak._groups)
_FLAGS: dict[str, tuple[str, ...]] = {"groups": ("normalize",)}


class _Imports:
    """The generated package being rendered, and the model classes the views refer to."""

    def __init__(self, package: str) -> None:
        self.package = package
        self.models: dict[str, str] = {}  # class name -> module, relative to the package

    def name(self, cls: type) -> str:
        module = cls.__module__
        if module.startswith(f"{self.package}."):
            self.models[cls.__name__] = module.removeprefix(self.package)
        return cls.__name__


def _camel(tag: str) -> str:
    return "".join(part.capitalize() for part in tag.split("_"))


@dataclass(frozen=True)
class _Variant:
    """One of the four views of a namespace."""

    prefix: str  # class name prefix: "", "Async", "Raw", "AsyncRaw"
    is_async: bool
    raw: bool


_VARIANTS = (
    _Variant("", False, False),
    _Variant("Async", True, False),
    _Variant("Raw", False, True),
    _Variant("AsyncRaw", True, True),
)


def _item_type(cls: type, imports: _Imports) -> str:
    """``User`` for ``SingleUserResponse{values: User}``, ``builtins.list[X]`` for lists."""
    if "values" not in field_names(cls):
        return imports.name(cls)
    inner = field_classes(cls, "values")
    if not inner:
        return "Any"
    name = " | ".join(imports.name(c) for c in inner)
    return f"builtins.list[{name}]" if field_is_list(cls, "values") else name


def _result(spec: _catalog.OpSpec, imports: _Imports) -> tuple[str, bool]:
    """(what the plain call returns, whether it is paged) for one operation."""
    if spec.paged_by_query or spec.paged_by_body:
        item = _item_type(spec.success[0], imports) if spec.success else "Any"
        return item.removeprefix("builtins.list[").removesuffix("]"), True
    if spec.success:
        return " | ".join(dict.fromkeys(_item_type(c, imports) for c in spec.success)), False
    if spec.declares_api_response:
        return imports.name(resolve_model("ApiResponse", imports.package)), False
    return "None", False


def _returns(result: str, paged: bool, variant: _Variant) -> tuple[str, bool]:
    """(return annotation, whether the method is ``async def``)."""
    if variant.raw:
        inner = f"Page[{result}]" if paged else result
        return f"RawResponse[{inner}]", variant.is_async
    if paged:
        return f"{'AsyncPager' if variant.is_async else 'SyncPager'}[{result}]", False
    return result, variant.is_async


class _TypedDicts:
    """The ``TypedDict`` classes of body fields and search keywords, rendered once each."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: set[str] = set()

    def define(self, name: str, params: list[Param], required: bool, doc: str) -> str:
        if name not in self.names:
            self.names.add(name)
            self.lines.append(f"    class {name}(RequestOptions, total=False):")
            self.lines.append(f'        """{doc}"""')
            self.lines.append("")
            for p in params:
                text = p.annotation
                if required and p.required:
                    text = f"Required[{text}]"
                self.lines.append(f"        {p.name}: {text}")
            if not params:
                self.lines.append("        pass")
            self.lines.append("")
        return name


def _check_names(tag: str, name: str, found: Shape) -> None:
    clash = OPTION_NAMES.intersection(found.names())
    if clash:  # the facade could not tell the option from the operation's own argument
        raise SystemExit(f"{tag}.{name}: {', '.join(sorted(clash))} is both a field and an option")


def _head(name: str, params: list[str], returns: str, is_async: bool) -> str:
    return f"    {'async ' if is_async else ''}def {name}({', '.join(params)}) -> {returns}: ..."


def _path(found: Shape) -> list[str]:
    return [f"{p.name}: {p.annotation}" for p in found.path]


def _keywords(found: Shape) -> list[str]:
    return [f"{p.name}: {p.annotation} = None" for p in found.keywords]


def _operation(
    name: str,
    spec: _catalog.OpSpec,
    found: Shape,
    imports: _Imports,
    variant: _Variant,
    dicts: _TypedDicts,
) -> list[str]:
    result, paged = _result(spec, imports)
    returns, is_async = _returns(result, paged, variant)
    path = ["self", *_path(found)]
    flags = [f"{p.name}: {p.annotation} = False" for p in found.flags]
    options = "**options: Unpack[RequestOptions]"
    body = found.body
    if body is None:
        params = [*path, *(["*", *_keywords(found)] if found.keywords else []), options]
        return [_head(name, params, returns, is_async)]
    body_type = body.annotation.removesuffix(" | None")
    if spec.body_is_list:
        return [_head(name, [*path, f"body: {body_type}", options], returns, is_async)]
    assert spec.body_cls is not None
    model = imports.name(spec.body_cls)
    if spec.paged_by_body:
        keywords = [*found.keywords, *(Param(c, FILTER_VALUE) for c in found.criteria)]
        typed = dicts.define(
            f"_{model}Keywords",
            keywords,
            required=False,
            doc=f"Keywords of a search with a {model} body: paging, sorting, criteria, options.",
        )
        params = [*path, f"body: {body.annotation} = None", f"**keywords: Unpack[{typed}]"]
        return [_head(name, params, returns, is_async)]
    changes = dicts.define(
        f"_{model}Changes",
        [Param(p.name, p.annotation) for p in found.fields],
        required=False,
        doc=f"{model} fields, each optional (with a body, or a merge-update), and the options.",
    )
    new = dicts.define(
        f"_{model}Fields",
        list(found.fields),
        required=True,
        doc=f"{model} fields as keywords instead of a body (required ones required), and the options.",
    )
    lines = ["    @overload"]
    lines.append(
        _head(
            name,
            [*path, f"body: {body_type}", *flags, f"**fields: Unpack[{changes}]"],
            returns,
            is_async,
        )
    )
    lines.append("    @overload")
    star = ["*"] if flags else []
    lines.append(_head(name, [*path, *star, *flags, f"**fields: Unpack[{new}]"], returns, is_async))
    return lines


def _merge_update(
    spec: _catalog.OpSpec, found: Shape, imports: _Imports, variant: _Variant, dicts: _TypedDicts
) -> list[str]:
    result, _ = _result(spec, imports)
    returns, is_async = _returns(result, False, variant)
    assert spec.body_cls is not None and found.body is not None
    model = imports.name(spec.body_cls)
    changes = dicts.define(
        f"_{model}Changes",
        [Param(p.name, p.annotation) for p in found.fields],
        required=False,
        doc=f"{model} fields, each optional (with a body, or a merge-update), and the options.",
    )
    params = [
        "self",
        *_path(found),
        "/",
        "*",
        f"body: {found.body.annotation} = None",
        *(f"{p.name}: {p.annotation} = False" for p in found.flags),
        f"**changes: Unpack[{changes}]",
    ]
    return [_head("update", params, returns, is_async)]


def _namespace(tag: str, imports: _Imports, variant: _Variant, dicts: _TypedDicts) -> list[str]:
    package = imports.package
    aliases = _catalog.friendly_names(tag, package)
    merge = SyncNamespace(None, tag, package)._merge_capable()
    flags = _FLAGS.get(tag, ())
    lines = [f"class {variant.prefix}{_camel(tag)}Methods(Protocol):"]
    kind = ("async " if variant.is_async else "sync ") + ("raw " if variant.raw else "")
    lines.append(f'    """``client.{tag}`` on the {kind}client."""')
    lines.append("")
    methods: dict[str, _catalog.OpSpec] = {
        **{alias: _catalog.load(tag, op, package) for alias, op in aliases.items()},
        **{op: _catalog.load(tag, op, package) for op in _catalog.operation_names(tag, package)},
    }
    for name, spec in sorted(methods.items()):
        if tag == "issues" and name == "patch":
            lines.extend(_issue_patch(spec, imports, variant))
            continue
        if name == "update" and merge:
            found = shape(spec, imports.name, merge=True, flags=flags)
            _check_names(tag, name, found)
            lines.extend(_merge_update(spec, found, imports, variant, dicts))
            continue
        created = name == "create" or name == aliases.get("create")
        found = shape(spec, imports.name, flags=flags if created else ())
        _check_names(tag, name, found)
        lines.extend(_operation(name, spec, found, imports, variant, dicts))
    if tag == "issues" and _has_upload(package):
        lines.extend(_upload(imports, variant))
    return lines


def _issue_patch(spec: _catalog.OpSpec, imports: _Imports, variant: _Variant) -> list[str]:
    result, _ = _result(spec, imports)
    sent, _ = _returns(result, False, _Variant("", False, variant.raw))
    if variant.is_async:
        sent = f"Awaitable[{sent}]"
    assert spec.body_cls is not None
    body = imports.name(spec.body_cls)
    options = "**options: Unpack[RequestOptions]"
    return [
        "    @overload",
        f"    def patch(self, iid: int, operations: None = None, {options}) -> IssuePatch[{sent}]: ...",
        "    @overload",
        f"    def patch(self, iid: int, operations: Sequence[{body} | Mapping[str, Any]], {options}) -> {sent}: ...",
    ]


def _has_upload(package: str) -> bool:
    tags = _catalog.tags(package)
    return "issue_attachments" in tags and "upload_issue_attachment" in _catalog.operation_names(
        "issue_attachments", package
    )


def _upload(imports: _Imports, variant: _Variant) -> list[str]:
    upload = _catalog.load("issue_attachments", "upload_issue_attachment", imports.package)
    result, _ = _result(upload, imports)
    returns, is_async = _returns(result, False, variant)
    params = [
        "self",
        "iid: int",
        "files: Iterable[Any] | FileSpec",
        "*",
        "private: bool = False",
        "**options: Unpack[RequestOptions]",
    ]
    return [_head("upload_attachments", params, returns, is_async)]


def render(package: str) -> str:
    """The text of ``_namespaces.py`` for the generated ``package`` (importable by name)."""
    imports = _Imports(package)
    dicts = _TypedDicts()
    body: list[str] = []
    tags = _catalog.tags(package)
    for variant in _VARIANTS:
        for tag in tags:
            body.extend(_namespace(tag, imports, variant, dicts))
            body.extend(["", ""])
    for variant in _VARIANTS:
        body.append(f"class {variant.prefix}Namespaces:")
        client = f"{'Async' if variant.is_async else ''}Issuetrak"
        what = "``with_raw_response`` of " if variant.raw else ""
        body.append(
            f'    """The namespaces of {what}:class:`~issuetrak.{client}`, as type checkers see them."""'
        )
        body.append("")
        body.extend(f"    {tag}: {variant.prefix}{_camel(tag)}Methods" for tag in tags)
        if not variant.raw:
            raw = f"{'Async' if variant.is_async else ''}RawNamespaces"
            body.append(f"    with_raw_response: {raw}")
        body.extend(["", ""])
    model_imports = []
    for name, module in sorted(imports.models.items(), key=lambda item: (item[1], item[0])):
        line = f"    from {module} import {name}"
        if len(line) > _LINE:  # wrapped as the import sorter does
            line = f"    from {module} import (\n        {name},\n    )"
        model_imports.append(line)
    text = "\n".join(body) + "\n".join(dicts.lines)
    stdlib = ["import builtins", "import datetime"]
    stdlib += [
        "from collections.abc import Awaitable, Iterable, Mapping, Sequence",
        "from typing import TYPE_CHECKING, Any, Protocol, Required, Unpack, overload",
    ]
    if "UUID" in text:
        stdlib.append("from uuid import UUID")
    head = [
        '"""Typed views of the client namespaces, for type checkers and editors (not used at run time).',
        "",
        "Written by ``issuetrak regen`` (``issuetrak_tools._stubgen``) from this package; do not edit.",
        '"""',
        "",
        "# fmt: off",
        "# ruff: noqa",
        "from __future__ import annotations",
        "",
        *stdlib,
        "",
        "if TYPE_CHECKING:",
        "    import httpx",
        "",
        *model_imports,
        "",
        "    from issuetrak._issues import FileSpec",
        "    from issuetrak._options import RequestOptions",
        "    from issuetrak._paging import AsyncPager, Page, SyncPager",
        "    from issuetrak._patch import IssuePatch",
        "    from issuetrak._raw import RawResponse",
        "    from issuetrak.filters import FilterValue, Where",
        "    from .types import File",
        "",
        "    # Body fields and search keywords, one TypedDict per body model (with the options)",
        "",
        *dicts.lines,
        "",
        '__all__ = ["AsyncNamespaces", "AsyncRawNamespaces", "Namespaces", "RawNamespaces"]',
        "",
        "",
    ]
    return "\n".join(head + body).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "package", help="the generated package, e.g. issuetrak_client.cloud_2026_07"
    )
    parser.add_argument("target", type=Path, help="the file to write")
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is out of date")
    args = parser.parse_args(argv)
    text = render(args.package)
    current = args.target.read_text(encoding="utf-8") if args.target.exists() else ""
    if args.check:
        if current != text:
            print(f"{args.target} is out of date; run issuetrak regen", file=sys.stderr)
            return 1
        return 0
    args.target.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
