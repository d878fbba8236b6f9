"""A contract run focused on what a usage file names (``issuetrak contract --usage FILE``).

The usage's operations, found in the pinned document (a renamed path parameter still matches),
become the run's selection: the plan then holds only their steps (plus the discovery of the iids
they need), so the run costs a fraction of the full run's requests. The answers' schemas are
limited to the properties the usage reads (:func:`focus_document`).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from issuetrak.conventions import refs_in, unescape
from issuetrak_tools.spec import iter_operations

__all__ = ["focus_document", "operation_patterns", "usage_operations"]

_TEMPLATE = re.compile(r"\{[^}/]*\}")
_COMPONENTS = "#/components/schemas/"


def _blank(label: str) -> str:
    return _TEMPLATE.sub("{}", label).lower()


def usage_operations(
    usage: Mapping[str, Any], document: Mapping[str, Any]
) -> tuple[list[str], list[str]]:
    """(the document's labels of the operations the usage calls, the usage's keys it lacks)."""
    labels = {
        _blank(f"{op.method} {op.path}"): f"{op.method} {op.path}"
        for op in iter_operations(document)
    }
    found = {key: labels.get(_blank(key)) for key in usage.get("operations", {})}
    return sorted(v for v in found.values() if v), sorted(k for k, v in found.items() if not v)


def operation_patterns(labels: list[str]) -> list[str]:
    """``--operations`` patterns selecting exactly ``labels``."""
    return [f"^{re.escape(label)}$" for label in labels]


def _refs(node: Any) -> Iterator[str]:
    """The component schemas ``node`` refers to, by name."""
    for ref in refs_in(node):
        if ref.startswith(_COMPONENTS):
            yield unescape(ref[len(_COMPONENTS) :])


def _closure(schemas: Mapping[str, Any], roots: Iterable[Any]) -> set[str]:
    """Every component reachable from ``roots``."""
    seen: set[str] = set()
    stack = [name for root in roots for name in _refs(root)]
    while stack:
        name = stack.pop()
        if name not in seen and name in schemas:
            seen.add(name)
            stack.extend(_refs(schemas[name]))
    return seen


def _request_roots(document: Mapping[str, Any]) -> Iterator[Any]:
    for op in iter_operations(document):
        yield op.spec.get("parameters") or []
        yield op.spec.get("requestBody") or {}
    for item in (document.get("paths") or {}).values():
        if isinstance(item, Mapping):
            yield item.get("parameters") or []


def _whole_roots(document: Mapping[str, Any], usage: Mapping[str, Any]) -> Iterator[Any]:
    wanted = {_blank(k) for k, e in usage.get("operations", {}).items() if e.get("whole_response")}
    for op in iter_operations(document):
        if _blank(f"{op.method} {op.path}") in wanted:
            yield op.spec.get("responses") or {}


def focus_document(document: Mapping[str, Any], usage: Mapping[str, Any]) -> dict[str, Any]:
    """The contract document with each schema the usage reads limited to the properties it reads.

    Only schemas that are answered and never sent are limited (a request is still generated from
    the whole schema), and none an operation's raw answer was taken from (all of it is read);
    schemas the usage does not read at all (the envelopes the SDK unwraps) stay whole.
    """
    focused = copy.deepcopy(dict(document))
    schemas = (focused.get("components") or {}).get("schemas") or {}
    keep = _closure(schemas, _request_roots(focused)) | _closure(
        schemas, _whole_roots(focused, usage)
    )
    for name, props in usage.get("reads", {}).items():
        schema = schemas.get(name)
        if name in keep or not isinstance(schema, dict) or "properties" not in schema:
            continue
        schema["properties"] = {k: v for k, v in schema["properties"].items() if k in props}
        if isinstance(schema.get("required"), list):
            schema["required"] = [r for r in schema["required"] if r in props]
        schema.pop("additionalProperties", None)  # the properties left out may still come
    return focused
