"""The contract: the pinned document after its overrides, plus the links the run derives.

OpenAPI links (which response field feeds which next request) are what schemathesis's stateful
phase follows to build create -> get -> update -> search chains. Issuetrak's document declares
none; :mod:`.links` derives them from the document's conventions, with the label's exceptions in
``contract_tests/links/<label>.json``, for the contract run only: links describe how to *explore*
the API, not what the API *is*, so the SDK and the mock keep reading the document without them.

Four known corrections are applied here too (:func:`add_problem_json_tolerance`,
:func:`add_unsupported_media_type_tolerance`, :func:`relax_request_additional_properties`,
:func:`state_page_number_minimum`), each because a correct Issuetrak site would otherwise be
reported; the fourth, for date-times without an offset,
lives in :mod:`issuetrak_tools._contract.datetimes`. They belong in ``spec/<label>/overrides.json`` in
the long run, where the SDK and the mock would see them too.
"""

from __future__ import annotations

import copy
import functools
import os
import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from issuetrak.conventions import ref_name
from issuetrak_tools.spec import HTTP_METHODS, iter_operations, load_document

if TYPE_CHECKING:
    from issuetrak_tools._contract.links import LinkReport

__all__ = [
    "PROBLEM_JSON",
    "add_problem_json_tolerance",
    "add_unsupported_media_type_tolerance",
    "contract_document",
    "drop_dangling_links",
    "load_contract_document",
    "selected_operations",
]

PROBLEM_JSON = "application/problem+json"


def add_problem_json_tolerance(document: dict[str, Any]) -> int:
    """Let every declared 400 also be ``application/problem+json`` holding a ValidationProblemDetails.

    Known tolerance. Issuetrak answers malformed input (bad JSON, wrong types, unknown enum values)
    before its own code runs, with ASP.NET Core's automatic ``ValidationProblemDetails``, which the
    framework serves as ``application/problem+json``. The document declares only
    ``application/json`` (an ``ApiResponse``) for 400. Without this, every negative test case would
    be reported by ``content_type_conformance``; with it, such a 400 is still checked - its media
    type must be exactly this one and its body must be a ValidationProblemDetails (schema below).
    Returns the number of responses changed.
    """
    from issuetrak_tools._contract.checks import VALIDATION_PROBLEM_DETAILS

    changed = 0
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            response = operation.get("responses", {}).get("400")
            if isinstance(response, dict) and isinstance(response.get("content"), dict):
                response["content"].setdefault(PROBLEM_JSON, {"schema": VALIDATION_PROBLEM_DETAILS})
                changed += 1
    return changed


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            ref = current.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                found.add(ref_name(ref))
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return found


def _closure(schemas: Mapping[str, Any], roots: set[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        todo.extend(_refs(schemas[name]) - seen)
    return seen


def relax_request_additional_properties(document: dict[str, Any]) -> list[str]:
    """Drop ``additionalProperties: false`` from schemas used only in request bodies.

    Known tolerance. The document (Swashbuckle output) marks every object closed, but ASP.NET
    Core's JSON input ignores unknown members, so a real site accepts ``{"name": "x", "extra": 1}``.
    Left closed, every body operation would be reported by ``negative_data_rejection`` for
    behaviour no Issuetrak site has. Schemas that also describe responses stay closed, so an
    unexpected field in a *response* is still a ``response_schema_conformance`` failure; request
    bodies and parameters refer to an open copy of them, named with ``REQUEST_COPY_SUFFIX``.
    Returns the names of the relaxed request-only schemas.
    """
    schemas = document.get("components", {}).get("schemas", {})
    request_roots: set[str] = set()
    response_roots: set[str] = set()
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict):
                request_roots |= _refs(operation.get("requestBody", {}))
                request_roots |= _refs(operation.get("parameters", []))
                response_roots |= _refs(operation.get("responses", {}))
    response_roots |= _refs(document.get("components", {}).get("responses", {}))
    request_closure = _closure(schemas, request_roots)
    request_only = request_closure - _closure(schemas, response_roots)
    for name in sorted(request_only):
        if schemas[name].get("additionalProperties") is False:
            del schemas[name]["additionalProperties"]
    # A schema used on both sides (ListUdfValue, GroupMembership, ...) stays closed for responses;
    # requests refer to an open copy of it instead, since the site ignores the unknown member
    # there as it does everywhere else in a body.
    shared = sorted(request_closure - request_only)
    copies = {name: f"{name}{REQUEST_COPY_SUFFIX}" for name in shared}
    for name, copy_name in copies.items():
        if copy_name in schemas:
            raise ValueError(
                f"schema {copy_name!r} exists; cannot add the request copy of {name!r}"
            )
        schemas[copy_name] = _retarget(copy.deepcopy(schemas[name]), copies)
        if schemas[copy_name].get("additionalProperties") is False:
            del schemas[copy_name]["additionalProperties"]
    for name in request_only:
        schemas[name] = _retarget(schemas[name], copies)
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict):
                for key in ("requestBody", "parameters"):
                    if key in operation:
                        operation[key] = _retarget(operation[key], copies)
    return sorted(request_only)


