"""Requests that store nothing leave the mock's memory where it was: no cache keyed by what a
client sends, no per-request growth of internal structures."""

from __future__ import annotations

import gc
import itertools
import tracemalloc
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from .conftest import client, new_app

_counter = itertools.count()


def _requests(c: httpx.Client) -> list[Callable[[], httpx.Response]]:
    """Reads, searches and refused writes, each time with names the mock has not seen."""
    n = next(_counter)
    return [
        lambda: c.get(f"/Issues/{n % 40 + 1}"),
        lambda: c.get("/Causes", params={"PageSize": 5, "SortField": "Name"}),
        lambda: c.post(
            "/Issues/Search",
            json={
                "pageSize": 5,
                "sortField": "SubmittedDate",
                "filter": {"priority": {"iid": {"type": "MatchAny", "values": [n % 5]}}},
                f"unknown{n}": n,
            },
        ),
        # refused: unknown fields and a reference to a missing record, a bad type, no body
        lambda: c.post("/Causes", json={f"field{n}": 1, f"thing{n}Iid": 5}),
        lambda: c.post("/Issues/Create", json={"subject": 5, f"x{n}Iid": n}),
        lambda: c.post("/Causes", content=b"", headers={"Content-Type": "application/json"}),
        lambda: c.get(f"/Issues/{10_000 + n % 40}"),
        lambda: c.put("/Causes/1", json={"name": "same", f"extra{n}": [n]}),
    ]


def _run(c: httpx.Client, rounds: int) -> None:
    for _ in range(rounds):
        for send in _requests(c):
            assert send().status_code < 500


def _cache_sizes(app: Any) -> dict[str, int]:
    site = app.state.site
    sizes = {
        "plans": len(site._plans),
        "stems": len(site._stem_cache),
        "validators": len(site.index._validators),
        "indexes": len(site._indexes),
        "templates": len(site._templates),
    }
    for key, (_, index) in site._indexes.items():
        sizes[f"{key} columns"] = len(index._columns)
        sizes[f"{key} orders"] = len(index._orders)
    return sizes


def test_internal_structures_do_not_grow_with_the_number_of_requests() -> None:
    app = new_app(issues=40)
    with client(app) as c:
        _run(c, 20)
        before = _cache_sizes(app)
        _run(c, 60)
        assert _cache_sizes(app) == before


@pytest.mark.slow
def test_requests_that_store_nothing_leave_allocated_memory_where_it_was() -> None:
    app = new_app(issues=40)
    grown: list[int] = []
    with client(app) as c:
        # traced from the start, so that what bounded caches drop is counted as well as what
        # they add; warm first: indexes, validators, plans for the schema's own fields, and
        # the caches of the libraries underneath (urllib's last URLs, re's patterns...)
        tracemalloc.start()
        try:
            _run(c, 30)
            for _ in range(2):  # two windows of 240 requests
                gc.collect()
                start = tracemalloc.get_traced_memory()[0]
                _run(c, 30)
                gc.collect()
                grown.append(tracemalloc.get_traced_memory()[0] - start)
        finally:
            tracemalloc.stop()
    # caches settle; a structure growing per request grows as much in the second window:
    # by 50 bytes a request (a request body, a log line, an index entry kept) it would fail
    assert grown[1] < 12_000, grown
