"""Does one large request hold the mock up? Measured side by side in one run, over loopback.

An ``issuetrak-mock`` process is started as users start it. A keep-alive client measures GET
``/Issues/1`` on the idle server (the baseline), then again, request after request, while another
client sends a large request; printed: the slowest GET during it as a ratio of the idle median
(goal: the slowest under 0.1 s, however large the other request), the large
request's answer, and the server's resident memory before and after (goal: back within 20%).

The large requests are the ones that once blocked the event loop, and the largest the mock
accepts: a 4 MB PATCH of 78,000 operations and a search whose criteria holds 480,000 values (both
over the mock's limits: refused from a scan of their text, before any object is built), then a
PATCH of as many operations as the limit allows and a search of as many criteria, each of as many
values, as the limits allow (parsed, validated and answered). The resident memory is printed after
each, as a ratio of the idle server's.

    python bench/bench_mock_blocking.py [--quick]   (--quick: a fifth of the sizes)
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from typing import Any

import httpx
from bench_mock import _cli_server, _rss_mb
from issuetrak_mock.bounds import Limits

IDLE_GETS = 50


def _get_seconds(client: httpx.Client) -> float:
    started = time.perf_counter()
    response = client.get("/Issues/1")
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"bench_mock_blocking: GET answered {response.status_code}")
    return elapsed


def _during(client: httpx.Client, send: Any) -> tuple[list[float], httpx.Response, float]:
    """GETs one after another while ``send()`` runs in a thread: their times, its answer and time."""
    answer: list[httpx.Response] = []
    started = time.perf_counter()
    worker = threading.Thread(target=lambda: answer.append(send()))
    worker.start()
    delays = []
    while worker.is_alive():
        delays.append(_get_seconds(client))
    worker.join()
    return delays, answer[0], time.perf_counter() - started


def _large_requests(scale: float) -> dict[str, tuple[str, str, bytes]]:
    limits = Limits()
    operations = int(78_000 * scale)
    values = int(480_000 * scale)
    accepted_values = list(range(limits.criteria_values))
    bodies: dict[str, tuple[str, str, Any]] = {
        f"PATCH of {operations:,} operations": (
            "PATCH",
            "/Issues/1",
            [{"op": "Replace", "path": "/Subject", "value": f"s{n}"} for n in range(operations)],
        ),
        f"MatchAny of {values:,} values": (
            "POST",
            "/Issues/Search",
            {"filter": {"issueNumber": {"type": "MatchAny", "values": list(range(values))}}},
        ),
        f"PATCH of {limits.patch_operations:,} operations (the limit)": (
            "PATCH",
            "/Issues/2",
            [
                {"op": "Replace", "path": "/Subject", "value": f"s{n}"}
                for n in range(limits.patch_operations)
            ],
        ),
        f"search of {limits.criteria:,} criteria x {limits.criteria_values:,} values (the limits)": (
            "POST",
            "/Issues/Search",
            {
                "nestedFilters": [
                    {"issueNumber": {"type": "MatchAny", "values": accepted_values}}
                    for _ in range(limits.criteria)
                ]
            },
        ),
    }
    return {
        name: (method, path, json.dumps(body, separators=(",", ":")).encode())
        for name, (method, path, body) in bodies.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fifth of the sizes")
    args = parser.parse_args()
    with _cli_server(300) as (proc, url, token):
        headers = {"X-Api-Key": token}
        with (
            httpx.Client(base_url=url, headers=headers, timeout=600) as getter,
            httpx.Client(base_url=url, headers=headers, timeout=600) as sender,
        ):
            for _ in range(20):  # warm-up: connections, indexes, validators
                _get_seconds(getter)
            idle = statistics.median(_get_seconds(getter) for _ in range(IDLE_GETS))
            rss_before = _rss_mb(proc.pid)
            print(f"idle GET /Issues/1: median {idle * 1000:.1f} ms of {IDLE_GETS}")
            for name, (method, path, body) in _large_requests(0.2 if args.quick else 1).items():
                delays, answer, took = _during(
                    getter,
                    lambda m=method, p=path, b=body: sender.request(
                        m, p, content=b, headers={"Content-Type": "application/json"}
                    ),
                )
                worst = max(delays)
                for _ in range(20):
                    _get_seconds(getter)
                rss = _rss_mb(proc.pid)
                memory = (
                    f"; memory {rss:,.0f} MB = {rss / rss_before:.2f}x idle"
                    if rss is not None and rss_before is not None
                    else ""
                )
                print(
                    f"{name} ({len(body) / 1e6:.2f} MB): answered {answer.status_code} in "
                    f"{took:.2f} s; {len(delays)} GETs meanwhile, slowest {worst * 1000:.0f} ms "
                    f"= {worst / idle:.1f}x the idle median"
                    + ("  (goal: under 0.1 s)" if worst >= 0.1 else "")
                    + memory
                )
            rss_after = _rss_mb(proc.pid)
    if rss_before is not None and rss_after is not None:
        print(
            f"server resident memory: {rss_before:,.0f} MB before, {rss_after:,.0f} MB after "
            f"= {rss_after / rss_before:.2f}x (goal: within 1.20x)"
        )


if __name__ == "__main__":
    main()
