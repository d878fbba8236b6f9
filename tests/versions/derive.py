"""Next Issuetrak versions, derived in code from the pinned document at test time.

Nothing here is saved into the repository: each function takes the vendor document as loaded by
``issuetrak_tools.spec.load_document(patched=False)`` and returns an edited copy, the way a new
Issuetrak release would differ. Tests pin the copies in a project of their own (a temporary
folder), regenerate, serve them with the mock, run the contract suite and call them through the
facade.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

Doc = dict[str, Any]

# the entity a new one is shaped like, and the new one's names
TEMPLATE, NEW = ("Cause", "Causes"), ("Outcome", "Outcomes")
# the operation a release removes (linked in the contract suite's links.json)
REMOVED = ("/Causes/{iid}", "put")
# the optional query parameter a release adds
NEW_QUERY = ("/Causes", "get", "IncludeInactive")
# the property whose type a release changes: number (double) -> integer (int32)
TYPE_CHANGED = (("Priority", "CreatePriority", "UpdatePriority"), "displayOrder")
# the optional request property a release makes required
MADE_REQUIRED = ("CreatePriority", "color")


def _rename(node: Any) -> Any:
    """A copy of ``node`` with every Cause/Causes/cause/causes in keys and strings renamed."""
    text = json.dumps(node)
    for old, new in ((TEMPLATE[1], NEW[1]), (TEMPLATE[0], NEW[0])):
        text = text.replace(old, new).replace(old.lower(), new.lower())
    return json.loads(text)


def new_entity(document: Doc) -> Doc:
    """A new entity (Outcomes) with the operations and schemas of an existing one (Causes)."""
    result = copy.deepcopy(document)
    prefix = f"/{TEMPLATE[1]}"
    for path in [p for p in document["paths"] if p == prefix or p.startswith(prefix + "/")]:
        result["paths"][_rename(path)] = _rename(document["paths"][path])
    schemas = result["components"]["schemas"]
    for name in [n for n in document["components"]["schemas"] if re.search(TEMPLATE[0], n)]:
        if name.startswith("Issue"):
            continue  # Issue* schemas only mention causes
        schemas[_rename(name)] = _rename(document["components"]["schemas"][name])
    return result


def removed_operation(document: Doc) -> Doc:
    """A release without one operation (PUT /Causes/{iid})."""
    result = copy.deepcopy(document)
    path, method = REMOVED
    del result["paths"][path][method]
    return result


def new_optional_query_parameter(document: Doc) -> Doc:
    """A release whose list of causes takes one more, optional, query parameter."""
    result = copy.deepcopy(document)
    path, method, name = NEW_QUERY
    result["paths"][path][method]["parameters"].append(
        {
            "name": name,
            "in": "query",
            "description": "Also list inactive records.",
            "schema": {"type": "boolean", "default": False},
        }
    )
    return result


def property_type_change(document: Doc) -> Doc:
    """A release in which Priority.displayOrder became an integer (it was a double)."""
    result = copy.deepcopy(document)
    names, prop = TYPE_CHANGED
    for name in names:
        schema = result["components"]["schemas"][name]["properties"][prop]
        schema["type"], schema["format"] = "integer", "int32"
    return result


def request_property_made_required(document: Doc) -> Doc:
    """A release in which creating a priority needs its color."""
    result = copy.deepcopy(document)
    name, prop = MADE_REQUIRED
    result["components"]["schemas"][name]["required"].append(prop)
    return result


def combined(document: Doc) -> Doc:
    """Every change above in one release."""
    for change in SINGLE.values():
        document = change(document)
    return document


SINGLE: dict[str, Callable[[Doc], Doc]] = {
    "new-entity": new_entity,
    "removed-operation": removed_operation,
    "new-query-parameter": new_optional_query_parameter,
    "type-change": property_type_change,
    "required-property": request_property_made_required,
}
VERSIONS: dict[str, Callable[[Doc], Doc]] = {**SINGLE, "combined": combined}


def changes_of(kind: str) -> tuple[str, ...]:
    """The single changes a derived version has."""
    return tuple(SINGLE) if kind == "combined" else (kind,)
