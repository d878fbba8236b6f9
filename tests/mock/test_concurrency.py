"""Eight writers at once, each with its own client and event loop on one app: the state stays
consistent (one request changes the site at a time)."""

from __future__ import annotations

import datetime as dt
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from issuetrak_mock import FrozenClock

from .conftest import client, new_app

WRITERS = 8
ROUNDS = 12
# each writer owns one field of issue 1: a lost update would leave an older value in one
FIELDS = [
    "Subject",
    "Description",
    "Solution",
    "CustomRecordField1",
    "CustomRecordField2",
    "CustomRecordField3",
    "CustomRecordField4",
    "CustomRecordField5",
]


class YieldingClock(FrozenClock):
    """A clock that lets other threads run whenever a handler asks the time, as a busy machine
    would: handlers read it between reading a record and storing the changed one."""

    def now(self) -> dt.datetime:
        time.sleep(0)
        return super().now()


@pytest.fixture
def busy_threads() -> Iterator[None]:
    # switch threads as often as possible, so that unguarded read-modify-write would interleave
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _writer(app: Any, number: int, out: dict[int, list[httpx.Response]]) -> None:
    responses = out.setdefault(number, [])
    with client(app) as c:  # its own SyncASGITransport: its own event loop, in this thread
        for round_ in range(ROUNDS):
            responses.append(
                c.post(
                    "/Issues/Create",
                    json={"subject": f"w{number}-{round_}", "description": "d", "issueTypeIid": 1},
                )
            )
            responses.append(
                c.patch(
                    "/Issues/1",
                    json=[
                        {
                            "op": "Replace",
                            "path": f"/{FIELDS[number]}",
                            "value": f"w{number}-{round_}",
                        },
                        {"op": "Add", "path": "/Note", "value": f"note w{number}-{round_}"},
                    ],
                )
            )
            responses.append(
                c.put("/Causes/1", json={"name": f"w{number}-{round_}", "displayOrder": round_})
            )
            responses.append(c.post("/Issues/Search", json={"pageSize": 5}))


def test_eight_concurrent_writers_leave_the_state_consistent(busy_threads: None) -> None:
    app = new_app(issues=20, clock=YieldingClock())
    site = app.state.site
    issues = site.store("issues:issue")
    notes_before = len(issues.meta[1].get("notes", []))
    out: dict[int, list[httpx.Response]] = {}
    threads = [threading.Thread(target=_writer, args=(app, n, out)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    responses = [r for rs in out.values() for r in rs]
    assert len(responses) == WRITERS * ROUNDS * 4
    assert all(r.is_success for r in responses), {r.status_code for r in responses}

    created = [
        r.json()["values"]["iid"] for r in responses if r.request.url.path.endswith("Create")
    ]
    # every create got its own IID, handed out in order without a gap
    assert sorted(created) == list(range(21, 21 + WRITERS * ROUNDS))
    with client(app) as c:
        found = c.post("/Issues/Search", json={"pageSize": 1}).json()["pagingInformation"]
        assert found["itemTotal"] == 20 + WRITERS * ROUNDS
        for iid in created:
            subject = c.get(f"/Issues/{iid}").json()["values"]["subject"]
            assert subject == next(
                r.json()["values"]["subject"]
                for r in responses
                if r.request.url.path.endswith("Create") and r.json()["values"]["iid"] == iid
            )
        # every writer's last PATCH of its own field is there: no update was lost
        issue = c.get("/Issues/1").json()["values"]
        for number, field in enumerate(FIELDS):
            assert issue[field[0].lower() + field[1:]] == f"w{number}-{ROUNDS - 1}", field
        # the cause holds one writer's PUT whole, not a mix of two
        cause = c.get("/Causes/1").json()["values"]
        writer, round_ = cause["name"][1:].split("-")
        assert cause["displayOrder"] == int(round_) and 0 <= int(writer) < WRITERS
    # every note is kept, once
    notes = [n["text"] for n in issues.meta[1]["notes"][notes_before:]]
    assert sorted(notes) == sorted(f"note w{n}-{r}" for n in range(WRITERS) for r in range(ROUNDS))
    traces = [r.json()["traceId"] for r in responses]
    assert len(set(traces)) == len(traces)
