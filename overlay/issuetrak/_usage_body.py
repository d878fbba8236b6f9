"""What a request body uses, in names only: its properties, filter criteria, sort fields, PATCH paths.

Read from the JSON the SDK sends (wire names), so it describes the request exactly, whichever way
the caller built it (keywords, a model, a ``where(...)``, a dict).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["describe_body", "patch_path"]

_INDEX = re.compile(r"/\d+(?=/|$)")
_SORT_KEYS = ("sortField",)


def patch_path(path: str) -> str:
    """``/UserDefined/Text/2`` -> ``/UserDefined/Text/{index}``: the PATCH table's row."""
    return _INDEX.sub("/{index}", path)


def describe_body(body: Any, search: bool) -> dict[str, Any]:
    """``{"body": {...}, "filters": {field: {operators}}, "sort": {...}, "patch": {...}}``."""
    found: dict[str, Any] = {}
    if isinstance(body, list):
        if body and all(isinstance(i, Mapping) and "op" in i and "path" in i for i in body):
            found["patch"] = {f"{i['op']} {patch_path(str(i['path']))}" for i in body}
        else:
            names = {str(k) for item in body if isinstance(item, Mapping) for k in item}
            if names:
                found["body"] = names
        return found
    if not isinstance(body, Mapping):
        return found
    found["body"] = {str(k) for k in body}
    if search:
        filters: dict[str, set[str]] = {}
        criteria = body.get("filter")
        if isinstance(criteria, Mapping):
            _criteria(criteria, "filter", filters)
        else:
            _criteria(body, "", filters)
        if filters:
            found["filters"] = filters
        sort = {str(body[k]) for k in _SORT_KEYS if isinstance(body.get(k), str)}
        if sort:
            found["sort"] = sort
    return found


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _criteria(node: Mapping[str, Any], prefix: str, out: dict[str, set[str]]) -> None:
    """Walk filter criteria: a leaf is ``{"type": MatchType, "values": [...]}``; an entity holds
    sub-criteria (and, for a collection, its own ``type``); lists are nested filters or UDFs."""
    for key, value in node.items():
        path = _join(prefix, str(key))
        if isinstance(value, Mapping):
            _criterion(value, path, out)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, Mapping):
                    # nested filters are the same filter again; UDF items keep their list's name
                    _criteria(item, prefix if key == "nestedFilters" else f"{path}[]", out)


def _criterion(value: Mapping[str, Any], path: str, out: dict[str, set[str]]) -> None:
    kind = value.get("type")
    if isinstance(kind, str):
        out.setdefault(path, set()).add(kind)
    nested = {k: v for k, v in value.items() if isinstance(v, Mapping | list) and k != "values"}
    if nested:
        _criteria(nested, path, out)
