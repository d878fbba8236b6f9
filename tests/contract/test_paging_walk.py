"""The paging walk: no false alarm on a faithful pager, whatever the list's size and page size;
each broken invariant reported under its own check; at most four requests per walk."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from issuetrak_tools._contract.paging import FetchedPage, expected_values, walk

Pager = Callable[[int, int], FetchedPage]


def faithful(total: int) -> tuple[Pager, list[tuple[int, int]]]:
    """A site holding ``total`` records, paging them as Issuetrak does; and the requests it got."""
    items = [{"iid": n + 1, "name": f"record {n + 1}"} for n in range(total)]
    asked: list[tuple[int, int]] = []

    def fetch(page: int, size: int) -> FetchedPage:
        asked.append((page, size))
        values = items[(page - 1) * size : page * size]
        paging = {
            "page": page,
            "itemTotal": total,
            "pageCount": math.ceil(total / size) if total else 0,
        }
        return FetchedPage(200, {"traceId": "t", "values": values, "pagingInformation": paging})

    return fetch, asked


def broken(total: int, edit: Callable[[int, int, dict[str, Any]], None]) -> Pager:
    inner, _ = faithful(total)

    def fetch(page: int, size: int) -> FetchedPage:
        answer = inner(page, size)
        edit(page, size, answer.body)
        return answer

    return fetch


@settings(max_examples=300, deadline=None)
@given(total=st.integers(0, 300), size=st.integers(1, 100))
def test_a_faithful_pager_is_never_reported(total: int, size: int) -> None:
    fetch, asked = faithful(total)
    result = walk(fetch, "GET /Things", page_size=size)
    assert result.records == []
    assert result.complete
    assert len(asked) <= 4
    assert "paging_page_count" in result.checks
    if total:
        assert "paging_item_total_matches" in result.checks


@settings(max_examples=200, deadline=None)
@given(total=st.integers(1, 300), size=st.integers(1, 100), extra=st.sampled_from([-1, 1, 7]))
def test_an_item_total_that_differs_from_the_records_is_reported(
    total: int, size: int, extra: int
) -> None:
    claimed = max(0, total + extra)

    def lie(page: int, size: int, body: dict[str, Any]) -> None:
        body["pagingInformation"]["itemTotal"] = claimed
        body["pagingInformation"]["pageCount"] = math.ceil(claimed / size) if claimed else 0

    result = walk(broken(total, lie), "GET /Things", page_size=size)
    assert "paging_item_total_matches" in {r.check for r in result.records}


@settings(max_examples=100, deadline=None)
@given(total=st.integers(2, 300), size=st.integers(1, 100))
def test_a_page_size_that_is_not_honoured_is_reported(total: int, size: int) -> None:
    inner, _ = faithful(total)

    def fetch(page: int, asked: int) -> FetchedPage:
        return inner(page, asked + 1)  # one more than asked for, pages renumbered accordingly

    checks = {r.check for r in walk(fetch, "GET /Things", page_size=size).records}
    if total > size:
        assert "paging_page_size" in checks


@settings(max_examples=100, deadline=None)
@given(total=st.integers(3, 300), size=st.integers(1, 100))
def test_a_repeated_item_across_neighbouring_pages_is_reported(total: int, size: int) -> None:
    if total <= size:
        return

    def repeat(page: int, size: int, body: dict[str, Any]) -> None:
        if page == 2 and body["values"]:
            body["values"][0] = {"iid": size, "name": f"record {size}"}  # page 1's last item

    checks = {r.check for r in walk(broken(total, repeat), "GET /Things", page_size=size).records}
    assert "paging_no_repeats" in checks


def test_values_past_page_count_and_a_wrong_page_number_are_reported() -> None:
    def past(page: int, size: int, body: dict[str, Any]) -> None:
        body["pagingInformation"]["pageCount"] -= 1

    def renumbered(page: int, size: int, body: dict[str, Any]) -> None:
        body["pagingInformation"]["page"] = 1

    assert "paging_page_count" in {r.check for r in walk(broken(5, past), "G", page_size=2).records}
    assert "paging_page_count" in {
        r.check for r in walk(broken(5, renumbered), "G", page_size=2).records
    }


def test_a_list_that_changes_while_walked_is_walked_again_before_anything_is_reported() -> None:
    inner, _asked = faithful(5)
    grown = {"calls": 0}

    def fetch(page: int, size: int) -> FetchedPage:
        grown["calls"] += 1
        answer = inner(page, size)
        if grown["calls"] == 2:  # somebody created a record between page 1 and page 2
            answer.body["pagingInformation"]["itemTotal"] = 6
        return answer

    result = walk(fetch, "GET /Things", page_size=2)
    assert result.records == []
    assert result.restarted == 1


def test_a_list_that_keeps_changing_is_reported_as_unstable() -> None:
    calls = {"n": 0}
    inner, _ = faithful(5)

    def fetch(page: int, size: int) -> FetchedPage:
        calls["n"] += 1
        answer = inner(page, size)
        answer.body["pagingInformation"]["itemTotal"] = 5 + calls["n"]
        return answer

    checks = {r.check for r in walk(fetch, "GET /Things", page_size=2).records}
    assert "paging_item_total_stable" in checks


def test_expected_values_per_page() -> None:
    assert [expected_values(p, 2, 5) for p in (1, 2, 3, 4)] == [2, 2, 1, 0]
    assert expected_values(1, 10, 0) == 0


def test_a_walk_cut_short_keeps_what_it_found() -> None:
    from issuetrak_tools._contract.paging import WalkResult

    inner, _ = faithful(9)

    def fetch(page: int, size: int) -> FetchedPage:
        if page > 1:
            raise RuntimeError("budget spent")
        return inner(page, size)

    result = WalkResult()
    with contextlib.suppress(RuntimeError):
        walk(fetch, "GET /Things", page_size=2, result=result)
    assert not result.complete
    assert result.requests == 1
