"""Returned items are judged against the criteria sent, with Issuetrak's documented match types."""

from __future__ import annotations

import pytest
from issuetrak_tools._contract.search import (
    Criterion,
    criteria_of,
    matches,
    unmatched_items,
)
from issuetrak_tools._contract.semantics import (
    SearchShape,
    case_probe,
    judge_probe,
    multi_criteria_probe,
    sort_choice,
    sort_violation,
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


SHAPE = SearchShape(
    {"name": "StringCriteria", "iid": "IntCriteria"},
    sort_fields=("Iid", "Name", "CreatedDate"),
    directions=("Asc", "Desc"),
)
RECORDS = [
    {"iid": 1, "name": "Defect", "createdDate": "2024-03-15T08:30:00"},
    {"iid": 2, "name": "User error", "createdDate": "2024-03-14T08:30:00"},
    {"iid": 3, "name": "Training", "createdDate": "2024-03-13T08:30:00"},
]


def _page(*records: dict[str, object], total: int | None = None) -> dict[str, object]:
    count = len(records) if total is None else total
    return {
        "values": list(records),
        "pagingInformation": {"page": 1, "itemTotal": count, "pageCount": 1},
    }


def test_the_case_probe_changes_the_case_of_a_known_value_and_expects_its_record() -> None:
    probe = case_probe(RECORDS, SHAPE)
    assert probe is not None
    assert probe.body["name"] == {"type": "MatchAny", "values": ["dEFECT"]}
    assert judge_probe(probe, SHAPE, _page(RECORDS[0])) == []
    assert [c for c, _, _ in judge_probe(probe, SHAPE, _page())] == ["search_case_insensitive"]


def test_the_multi_criteria_probe_catches_a_search_that_honours_one_criterion() -> None:
    probe = multi_criteria_probe(RECORDS, SHAPE)
    assert probe is not None
    assert probe.body["name"]["values"] == ["Defect", "User error"]
    assert probe.body["iid"]["values"] == [1, 3]
    assert judge_probe(probe, SHAPE, _page(RECORDS[0])) == []
    first_only = judge_probe(probe, SHAPE, _page(RECORDS[0], RECORDS[1]))
    assert [c for c, _, _ in first_only] == ["search_all_criteria"]
    missing = judge_probe(probe, SHAPE, _page())
    assert [c for c, _, _ in missing] == ["search_no_missing_results"]


def test_a_missing_record_is_not_concluded_when_results_span_pages() -> None:
    probe = multi_criteria_probe(RECORDS, SHAPE)
    assert probe is not None
    assert judge_probe(probe, SHAPE, _page(total=500)) == []


def test_probes_need_records_with_distinct_values() -> None:
    assert multi_criteria_probe(RECORDS[:2], SHAPE) is None
    assert case_probe([{"iid": 1, "name": "123"}], SHAPE) is None


def test_nested_criteria_are_built_and_judged_under_their_key() -> None:
    nested = SearchShape({"subject": "StringCriteria", "iid": "IntCriteria"}, nest="filter")
    records = [{"iid": n, "subject": s} for n, s in ((1, "Printer"), (2, "Mouse"), (3, "Screen"))]
    probe = multi_criteria_probe(records, nested)
    assert probe is not None and set(probe.body["filter"]) == {"subject", "iid"}
    assert judge_probe(probe, nested, _page(records[1]))[0][0] == "search_all_criteria"


def test_sorting_picks_an_orderable_field_and_judges_both_directions() -> None:
    assert sort_choice(RECORDS, SHAPE) == "Iid"
    assert sort_violation(RECORDS, "Iid", descending=False) is None
    assert sort_violation(RECORDS[::-1], "Iid", descending=True) is None
    assert "comes before" in (sort_violation(RECORDS[::-1], "Iid", descending=False) or "")
    # date-times compare as instants, strings case-insensitively; nulls are never ordered
    assert sort_violation(RECORDS, "CreatedDate", descending=True) is None
    mixed = [{"iid": 1, "name": "apple"}, {"iid": 2, "name": None}, {"iid": 3, "name": "Banana"}]
    assert sort_violation(mixed, "Name", descending=False) is None
