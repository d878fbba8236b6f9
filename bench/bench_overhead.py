"""Overhead of the policy layer: the same GETs through ``Issuetrak`` and through a bare httpx.Client.

Measured twice in one run, each time interleaved in rounds (bare, policy, bare, policy, ...) so
that drift in machine load hits both alike:

1. in process, both clients on ``httpx.MockTransport``: nothing but the policy layer differs,
   so this is its cost per request (target <= 1.10x bare httpx);
2. on a real socket: a minimal HTTP/1.1 keep-alive server (asyncio, in a child process so it
   does not compete with the client for the GIL) answers every request with a small
   Issuetrak-like JSON body on 127.0.0.1 (target <= 1.05x).

Printed: total time per side, and the median of the per-round ratios, the figure held to the
targets because it shrugs off bursts of load from other processes on the machine.

The policy client runs with everything on except waiting: auth, retry transport, deadline
capping, the read of the body inside the retry loop, typed-error response hook, logging (at its
default, disabled level). Its rate limiter is measured enabled with a window so large it never
makes anyone wait (``Window(10**9, 1.0)``), which is its bookkeeping cost, and disabled.

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


def _compare(
    title: str, sends: dict[str, Callable[[], httpx.Response]], rounds: int, per_round: int
) -> dict[str, float]:
    """Interleaved rounds of every side; the median per-round ratio of each side to the first."""
    names = list(sends)
    for send in sends.values():  # warm up: connections, imports, caches
        _run(send, 50)
    totals = dict.fromkeys(sends, 0.0)
    ratios: dict[str, list[float]] = {name: [] for name in names[1:]}
    for round_number in range(rounds):
        # rotate the order so that no side always runs first (or right after another)
        shift = round_number % len(names)
        timings = {name: _run(sends[name], per_round) for name in names[shift:] + names[:shift]}
        for name, seconds in timings.items():
            totals[name] += seconds
        for name in names[1:]:
            ratios[name].append(timings[name] / timings[names[0]])
    sent = per_round * rounds
    print(f"{title}: {sent} GETs per side, {rounds} interleaved rounds")
    for name, seconds in totals.items():
        print(f"  {name:40s} {seconds:7.3f} s  {seconds / sent * 1e6:7.1f} us/request")
    return {name: statistics.median(values) for name, values in ratios.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (same GETs)")
    parser.add_argument("--requests", type=int, default=6000, help="GETs per side (default 6000)")
    args = parser.parse_args(argv)

    from issuetrak import Issuetrak, RateLimits, Window

    # rounds of ~100 GETs: long enough that a burst of load from elsewhere is averaged within a
    # round, many enough that the median of the rounds' ratios is steady from run to run
    rounds = 20 if args.quick else 60
    per_round = max(1, args.requests // rounds)
    never_waiting = RateLimits([Window(10**9, 1.0)])
    results: list[tuple[str, float, float]] = []

    # 1. in process: httpx.MockTransport answers, so the policy layer is all there is to measure
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=BODY, headers={"Content-Type": "application/json; charset=utf-8"}
        )

    mock = httpx.MockTransport(answer)
    bare = httpx.Client(
        base_url="https://bench.example/api/v2", transport=mock, headers={"X-Api-Key": TOKEN}
    )
    clients = {
        "limiter enabled, never waiting": Issuetrak(
            "https://bench.example", token=TOKEN, transport=mock, rate_limits=never_waiting
        ),
        "limiter disabled": Issuetrak(
            "https://bench.example", token=TOKEN, transport=mock, rate_limits=None
        ),
    }
    sends: dict[str, Callable[[], httpx.Response]] = {"bare httpx": lambda: bare.get("/Users/1")}
    for name, client in clients.items():
        sends[f"policy, {name}"] = functools.partial(client.request, "GET", "/Users/1")
    for name, ratio in _compare("httpx.MockTransport", sends, rounds, per_round).items():
        results.append((f"MockTransport: {name}", ratio, 1.10))
    bare.close()
    for client in clients.values():
        client.close()

    # 2. a real socket: a keep-alive HTTP/1.1 server on 127.0.0.1 in a child process
    queue: multiprocessing.Queue[int] = multiprocessing.Queue()
    server = multiprocessing.Process(target=_serve, args=(queue,), daemon=True)
    server.start()
    try:
        port = queue.get(timeout=10)
        base = f"http://127.0.0.1:{port}"
        bare = httpx.Client(base_url=f"{base}/api/v2", headers={"X-Api-Key": TOKEN})
        clients = {
            "limiter enabled, never waiting": Issuetrak(
                base, token=TOKEN, rate_limits=never_waiting
            ),
            "limiter disabled": Issuetrak(base, token=TOKEN, rate_limits=None),
        }
        sends = {"bare httpx": lambda: bare.get("/Users/1")}
        for name, client in clients.items():
            sends[f"policy, {name}"] = functools.partial(client.request, "GET", "/Users/1")
        for name, ratio in _compare("loopback 127.0.0.1", sends, rounds, per_round).items():
            results.append((f"loopback: {name}", ratio, 1.05))
        bare.close()
        for client in clients.values():
            client.close()
    finally:
        server.terminate()
        server.join(5)
    print()
    for name, ratio, target in results:
        verdict = "ok" if ratio <= target else "ABOVE TARGET"
        print(
            f"ratio {name} / bare httpx: median per round {ratio:.3f}x "
            f"(target <= {target:.2f}x): {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
