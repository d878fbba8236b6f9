from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from issuetrak import NotFoundError
from issuetrak._facade_errors import UnexpectedResponseError, UsageError
from issuetrak.filters import is_true, where

from .conftest import AsyncFacadeClient, FacadeClient, Recorder, record


def _users(doc: dict[str, Any], n: int) -> list[dict[str, Any]]:
    return [record(doc, "User", iid=i + 1) for i in range(n)]


def _paged(items: list[dict[str, Any]], *, with_info: bool = True) -> Any:
    def reply(request: httpx.Request) -> dict[str, Any]:
        if request.method == "GET":
            number = int(request.url.params["PageNumber"])
            size = int(request.url.params["PageSize"])
        else:
            body = json.loads(request.content)
            number, size = body["pageNumber"], body["pageSize"]
        chunk = items[(number - 1) * size : number * size]
        out: dict[str, Any] = {"traceId": "t", "values": chunk}
        if with_info:
            pages = max(1, -(-len(items) // size))
            out["pagingInformation"] = {"page": number, "itemTotal": len(items), "pageCount": pages}
        return out

    return reply


def test_list_iterates_every_item_across_pages_lazily(
    client: FacadeClient, recorder: Recorder, doc: dict[str, Any]
) -> None:
    recorder.on("GET", "/Users", _paged(_users(doc, 5)))
    pager = client.users.list(page_size=2)
    assert recorder.requests == []  # nothing until iterated
    assert [u.iid for u in pager] == [1, 2, 3, 4, 5]
    assert [r.url.params["PageNumber"] for r in recorder.requests] == ["1", "2", "3"]


def test_list_asks_for_100_per_page_by_default(
    client: FacadeClient, recorder: Recorder, doc: dict[str, Any]
) -> None:
    recorder.on("GET", "/Users", _paged(_users(doc, 3)))
    assert len(list(client.users.list())) == 3
    assert recorder.requests[0].url.params["PageSize"] == "100"
    assert len(recorder.requests) == 1


def test_total_comes_from_item_total_and_the_first_page_is_reused(
    client: FacadeClient, recorder: Recorder, doc: dict[str, Any]
) -> None:
    recorder.on("GET", "/Users", _paged(_users(doc, 3)))
    pager = client.users.list(page_size=2)
    assert pager.total == 3
    assert len(list(pager)) == 3
    assert len(recorder.requests) == 2


def test_pages_yields_each_page_with_its_number(
    client: FacadeClient, recorder: Recorder, doc: dict[str, Any]
) -> None:
    recorder.on("GET", "/Users", _paged(_users(doc, 5)))
    pages = list(client.users.list(page_size=2).pages())
    assert [(p.number, len(p.items), p.page_count) for p in pages] == [
        (1, 2, 3),
        (2, 2, 3),
        (3, 1, 3),
    ]


def test_without_paging_information_iteration_stops_at_a_short_or_empty_page(
    client: FacadeClient, recorder: Recorder, doc: dict[str, Any]
) -> None:
    # this envelope has no pagingInformation in the document, yet the operation takes paging
    memberships = [record(doc, "GroupMembership", groupIid=i) for i in range(4)]
    recorder.on("GET", "/Users/3/Memberships/Groups", _paged(memberships, with_info=False))
    found = list(client.users_group_membership.get_user_group_memberships(3, page_size=2))
    assert [m.group_iid for m in found] == [0, 1, 2, 3]
    assert len(recorder.requests) == 3  # 2 + 2 + an empty page


def test_search_pages_through_the_body_and_keeps_the_criteria(
    client: FacadeClient, recorder: Recorder, doc: dict[str, Any]
) -> None:
    recorder.on("POST", "/Users/Search", _paged(_users(doc, 3)))
    found = list(
        client.users.search(
            where(is_active=is_true()), page_size=2, sort_field="LastName", sort_direction="Desc"
        )
    )
    assert len(found) == 3
    bodies = recorder.bodies()
    assert [b["pageNumber"] for b in bodies] == [1, 2]
    assert all(b["isActive"] == {"type": "IsTrue"} for b in bodies)
    assert all((b["sortField"], b["sortDirection"]) == ("LastName", "Desc") for b in bodies)


def test_sort_field_is_checked_against_the_documents_enum(client: FacadeClient) -> None:
    with pytest.raises(UsageError, match=r"not one of .*LastName"):
        client.users.list(sort_field="Shoe size")


def test_sort_field_accepts_the_generated_enum(
    client: FacadeClient, recorder: Recorder, doc: dict[str, Any]
) -> None:
    from issuetrak_client.models import SortDirection, UserSortOptions

    recorder.on("GET", "/Users", _paged(_users(doc, 1)))
    list(
        client.users.list(sort_field=UserSortOptions("Email"), sort_direction=SortDirection("Asc"))
    )
    params = recorder.requests[0].url.params
    assert (params["SortField"], params["SortDirection"]) == ("Email", "Asc")


@pytest.mark.parametrize("size", [0, 101])
def test_page_size_outside_the_documented_range_is_refused(client: FacadeClient, size: int) -> None:
    with pytest.raises(ValueError, match="page_size"):
        client.users.list(page_size=size)


def test_async_for_iterates_across_pages(
    async_client: AsyncFacadeClient, recorder: Recorder, doc: dict[str, Any]
) -> None:
    recorder.on("POST", "/Users/Search", _paged(_users(doc, 5)))

    async def run() -> tuple[list[int], int | None]:
        pager = async_client.users.search(where(is_active=is_true()), page_size=2)
        total = await pager.total
        return [u.iid async for u in pager], total

    iids, total = asyncio.run(run())
    assert (iids, total) == ([1, 2, 3, 4, 5], 5)
    assert len(recorder.requests) == 3


def test_http_errors_surface_as_the_policy_layers_typed_errors(
    client: FacadeClient, recorder: Recorder
) -> None:
    recorder.on(
        "GET",
        "/Users/9",
        {"traceId": "T-1", "information": [{"type": "Error", "message": "User not found"}]},
        status=404,
    )
    with pytest.raises(NotFoundError, match="User not found") as caught:
        client.users.get(9)
    assert caught.value.trace_id == "T-1"


def test_a_2xx_without_the_documented_body_is_an_error_not_none(
    client: FacadeClient, recorder: Recorder
) -> None:
    recorder.on("GET", "/Users/9", {"unexpected": True})
    with pytest.raises(UnexpectedResponseError, match=r"users.get_user"):
        client.users.get(9)


def test_a_2xx_with_an_empty_body_is_an_error_not_none(
    client: FacadeClient, recorder: Recorder
) -> None:
    recorder.routes[("GET", "/Users/9")] = lambda r: httpx.Response(200, content=b"")
    with pytest.raises(UnexpectedResponseError):
        client.users.get(9)


def test_search_accepts_a_plain_dict_in_the_documents_names(
    client: FacadeClient, recorder: Recorder, doc: dict[str, Any]
) -> None:
    recorder.on("POST", "/Users/Search", _paged(_users(doc, 1)))
    list(client.users.search({"lastName": {"type": "StartsWith", "values": ["Lo"]}}))
    assert recorder.bodies()[0]["lastName"] == {"type": "StartsWith", "values": ["Lo"]}


def test_search_under_a_parent_takes_the_parent_iid_first(
    client: FacadeClient, recorder: Recorder, doc: dict[str, Any]
) -> None:
    tasks = [record(doc, "IssueTask", iid=i) for i in (1, 2)]
    recorder.on("POST", "/Issues/5/Tasks/Search", _paged(tasks))
    found = list(client.issue_tasks.search(5, where(is_available=is_true())))
    assert [t.iid for t in found] == [1, 2]
    assert recorder.bodies()[0]["filter"] == {"isAvailable": {"type": "IsTrue"}}
