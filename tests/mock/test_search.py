"""Point 5: search semantics of every criteria kind, nested filters, sorting and paging.

The mock's answers are compared with a brute-force reference (reference.py) over all records,
for hand-picked cases and for random filters over random seeded data (hypothesis).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from issuetrak_mock import FrozenClock

from . import reference as ref
from .conftest import client, document, new_app

NOW = "2024-03-13T10:00:00"  # a Wednesday


@functools.lru_cache(maxsize=4)
def _site(seed: int) -> tuple[Any, FrozenClock, httpx.Client, list[dict[str, Any]]]:
    clock = FrozenClock(NOW)
    app = new_app(seed=seed, issues=120, clock=clock)
    c = client(app)
    issues = _all(c, "/Issues/Search", {})
    return app, clock, c, issues


def _all(c: httpx.Client, path: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    page = 1
    while True:
        response = c.post(path, json={**body, "pageSize": 100, "pageNumber": page})
        assert response.status_code == 200, response.text
        data = response.json()
        out.extend(data["values"])
        if page >= data["pagingInformation"]["pageCount"]:
            return out
        page += 1


# -- how each filter field reads an issue, and its criteria family -----------------------------------------

Getter = Callable[[dict[str, Any]], Any]


def _udf(kind: str, udf: int) -> Getter:
    def get(issue: dict[str, Any]) -> Any:
        entry = next((e for e in issue["udfs"].get(kind) or [] if e["udfIid"] == udf), None)
        return None if entry is None else entry["value"]

    return get


SCALARS: dict[str, tuple[str, Getter]] = {
    "iid": ("Int", lambda i: i["iid"]),
    "issueNumber": ("Int", lambda i: i["issueNumber"]),
    "subject": ("String", lambda i: i["subject"]),
    "description": ("String", lambda i: i["description"]),
    "customRecordField1": ("String", lambda i: i["customRecordField1"]),
    "isOpen": ("Boolean", lambda i: i["isOpen"]),
    "isChildIssue": ("Boolean", lambda i: i["isChildIssue"]),
    "laborHours": ("Float", lambda i: i["laborHours"]),
    "submittedDate": ("DateTime", lambda i: i["submittedDate"]),
    "closedDate": ("DateTime", lambda i: i["closedDate"]),
    "targetDate": ("DateTime", lambda i: i["targetDate"]),
    "submissionMethod": ("Enum", lambda i: i["submissionMethod"]),
}
ENTITIES: dict[str, Getter] = {
    "priority": lambda i: i["priority"],
    "severity": lambda i: i["severity"],
    "subStatus": lambda i: i["subStatus"],
    "assignedToUser": lambda i: i["assignedToUser"],
    "closedBy": lambda i: i["closedByUser"],
}
UDFS: dict[tuple[str, int], tuple[str, Getter]] = {
    ("text", 2): ("String", _udf("text", 2)),
    ("number", 6): ("Int", _udf("number", 6)),
    ("yesNo", 7): ("Boolean", _udf("yesNo", 7)),
    ("date", 3): ("DateTime", _udf("date", 3)),
    ("list", 1): ("Int", _udf("list", 1)),
}

WORDS = [
    "printer",
    "VPN",
    "e",
    "o",
    "zzz",
    "Password",
    "ticket 1",
    "alpha",
    "BETA",
    "ray",
    "urgent",
    "R0",
]


def _match_types(family: str) -> list[str]:
    enum: list[str] = document()["components"]["schemas"][f"{family}MatchType"]["enum"]
    return enum


def _values(draw: Any, family: str, kind: str, pool: list[Any]) -> list[Any]:
    count = {"MatchAny": draw(st.integers(1, 3)), "RangeInclusive": 2, "CustomRange": 2}.get(
        kind, 1
    )
    if (
        kind in ("IsBlank", "HasValue", "IsEmpty", "IsTrue", "IsFalse")
        or ref.window(kind, dt.date.today()) is not None
    ):
        return []
    present = [p for p in pool if p is not None]
    out = []
    for _ in range(count):
        if family == "String":
            out.append(draw(st.sampled_from(WORDS + [str(p) for p in present[:5]])))
        elif family in ("Int", "Float"):
            nums = [p["iid"] if isinstance(p, dict) else p for p in present] or [0]
            choice = draw(st.one_of(st.sampled_from(nums), st.integers(-2, 130)))
            out.append(float(choice) + 0.5 if family == "Float" and draw(st.booleans()) else choice)
        elif family == "DateTime":
            if present and draw(st.booleans()):
                out.append(draw(st.sampled_from(present)))
            else:
                day = dt.date(2024, 3, 13) - dt.timedelta(days=draw(st.integers(-20, 560)))
                out.append(
                    day.isoformat()
                    if draw(st.booleans())
                    else f"{day.isoformat()}T{draw(st.integers(0, 23)):02d}:00:00"
                )
        elif family == "Enum":
            out.append(
                draw(
                    st.sampled_from(document()["components"]["schemas"]["SubmissionMethod"]["enum"])
                )
            )
    return out


def _scalar_reference(
    family: str, kind: str, values: list[Any], today: dt.date
) -> Callable[[Any], bool]:
    if family == "String":
        return lambda v: ref.string(kind, values, v)
    if family in ("Int", "Float"):
        return lambda v: ref.number(kind, values, v)
    if family == "DateTime":
        return lambda v: ref.date(kind, values, v, today)
    if family == "Boolean":
        return lambda v: ref.boolean(kind, v)
    if family == "Enum":
        return lambda v: ref.enum(values, v)
    raise AssertionError(family)


@st.composite
def _criterion(
    draw: Any, issues: list[dict[str, Any]], today: dt.date
) -> tuple[str, Any, Callable[[dict[str, Any]], bool]]:
    """One entry of an IssueFilter: (key, body, reference predicate on an issue)."""
    choice = draw(st.sampled_from(["scalar"] * 4 + ["entity"] * 2 + ["udf"] * 2 + ["collection"]))
    if choice == "scalar":
        field = draw(st.sampled_from(sorted(SCALARS)))
        family, get = SCALARS[field]
        kind = draw(st.sampled_from(_match_types("Enum" if family == "Enum" else family)))
        values = _values(draw, family, kind, [get(i) for i in issues])
        body = {"type": kind, "values": values} if family != "Boolean" else {"type": kind}
        pred = _scalar_reference(family, kind, values, today)
        return field, body, lambda i: pred(get(i))
    if choice == "entity":
        field = draw(st.sampled_from(sorted(ENTITIES)))
        get = ENTITIES[field]
        sub = draw(st.sampled_from(["iid", "name"]))
        family = "Int" if sub == "iid" else "String"
        kind = draw(st.sampled_from(_match_types(family)))
        pool = [get(i).get(sub) for i in issues]
        values = _values(draw, family, kind, pool)
        pred = _scalar_reference(family, kind, values, today)
        key = "displayName" if sub == "name" and field in ("assignedToUser", "closedBy") else sub
        return field, {key: {"type": kind, "values": values}}, lambda i: pred(get(i).get(sub))
    if choice == "udf":
        kind_key, udf = draw(st.sampled_from(sorted(UDFS)))
        family, get = UDFS[(kind_key, udf)]
        kind = draw(st.sampled_from(_match_types(family)))
        values = _values(draw, family, kind, [get(i) for i in issues])
        crit = {"type": kind, "values": values} if family != "Boolean" else {"type": kind}
        pred = _scalar_reference(family, kind, values, today)
        return "udfs", {kind_key: [{"id": udf, "filter": crit}]}, lambda i: pred(get(i))
    kind = draw(st.sampled_from(_match_types("Collection")))
    sub_kind = draw(st.sampled_from(["MatchAny", "GreaterThan", "LessThanOrEqual"]))
    values = draw(
        st.lists(
            st.integers(1001, 1004),
            min_size=1,
            max_size=2 if sub_kind == "MatchAny" else 1,
            unique=True,
        )
    )
    body = {"type": kind, "iid": {"type": sub_kind, "values": values}}
    get = _udf("multiSelectList", 10)
    sub_pred = _scalar_reference("Int", sub_kind, values, today)
    return (
        "udfs",
        {"multiSelect": [{"id": 10, "filter": body}]},
        lambda i: ref.collection(kind, get(i), {"iid": (sub_pred, body["iid"])}),
    )


@st.composite
def _filter(
    draw: Any, issues: list[dict[str, Any]], today: dt.date, depth: int = 0
) -> tuple[dict[str, Any], Callable[[dict[str, Any]], bool]]:
    entries = draw(
        st.lists(_criterion(issues, today), min_size=0, max_size=3, unique_by=lambda e: e[0])
    )
    body: dict[str, Any] = {k: v for k, v, _ in entries}
    preds = [p for _, _, p in entries]
    if depth == 0 and draw(st.booleans()):
        nested_body, nested_pred = draw(_filter(issues, today, depth=1))
        body["nestedFilters"] = [nested_body]
        preds.append(nested_pred)
    use_or = draw(st.booleans())
    negate = draw(st.booleans())
    if use_or:
        body["queryOperator"] = "Or"
    if negate:
        body["negateAll"] = True

    def pred(issue: dict[str, Any]) -> bool:
        if not preds:
            result = True
        elif use_or:
            result = any(p(issue) for p in preds)
        else:
            result = all(p(issue) for p in preds)
        return not result if negate else result

    return body, pred


@settings(
    max_examples=70,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data(), seed=st.integers(0, 2), days_back=st.integers(-10, 400))
def test_random_issue_filters_agree_with_the_brute_force_reference(
    data: Any, seed: int, days_back: int
) -> None:
    _, clock, c, issues = _site(seed)
    now = dt.datetime.fromisoformat(NOW) - dt.timedelta(days=days_back)
    clock.set(now)
    body, pred = data.draw(_filter(issues, now.date()))
    got = {i["iid"] for i in _all(c, "/Issues/Search", {"filter": body})}
    expected = {i["iid"] for i in issues if pred(i)}
    assert got == expected, body


# -- every match type of the document, one concrete case each ------------------------------------------------


def _cases() -> dict[
    str, Callable[[str], tuple[str, dict[str, Any], Callable[[dict[str, Any], dt.date], bool], str]]
]:
    """Per criteria family: (endpoint, filter body, reference predicate, record kind) for a match type."""

    def string(kind: str) -> Any:
        values = {"MatchAny": ["vpn drops every hour"], "IsBlank": [], "HasValue": []}.get(
            kind, ["e"]
        )
        return (
            "/Issues/Search",
            {"filter": {"subject": {"type": kind, "values": values}}},
            lambda i, t: ref.string(kind, values, i["subject"]),
            "issue",
        )

    def integer(kind: str) -> Any:
        values = {"MatchAny": [3, 5], "RangeInclusive": [10, 4], "IsBlank": [], "HasValue": []}.get(
            kind, [50]
        )
        return (
            "/Issues/Search",
            {"filter": {"issueNumber": {"type": kind, "values": values}}},
            lambda i, t: ref.number(kind, values, i["issueNumber"]),
            "issue",
        )

    def floating(kind: str) -> Any:
        values = {"MatchAny": [2.0], "RangeInclusive": [1.5, 3], "IsBlank": [], "HasValue": []}.get(
            kind, [2]
        )
        return (
            "/Causes/Search",
            {"displayOrder": {"type": kind, "values": values}},
            lambda r, t: ref.number(kind, values, r["displayOrder"]),
            "cause",
        )

    def datetime(kind: str) -> Any:
        values = {
            "MatchAny": ["2024-03-13T10:00:00"],
            "CustomRange": ["2023-12-01", "2024-01-15"],
        }.get(kind, ["2024-01-10"])
        if ref.window(kind, dt.date.today()) is not None or kind in ("IsEmpty", "HasValue"):
            values = []
        return (
            "/Issues/Search",
            {"filter": {"closedDate": {"type": kind, "values": values}}},
            lambda i, t: ref.date(kind, values, i["closedDate"], t),
            "issue",
        )

    def dateonly(kind: str) -> Any:
        values = {"MatchAny": ["2024-03-04"], "CustomRange": ["2024-01-01", "2024-02-20"]}.get(
            kind, ["2024-02-01"]
        )
        if ref.window(kind, dt.date.today()) is not None or kind in ("IsEmpty", "HasValue"):
            values = []

        def value(u: dict[str, Any]) -> Any:
            return next((d["value"] for d in u["udfs"]["dateFields"] if d["iid"] == 3), None)

        body = {"udfs": {"dateFields": [{"iid": 3, "criteria": {"type": kind, "values": values}}]}}
        return "/Users/Search", body, lambda u, t: ref.date(kind, values, value(u), t), "user"

    def boolean(kind: str) -> Any:
        return (
            "/Issues/Search",
            {"filter": {"isOpen": {"type": kind}}},
            lambda i, t: ref.boolean(kind, i["isOpen"]),
            "issue",
        )

    def guid(kind: str) -> Any:
        values: list[str] = [] if kind == "HasValue" else ["__hub__"]
        return (
            "/Users/Search",
            {"issueHubViewIid": {"type": kind, "values": values}},
            lambda u, t: ref.guid(kind, values, u["issueHubViewIid"]),
            "user",
        )

    def enum(kind: str) -> Any:
        values = ["API", "Copied"]
        return (
            "/Issues/Search",
            {"filter": {"submissionMethod": {"type": kind, "values": values}}},
            lambda i, t: ref.enum(values, i["submissionMethod"]),
            "issue",
        )

    def coll(kind: str) -> Any:
        sub = {"type": "MatchAny", "values": [1001, 1002]}
        body = {
            "filter": {"udfs": {"multiSelect": [{"id": 10, "filter": {"type": kind, "iid": sub}}]}}
        }

        def pred(i: dict[str, Any], t: dt.date) -> bool:
            return ref.collection(
                kind,
                _udf("multiSelectList", 10)(i),
                {"iid": (lambda v: ref.number("MatchAny", sub["values"], v), sub)},
            )

        return "/Issues/Search", body, pred, "issue"

    return {
        "String": string,
        "Int": integer,
        "Float": floating,
        "DateTime": datetime,
        "DateOnly": dateonly,
        "Boolean": boolean,
        "Guid": guid,
        "Enum": enum,
        "Collection": coll,
    }


def _every_match_type() -> list[tuple[str, str]]:
    schemas = document()["components"]["schemas"]
    return [
        (name.removesuffix("MatchType"), kind)
        for name in sorted(schemas)
        if name.endswith("MatchType")
        for kind in schemas[name]["enum"]
    ]


def test_the_cases_cover_every_match_type_enum_of_the_document() -> None:
    assert {family for family, _ in _every_match_type()} <= set(_cases())


@pytest.mark.parametrize(("family", "kind"), _every_match_type())
def test_every_match_type_agrees_with_the_reference(family: str, kind: str) -> None:
    _app, clock, c, issues = _site(0)
    clock.set(NOW)
    path, body, pred, record_kind = _cases()[family](kind)
    records = issues if record_kind == "issue" else _all(c, path, {})
    if family == "Guid":
        hub = next(u["issueHubViewIid"] for u in records if u["issueHubViewIid"])
        body = {
            "issueHubViewIid": {"type": kind, "values": [hub.upper()] if kind == "MatchAny" else []}
        }
        values = body["issueHubViewIid"]["values"]
        pred = lambda u, t: ref.guid(kind, values, u["issueHubViewIid"])  # noqa: E731
    got = {r["iid"] for r in _all(c, path, body)}
    expected = {r["iid"] for r in records if pred(r, dt.date(2024, 3, 13))}
    assert got == expected


# -- dates on the injectable clock ----------------------------------------------------------------------------


def test_relative_dates_use_sunday_to_saturday_weeks_on_the_sites_clock() -> None:
    clock = FrozenClock("2024-03-13T10:00:00")  # Wednesday
    app = new_app(clock=clock, issues=0)
    with client(app) as c:
        made = {}
        for day in (
            "2024-03-09",
            "2024-03-10",
            "2024-03-16",
            "2024-03-17",
            "2024-02-29",
            "2024-02-01",
            "2024-01-31",
        ):
            issue = c.post(
                "/Issues/Create",
                json={
                    "subject": day,
                    "description": "d",
                    "issueTypeIid": 1,
                    "submittedDate": f"{day}T12:00:00",
                },
            ).json()["values"]
            made[issue["iid"]] = day

        def search(kind: str) -> list[str]:
            found = c.post(
                "/Issues/Search", json={"filter": {"submittedDate": {"type": kind}}}
            ).json()["values"]
            return sorted(made[i["iid"]] for i in found)

        assert search("ThisWeek") == ["2024-03-10", "2024-03-16"]
        assert search("LastWeek") == ["2024-03-09"]
        assert search("NextWeek") == ["2024-03-17"]
        assert search("LastMonth") == ["2024-02-01", "2024-02-29"]
        clock.set("2024-03-17T00:00:01")  # Sunday: a new week starts
        assert search("ThisWeek") == ["2024-03-17"]
        assert search("Today") == ["2024-03-17"]
        assert search("Yesterday") == ["2024-03-16"]


# -- nested filters, sorting and paging ---------------------------------------------------------------------------


def test_nested_filters_combine_with_query_operator_and_negate_all() -> None:
    _, clock, c, issues = _site(0)
    clock.set(NOW)
    high = {"priority": {"iid": {"type": "MatchAny", "values": [3, 4]}}}
    closed = {"isOpen": {"type": "IsFalse"}}
    either = {"queryOperator": "Or", "nestedFilters": [high, closed]}
    got = {i["iid"] for i in _all(c, "/Issues/Search", {"filter": either})}
    assert got == {i["iid"] for i in issues if i["priority"]["iid"] in (3, 4) or not i["isOpen"]}
    neither = {**either, "negateAll": True}
    got = {i["iid"] for i in _all(c, "/Issues/Search", {"filter": neither})}
    assert got == {
        i["iid"] for i in issues if not (i["priority"]["iid"] in (3, 4) or not i["isOpen"])
    }


def _sort_value(issue: dict[str, Any], field: str) -> Any:
    key = field[0].lower() + field[1:]
    for candidate in (key, key + "User", key.replace("By", "ByUser"), key.replace("By", "")):
        if candidate in issue:
            value = issue[candidate]
            if isinstance(value, dict):
                return (
                    (0,)
                    if value.get("iid") is None
                    else (1, (value.get("name") or "").lower(), value["iid"])
                )
            if value is None:
                return (0,)
            return (1, value.lower() if isinstance(value, str) else value)
    raise AssertionError(f"no issue field for sort option {field}")


@pytest.mark.parametrize("direction", ["Asc", "Desc"])
def test_sorting_by_every_issue_sort_field_orders_the_results(direction: str) -> None:
    _, clock, c, _issues = _site(1)
    clock.set(NOW)
    for field in document()["components"]["schemas"]["IssueSortOptions"]["enum"]:
        body = {"sortField": field, "sortDirection": direction, "pageSize": 100}
        values = c.post("/Issues/Search", json=body).json()["values"]
        keys = [_sort_value(i, field) for i in values]
        assert keys == sorted(keys, reverse=direction == "Desc"), field
        assert len(values) == 100


def test_list_endpoints_sort_by_query_parameters() -> None:
    _, _, c, _ = _site(0)
    names = [
        p["name"]
        for p in c.get("/Priorities", params={"sortField": "Name", "sortDirection": "Desc"}).json()[
            "values"
        ]
    ]
    assert names == sorted(names, key=str.lower, reverse=True) and len(names) == 4


def test_paging_envelope_counts_pages_and_items() -> None:
    _, _, c, issues = _site(0)
    first = c.post("/Issues/Search", json={"pageSize": 50}).json()
    assert first["pagingInformation"] == {"page": 1, "itemTotal": len(issues), "pageCount": 3}
    last = c.post("/Issues/Search", json={"pageSize": 50, "pageNumber": 3}).json()
    assert len(last["values"]) == len(issues) - 100
    beyond = c.post("/Issues/Search", json={"pageSize": 50, "pageNumber": 9}).json()
    assert beyond["values"] == [] and beyond["pagingInformation"]["page"] == 9
    default = c.post("/Issues/Search", json={}).json()
    assert len(default["values"]) == 25  # the site's listSize
    ids = [
        i["iid"]
        for p in (1, 2, 3)
        for i in c.post("/Issues/Search", json={"pageSize": 50, "pageNumber": p}).json()["values"]
    ]
    assert sorted(ids) == sorted(i["iid"] for i in issues) and len(set(ids)) == len(ids)


def test_user_udf_and_entity_name_criteria() -> None:
    _, _, c, _ = _site(0)
    users = _all(c, "/Users/Search", {})
    found = _all(
        c,
        "/Users/Search",
        {
            "udfs": {
                "textFields": [
                    {"iid": 2, "criteria": {"type": "MatchAny", "values": ["badge-1002"]}}
                ]
            }
        },
    )
    assert [u["iid"] for u in found] == [
        u["iid"] for u in users if u["udfs"]["textFields"][0]["value"] == "BADGE-1002"
    ]
    agents = _all(
        c,
        "/Issues/Search",
        {
            "filter": {
                "assignedToUser": {"displayName": {"type": "StartsWith", "values": ["grace"]}}
            }
        },
    )
    assert agents and all(i["assignedToUser"]["name"].lower().startswith("grace") for i in agents)


def test_string_matching_folds_case_the_unicode_way() -> None:
    app = new_app(issues=0)
    with client(app) as c:
        iid = c.post("/Causes", json={"name": "Straße works"}).json()["values"]["iid"]
        found = c.post(
            "/Causes/Search", json={"name": {"type": "Contains", "values": ["STRASSE"]}}
        ).json()
        assert [x["iid"] for x in found["values"]] == [iid]
