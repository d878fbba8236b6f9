"""What operations a generated package has, found by walking it rather than by a hand-kept list.

``issuetrak_client.<label>.api.<tag>.<operation>`` is the generator's layout: one package per
document tag, one module per operation. Every function takes the generated package to read
(``package="issuetrak_client.cloud_2026_07"``, see :mod:`issuetrak._versions`); ``None`` means
the default label's. Listing them (:func:`tags`, :func:`operation_names`) reads directory
entries only; :func:`load` imports a single operation module (and, through it, the handful of model
modules it uses) when a namespace method is first touched. A newly pinned document therefore needs
no facade edit for plain operations.
"""

from __future__ import annotations

import functools
import importlib
import types
import typing
from dataclasses import dataclass
from typing import Any

from ._models import field_names, is_generated_class
from ._versions import default_version

__all__ = ["OpSpec", "friendly_names", "load", "operation_names", "tags"]


def _package(package: str | None) -> str:
    return package or default_version().package


def tags(package: str | None = None) -> tuple[str, ...]:
    """Tag packages of a generated client (``users``, ``issue_types``, ``subtypes_1``, ...)."""
    return _tags(_package(package))


@functools.cache
def _tags(package: str) -> tuple[str, ...]:
    import pkgutil  # here, not at module level: ``import issuetrak`` stays light

    api = importlib.import_module(f"{package}.api")
    return tuple(sorted(m.name for m in pkgutil.iter_modules(api.__path__) if m.ispkg))


def operation_names(tag: str, package: str | None = None) -> tuple[str, ...]:
    """Operation modules of one tag (snake_case operationIds, e.g. ``search_for_users``)."""
    return _operation_names(tag, _package(package))


@functools.cache
def _operation_names(tag: str, package: str) -> tuple[str, ...]:
    import pkgutil

    if tag not in _tags(package):
        raise KeyError(tag)
    api = importlib.import_module(f"{package}.api.{tag}")
    return tuple(sorted(m.name for m in pkgutil.iter_modules(api.__path__) if not m.ispkg))


def _singulars(tag: str) -> set[str]:
    """Possible singular forms of a tag name: ``priorities`` -> ``priority``, ``subtypes_1`` -> ``subtype_1``."""
    words = tag.split("_")
    # the last word that is not a number carries the plural (subtypes_1, issue_types)
    idx = (
        max(i for i, w in enumerate(words) if not w.isdigit())
        if any(not w.isdigit() for w in words)
        else 0
    )
    word = words[idx]
    forms = {word[:-1], word[:-2]}
    if word.endswith("ies"):
        forms.add(word[:-3] + "y")
    return {"_".join([*words[:idx], f, *words[idx + 1 :]]) for f in forms if f}


def friendly_names(tag: str, package: str | None = None) -> dict[str, str]:
    """Short method names for the common operations of a tag, derived from operation names.

    ``get_users`` -> ``list``, ``get_user`` -> ``get``, ``search_for_users`` -> ``search``,
    ``create_user`` -> ``create``, ``update_user`` -> ``update``, ``patch_issue`` -> ``patch``.
    A tag whose only search operation is named differently still gets ``search``; a tag with a
    single ``add_``/``remove_``/``set_`` operation gets ``add``/``remove``/``set``. Every
    operation stays reachable under its own name as well.
    """
    return _friendly_names(tag, _package(package))


@functools.cache
def _friendly_names(tag: str, package: str) -> dict[str, str]:
    names = _operation_names(tag, package)
    singular = _singulars(tag)
    aliases: dict[str, str] = {}
    for name in names:
        if name == f"get_{tag}":
            aliases["list"] = name
        elif name in (f"search_for_{tag}", f"search_{tag}"):
            aliases["search"] = name
        else:
            for verb in ("get", "create", "update", "patch"):
                if name.removeprefix(f"{verb}_") in singular and name.startswith(f"{verb}_"):
                    aliases[verb] = name
    searches = [n for n in names if n.startswith("search")]
    if "search" not in aliases and len(searches) == 1:
        aliases["search"] = searches[0]
    # membership tags: add_/remove_/set_ have one operation each
    for verb in ("add", "remove", "set"):
        matching = [n for n in names if n.startswith(f"{verb}_")]
        if len(matching) == 1:
            aliases.setdefault(verb, matching[0])
    return aliases


def _classes(annotation: Any) -> list[Any]:
    """Flatten ``A | B | list[C]`` into ``[A, B, list, C]`` (typing objects, not strings)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return [c for arg in typing.get_args(annotation) for c in _classes(arg)]
    if origin is list:
        return [list, *[c for arg in typing.get_args(annotation) for c in _classes(arg)]]
    return [annotation]


def _is_class(obj: Any) -> bool:
    return is_generated_class(obj)


@dataclass(frozen=True)
class OpSpec:
    """One generated operation and what its signature says about it."""

    tag: str
    name: str
    package: str
    module: types.ModuleType
    path_params: tuple[str, ...]
    query_params: dict[str, tuple[type, ...]]
    body_cls: type | None
    body_is_list: bool
    body_required: bool
    success: tuple[type, ...]
    declares_api_response: bool

    @property
    def qualname(self) -> str:
        return f"{self.tag}.{self.name}"

    @property
    def paged_by_query(self) -> bool:
        return "page_number" in self.query_params

    @property
    def paged_by_body(self) -> bool:
        return (
            self.body_cls is not None
            and not self.body_is_list
            and "page_number" in field_names(self.body_cls)
        )

    def enum_for(self, param: str) -> type | None:
        for cls in self.query_params.get(param, ()):
            if issubclass(cls, str) and hasattr(cls, "__members__"):
                return cls
        return None


def load(tag: str, name: str, package: str | None = None) -> OpSpec:
    """Import one operation module and describe it."""
    return _load(tag, name, _package(package))


@functools.cache
def _load(tag: str, name: str, package: str) -> OpSpec:
    import inspect

    if name not in _operation_names(tag, package):
        raise KeyError(f"{tag}.{name}")
    module = importlib.import_module(f"{package}.api.{tag}.{name}")
    signature = inspect.signature(module.sync_detailed)
    path_params: list[str] = []
    query: dict[str, tuple[type, ...]] = {}
    body_cls: type | None = None
    body_is_list = False
    body_required = False
    for param in signature.parameters.values():
        if param.name == "client":
            continue
        if param.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD:
            path_params.append(param.name)
            continue
        found = _classes(param.annotation)
        if param.name == "body":
            body_is_list = list in found
            models = [c for c in found if _is_class(c)]
            body_cls = models[0] if models else None
            body_required = param.default is inspect.Parameter.empty
        else:
            query[param.name] = tuple(c for c in found if _is_class(c))
    returned = typing.get_args(signature.return_annotation)
    members = _classes(returned[0]) if returned else []
    success = tuple(c for c in members if _is_class(c) and c.__name__ != "ApiResponse")
    declares_api = any(_is_class(c) and c.__name__ == "ApiResponse" for c in members)
    return OpSpec(
        tag=tag,
        name=name,
        package=package,
        module=module,
        path_params=tuple(path_params),
        query_params=query,
        body_cls=body_cls,
        body_is_list=body_is_list,
        body_required=body_required,
        success=success,
        declares_api_response=declares_api,
    )
