"""Does a returned item satisfy the criterion that was sent? Issuetrak's documented match types.

Only criteria whose field appears, with a scalar value, in the returned items can be judged from
the response alone; the others (entity criteria such as ``organization.name``, UDF criteria,
relative dates that depend on the site's clock and time zone) are skipped, never guessed.
The semantics follow the match-type tables of the document: string matches are
case-insensitive, ranges are inclusive, ``IsBlank`` means null or empty.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from issuetrak.conventions import arity, ref_name

__all__ = [
    "JUDGED_KINDS",
    "Criterion",
    "criteria_kinds",
    "criteria_of",
    "matches",
    "unmatched_items",
]

# criteria schemas whose values compare directly with the item's field of the same name
JUDGED_KINDS = frozenset(
    {"StringCriteria", "IntCriteria", "FloatCriteria", "BooleanCriteria", "GuidCriteria"}
)

_STRING_TYPES = {"Contains", "MatchAny", "StartsWith", "EndsWith", "IsBlank", "HasValue"}
_NUMBER_TYPES = {
    "MatchAny",
    "RangeInclusive",
    "LessThan",
    "GreaterThan",
    "LessThanOrEqual",
    "GreaterThanOrEqual",
    "IsBlank",
    "HasValue",
}


@dataclass(frozen=True)
class Criterion:
    """One top-level criterion of a search body: ``{field: {"type": ..., "values": [...]}}``."""

    field: str
    match_type: str
    values: tuple[Any, ...]

    def describe(self) -> str:
        return f"{self.field} {self.match_type} {list(self.values)!r}"


def criteria_kinds(document: Mapping[str, Any], operation: Mapping[str, Any]) -> dict[str, str]:
    """``{body property: criteria schema name}`` for a search operation's top-level criteria."""
    content: Mapping[str, Any] = operation.get("requestBody", {}).get("content", {})
    first: Mapping[str, Any] = next(iter(content.values()), {})
    schema: Mapping[str, Any] = first.get("schema", {})
    schemas = document.get("components", {}).get("schemas", {})
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        schema = schemas.get(ref_name(ref), {})
    kinds: dict[str, str] = {}
    for name, prop in schema.get("properties", {}).items():
        target = prop.get("$ref", "") if isinstance(prop, Mapping) else ""
        if target.startswith("#/components/schemas/"):
            kinds[name] = ref_name(target)
    return kinds


def criteria_of(body: Any, kinds: Mapping[str, str]) -> Iterator[Criterion]:
    """The criteria of a search body, of a judged kind, well-formed enough to have a meaning."""
    if not isinstance(body, Mapping):
        return
    for name, value in body.items():
        if kinds.get(name) not in JUDGED_KINDS:
            continue
        if not isinstance(value, Mapping) or not isinstance(value.get("type"), str):
            continue
        raw = value.get("values")
        values = tuple(raw) if isinstance(raw, list) else ()
        match_type = value["type"]
        low, high = arity(match_type)  # a count the site must refuse gives no meaning to judge
        if len(values) < low or (high is not None and len(values) > high):
            continue
        yield Criterion(str(name), match_type, values)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def matches(item_value: Any, criterion: Criterion) -> bool | None:
    """``True``/``False`` when the criterion can be judged on this value, ``None`` when it cannot."""
    kind, values = criterion.match_type, criterion.values
    if kind in ("IsTrue", "IsFalse"):
        if item_value is None or isinstance(item_value, bool):
            return item_value is (kind == "IsTrue")
        return None
    if kind == "IsBlank":
        return item_value is None or item_value == ""
    if kind == "HasValue":
        return item_value is not None and item_value != ""
    if (
        isinstance(item_value, str)
        and kind in _STRING_TYPES
        and all(isinstance(v, str) for v in values)
    ):
        text, wanted = item_value.casefold(), [v.casefold() for v in values]
        if kind == "MatchAny":
            return text in wanted
        if kind == "Contains":
            return wanted[0] in text
        if kind == "StartsWith":
            return text.startswith(wanted[0])
        if kind == "EndsWith":
            return text.endswith(wanted[0])
        return None
    if item_value is None and kind in _NUMBER_TYPES | _STRING_TYPES:
        # a missing value satisfies no comparison and no MatchAny
        return False if all(_is_number(v) or isinstance(v, str) for v in values) else None
    if _is_number(item_value) and kind in _NUMBER_TYPES and all(_is_number(v) for v in values):
        if kind == "MatchAny":
            return any(item_value == v for v in values)
        if kind == "RangeInclusive":
            low, high = sorted(values)
            return bool(low <= item_value <= high)
        first = values[0]
        outcome: bool = {
            "LessThan": item_value < first,
            "GreaterThan": item_value > first,
            "LessThanOrEqual": item_value <= first,
            "GreaterThanOrEqual": item_value >= first,
        }[kind]
        return outcome
    return None


def unmatched_items(
    body: Any, items: Sequence[Any], kinds: Mapping[str, str]
) -> list[tuple[Criterion, Any]]:
    """Every (criterion, item) pair where a returned item contradicts a criterion that was sent.

    A criterion is judged only on items that carry its field as a scalar of a comparable type.
    """
    problems: list[tuple[Criterion, Any]] = []
    for criterion in criteria_of(body, kinds):
        for item in items:
            if not isinstance(item, Mapping) or criterion.field not in item:
                continue
            value = item[criterion.field]
            if isinstance(value, Mapping | list):
                continue
            if matches(value, criterion) is False:
                problems.append((criterion, item))
    return problems
