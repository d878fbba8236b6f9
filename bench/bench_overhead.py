"""Overhead of the policy layer: the same GETs through ``Issuetrak`` and through a bare httpx.Client.

Measured twice in one run, each time interleaved request by request (bare, policy, bare,
policy, ...) so that the machine's load hits all sides alike:

1. in process, both clients on ``httpx.MockTransport``: nothing but the policy layer differs,
   so this is its cost per request (target <= 1.10x bare httpx);
2. on a real socket: a minimal HTTP/1.1 keep-alive server (asyncio, in a child process so it
   does not compete with the client for the GIL) answers every request with a small
   Issuetrak-like JSON body on 127.0.0.1 (target <= 1.05x).

3. usage recording (``record_usage=``, see docs/usage.md), in process on ``httpx.MockTransport``:
   a facade call (``client.users.get(1)`` and three of its properties read) with recording off
   and with recording on (target <= 1.10x); and what recording off adds to each request, a single
   ``is None`` check, timed beside the request it is part of (target <= 1.01x).

Printed: total time per side, and the figure held to the targets: in blocks of 200 turns, the
ratio of each side's median request time to bare httpx's, and the median of those ratios over
the blocks (steady from run to run where the ratio of totals swings with bursts of load from
other processes on the machine).

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


def _compare(
    title: str, sends: dict[str, Callable[[], httpx.Response]], blocks: int, per_block: int
) -> dict[str, float]:
    """Every side sends one request in turn (the order rotating, so that no side always runs
    first or right after another), ``per_block`` turns per block; per block, the median time of
    one request of each side; returned: the median over the blocks of each side's ratio to the
    first. Interleaving request by request puts every side in the same moment of the machine's
    load, and medians shrug off the requests that a burst of load from elsewhere slowed."""
    names = list(sends)
    for send in sends.values():  # warm up: connections, imports, caches
        for _ in range(50):
            send()
    clock = time.perf_counter_ns
    totals = dict.fromkeys(names, 0)
    ratios: dict[str, list[float]] = {name: [] for name in names[1:]}
    for _ in range(blocks):
        samples: dict[str, list[int]] = {name: [] for name in names}
        for turn in range(per_block):
            shift = turn % len(names)
            for name in names[shift:] + names[:shift]:
                start = clock()
                response = sends[name]()
                samples[name].append(clock() - start)
                if response.status_code != 200:
                    raise SystemExit(f"unexpected status {response.status_code}")
        medians = {name: statistics.median(values) for name, values in samples.items()}
        for name in names[1:]:
            ratios[name].append(medians[name] / medians[names[0]])
        for name, values in samples.items():
            totals[name] += sum(values)
    sent = per_block * blocks
    print(f"{title}: {sent} GETs per side, interleaved one by one, {blocks} blocks")
    for name, nanoseconds in totals.items():
        print(
            f"  {name:40s} {nanoseconds / 1e9:7.3f} s  {nanoseconds / sent / 1e3:7.1f} us/request"
        )
    return {name: statistics.median(values) for name, values in ratios.items()}


def _recording(
    answer: Callable[[httpx.Request], httpx.Response], blocks: int, per_block: int
) -> list[tuple[str, float, float]]:
    """Usage recording off and on, side by side (the on side writes into a temporary folder)."""
    import logging
    import tempfile
    import timeit

    from issuetrak import Issuetrak
    from issuetrak.usage import stop_recording

    # the canned reply lacks most of User's required properties; each side logs that alike
    logging.getLogger("issuetrak").setLevel(logging.ERROR)
    mock = httpx.MockTransport(answer)
    folder = tempfile.TemporaryDirectory()
    off = Issuetrak("https://bench.example", token=TOKEN, transport=mock, rate_limits=None)
    on = Issuetrak(
        "https://bench.example",
        token=TOKEN,
        transport=mock,
        rate_limits=None,
        record_usage=f"{folder.name}/usage.json",
    )

    def call(client: Issuetrak) -> httpx.Response:
        user = client.users.get(1)
        read = (user.first_name, user.display_name, user.email)
        return httpx.Response(200 if read[0] == "Jo" else 500)

    sends: dict[str, Callable[[], httpx.Response]] = {
        "facade call, recording off": functools.partial(call, off),
        "facade call, recording on": functools.partial(call, on),
    }
    ratios = _compare("usage recording (httpx.MockTransport)", sends, blocks, per_block)
    # recording off adds one check per request: timed against one whole call of the off side
    check = min(timeit.repeat(lambda: off._usage is not None, number=10_000, repeat=5)) / 10_000
    whole = min(timeit.repeat(functools.partial(call, off), number=200, repeat=5)) / 200
    print(f"  recording-off check {check * 1e9:.0f} ns of a {whole * 1e6:.0f} us call")
    off.close()
    on.close()
    stop_recording()
    folder.cleanup()
    return [
        ("usage: recording off (one check) / the call without it", whole / (whole - check), 1.01),
        *((f"usage: {name} / recording off", r, 1.10) for name, r in ratios.items()),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer blocks (same GETs)")
    parser.add_argument("--requests", type=int, default=6000, help="GETs per side (default 6000)")
    args = parser.parse_args(argv)

    from issuetrak import Issuetrak, RateLimits, Window

    blocks = 10 if args.quick else 30
    per_block = max(1, args.requests // blocks)
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
    for name, ratio in _compare("httpx.MockTransport", sends, blocks, per_block).items():
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
        for name, ratio in _compare("loopback 127.0.0.1", sends, blocks, per_block).items():
            results.append((f"loopback: {name}", ratio, 1.05))
        bare.close()
        for client in clients.values():
            client.close()
    finally:
        server.terminate()
        server.join(5)
    results += _recording(answer, blocks, per_block)
    print()
    for name, ratio, target in results:
        verdict = "ok" if ratio <= target else "ABOVE TARGET"
        print(
            f"ratio {name}{'' if ' / ' in name else ' / bare httpx'}: median over blocks {ratio:.3f}x "
            f"(target <= {target:.2f}x): {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
