"""Returned items are judged against the criteria sent, with Issuetrak's documented match types."""

from __future__ import annotations

import pytest
from issuetrak_tools._contract.search import (
    Criterion,
    criteria_of,
    matches,
    probe_bodies,
    unmatched_items,
)

KINDS = {
    "name": "StringCriteria",
    "iid": "IntCriteria",
    "displayOrder": "FloatCriteria",
    "isActive": "BooleanCriteria",
    "createdDate": "DateTimeCriteria",
}


@pytest.mark.parametrize(
    ("value", "match_type", "values", "expected"),
    [
        ("Defect", "MatchAny", ("defect", "other"), True),  # case-insensitive
        ("Defect", "MatchAny", ("defects",), False),
        ("User error", "Contains", ("ER E",), True),
        ("User error", "StartsWith", ("user",), True),
        ("User error", "EndsWith", ("user",), False),
        ("", "IsBlank", (), True),
        (None, "IsBlank", (), True),
        ("x", "HasValue", (), True),
        (None, "HasValue", (), False),
        (5, "RangeInclusive", (1, 5), True),
        (5, "RangeInclusive", (5, 1), True),  # bounds in either order
        (6, "RangeInclusive", (1, 5), False),
        (3, "LessThan", (3,), False),
        (3, "LessThanOrEqual", (3,), True),
        (2.5, "GreaterThan", (2,), True),
        (None, "GreaterThan", (2,), False),
        (True, "IsTrue", (), True),
        (False, "IsTrue", (), False),
    ],
)
def test_match_types_follow_the_documented_tables(
    value: object, match_type: str, values: tuple[object, ...], expected: bool
) -> None:
    assert matches(value, Criterion("f", match_type, values)) is expected


def test_criteria_of_unjudged_kinds_or_with_wrong_arity_are_not_judged() -> None:
    body = {
        "createdDate": {
            "type": "MatchAny",
            "values": ["2024-03-15T08:30:00Z"],
        },  # date formats vary: not judged
        "name": {
            "type": "Contains",
            "values": ["a", "b"],
        },  # Contains needs exactly one value: a 400 case
        "iid": {"type": "MatchAny", "values": []},
        "pageSize": 10,
    }
    assert list(criteria_of(body, KINDS)) == []


def test_unmatched_items_names_each_contradiction() -> None:
    body = {
        "name": {"type": "StartsWith", "values": ["us"]},
        "iid": {"type": "LessThan", "values": [3]},
    }
    items = [{"iid": 1, "name": "User error"}, {"iid": 7, "name": "Defect"}, {"iid": 2}]
    problems = unmatched_items(body, items, KINDS)
    assert [(c.field, i["iid"]) for c, i in problems] == [("name", 7), ("iid", 7)]


def test_probe_bodies_use_values_the_site_returned() -> None:
    items = [{"iid": 4, "name": "Defect", "isActive": True}]
    bodies = list(probe_bodies(items, KINDS))
    assert {
        "name": {"type": "MatchAny", "values": ["Defect"]},
        "pageNumber": 1,
        "pageSize": 50,
    } in bodies
    assert {"iid": {"type": "MatchAny", "values": [4]}, "pageNumber": 1, "pageSize": 50} in bodies