REQUEST_COPY_SUFFIX = "_Request"


def _retarget(node: Any, names: Mapping[str, str]) -> Any:
    """``node`` with its ``$ref`` to each schema of ``names`` pointing at ``names[schema]``."""
    if isinstance(node, dict):
        out = {key: _retarget(value, names) for key, value in node.items()}
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_SCHEMA_REF):
            target = names.get(ref[len(_SCHEMA_REF) :])
            if target is not None:
                out["$ref"] = _SCHEMA_REF + target
        return out
    if isinstance(node, list):
        return [_retarget(value, names) for value in node]
    return node


_SCHEMA_REF = "#/components/schemas/"


def state_page_number_minimum(document: dict[str, Any]) -> int:
    """Give every ``PageNumber``/``pageNumber`` the ``minimum: 1`` its own description states.

    The document says "Desired Page. Defaults to 1. Must be greater than 0." in prose only, and
    sites answer ``PageNumber=0`` or a negative page with 400. As prose the rule is invisible to
    schemathesis, which would then report those 400s through ``positive_data_acceptance``;
    stated as a schema keyword it is tested both ways (a site accepting page 0 is reported by
    ``negative_data_rejection``). Returns the number of places changed.
    """
    changed = 0

    def fix(schema: Any) -> None:
        nonlocal changed
        if isinstance(schema, dict) and schema.get("type") == "integer" and "minimum" not in schema:
            schema["minimum"] = 1
            changed += 1

    for item in document.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict):
                for parameter in operation.get("parameters", []):
                    if (
                        isinstance(parameter, dict)
                        and str(parameter.get("name", "")).lower() == "pagenumber"
                    ):
                        fix(parameter.get("schema"))
    for schema in document.get("components", {}).get("schemas", {}).values():
        if isinstance(schema, dict):
            fix(schema.get("properties", {}).get("pageNumber"))
    return changed


def selected_operations(document: Mapping[str, Any], patterns: list[str]) -> set[str]:
    """The ``"METHOD /path"`` labels of ``document`` that match one of ``patterns`` (regular
    expressions, searched case-insensitively); every operation when ``patterns`` is empty.

    A bad expression raises ``ValueError`` naming it.
    """
    import re

    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern, re.IGNORECASE))
        except re.error as exc:
            raise ValueError(
                f"--operations {pattern!r}: not a regular expression ({exc})"
            ) from None
    labels = {f"{op.method} {op.path}" for op in iter_operations(document)}
    if not compiled:
        return labels
    return {label for label in labels if any(c.search(label) for c in compiled)}


def select_operations(document: dict[str, Any], patterns: list[str]) -> int:
    """Keep only operations whose ``"METHOD /path"`` matches one of ``patterns`` (see
    :func:`selected_operations`); links to removed operations go too. Returns how many remain."""
    kept_labels = selected_operations(document, patterns)
    kept: set[str] = set()
    for path, item in list(document.get("paths", {}).items()):
        for method in [m for m in item if m in HTTP_METHODS]:
            label = f"{method.upper()} {path}"
            if label in kept_labels:
                kept.add(str(item[method].get("operationId", label)))
            else:
                del item[method]
        if not any(m in HTTP_METHODS for m in item):
            del document["paths"][path]
    drop_dangling_links(document)
    return len(kept)


def drop_dangling_links(document: dict[str, Any]) -> int:
    """Remove links whose target operation is not in ``document``; returns how many went."""
    remaining = {
        op.get("operationId")
        for item in document.get("paths", {}).values()
        for m, op in item.items()
        if m in HTTP_METHODS and isinstance(op, dict)
    }
    removed = 0
    for item in document.get("paths", {}).values():
        for method, operation in item.items():
            if method not in HTTP_METHODS or not isinstance(operation, dict):
                continue
            for response in operation.get("responses", {}).values():
                links = response.get("links") if isinstance(response, dict) else None
                if isinstance(links, dict):
                    for name in [
                        n for n, link in links.items() if link.get("operationId") not in remaining
                    ]:
                        del links[name]
                        removed += 1
                    if not links:
                        del response["links"]
    return removed


