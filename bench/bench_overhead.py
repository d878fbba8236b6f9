"""Overhead of the policy layer: the same GETs through ``Issuetrak`` and through a bare httpx.Client.

A minimal HTTP/1.1 keep-alive server (asyncio, in a child process so it does not compete with
the client for the GIL) answers every request with a small Issuetrak-like JSON body on
127.0.0.1. The two clients then send the same GET, interleaved in rounds (bare, policy, bare,
policy, ...), so drift in machine load hits both alike. Printed: total time per side, the
ratio policy/bare, and the median of the per-round ratios; the median is the figure held to the
target (<= 1.10x) because it shrugs off bursts of load from other processes on the machine.

The policy client runs with everything on except waiting: auth, retry transport, deadline
capping, typed-error response hook, logging (at its default, disabled level). Its rate limiter
is measured in two settings: disabled (``rate_limits=None``) and enabled with a window so large
it never makes anyone wait (``Window(10**9, 1.0)``), which shows the limiter's bookkeeping cost.

    python bench/bench_overhead.py [--quick] [--requests N]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import multiprocessing
import statistics
import sys
import time
from collections.abc import Callable

import httpx

BODY = b'{"traceId":"0HMGDP8E63BDF:00000004","values":{"userId":"jdoe","firstName":"Jo"}}'
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
    b"Content-Length: " + str(len(BODY)).encode() + b"\r\n\r\n" + BODY
)
TOKEN = "bench-token"


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if length:
                await reader.readexactly(length)
            writer.write(RESPONSE)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def _serve(port_queue: multiprocessing.Queue[int]) -> None:
    async def main() -> None:
        server = await asyncio.start_server(_handle, "127.0.0.1", 0)
        port_queue.put(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def _run(send: Callable[[], httpx.Response], count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        response = send()
        if response.status_code != 200:
            raise SystemExit(f"unexpected status {response.status_code}")
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (same 2,000 GETs)")
    parser.add_argument("--requests", type=int, default=2000, help="GETs per side (default 2000)")
    args = parser.parse_args(argv)

    from issuetrak import Issuetrak, RateLimits, Window

    queue: multiprocessing.Queue[int] = multiprocessing.Queue()
    server = multiprocessing.Process(target=_serve, args=(queue,), daemon=True)
    server.start()
    try:
        port = queue.get(timeout=10)
        base = f"http://127.0.0.1:{port}"
        rounds = 20 if args.quick else 40
        per_round = max(1, args.requests // rounds)
        bare = httpx.Client(base_url=f"{base}/api/v2", headers={"X-Api-Key": TOKEN})
        settings = {
            "limiter disabled": Issuetrak(base, token=TOKEN, rate_limits=None),
            "limiter enabled, never waiting": Issuetrak(
                base, token=TOKEN, rate_limits=RateLimits([Window(10**9, 1.0)])
            ),
        }
        sends: dict[str, Callable[[], httpx.Response]] = {
            "bare httpx": lambda: bare.get("/Users/1"),
        }
        for name, client in settings.items():
            sends[name] = functools.partial(client.request, "GET", "/Users/1")
        for send in sends.values():  # warm up: connections, imports, caches
            _run(send, 50)
        totals = dict.fromkeys(sends, 0.0)
        per_round_ratio: dict[str, list[float]] = {name: [] for name in settings}
        names = list(sends)
        for round_number in range(rounds):
            # rotate the order so that no side always runs first (or right after another)
            shift = round_number % len(names)
            timings = {name: _run(sends[name], per_round) for name in names[shift:] + names[:shift]}
            for name, seconds in timings.items():
                totals[name] += seconds
            for name in settings:
                per_round_ratio[name].append(timings[name] / timings["bare httpx"])
        sent = per_round * rounds
        print(f"{sent} GETs per side against 127.0.0.1, {rounds} interleaved rounds")
        for name, seconds in totals.items():
            print(f"  {name:32s} {seconds:7.3f} s  {seconds / sent * 1e6:7.1f} us/request")
        for name in settings:
            ratio = totals[name] / totals["bare httpx"]
            median = statistics.median(per_round_ratio[name])
            verdict = "ok" if median <= 1.10 else "ABOVE TARGET"
            print(
                f"ratio policy ({name}) / bare httpx: median per round {median:.3f}x "
                f"(total {ratio:.3f}x); target <= 1.10x: {verdict}"
            )
        bare.close()
        for client in settings.values():
            client.close()
    finally:
        server.terminate()
        server.join(5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
