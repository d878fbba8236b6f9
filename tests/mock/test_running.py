"""Point 8: the console script over loopback, in-process httpx, and the pytest fixture."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from importlib.metadata import entry_points
from typing import Any

import httpx
import pytest
from issuetrak_mock import create_app
from issuetrak_mock.__main__ import _app, _parser, main
from issuetrak_mock.transport import SyncASGITransport


@pytest.mark.network
def test_the_console_script_serves_on_loopback_and_prints_url_and_tokens() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "issuetrak_mock",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--issues",
            "20",
            "--no-rate-limit",
            "--seed",
            "3",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any("expired token" in line for line in lines):
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
        text = "".join(lines)
        url = re.search(r"http://127\.0\.0\.1:\d+/api/v2", text)
        tokens = dict(re.findall(r"X-Api-Key for (\w+)\s*: (\S+)", text))
        assert url and set(tokens) >= {"admin", "agent", "end_user"}, text
        for _ in range(
            50
        ):  # the socket is bound before printing; the server may need a moment to accept
            try:
                response = httpx.get(
                    url.group(0) + "/Issues/1", headers={"X-Api-Key": tokens["admin"]}, timeout=5
                )
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert response.status_code == 200 and response.json()["values"]["iid"] == 1
        assert httpx.get(url.group(0) + "/Issues/1", timeout=5).status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_console_script_refuses_negative_sizes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--issues", "-1"]) == 2
    assert "must not be negative" in capsys.readouterr().err


def test_the_console_script_refuses_a_limit_below_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--max-criteria-values", "0"]) == 2
    assert capsys.readouterr().err.strip() == (
        "issuetrak-mock: --max-criteria-values 0: must be at least 1"
    )


def test_the_console_script_limits_reach_the_site() -> None:
    args = _parser().parse_args(["--issues", "3", "--max-criteria-values", "2"])
    app = _app(args)
    with httpx.Client(
        transport=SyncASGITransport(app),
        base_url="http://mock/api/v2",
        headers={"X-Api-Key": app.state.tokens["admin"]},
    ) as c:
        criteria = {"issueNumber": {"type": "MatchAny", "values": [1, 2, 3]}}
        refused = c.post("/Issues/Search", json={"filter": criteria})
        criteria["issueNumber"]["values"] = [1, 2]
        accepted = c.post("/Issues/Search", json={"filter": criteria})
    assert refused.status_code == 400
    assert "at most 2 values" in refused.json()["information"][0]["message"]
    assert accepted.status_code == 200


def test_the_package_registers_the_console_script_and_the_pytest_plugin() -> None:
    assert any(
        e.value == "issuetrak_mock.__main__:main" for e in entry_points(group="console_scripts")
    )
    assert any(e.value == "issuetrak_mock.pytest_plugin" for e in entry_points(group="pytest11"))


@pytest.mark.anyio
async def test_in_process_through_httpx_asgi_transport() -> None:
    app = create_app(issues=10, rate_limits=None)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://mock/api/v2",
        headers={"X-Api-Key": app.state.tokens["agent"]},
    ) as c:
        created = await c.post(
            "/Issues/Create", json={"subject": "async", "description": "d", "issueTypeIid": 2}
        )
        assert created.status_code == 201
        iid = created.json()["values"]["iid"]
        assert (await c.get(f"/Issues/{iid}")).json()["values"]["subject"] == "async"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_the_pytest_fixture_gives_a_fresh_site_with_clients(issuetrak_mock: Any) -> None:
    admin = issuetrak_mock.client()
    assert admin.get("/Issues/1").status_code == 200
    created = admin.post("/Causes", json={"name": "fixture"}).json()["values"]
    assert issuetrak_mock.client("end_user").post("/Causes", json={"name": "x"}).status_code == 403
    assert issuetrak_mock.base_url.endswith("/api/v2") and created["iid"] == 4
    assert admin.post("/Issues/Search", json={}).json()["pagingInformation"]["itemTotal"] == 50


def test_the_pytest_fixture_starts_from_scratch_for_every_test(issuetrak_mock: Any) -> None:
    created = issuetrak_mock.client().post("/Causes", json={"name": "again"}).json()["values"]
    assert created["iid"] == 4  # the previous test's cause is gone


@pytest.mark.issuetrak_mock(seed=5, issues=7, rate_limits="default")
def test_the_pytest_fixture_takes_options_from_a_marker(issuetrak_mock: Any) -> None:
    admin = issuetrak_mock.client()
    assert admin.post("/Issues/Search", json={}).json()["pagingInformation"]["itemTotal"] == 7
    statuses = [admin.get("/Issues/1").status_code for _ in range(25)]
    assert 429 in statuses  # Issuetrak's default limits are on


def test_latency_is_added_to_every_request() -> None:
    from .conftest import client, new_app

    app = new_app(issues=2, latency_ms=60)
    with client(app) as c:
        started = time.perf_counter()
        assert c.get("/Issues/1").status_code == 200
        assert time.perf_counter() - started >= 0.06
