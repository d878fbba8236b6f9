"""No request holds the site up, and no client holds a connection for ever: large bodies are
parsed off the event loop, a PATCH is bounded, request heads and bodies have deadlines, and an
ambiguous token is refused. Over a real socket where that is what a client meets."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from issuetrak_mock import app as app_module
from issuetrak_mock import validation
from issuetrak_mock.bounds import Limits
from issuetrak_mock.handlers import MAX_PATCH_OPERATIONS

from .conftest import client, new_app, serve

pytestmark = pytest.mark.network

LIMITS = Limits()


def _read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_a_body_that_never_ends_is_answered_408_and_its_connection_closed() -> None:
    app = new_app(issues=1, body_timeout=0.3)
    token = app.state.tokens["admin"]
    with serve(app) as (_, port), socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(
            b"POST /api/v2/Causes HTTP/1.1\r\nHost: mock\r\nContent-Type: application/json\r\n"
            + f'X-Api-Key: {token}\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{{"na\r\n'.encode()
        )
        answer = _read_all(s)  # returns only because the server closes the connection
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408")
    assert json.loads(body)["title"] == "Request Timeout"
    assert b"connection: close" in head.lower()
    assert app.state.site.stores["causes:cause"].records  # seeded ones; nothing new was stored


def test_a_request_head_that_never_ends_is_answered_408_and_closed() -> None:
    app = new_app(issues=1)
    with serve(app, head_timeout=0.3) as (_, port):
        with socket.create_connection(("127.0.0.1", port), timeout=20) as trickle:
            trickle.sendall(b"GET /api/v2/Issues/1 HTTP/1.1\r\nHost: mo")
            assert _read_all(trickle).startswith(b"HTTP/1.1 408 Request Timeout")
        with socket.create_connection(("127.0.0.1", port), timeout=20) as silent:
            assert _read_all(silent).startswith(b"HTTP/1.1 408")  # opened, never spoke
        # a client that keeps to the deadline is served as before, on a kept-alive connection
        with httpx.Client(headers={"X-Api-Key": app.state.tokens["admin"]}) as c:
            for _ in range(2):
                assert c.get(f"http://127.0.0.1:{port}/api/v2/Issues/1").status_code == 200


def test_a_repeated_api_key_is_400_with_an_api_response_whatever_the_values() -> None:
    app = new_app(issues=1)
    admin, agent = app.state.tokens["admin"], app.state.tokens["agent"]
    with serve(app) as (_, port), httpx.Client() as c:
        for values in ((admin, agent), (admin, admin)):
            answer = c.get(
                f"http://127.0.0.1:{port}/api/v2/Issues/1",
                headers=[("X-Api-Key", values[0]), ("X-Api-Key", values[1])],
            )
            assert answer.status_code == 400
            (problem,) = answer.json()["information"]
            assert problem["type"] == "Validation" and "X-Api-Key" in problem["message"]
            assert answer.json()["traceId"]


def test_a_patch_over_the_operation_limit_is_400_and_changes_nothing() -> None:
    app = new_app(issues=1)
    ops = [
        {"op": "Replace", "path": "/Subject", "value": f"s{n}"}
        for n in range(MAX_PATCH_OPERATIONS + 1)
    ]
    with client(app) as c:
        before = c.get("/Issues/1").json()["values"]["subject"]
        refused = c.patch("/Issues/1", json=ops)
        assert refused.status_code == 400
        assert f"at most {MAX_PATCH_OPERATIONS:,} operations" in refused.text
        assert c.get("/Issues/1").json()["values"]["subject"] == before
        assert c.patch("/Issues/1", json=ops[:MAX_PATCH_OPERATIONS]).status_code == 200
        assert c.get("/Issues/1").json()["values"]["subject"] == f"s{MAX_PATCH_OPERATIONS - 1}"


def _posted_while_a_get_is_served(
    monkeypatch: pytest.MonkeyPatch,
    app: Any,
    path: str,
    body: Any,
    held: Callable[[Any], bool],
    hold_for: float = 60,
) -> httpx.Response:
    """POST ``body``; its validation, when ``held(body)``, waits until a GET sent meanwhile was
    answered: that GET can only be answered if the validation is off the event loop."""
    token = app.state.tokens["admin"]
    validating, answered = threading.Event(), threading.Event()
    original = app_module.validate_body

    def watched(index: Any, key: str, value: Any, *rest: Any) -> None:
        if not validating.is_set() and held(value):
            validating.set()  # and held here until a GET was answered meanwhile
            assert answered.wait(timeout=hold_for)
        original(index, key, value, *rest)

    monkeypatch.setattr(app_module, "validate_body", watched)
    posted: list[httpx.Response] = []
    with serve(app) as (_, port):
        base = f"http://127.0.0.1:{port}/api/v2"
        headers = {"X-Api-Key": token}
        worker = threading.Thread(
            target=lambda: posted.append(
                httpx.post(f"{base}{path}", json=body, headers=headers, timeout=300)
            )
        )
        worker.start()
        with httpx.Client(base_url=base, headers=headers, timeout=300) as c:
            assert validating.wait(timeout=300)
            assert c.get("/Issues/1").status_code == 200
            answered.set()
        worker.join()
    return posted[0]


def test_a_large_search_is_worked_off_the_event_loop_while_other_requests_are_served(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 40 criteria of 1,000 values (within the limits, over 4 KiB) take the site a while to
    # validate: if that ran on the event loop, no other request could be answered meanwhile
    values = list(range(LIMITS.criteria_values))
    body = {
        "nestedFilters": [
            {"issueNumber": {"type": "MatchAny", "values": values}} for _ in range(40)
        ]
    }
    big = _posted_while_a_get_is_served(
        monkeypatch,
        new_app(issues=5),
        "/Issues/Search",
        body,
        lambda value: isinstance(value, dict) and "nestedFilters" in value,
    )
    assert big.status_code == 200 and [i["issueNumber"] for i in big.json()["values"]]


def _large(path: str, body: Any) -> tuple[str, bytes]:
    return path, json.dumps(body, separators=(",", ":")).encode()


@pytest.mark.parametrize(
    ("path", "raw", "message"),
    [
        pytest.param(
            *_large(
                "/Issues/Search",
                {"filter": {"issueNumber": {"type": "MatchAny", "values": list(range(480_000))}}},
            ),
            f"A criteria may hold at most {LIMITS.criteria_values:,} values; "
            "'$.filter.issueNumber.values' has more.",
            id="matchany-480000",
        ),
        pytest.param(
            *_large(
                "/Issues/1",
                [{"op": "Replace", "path": "/Subject", "value": f"s{n}"} for n in range(78_000)],
            ),
            f"A PATCH body may hold at most {LIMITS.patch_operations:,} operations; "
            "this one has more.",
            id="patch-78000",
        ),
    ],
)
def test_a_4_mb_body_over_a_limit_is_refused_before_it_is_parsed_and_gets_are_served(
    monkeypatch: pytest.MonkeyPatch, path: str, raw: bytes, message: str
) -> None:
    app = new_app(issues=5)
    token = app.state.tokens["admin"]
    parsed: list[int] = []
    decoder = validation._SHARING_DECODER

    class Counting:
        def decode(self, text: str) -> Any:
            parsed.append(len(text))
            return decoder.decode(text)

    monkeypatch.setattr(validation, "_SHARING_DECODER", Counting())
    subject = app.state.site.stores["issues:issue"].records[1]["subject"]
    answers: list[httpx.Response] = []
    with serve(app) as (_, port):
        base = f"http://127.0.0.1:{port}/api/v2"
        method = "PATCH" if path == "/Issues/1" else "POST"
        headers = {"X-Api-Key": token, "Content-Type": "application/json"}
        worker = threading.Thread(
            target=lambda: answers.append(
                httpx.request(method, base + path, content=raw, headers=headers, timeout=300)
            )
        )
        worker.start()
        with httpx.Client(base_url=base, headers={"X-Api-Key": token}, timeout=300) as c:
            served = [c.get("/Issues/1").status_code for _ in range(3)]
            worker.join()
            after = c.get("/Issues/1").json()["values"]["subject"]
    assert served == [200, 200, 200]
    (refused,) = answers
    assert refused.status_code == 400
    (problem,) = refused.json()["information"]
    assert problem == {"type": "Validation", "message": message}
    assert parsed == []  # refused from its text: no object graph was built
    assert after == subject  # nothing applied


def test_the_first_body_of_its_kind_is_validated_off_the_event_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The first body a schema checks builds that schema's validator (every component of the
    # document): a small create would otherwise hold every other request, and the rate limit
    # count of each, until it is built
    created = _posted_while_a_get_is_served(
        monkeypatch, new_app(issues=5), "/Priorities", {"name": "p"}, lambda _: True, hold_for=20
    )
    assert created.status_code == 201
