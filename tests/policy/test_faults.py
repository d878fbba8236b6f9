"""Every failure shape ends typed, and retried when safe: the SDK behind a fault-injecting proxy.

The mock runs under uvicorn on a loopback socket; :mod:`faultproxy` sits in front of it and plays
429 storms, 5xx, resets before and after forwarding, answers held past the read timeout, bodies
cut short and undecodable JSON. A bulk job of reads, creates, merge updates and PATCHes runs
through it, sync and async, and three things are counted:

* lost reads: a read that did not return its record (reads are retried on every failure shape);
* duplicate creates: a record created twice (a create is retried only when the site provably
  did nothing: a 429, or a connection that never opened);
* untyped errors: anything raised that is not an ``IssuetrakError``.

Goal: 0 / 0 / 0. A write that fails may fail, but only with a typed error, and one that may have
been applied must say so.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from issuetrak import AsyncIssuetrak, Issuetrak, IssuetrakError
from issuetrak._transport import Runtime

from .faultproxy import FaultProxy, Plans, served

pytestmark = pytest.mark.network

READ_TIMEOUT = 0.3
DEADLINE = 10.0
PLANS = (
    (),
    ("reset-before",),
    ("503", "cut-body"),
    ("429",) * 6,  # a storm that max_retries=8 rides out, for every method
    ("delay",),
    ("reset-after", "bad-json"),
    ("502-after",),
    ("cut-body",),
    ("bad-json", "503", "reset-before"),
    ("429", "429", "reset-after"),
)
_runs = itertools.count()


@dataclass
class Tally:
    reads: int = 0
    lost_reads: list[str] = field(default_factory=list)
    untyped: list[str] = field(default_factory=list)
    writes_failed: list[IssuetrakError] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    duplicates: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        kinds = Counter(
            f"{type(e).__name__}{' (may have been applied)' if getattr(e, 'may_have_been_applied', False) else ''}"
            for e in self.writes_failed
        )
        return (
            f"{self.reads} reads, {len(self.created)} creates; lost reads {len(self.lost_reads)}, "
            f"duplicate creates {len(self.duplicates)}, untyped errors {len(self.untyped)}; writes that failed, "
            f"typed: {dict(sorted(kinds.items()))}"
        )


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[str, dict[str, str]]]:
    from issuetrak_mock import create_app

    app = create_app(rate_limits=None, issues=30, users=12)
    with served(app) as url:
        yield url, dict(app.state.tokens)


def _options(tokens: dict[str, str]) -> dict[str, Any]:
    return {
        "token": tokens["admin"],
        "rate_limits": None,  # the 429s come from the proxy
        "max_retries": 8,
        "deadline": DEADLINE,
        "timeout": httpx.Timeout(5.0, read=READ_TIMEOUT),
        # short backoff (a tenth of the usual), so the run stays quick; the decisions are the same
        "_runtime": Runtime(random=lambda: 0.05),
    }


def _check_write_error(error: BaseException, tally: Tally, where: str) -> None:
    if not isinstance(error, IssuetrakError):
        tally.untyped.append(f"{where}: {type(error).__name__}: {error}")
        return
    tally.writes_failed.append(error)


def _duplicates(upstream_url: str, token: str, names: list[str]) -> dict[str, int]:
    with httpx.Client(base_url=f"{upstream_url}/api/v2", headers={"X-Api-Key": token}) as http:
        stored = http.get("/Priorities", params={"PageSize": 100, "PageNumber": 1}).json()
        pages = stored["pagingInformation"]["pageCount"]
        values = list(stored["values"])
        for number in range(2, pages + 1):
            values += http.get(
                "/Priorities", params={"PageSize": 100, "PageNumber": number}
            ).json()["values"]
    counts = Counter(v["name"] for v in values)
    return {name: counts[name] for name in names if counts[name] > 1}


def _sync_job(client: Issuetrak, tally: Tally, run: int, size: int) -> None:
    for i in range(size):
        iid = i % 12 + 1
        tally.reads += 1
        try:
            if client.users.get(iid).iid != iid:
                tally.lost_reads.append(f"users.get({iid}) returned another record")
        except BaseException as error:
            (tally.lost_reads if isinstance(error, IssuetrakError) else tally.untyped).append(
                f"users.get({iid}): {type(error).__name__}: {error}"
            )
        if i % 4 == 0:
            tally.reads += 1
            try:
                if len(client.users.list(page_size=5).to_list()) < 12:
                    tally.lost_reads.append("users.list lost records")
            except BaseException as error:
                (tally.lost_reads if isinstance(error, IssuetrakError) else tally.untyped).append(
                    f"users.list: {type(error).__name__}: {error}"
                )
        name = f"fault-{run}-{i}"
        try:
            client.priorities.create(name=name)
            tally.created.append(name)
        except BaseException as error:
            tally.created.append(name)  # it may exist: counted for duplicates all the same
            _check_write_error(error, tally, f"priorities.create({name})")
        try:
            if i % 3 == 0:
                client.priorities.update(1 + i % 3, message=f"m-{run}-{i}")
            else:
                client.issues.patch(1 + i % 20).replace("subject", f"s-{run}-{i}").send()
        except BaseException as error:
            _check_write_error(error, tally, "update/patch")


async def _async_job(client: AsyncIssuetrak, tally: Tally, run: int, size: int) -> None:
    gate = asyncio.Semaphore(8)  # 8 at once

    async def read(iid: int) -> None:
        async with gate:
            tally.reads += 1
            try:
                if (await client.users.get(iid)).iid != iid:
                    tally.lost_reads.append(f"users.get({iid}) returned another record")
            except BaseException as error:
                (tally.lost_reads if isinstance(error, IssuetrakError) else tally.untyped).append(
                    f"users.get({iid}): {type(error).__name__}: {error}"
                )

    async def create(i: int) -> None:
        async with gate:
            name = f"fault-{run}-{i}"
            tally.created.append(name)
            try:
                await client.priorities.create(name=name)
            except BaseException as error:
                _check_write_error(error, tally, f"priorities.create({name})")

    async def patch(i: int) -> None:
        async with gate:
            try:
                await client.issues.patch(1 + i % 20).replace("subject", f"a-{run}-{i}").send()
            except BaseException as error:
                _check_write_error(error, tally, "patch")

    jobs = [read(i % 12 + 1) for i in range(size)]
    jobs += [create(i) for i in range(size // 2)] + [patch(i) for i in range(size // 4)]
    await asyncio.gather(*jobs)


def _assert_goal(tally: Tally, upstream_url: str, token: str, plans: Plans) -> None:
    assert tally.untyped == [], tally.untyped
    assert tally.lost_reads == [], tally.lost_reads
    tally.duplicates = _duplicates(upstream_url, token, tally.created)
    assert tally.duplicates == {}
    for error in tally.writes_failed:
        # a write that failed after it may have reached the site says so; the others (429
        # storms past the deadline, say) are typed and say what they are
        text = str(error)
        if getattr(error, "may_have_been_applied", False):
            assert "the site may have applied it; check before retrying" in text or (
                "so it applied the request" in text
            )
    faults = {step for step, count in plans.met.items() if count and step != "ok"}
    assert faults == set(itertools.chain.from_iterable(PLANS)), plans.met  # every shape met


def _run_sync(upstream: tuple[str, dict[str, str]], size: int) -> Tally:
    url, tokens = upstream
    plans = Plans(PLANS)
    run = next(_runs)
    tally = Tally()
    with (
        FaultProxy(url, plans, delay=READ_TIMEOUT * 2) as proxy,
        Issuetrak(proxy, **_options(tokens)) as client,
    ):
        _sync_job(client, tally, run, size)
    _assert_goal(tally, url, tokens["admin"], plans)
    return tally


def _run_async(upstream: tuple[str, dict[str, str]], size: int) -> Tally:
    url, tokens = upstream
    plans = Plans(PLANS)
    run = next(_runs)
    tally = Tally()

    async def main(proxy: str) -> None:
        async with AsyncIssuetrak(proxy, **_options(tokens)) as client:
            await _async_job(client, tally, run, size)

    with FaultProxy(url, plans, delay=READ_TIMEOUT * 2) as proxy:
        asyncio.run(main(proxy))
    _assert_goal(tally, url, tokens["admin"], plans)
    return tally


def test_sync_bulk_job_through_faults_loses_no_read_duplicates_no_create_raises_only_typed(
    upstream,
) -> None:
    tally = _run_sync(upstream, size=24)
    print(f"sync: {tally.summary()}")


def test_async_bulk_job_through_faults_loses_no_read_duplicates_no_create_raises_only_typed(
    upstream,
) -> None:
    tally = _run_async(upstream, size=40)
    print(f"async: {tally.summary()}")


@pytest.mark.slow
def test_a_bigger_run_through_faults(upstream) -> None:
    sync = _run_sync(upstream, size=150)
    asynchronous = _run_async(upstream, size=300)
    print(f"sync: {sync.summary()}\nasync: {asynchronous.summary()}")
