"""Mock throughput: requests per second for GET by IID and a filtered issue search over 10,000
issues, over loopback (uvicorn in a thread on 127.0.0.1) next to the same calls in process
(``httpx.ASGITransport``), and next to a stateless reference mock (Prism) when one is installed.

Each client sends its requests one after another (the contract suite's pattern), with keep-alive.
Printed: requests/s per path and ratios in-process / loopback (and mock / Prism).

    python bench/bench_mock.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import uvicorn
from issuetrak_mock import create_app

SEARCH = {
    "pageSize": 25,
    "sortField": "SubmittedDate",
    "sortDirection": "Desc",
    "filter": {
        "isOpen": {"type": "IsTrue"},
        "priority": {"iid": {"type": "MatchAny", "values": [3, 4]}},
        "subject": {"type": "Contains", "values": ["printer"]},
    },
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class _Server(threading.Thread):
    def __init__(self, app: Any, port: int) -> None:
        super().__init__(daemon=True)
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off")
        )

    def run(self) -> None:
        self.server.run()

    def stop(self) -> None:
        self.server.should_exit = True
        self.join(timeout=10)


async def _rate(n: int, call: Callable[[int], Awaitable[httpx.Response]]) -> float:
    for i in range(min(20, n)):  # warm-up
        (await call(i)).raise_for_status()
    started = time.perf_counter()
    for i in range(n):
        response = await call(i)
        if response.status_code != 200:
            raise SystemExit(f"unexpected {response.status_code}: {response.text[:200]}")
    return n / (time.perf_counter() - started)


async def _measure(
    client: httpx.AsyncClient, gets: int, searches: int, issue_count: int
) -> tuple[float, float]:
    get_rate = await _rate(gets, lambda i: client.get(f"/Issues/{i % issue_count + 1}"))
    search_rate = await _rate(searches, lambda i: client.post("/Issues/Search", json=SEARCH))
    return get_rate, search_rate


def _prism(gets: int, searches: int) -> tuple[float, float] | None:
    prism = shutil.which("prism")
    if prism is None:
        return None
    from issuetrak_tools.spec import load_document

    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/openapi.json"
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(load_document(), fh)
        port = _free_port()
        proc = subprocess.Popen(
            [prism, "mock", "-h", "127.0.0.1", "-p", str(port), path],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    httpx.get(base + "/Issues/1", headers={"X-Api-Key": "x"}, timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.2)

            async def run() -> tuple[float, float]:
                async with httpx.AsyncClient(base_url=base, headers={"X-Api-Key": "x"}) as client:
                    return await _measure(client, gets, searches, 100)

            return asyncio.run(run())
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests (under a minute)")
    parser.add_argument("--issues", type=int, default=10_000)
    args = parser.parse_args()
    gets, searches = (1500, 60) if args.quick else (6000, 300)

    started = time.perf_counter()
    app = create_app(issues=args.issues, rate_limits=None)
    print(f"seeded {args.issues:,} issues in {time.perf_counter() - started:.2f} s")
    token = app.state.tokens["admin"]

    async def in_process() -> tuple[float, float]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://mock/api/v2", headers={"X-Api-Key": token}
        ) as client:
            return await _measure(client, gets, searches, args.issues)

    local_get, local_search = asyncio.run(in_process())

    port = _free_port()
    server = _Server(app, port)
    server.start()
    for _ in range(100):
        if server.server.started:
            break
        time.sleep(0.05)

    async def loopback() -> tuple[float, float]:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}/api/v2", headers={"X-Api-Key": token}
        ) as client:
            return await _measure(client, gets, searches, args.issues)

    try:
        net_get, net_search = asyncio.run(loopback())
    finally:
        server.stop()

    print(f"{'path':<28}{'GET /Issues/{iid}':>20}{'POST /Issues/Search':>22}")
    print(f"{'in-process (ASGITransport)':<28}{local_get:>16.0f} r/s{local_search:>18.1f} r/s")
    print(f"{'loopback (uvicorn)':<28}{net_get:>16.0f} r/s{net_search:>18.1f} r/s")
    print(
        f"{'ratio in-process/loopback':<28}{local_get / net_get:>18.2f}x{local_search / net_search:>20.2f}x"
    )
    prism = _prism(gets, searches)
    if prism is None:
        print(
            "Prism (stateless reference mock): skipped - `prism` is not installed (npm i -g @stoplight/prism-cli)"
        )
    else:
        p_get, p_search = prism
        print(f"{'Prism loopback (stateless)':<28}{p_get:>16.0f} r/s{p_search:>18.1f} r/s")
        print(
            f"{'ratio mock/Prism (loopback)':<28}{net_get / p_get:>18.2f}x{net_search / p_search:>20.2f}x"
        )


if __name__ == "__main__":
    main()
