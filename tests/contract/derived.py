"""Next versions of the pinned document, derived in code (never saved into the repository):
an entity added by cloning an existing one under a new name, an entity removed."""

from __future__ import annotations

import copy
import json
from typing import Any

from issuetrak_tools.spec import load_document


def _rename(node: Any, old: str, new: str) -> Any:
    text = json.dumps(node)
    for a, b in ((old + "s", new + "s"), (old, new)):
        text = text.replace(a, b)
    return json.loads(text)


def with_entity_added(
    document: dict[str, Any], source: str = "Cause", new: str = "Widget"
) -> dict[str, Any]:
    """``document`` plus an entity ``new`` shaped like ``source``: its schemas and its paths."""
    result = copy.deepcopy(document)
    schemas = result["components"]["schemas"]
    for name in list(schemas):
        if source in name and not name.startswith(source + "Entity"):
            renamed = name.replace(source, new)
            if renamed not in schemas:
                schemas[renamed] = _rename(schemas[name], source, new)
    for path in list(result["paths"]):
        if path == f"/{source}s" or path.startswith(f"/{source}s/"):
            result["paths"][path.replace(f"/{source}s", f"/{new}s", 1)] = _rename(
                result["paths"][path], source, new
            )
    return result


def with_entity_removed(document: dict[str, Any], segment: str = "Severities") -> dict[str, Any]:
    """``document`` without the paths of ``/segment`` (its schemas stay, as in real upgrades)."""
    result = copy.deepcopy(document)
    for path in [p for p in result["paths"] if p == f"/{segment}" or p.startswith(f"/{segment}/")]:
        del result["paths"][path]
    return result


def next_version() -> dict[str, Any]:
    """The pinned document with ``Widget`` added and ``Severities`` removed."""
    return with_entity_removed(with_entity_added(load_document()))
