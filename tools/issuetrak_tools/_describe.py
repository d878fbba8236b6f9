"""What operations a generated package has, read at regen time by walking it.

``<package>.api.<tag>.<operation>`` is the generator's layout: one package per document tag, one
module per operation. :func:`load` imports one operation module and describes it as the
:class:`issuetrak.facade.OpSpec` that the generated namespace module declares for it
(:mod:`issuetrak_tools._nsgen`); :func:`friendly_names` gives the short method names. Every
function takes the generated package to read; ``None`` means the default label's.
"""

from __future__ import annotations

import functools
import importlib
import types
import typing
from typing import Any

from issuetrak.codegen import OpSpec, is_generated_class

__all__ = ["OpSpec", "friendly_names", "load", "operation_names", "tags"]


def _package(package: str | None) -> str:
    if package is None:
        from issuetrak.versions import default_version

        return default_version().package
    return package


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


def _is_class(obj: Any, package: str = "") -> bool:
    """A model or enum class of the package being described (a label's, or a standalone one)."""
    if package and isinstance(obj, type):
        return obj.__module__.startswith(f"{package}.models.")
    return is_generated_class(obj)


# what a success answer may be besides a generated class: a bare JSON value or a list of them
_PLAIN = (str, int, float, bool, list)


def _success(members: list[Any], package: str) -> tuple[type, ...]:
    """The classes a parsed success answer may be an instance of (``None`` for a nullable one);
    a number may arrive as an int."""
    found: list[type] = []
    for c in members:
        if _is_class(c, package) and c.__name__ != "ApiResponse":
            found.append(c)
        elif c in _PLAIN or c is type(None) or c is None:
            found.append(type(None) if c is None else c)
    if float in found:
        found.append(int)
    if found and all(c is type(None) for c in found):
        return ()
    return tuple(dict.fromkeys(found))


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
            models = [c for c in found if _is_class(c, package)]
            body_cls = models[0] if models else None
            body_required = param.default is inspect.Parameter.empty
        else:
            query[param.name] = tuple(c for c in found if _is_class(c, package))
    returned = typing.get_args(signature.return_annotation)
    members = _classes(returned[0]) if returned else []
    success = _success(members, package)
    declares_api = any(_is_class(c, package) and c.__name__ == "ApiResponse" for c in members)
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
