"""The contract: the pinned document after its overrides, plus the suite's own link patches.

OpenAPI links (which response field feeds which next request) are what schemathesis's stateful
phase follows to build create -> get -> update -> search chains. Issuetrak's document declares
none. They are added with the same mechanism as the label's ``overrides.json`` (an RFC 6902 patch
whose every operation has a ``reason``), but from ``contract_tests/links.json`` and only for the
contract run: links describe how to *explore* the API, not what the API *is*, so the SDK and the
mock keep reading the document without them.

One known tolerance is applied here too (see :func:`add_problem_json_tolerance`); the other, for
date-times without an offset, lives in :mod:`issuetrak._contract.datetimes`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from issuetrak.spec import SpecError, apply_overrides, load_document

__all__ = [
    "PROBLEM_JSON",
    "add_problem_json_tolerance",
    "load_contract_document",
    "load_link_patches",
]

PROBLEM_JSON = "application/problem+json"


def load_link_patches(path: Path) -> list[dict[str, Any]]:
    """Read a links patch; every operation must be an ``add`` of ``.../links`` with a ``reason``."""
    try:
        ops = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(f"{path}: link patches not found") from None
    except json.JSONDecodeError as exc:
        raise SpecError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(ops, list):
        raise SpecError(f"{path}: must be a JSON array of RFC 6902 operations")
    for index, op in enumerate(ops):
        if not isinstance(op, Mapping) or not str(op.get("reason", "")).strip():
            raise SpecError(f"{path}: operation #{index} has no 'reason'")
        if op.get("op") != "add" or not str(op.get("path", "")).endswith("/links"):
            raise SpecError(
                f"{path}: operation #{index} must add a responses/<code>/links object, got {op.get('op')} {op.get('path')}"
            )
    return [dict(op) for op in ops]


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
    from issuetrak._contract.checks import VALIDATION_PROBLEM_DETAILS

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


def load_contract_document(
    label: str | None = None,
    *,
    links: Path | None = None,
    document: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """``load_document(label)`` (or ``document``) with the link patches of ``links`` applied."""
    base = copy.deepcopy(dict(document)) if document is not None else load_document(label)
    add_problem_json_tolerance(base)
    if links is None:
        return base
    return apply_overrides(base, load_link_patches(links), source=str(links))
