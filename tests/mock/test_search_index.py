"""Searches answered from indexes: the same answers as testing every record, at any version.

The index groups a store's records by the values a filter reads, so a criteria is tested once per
distinct value; it is rebuilt whenever the store changes, so no answer is ever stale.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from issuetrak_mock.criteria import EVERYTHING, AllOf, AnyOf, Column, Leaf, Node, Not, Scan
from issuetrak_mock.search import StoreIndex

from .conftest import client, new_app

# -- the index on its own, over synthetic records ------------------------------------------------

VALUES = st.one_of(st.none(), st.booleans(), st.integers(-2, 3), st.sampled_from(["a", "b", ""]))
RECORD = st.fixed_dictionaries(
    {
        "flag": VALUES,
        "size": VALUES,
        "owner": st.one_of(st.none(), st.fixed_dictionaries({"iid": VALUES})),
        "tags": st.one_of(st.none(), st.lists(VALUES, max_size=3)),  # unhashable values
    }
)
COLUMNS = [Column("flag"), Column("size"), Column("owner", "iid"), Column("tags")]
TESTS: list[Callable[[Any], bool]] = [
    lambda v: v is True,
    lambda v: v == 1,  # True == 1: the index must not mix them up
    lambda v: v is None,
    lambda v: isinstance(v, int) and not isinstance(v, bool) and v > 0,
    lambda v: isinstance(v, list) and len(v) > 1,
    bool,
]


def _leaf() -> st.SearchStrategy[Node]:
    return st.builds(Leaf, st.sampled_from(COLUMNS), st.sampled_from(TESTS))


def _scan() -> st.SearchStrategy[Node]:
    return st.sampled_from(TESTS).map(lambda t: Scan(lambda r: t(r.get("size"))))


NODES = st.recursive(
    st.one_of(_leaf(), _scan(), st.just(EVERYTHING)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(AllOf),
        st.lists(inner, max_size=4).map(AnyOf),
        inner.map(Not),
    ),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(
    records=st.lists(RECORD, max_size=40),
    node=NODES,
    candidates=st.one_of(st.none(), st.sets(st.integers(0, 45))),
)
def test_the_index_answers_every_filter_as_testing_each_record_does(
    records: list[dict[str, Any]], node: Node, candidates: set[int] | None
) -> None:
    by_key = {f"k{n}": record for n, record in enumerate(records)}  # keys need not be ints
    index = StoreIndex(by_key, {})
    pool = set(by_key) if candidates is None else {f"k{n}" for n in candidates} & set(by_key)
    expected = [k for k in by_key if k in pool and node(by_key[k])]
    found = index.select(node, None if candidates is None else index.bits(pool))
    assert index.keys_of(found) == expected
    assert found.bit_count() == len(expected)


@settings(max_examples=100, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 5), min_size=0, max_size=60),
    wanted=st.sets(st.integers(0, 59)),
    descending=st.booleans(),
    start=st.integers(0, 70),
    size=st.integers(1, 25),
)
def test_a_page_is_the_slice_of_the_sorted_matches(
    sizes: list[int], wanted: set[int], descending: bool, start: int, size: int
) -> None:
    records = {k: {"size": v} for k, v in enumerate(sizes)}
    index = StoreIndex(records, {})
    matched = index.bits(wanted)
    expected = [
        k
        for k in sorted(records, key=lambda k: records[k]["size"], reverse=descending)
        if k in wanted
    ]
    for _ in range(2):  # the first time from the matches alone, then along the whole order
        page = index.page(matched, "size", descending, lambda r: r["size"], start, size)
        assert page == expected[start : start + size]
    unsorted = index.page(matched, None, descending, None, start, size)
    assert unsorted == sorted(wanted & set(records))[start : start + size]


def test_a_criteria_is_tested_once_per_distinct_value_not_once_per_record() -> None:
    records = {k: {"isOpen": k % 3 != 0, "priority": {"iid": k % 5}} for k in range(3000)}
    index = StoreIndex(records, {})
    seen: list[Any] = []

    def counting(test: Callable[[Any], bool]) -> Callable[[Any], bool]:
        def wrapped(value: Any) -> bool:
            seen.append(value)
            return test(value)

        return wrapped

    node = AllOf(
        [
            Leaf(Column("isOpen"), counting(lambda v: v is True)),
            Leaf(Column("priority", "iid"), counting(lambda v: v in (3, 4))),
        ]
    )
    found = index.keys_of(index.select(node))
    assert found == [k for k in records if k % 3 != 0 and k % 5 in (3, 4)]
    assert len(seen) == 2 + 5  # two values of isOpen, five of priority.iid


# -- the index behind the API: never stale ------------------------------------------------------


@pytest.fixture
def site_client() -> Any:
    app = new_app(issues=60)
    with client(app) as c:
        yield app.state.site, c


def _search(c: Any, body: dict[str, Any], path: str = "/Issues/Search") -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    page = 1
    while True:
        got = c.post(path, json={**body, "pageSize": 100, "pageNumber": page}).json()
        out.extend(got["values"])
        if page >= got["pagingInformation"]["pageCount"]:
            return out
        page += 1


OPEN_HIGH = {
    "filter": {
        "isOpen": {"type": "IsTrue"},
        "priority": {"iid": {"type": "MatchAny", "values": [3, 4]}},
    }
}


def _open_high(site: Any) -> set[int]:
    return {
        iid
        for iid, r in site.store("issues:issue").records.items()
        if r["isOpen"] is True and (r.get("priority") or {}).get("iid") in (3, 4)
    }


def test_searches_see_every_kind_of_write_at_once(site_client: Any) -> None:
    site, c = site_client
    before = {i["iid"] for i in _search(c, OPEN_HIGH)}
    assert before == _open_high(site) and before

    created = c.post(
        "/Issues/Create",
        json={"subject": "new", "description": "d", "issueTypeIid": 1, "priorityIid": 4},
    ).json()["values"]["iid"]
    assert created in {i["iid"] for i in _search(c, OPEN_HIGH)}

    low = next(iid for iid in before if iid != created)
    patched = c.patch(f"/Issues/{low}", json=[{"op": "Replace", "path": "/Priority", "value": 1}])
    assert patched.status_code == 200, patched.text
    assert low not in {i["iid"] for i in _search(c, OPEN_HIGH)}

    parent, duplicate = sorted(_open_high(site))[:2]
    closed = c.post(
        "/Issues/Close/Duplicate",
        json={"parentIssueNumber": parent, "duplicateIssueNumbers": [duplicate]},
    )
    assert closed.status_code == 200, closed.text
    after = {i["iid"] for i in _search(c, OPEN_HIGH)}
    assert duplicate not in after and after == _open_high(site)


def test_sorting_follows_writes(site_client: Any) -> None:
    _, c = site_client
    body = {"sortField": "Subject", "sortDirection": "Asc", "filter": {}}
    first = _search(c, body)[0]
    c.put(f"/Causes/{1}", json={"name": "aaa first"})  # another store: the issues order is kept
    created = c.post(
        "/Issues/Create", json={"subject": "!!! first", "description": "d", "issueTypeIid": 1}
    ).json()["values"]
    assert _search(c, body)[0]["iid"] == created["iid"]
    assert _search(c, {**body, "sortDirection": "Desc"})[-1]["iid"] == created["iid"]
    assert first["iid"] != created["iid"]


def test_other_stores_search_their_own_changes(site_client: Any) -> None:
    _, c = site_client
    by_name = {"name": {"type": "MatchAny", "values": ["renamed cause"]}}
    assert _search(c, by_name, "/Causes/Search") == []
    assert c.put("/Causes/2", json={"name": "renamed cause"}).is_success
    assert [r["iid"] for r in _search(c, by_name, "/Causes/Search")] == [2]


def test_records_changed_in_place_are_found_after_touch(site_client: Any) -> None:
    site, c = site_client
    is_open = {"filter": {"isOpen": {"type": "IsFalse"}}}
    closed = {i["iid"] for i in _search(c, is_open)}
    target = next(iid for iid, r in site.store("issues:issue").records.items() if r["isOpen"])
    site.store("issues:issue").records[target]["isOpen"] = False
    site.touch()
    assert {i["iid"] for i in _search(c, is_open)} == closed | {target}


def test_a_warm_search_reads_no_record_field(
    site_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the store is not walked per request: once its columns and order are built, a search
    # with other values on the same fields reads no record (only the page it returns)
    _, c = site_client
    body = {"sortField": "SubmittedDate", "sortDirection": "Desc", **OPEN_HIGH}
    _search(c, body)
    reads: list[Any] = []
    original = Column.__call__

    def counting(self: Column, record: Any) -> Any:
        reads.append(self)
        return original(self, record)

    monkeypatch.setattr(Column, "__call__", counting)
    other = {
        **body,
        "filter": {
            "isOpen": {"type": "IsFalse"},
            "priority": {"iid": {"type": "MatchAny", "values": [1]}},
        },
    }
    c.post("/Issues/Search", json={**other, "pageSize": 25})
    assert reads == []
