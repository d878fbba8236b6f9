"""The ``issuetrak_mock`` pytest fixture hands out ready SDK clients."""

from __future__ import annotations

import asyncio

import pytest
from issuetrak import AsyncIssuetrak, Issuetrak, PermissionDeniedError, RateLimitError
from issuetrak._config import resolve_base_url


def test_the_fixtures_base_url_is_accepted_by_the_sdk_without_any_flag(issuetrak_mock) -> None:
    assert str(resolve_base_url(issuetrak_mock.base_url)) == issuetrak_mock.base_url


def test_sdk_gives_a_client_that_reads_and_writes_the_simulated_site(issuetrak_mock) -> None:
    client = issuetrak_mock.sdk()
    assert isinstance(client, Issuetrak) and client.rate_limiter is None
    first = next(iter(client.users.list(page_size=5)))
    assert client.users.get(first.iid).iid == first.iid
    client.users.update(first.iid, city="Norfolk")
    assert client.users.get(first.iid).city == "Norfolk"
    assert issuetrak_mock.client().get(f"/Users/{first.iid}").json()["values"]["city"] == "Norfolk"


def test_sdk_acts_as_the_role_asked_for(issuetrak_mock) -> None:
    end_user = issuetrak_mock.sdk(role="end_user")
    with pytest.raises(PermissionDeniedError):
        end_user.priorities.create(name="Urgent")


def test_a_closed_sdk_client_leaves_the_fixture_usable(issuetrak_mock) -> None:
    with issuetrak_mock.sdk() as client:
        client.users.get(1)
    assert issuetrak_mock.sdk().users.get(1).iid == 1
    assert issuetrak_mock.client().get("/Users/1").status_code == 200


def test_async_sdk(issuetrak_mock) -> None:
    async def run() -> int:
        async with issuetrak_mock.async_sdk(role="agent") as client:
            assert isinstance(client, AsyncIssuetrak)
            return (await client.users.get(1)).iid

    assert asyncio.run(run()) == 1


@pytest.mark.issuetrak_mock(rate_limits="default")
def test_the_sites_limits_still_apply_when_the_marker_asks_for_them(issuetrak_mock) -> None:
    client = issuetrak_mock.sdk()
    with pytest.raises(RateLimitError):
        for _ in range(25):
            client.users.get(1)
