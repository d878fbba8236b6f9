"""A brute-force reference of the document's criteria semantics, written independently of the mock.

Each function answers "does this raw record value satisfy this criteria?" the plain way, straight
from the match-type tables of the document, so search results can be checked record by record.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any


def _parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).replace(
        tzinfo=None, microsecond=0
    )


def window(kind: str, today: dt.date) -> tuple[dt.date, dt.date] | None:
    one = dt.timedelta(days=1)
    if kind == "Today":
        return today, today
    if kind == "Yesterday":
        return today - one, today - one
    if kind == "Tomorrow":
        return today + one, today + one
    if kind.endswith("Week"):
        # weeks run Sunday..Saturday; isoweekday(): Monday=1 .. Sunday=7
        sunday = today - dt.timedelta(days=today.isoweekday() % 7)
        sunday += dt.timedelta(days={"ThisWeek": 0, "LastWeek": -7, "NextWeek": 7}[kind])
        return sunday, sunday + dt.timedelta(days=6)
    if kind.endswith("Month"):
        year, month = (
            today.year,
            today.month + {"ThisMonth": 0, "LastMonth": -1, "NextMonth": 1}[kind],
        )
        if month == 0:
            year, month = year - 1, 12
        if month == 13:
            year, month = year + 1, 1
        first = dt.date(year, month, 1)
        following = dt.date(year + (month == 12), month % 12 + 1, 1)
        return first, following - one
    if kind.endswith("Year"):
        year = today.year + {"ThisYear": 0, "LastYear": -1, "NextYear": 1}[kind]
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    return None


def string(kind: str, values: list[Any], value: Any) -> bool:
    text = None if value is None else str(value).casefold()
    wanted = [str(v).casefold() for v in values]
    if kind == "IsBlank":
        return text is None or text == ""
    if kind == "HasValue":
        return text is not None and text != ""
    if text is None:
        return False
    if kind == "MatchAny":
        return text in wanted
    if kind == "Contains":
        return wanted[0] in text
    if kind == "StartsWith":
        return text.startswith(wanted[0])
    if kind == "EndsWith":
        return text.endswith(wanted[0])
    raise AssertionError(kind)


def number(kind: str, values: list[Any], value: Any) -> bool:
    if isinstance(value, dict):
        value = value.get("iid")
    if kind == "IsBlank":
        return value is None
    if kind == "HasValue":
        return value is not None
    if value is None:
        return False
    if kind == "MatchAny":
        return any(value == v for v in values)
    if kind == "RangeInclusive":
        return min(values) <= value <= max(values)
    return {
        "LessThan": value < values[0],
        "GreaterThan": value > values[0],
        "LessThanOrEqual": value <= values[0],
        "GreaterThanOrEqual": value >= values[0],
    }[kind]


def date(kind: str, values: list[Any], value: Any, today: dt.date) -> bool:
    when = _parse(value) if value else None
    if kind in ("IsEmpty", "IsBlank"):
        return when is None
    if kind == "HasValue":
        return when is not None
    if when is None:
        return False
    if kind == "MatchAny":
        return any(when == _parse(v) for v in values)
    if kind == "CustomRange":
        low, high = sorted(_parse(v) for v in values)
        if all("T" not in v for v in values):
            high = high.replace(hour=23, minute=59, second=59)
        return low <= when <= high
    day = when.date()
    if kind in ("On", "After", "Before"):
        target = _parse(values[0]).date()
        return {"On": day == target, "After": day > target, "Before": day < target}[kind]
    span = window(kind, today)
    assert span is not None, kind
    return span[0] <= day <= span[1]


def boolean(kind: str, value: Any) -> bool:
    return value is (kind == "IsTrue")


def guid(kind: str, values: list[Any], value: Any) -> bool:
    if kind == "HasValue":
        return bool(value)
    return value is not None and uuid.UUID(value) in {uuid.UUID(v) for v in values}


def enum(values: list[Any], value: Any) -> bool:
    return value is not None and str(value).lower() in {str(v).lower() for v in values}


def collection(
    kind: str,
    elements: list[dict[str, Any]] | None,
    subs: dict[str, tuple[Callable[[Any], bool], dict[str, Any]]],
) -> bool:
    """``subs``: sub-field -> (predicate on the element's value, the sub-criteria body)."""
    items = elements or []

    def matches(element: dict[str, Any]) -> bool:
        return all(pred(element.get(key)) for key, (pred, _) in subs.items())

    if kind == "CollectionContainsAtLeastOneMatchingEntity":
        return any(matches(e) for e in items)
    if kind == "CollectionContainsOnlyMatchingEntities":
        return bool(items) and all(matches(e) for e in items)
    if not items:
        return False
    for key, (pred, body) in subs.items():
        if body["type"] == "MatchAny":
            if not all(any(e.get(key) == v for e in items) for v in body["values"]):
                return False
        elif not all(pred(e.get(key)) for e in items):
            return False
    return True
