"""Write a label package's ``_namespaces.py``: typed Protocols of the client namespaces.

At run time the namespaces are built from the generated package on first use (``_resources``);
their methods are typed ``Any`` there. This module renders the same operations, read from the
same generated package, as Protocol classes with the generated model types, so that
``client.users.get(1)`` is a ``User`` and ``client.users.list()`` a ``SyncPager[User]`` to mypy,
pyright and editors. Nothing at run time depends on the output. ``issuetrak regen`` runs it for
every label it builds::

    python -m issuetrak_tools._stubgen issuetrak_client.cloud_2026_07 OUT.py [--check]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import inspect
import sys
import types
import typing
import uuid
from pathlib import Path
from typing import Any

from issuetrak import _catalog
from issuetrak._models import field_classes, field_is_list, field_names, resolve_model
from issuetrak._namespace import SyncNamespace

__all__ = ["main", "render"]

_PAGING = ("page_number", "page_size")
_LINE = 100  # the project's line length, for wrapping imports as the import sorter does


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


def _render_type(annotation: Any, imports: _Imports, enums_as_str: bool = True) -> str:
    """A generated annotation as source text; ``Unset`` dropped, enums also take strings."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        parts = [
            _render_type(a, imports, enums_as_str)
            for a in typing.get_args(annotation)
            if getattr(a, "__name__", "") != "Unset"
        ]
        return " | ".join(dict.fromkeys(p for part in parts for p in part.split(" | ")))
    if origin is list:
        (item,) = typing.get_args(annotation)
        return f"Sequence[{_render_type(item, imports, enums_as_str)}]"
    if annotation is type(None) or annotation is None:
        return "None"
    if annotation is Any:
        return "Any"
    if annotation in (int, str, float, bool, bytes):
        return str(annotation.__name__)
    if annotation is _dt.datetime:
        return "datetime.datetime"
    if annotation is _dt.date:
        return "datetime.date"
    if annotation is uuid.UUID:
        return "UUID"
    if isinstance(annotation, type):
        name = imports.name(annotation)
        if enums_as_str and hasattr(annotation, "__members__"):
            return f"{name} | str"
        return name
    return "Any"


def _item_type(cls: type, imports: _Imports) -> str:
    """``User`` for ``SingleUserResponse{values: User}``, ``builtins.list[X]`` for lists."""
    if "values" not in field_names(cls):
        return imports.name(cls)
    inner = field_classes(cls, "values")
    if not inner:
        return "Any"
    name = " | ".join(imports.name(c) for c in inner)
    return f"builtins.list[{name}]" if field_is_list(cls, "values") else name


def _returns(spec: _catalog.OpSpec, imports: _Imports, is_async: bool) -> tuple[str, bool]:
    """(return annotation, whether the method is ``async def``)."""
    if spec.paged_by_query or spec.paged_by_body:
        item = _item_type(spec.success[0], imports) if spec.success else "Any"
        item = item.removeprefix("builtins.list[").removesuffix("]")
        return f"{'AsyncPager' if is_async else 'SyncPager'}[{item}]", False
    if spec.success:
        result = " | ".join(dict.fromkeys(_item_type(c, imports) for c in spec.success))
    elif spec.declares_api_response:
        result = imports.name(resolve_model("ApiResponse", imports.package))
    else:
        result = "None"
    return result, is_async


def _params(spec: _catalog.OpSpec, imports: _Imports) -> list[str]:
    signature = inspect.signature(spec.module.sync_detailed)
    params = ["self"]
    for name in spec.path_params:
        params.append(f"{name}: {_render_type(signature.parameters[name].annotation, imports)}")
    keywords: list[str] = []
    if spec.body_cls is not None:
        body = imports.name(spec.body_cls)
        if spec.body_is_list:
            kind = f"Sequence[{body} | Mapping[str, Any]]"
        elif spec.paged_by_body:
            kind = f"{body} | Where | Mapping[str, Any]"
        else:
            kind = f"{body} | Mapping[str, Any]"
        params.append(f"body: {kind} | None = None")
        if spec.paged_by_body:
            keywords += [f"{p}: int | None = None" for p in _PAGING]
            for option in ("sort_field", "sort_direction"):
                if option in field_names(spec.body_cls):
                    enums = [c for c in field_classes(spec.body_cls, option)]
                    text = " | ".join(f"{imports.name(c)} | str" for c in enums) or "str"
                    keywords.append(f"{option}: {text} | None = None")
    for name in spec.query_params:
        annotation = _render_type(signature.parameters[name].annotation, imports)
        if "None" not in annotation.split(" | "):
            annotation += " | None"
        keywords.append(f"{name}: {annotation} = None")
    if keywords:
        params.append("*")
        params.extend(keywords)
    if spec.body_cls is not None and not spec.body_is_list:
        params.append("**fields: Any")
    return params


