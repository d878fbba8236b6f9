"""What the engine and the check families share to probe a site: the path of a request, the
JSON of an answer, the page sizes and the iid no record has, and :class:`Unchecked`.

A leaf module (nothing of the contract package is imported here), so that the families can use
it without importing the engine that dispatches to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "MISSING_IID",
    "PAGING_PAGE_SIZE",
    "POSITIVE_PAGE_SIZE",
    "Unchecked",
    "concrete",
    "json_or_none",
    "page_of",
    "plain_value",
]

MISSING_IID = 2147483647  # int32's largest value: no Issuetrak record has it
POSITIVE_PAGE_SIZE = 10
PAGING_PAGE_SIZE = 2


class Unchecked(Exception):
    """The step had nothing it could send (no record to act on, too few records to probe)."""


def json_or_none(content: bytes) -> Any:
    import json

    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None


def page_of(content: bytes) -> tuple[list[Any] | None, int | None]:
    """A paged answer's ``values`` (``None`` unless a list) and ``itemTotal`` (``None`` unless an
    integer)."""
    answer = json_or_none(content)
    if not isinstance(answer, Mapping):
        return None, None
    values, paging = answer.get("values"), answer.get("pagingInformation")
    total = paging.get("itemTotal") if isinstance(paging, Mapping) else None
    whole = isinstance(total, int) and not isinstance(total, bool)
    return (values if isinstance(values, list) else None), (total if whole else None)


def concrete(path: str, params: Mapping[str, Any]) -> str:
    for name, value in params.items():
        path = path.replace("{" + name + "}", str(value))
    return path


def plain_value(schema: Mapping[str, Any], number: int, stamp: str) -> Any:
    """A valid, readable value for a scalar schema (``None`` for anything else)."""
    if schema.get("readOnly"):
        return None
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return enum[number % len(enum)]
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "string":
        if fmt == "date-time":
            return f"2024-05-0{number}T10:20:30"
        if fmt == "date":
            return f"2024-05-0{number}"
        if fmt == "uuid":
            return f"00000000-0000-4000-8000-00000000000{number}"
        if fmt == "email":
            return f"contract{number}.{stamp}@example.com"
        if fmt in ("uri", "url"):
            return f"https://example.com/contract/{number}/{stamp}"
        text = f"contract {number} {stamp}"
        limit = schema.get("maxLength")
        return text[: int(limit)] if isinstance(limit, int) and limit > 0 else text
    if kind == "integer":
        low = schema.get("minimum")
        return max(number, int(low)) if isinstance(low, int | float) else number
    if kind == "number":
        return number + 0.5
    if kind == "boolean":
        return number == 1
    return None
