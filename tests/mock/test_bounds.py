"""The scan that refuses a body over the mock's limits before it is parsed: it counts what a
parser would build, whatever the strings in the body hold, and names where the limit was passed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from issuetrak_mock.bounds import Limits, OverLimit, check_limits

SMALL = Limits(patch_operations=3, criteria_values=3, criteria=2)


def _refusal(body: Any, kind: str, limits: Limits = SMALL) -> str | None:
    try:
        check_limits(json.dumps(body), kind, limits)
    except OverLimit as exc:
        return str(exc)
    return None


def _ops(n: int, value: Any = "v") -> list[dict[str, Any]]:
    return [{"op": "Replace", "path": "/Subject", "value": value} for _ in range(n)]


def test_a_patch_is_refused_above_its_operation_limit_only() -> None:
    assert _refusal(_ops(3), "patch") is None
    assert _refusal(_ops(4), "patch") == (
        "A PATCH body may hold at most 3 operations; this one has more."
    )
    # an operation's own value may be a longer list: only the operations are counted
    assert _refusal(_ops(1, list(range(50))), "patch") is None


def test_commas_brackets_and_escaped_quotes_inside_strings_are_not_counted() -> None:
    tricky = ["a,b,c,d", "[1,2,3,4]", 'say "x,y,z,w"', "\\", '{"type":1}']
    assert _refusal(_ops(3, tricky[0]), "patch") is None
    body = {"filter": {"subject": {"type": "MatchAny", "values": tricky[:3]}}}
    assert _refusal(body, "search") is None
    body = {"filter": {"subject": {"type": "MatchAny", "values": tricky[2:]}}}
    assert _refusal(body, "search") is None


def test_a_criteria_over_the_value_limit_is_named_by_its_path() -> None:
    body = {"nestedFilters": [{}, {"issueNumber": {"type": "MatchAny", "values": [1, 2, 3, 4]}}]}
    assert _refusal(body, "search") == (
        "A criteria may hold at most 3 values; '$.nestedFilters[1].issueNumber.values' has more."
    )


def test_a_search_over_the_criteria_limit_is_refused() -> None:
    one = {"type": "MatchAny", "values": [1]}
    assert _refusal({"issueNumber": one, "priority": {"iid": one}}, "search") is None
    refused = _refusal({"filter": {"a": one, "b": one, "c": one}}, "search")
    assert refused == "A search may hold at most 2 criteria; this one has more."


def test_other_operations_and_malformed_json_are_left_to_the_parser() -> None:
    assert _refusal({"values": list(range(10))}, "create") is None
    assert check_limits('{"values": [1, 2', "search", SMALL) is None  # cut short: not over


def test_a_limit_below_one_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="criteria_values must be at least 1"):
        Limits(criteria_values=0)
