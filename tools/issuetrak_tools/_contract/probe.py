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
