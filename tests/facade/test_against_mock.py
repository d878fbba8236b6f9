from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from issuetrak import NotFoundError
from issuetrak.filters import contains, is_true, match_any, where

from .conftest import AsyncFacadeClient, FacadeClient

mock = pytest.importorskip("issuetrak_mock")
from issuetrak_mock.transport import SyncASGITransport  # noqa: E402

BASE = "http://127.0.0.1/api/v2"


@pytest.fixture
def app() -> Any:
    return mock.create_app(seed=3, rate_limits=None, issues=30, users=12)


@pytest.fixture
def site(app: Any) -> Iterator[FacadeClient]:
    client = FacadeClient(
        BASE,
        token=app.state.tokens["admin"],
        transport=SyncASGITransport(app),
        rate_limits=None,
        max_retries=0,
    )
    yield client
    client.close()


def test_list_pages_through_every_seeded_user(site: FacadeClient) -> None:
    pager = site.users.list(page_size=5)
    users = list(pager)
    assert len(users) == pager.total
    assert len({u.iid for u in users}) == len(users)


def test_merge_update_changes_one_field_and_keeps_the_rest(site: FacadeClient) -> None:
    before = next(iter(site.users.list()))
    site.users.update(before.iid, email="merged@site.example")
    after = site.users.get(before.iid)
    assert after.email == "merged@site.example"
    assert (after.first_name, after.last_name, after.display_name) == (
        before.first_name,
        before.last_name,
        before.display_name,
    )


def test_search_finds_the_updated_user(site: FacadeClient) -> None:
    target = next(iter(site.users.list()))
    site.users.update(target.iid, email="findme@site.example")
    found = list(site.users.search(where(email=match_any("findme@site.example"))))
    assert [u.iid for u in found] == [target.iid]


def test_issue_patch_is_applied_by_the_site(site: FacadeClient) -> None:
    issue = next(
        iter(
            site.issues.search(where(is_open=is_true()) | where(subject=contains("a")), page_size=5)
        )
    )
    site.issues.patch(issue.iid).replace("subject", "Patched through the facade").add_note(
        "noted"
    ).send()
    assert site.issues.get(issue.iid).subject == "Patched through the facade"


def test_missing_records_raise_not_found(site: FacadeClient) -> None:
    with pytest.raises(NotFoundError):
        site.users.get(987654)


def test_async_client_iterates_and_updates(app: Any) -> None:
    async def run() -> tuple[int, int | None, str]:
        client = AsyncFacadeClient(
            BASE,
            token=app.state.tokens["admin"],
            transport=httpx.ASGITransport(app=app),
            rate_limits=None,
            max_retries=0,
        )
        try:
            pager = client.priorities.list(page_size=2)
            items = [p async for p in pager]
            renamed = await client.priorities.update(items[0].iid, name="Renamed")
            return len(items), await pager.total, renamed.name
        finally:
            await client.aclose()

    count, total, name = asyncio.run(run())
    assert count == total
    assert name == "Renamed"


def test_a_department_update_reads_it_by_search_and_keeps_the_other_fields(
    site: FacadeClient,
) -> None:
    department = site.departments.list().to_list()[0]
    site.departments.update(department.iid, is_active=not department.is_active)
    renamed = site.departments.update(department.iid, name="Operations")
    assert renamed.name == "Operations"
    assert renamed.is_active is (not department.is_active)
    assert renamed.is_internal == department.is_internal


def test_create_an_issue_then_attach_files_in_one_upload(site: FacadeClient) -> None:
    created = site.issues.create(subject="Printer jam", description="Tray 2", issue_type_iid=1)
    attachments = site.issues.upload_attachments(
        created.iid, [("a.txt", b"first"), ("b.log", b"second")], private=True
    )
    assert sorted(a.original_file_name for a in attachments) == ["a.txt", "b.log"]
    assert all(a.is_private for a in attachments)
    assert site.issues.get(created.iid).subject == "Printer jam"


def test_search_with_keyword_criteria_against_the_site(site: FacadeClient) -> None:
    target = site.users.list().to_list()[2]
    found = list(site.users.search(last_name=contains(target.last_name), page_size=3))
    assert target.iid in {u.iid for u in found}
    assert all(target.last_name in u.last_name for u in found)


def test_a_plain_keyword_value_searches_for_that_value(site: FacadeClient) -> None:
    target = next(iter(site.users.list()))
    found = site.users.search(first_name=target.first_name).to_list()
    assert found and {u.first_name for u in found} == {target.first_name}
    assert target.iid in {u.iid for u in found}


def test_a_plain_value_a_criteria_kind_cannot_take_names_the_criteria_to_use(
    site: FacadeClient,
) -> None:
    from issuetrak.errors import UsageError

    with pytest.raises(UsageError, match=r"is_active: a plain value 'yes' .*IsTrue"):
        site.users.search(is_active="yes").to_list()


def test_sort_field_takes_snake_case_like_every_other_keyword(site: FacadeClient) -> None:
    snake = [u.iid for u in site.users.list(sort_field="last_name", sort_direction="Desc")]
    wire = [u.iid for u in site.users.list(sort_field="LastName", sort_direction="Desc")]
    assert snake == wire and len(snake) > 1
    searched = site.users.search(is_active=True, sort_field="last_name").to_list()
    assert [u.last_name for u in searched] == sorted(u.last_name for u in searched)


def test_renaming_a_user_renames_their_display_name_unless_one_is_given(
    site: FacadeClient,
) -> None:
    users = site.users.list().to_list()
    renamed = site.users.update(users[1].iid, first_name="Augusta")
    assert renamed.display_name == f"Augusta {users[1].last_name}"
    assert site.users.get(users[1].iid).display_name == f"Augusta {users[1].last_name}"
    chosen = site.users.update(users[2].iid, first_name="Kate", display_name="K. S.")
    assert chosen.display_name == "K. S."


def test_every_seeded_user_has_a_name_of_their_own() -> None:
    app = mock.create_app(seed=0, rate_limits=None, users=60)
    with FacadeClient(
        BASE, token=app.state.tokens["admin"], transport=SyncASGITransport(app), rate_limits=None
    ) as client:
        names = [u.display_name for u in client.users.list()]
    assert len(names) > 60 and len(set(names)) == len(names)