def _method(name: str, params: list[str], returns: str, is_async: bool) -> list[str]:
    # one line per method (the file is not formatted): a namespace reads like a table
    return [f"    {'async ' if is_async else ''}def {name}({', '.join(params)}) -> {returns}: ..."]


def _namespace(tag: str, imports: _Imports, is_async: bool) -> list[str]:
    package = imports.package
    aliases = _catalog.friendly_names(tag, package)
    probe = SyncNamespace(None, tag, package)
    merge = probe._merge_capable()
    prefix = "Async" if is_async else ""
    lines = [f"class {prefix}{_camel(tag)}Methods(Protocol):"]
    lines.append(f'    """``client.{tag}`` on the {"async" if is_async else "sync"} client."""')
    lines.append("")
    methods: dict[str, _catalog.OpSpec] = {
        **{alias: _catalog.load(tag, op, package) for alias, op in aliases.items()},
        **{op: _catalog.load(tag, op, package) for op in _catalog.operation_names(tag, package)},
    }
    special = _SPECIAL.get(tag, {})
    for name, spec in sorted(methods.items()):
        if name in special:
            lines.extend(special[name](spec, imports, is_async))
            continue
        returns, is_coroutine = _returns(spec, imports, is_async)
        if name == "update" and merge:
            assert spec.body_cls is not None
            body = imports.name(spec.body_cls)
            params = [
                "self",
                "iid: int",
                "/",
                "*",
                f"body: {body} | Mapping[str, Any] | None = None",
                "**changes: Any",
            ]
            if tag == "groups":
                params.insert(-1, "normalize: bool = False")
            lines.extend(_method(name, params, returns, is_coroutine))
            continue
        params = _params(spec, imports)
        if tag == "groups" and name == "create":
            params.insert(-1, "normalize: bool = False")
            if "*" not in params:
                params.insert(-2, "*")
        lines.extend(_method(name, params, returns, is_coroutine))
    return lines


def _issue_patch(spec: _catalog.OpSpec, imports: _Imports, is_async: bool) -> list[str]:
    returns, _ = _returns(spec, imports, False)
    head = "async def" if is_async else "def"
    return [
        "    @overload",
        "    def patch(self, iid: int) -> IssuePatch: ...",
        "    @overload",
        f"    {head} patch(self, iid: int, operations: Sequence[Any]) -> {returns}: ...",
    ]


def _has_upload(package: str) -> bool:
    tags = _catalog.tags(package)
    return "issue_attachments" in tags and "upload_issue_attachment" in _catalog.operation_names(
        "issue_attachments", package
    )


def _upload(imports: _Imports, is_async: bool) -> list[str]:
    upload = _catalog.load("issue_attachments", "upload_issue_attachment", imports.package)
    returns, is_coroutine = _returns(upload, imports, is_async)
    params = ["self", "iid: int", "files: Any", "*", "private: bool = False"]
    return _method("upload_attachments", params, returns, is_coroutine)


_SPECIAL: dict[str, dict[str, Any]] = {"issues": {"patch": _issue_patch}}


def render(package: str) -> str:
    """The text of ``_namespaces.py`` for the generated ``package`` (importable by name)."""
    imports = _Imports(package)
    body: list[str] = []
    tags = _catalog.tags(package)
    for is_async in (False, True):
        for tag in tags:
            body.extend(_namespace(tag, imports, is_async))
            if tag == "issues" and _has_upload(package):
                body.extend(_upload(imports, is_async))
            body.extend(["", ""])
    for is_async in (False, True):
        prefix = "Async" if is_async else ""
        body.append(f"class {prefix}Namespaces:")
        body.append(
            f'    """The namespaces of :class:`~issuetrak.{prefix}Issuetrak`, as type checkers see them."""'
        )
        body.append("")
        body.extend(f"    {tag}: {prefix}{_camel(tag)}Methods" for tag in tags)
        body.extend(["", ""])
    model_imports = []
    for name, module in sorted(imports.models.items(), key=lambda item: (item[1], item[0])):
        line = f"    from {module} import {name}"
        if len(line) > _LINE:  # wrapped as the import sorter does
            line = f"    from {module} import (\n        {name},\n    )"
        model_imports.append(line)
    text = "\n".join(body)
    stdlib = ["import builtins"]
    if "datetime." in text:
        stdlib.append("import datetime")
    stdlib += [
        "from collections.abc import Mapping, Sequence",
        "from typing import TYPE_CHECKING, Any, Protocol, overload",
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
        "from __future__ import annotations",
        "",
        *stdlib,
        "",
        "if TYPE_CHECKING:",
        *model_imports,
        "",
        "    from issuetrak._paging import AsyncPager, SyncPager",
        "    from issuetrak._patch import IssuePatch",
        "    from issuetrak.filters import Where",
        "",
        '__all__ = ["AsyncNamespaces", "Namespaces"]',
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