PROBLEM_DETAILS: dict[str, Any] = {
    "type": "object",
    "required": ["title", "status", "traceId"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "enum": [415]},
        "detail": {"type": "string"},
        "traceId": {"type": "string"},
    },
}


def add_unsupported_media_type_tolerance(document: dict[str, Any]) -> int:
    """Let every operation with a request body answer ``415`` with an ASP.NET ProblemDetails.

    Known tolerance. ASP.NET Core refuses a ``[FromBody]`` request whose ``Content-Type`` is
    missing or not JSON with ``415 Unsupported Media Type`` (``application/problem+json``) before
    the action runs; the document never declares it, and schemathesis's negative cases send such
    requests (a body left out has no content type). The ``unsupported_media_type_for_json`` check
    keeps the tolerance narrow: a 415 to a request that *did* send JSON is still a deviation.
    Returns the number of operations changed.
    """
    changed = 0
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict) or "requestBody" not in operation:
                continue
            responses = operation.setdefault("responses", {})
            if "415" not in responses:
                responses["415"] = {
                    "description": "Unsupported Media Type (ASP.NET Core, before binding)",
                    "content": {PROBLEM_JSON: {"schema": PROBLEM_DETAILS}},
                }
                changed += 1
    return changed


def link_exceptions_path(label: str) -> Path:
    """``contract_tests/links/<label>.json``: the label's exceptions to the derived links."""
    from issuetrak_tools._contract.suite_location import suite_dir

    return suite_dir() / "links" / f"{label}.json"


def contract_document(
    label: str | None = None,
    *,
    document: Mapping[str, Any] | None = None,
    links: bool = True,
    exceptions: Path | None = None,
) -> tuple[dict[str, Any], LinkReport]:
    """The contract of ``label`` (or of ``document``): corrections applied, links derived.

    ``exceptions`` is the file of link exceptions (default: the label's
    ``contract_tests/links/<label>.json``, when it exists). A link exception that no longer
    applies is listed in the returned :class:`~.links.LinkReport`, never raised.
    """
    from issuetrak_tools.spec import default_label, spec_dir

    if document is not None:
        return _contract_of(copy.deepcopy(dict(document)), label, links, exceptions)
    label = label or default_label()
    if exceptions is None:
        exceptions = link_exceptions_path(label)
    # the document load_document would give, with the link exceptions as they are on disk now
    where = (str(spec_dir()), os.environ.get("ISSUETRAK_SPEC", ""))
    stamp = exceptions.stat().st_mtime_ns if exceptions.is_file() else None
    built: tuple[dict[str, Any], LinkReport] = pickle.loads(
        _contract_cached(label, where, links, str(exceptions), stamp)
    )
    return built


@functools.lru_cache(maxsize=8)
def _contract_cached(
    label: str, _where: tuple[str, str], links: bool, exceptions: str, _stamp: int | None
) -> bytes:
    """A label's contract, pickled: each caller unpickles a copy of its own (a process that runs
    the suite many times - the tests, a bench - derives it once, not once a run)."""
    return pickle.dumps(_contract_of(load_document(label), label, links, Path(exceptions)))


def _contract_of(
    base: dict[str, Any], label: str | None, links: bool, exceptions: Path | None
) -> tuple[dict[str, Any], LinkReport]:
    """``base`` (changed in place) with the corrections applied and, if ``links``, the links."""
    from issuetrak_tools._contract.links import LinkReport, add_links

    add_problem_json_tolerance(base)
    add_unsupported_media_type_tolerance(base)
    relax_request_additional_properties(base)
    state_page_number_minimum(base)
    if not links:
        return base, LinkReport()
    if exceptions is None and label is not None:
        exceptions = link_exceptions_path(label)
    return add_links(base, exceptions)


def load_contract_document(
    label: str | None = None,
    *,
    document: Mapping[str, Any] | None = None,
    links: bool = True,
    exceptions: Path | None = None,
) -> dict[str, Any]:
    """The contract document of :func:`contract_document`, without the link report."""
    result, _ = contract_document(label, document=document, links=links, exceptions=exceptions)
    return result
