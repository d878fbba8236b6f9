"""Limiter efficiency: how close the client-side rate limiter gets to the fastest schedule the
server's windows allow, and whether the server ever answers 429.

Everything runs on a fake clock (no real waiting): an ``Issuetrak`` client whose sleeps advance
the clock sends N requests through its normal stack (retry transport, rate limiter) to a fake
server (an ``httpx.MockTransport`` handler) that enforces the same windows with its own sliding
log and answers 429 when any window is full.

The theoretical minimum. Order the requests by send time t_0 <= t_1 <= ... For a window of
``L`` requests per ``P`` seconds counting the subsequence s_0, s_1, ... of requests it applies to
(all requests, or only writes), a schedule stays within the window exactly when
t(s_{k+L}) >= t(s_k) + P for every k: if s_k .. s_{k+L} (L+1 requests) all fell inside one
(t - P, t], their spread would be < P, and conversely. A request also cannot be sent before it
is issued (its release time r_j) nor, for one caller sending in order, before its predecessor.
These are difference constraints, so the earliest feasible time of every request is a longest
path: e_j = max(r_j, e_{j-1}, max over windows of e(s_{k}) + P where j = s_{k+L}), and the
least possible makespan for the given order is e_{N-1} - r_0. No schedule in that order can
finish earlier, and the e_j themselves form a schedule that no window forbids, so the bound is
exact. (A different order can finish sooner only by reordering the caller's requests, which a
client must not do for one caller.)

Workloads (each request type fixed up front, so both sides see the same sequence):

* backlog: N requests all issued at t = 0, every 4th a write;
* bursts: 60 requests issued every 45 s, every 10th a write;
* small: 95 requests at t = 0 (only the 1 s windows bind); writes: 60 writes at t = 0;
  mixed: 41 requests alternating write/read at t = 0 (the write window holds the reads back).

Printed per workload: makespan, theoretical minimum, ratio (target <= 1.15x), 429s (target 0).

Then the same proof on a real socket (bench/real_socket.py): the mock with Issuetrak's default
windows served by uvicorn on 127.0.0.1, and clients that send a burst of reads and writes one
after another (sync), from 4 threads, 8 at once (async), and from two processes sharing one
token. Printed per scenario: makespan against the theoretical minimum of the requests the site
admitted, 429s met, and stalls (a limiter wait longer than the windows and the site's pauses
require: the longest 1 s window with its margin plus one Retry-After; target 0).

    python bench/bench_limiter.py [--quick] [--no-rate-limit-headers] [--section N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import subprocess
import sys
import time
from bisect import bisect_right
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
from issuetrak import AsyncIssuetrak, Issuetrak, RateLimits
from issuetrak.ratelimit import DEFAULT_MARGIN, DEFAULT_WINDOWS, Window
from issuetrak.transport import Runtime

TARGET = 1.15
"""Makespan / theoretical minimum. The client's default margin (0.1 s on every window) costs up
to 10 % where the 1 s windows bind; the rest is what the schedule itself loses."""


@dataclass
class FakeClock:
    now: float = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class FakeServer:
    """Issuetrak's windows, enforced independently of the client's limiter."""

    clock: FakeClock
    windows: tuple[Window, ...]
    accepted: dict[bool, list[float]] = field(default_factory=lambda: {False: [], True: []})
    all_times: list[float] = field(default_factory=list)
    sent_at: list[float] = field(default_factory=list)
    rejected: int = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        t = self.clock.now
        write = request.method != "GET"
        for window in self.windows:
            times = self.accepted[True] if window.writes_only else self.all_times
            if window.writes_only and not write:
                continue
            in_window = len(times) - bisect_right(times, t - window.period)
            if in_window + 1 > window.limit:
                self.rejected += 1
                return httpx.Response(429, headers={"Retry-After": "1"})
        self.all_times.append(t)
        if write:
            self.accepted[True].append(t)
        self.sent_at.append(t)
        return httpx.Response(200 if not write else 201, json={"traceId": "bench"})


def minimum_makespan(
    releases: list[float], writes: list[bool], windows: tuple[Window, ...]
) -> float:
    """The longest-path bound derived in the module docstring (requests sent in list order)."""
    earliest: list[float] = []
    write_positions: list[int] = []
    for j, (release, is_write) in enumerate(zip(releases, writes, strict=True)):
        e = release if not earliest else max(release, earliest[-1])
        if is_write:
            write_positions.append(j)
        for window in windows:
            if window.writes_only:
                if not is_write:
                    continue
                k = len(write_positions) - 1 - window.limit
                if k >= 0:
                    e = max(e, earliest[write_positions[k]] + window.period)
            else:
                k = j - window.limit
                if k >= 0:
                    e = max(e, earliest[k] + window.period)
        earliest.append(e)
    return earliest[-1] - releases[0]


def run(name: str, releases: list[float], writes: list[bool]) -> bool:
    clock = FakeClock()
    server = FakeServer(clock, DEFAULT_WINDOWS)
    runtime = Runtime(clock=clock.clock, sleep=clock.sleep, random=lambda: 0.5)
    client = Issuetrak(
        "https://bench.issuetrak.test",
        token=f"bench-{name}",
        transport=httpx.MockTransport(server),
        rate_limits=RateLimits(DEFAULT_WINDOWS),
        deadline=None,
        _runtime=runtime,
    )
    with client:
        for release, is_write in zip(releases, writes, strict=True):
            if clock.now < release:
                clock.now = release  # idle until the caller issues its next request
            if is_write:
                client.request("POST", "/Notes", json={"text": "n"}, max_retries=0)
            else:
                client.request("GET", "/Users/1")
    makespan = server.sent_at[-1] - releases[0]
    minimum = minimum_makespan(releases, writes, DEFAULT_WINDOWS)
    ratio = makespan / minimum if minimum else 1.0
    ok = ratio <= TARGET and server.rejected == 0 and len(server.sent_at) == len(releases)
    print(
        f"{name:8s} N={len(releases):5d}  makespan {makespan:10.3f} s  minimum {minimum:10.3f} s  "
        f"ratio {ratio:.4f}x (target <= {TARGET}x)  429s: {server.rejected}  {'ok' if ok else 'FAIL'}"
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    # on the fake clock, hour-long waits are normal: keep their WARNING lines out of the table
    logging.getLogger("issuetrak").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests")
    parser.add_argument(
        "--no-rate-limit-headers",
        action="store_true",
        help="section 2 and 3: the mock leaves out its X-Rate-Limit-* headers",
    )
    parser.add_argument(
        "--section",
        type=int,
        choices=(1, 2, 3),
        action="append",
        help="run only this section (repeatable; default: all)",
    )
    parser.add_argument(
        "--worker",
        nargs=5,
        metavar=("URL", "TOKEN", "OTHER", "N", "SHARED"),
        help=argparse.SUPPRESS,
    )
    args = parser.parse_args(argv)
    if args.worker:
        url, token, other, count, shared = args.worker
        return _worker(url, token, other, int(count), shared == "1")
    _HEADERS[0] = not args.no_rate_limit_headers
    sections = set(args.section or (1, 2, 3))
    n = 1500 if args.quick else 3000
    print(
        "default windows: "
        + ", ".join(
            f"{w.limit}/{w.period:g}s" + (" writes" if w.writes_only else "")
            for w in DEFAULT_WINDOWS
        )
    )
    results = []
    if 1 in sections:
        print("\n1. fake clock, a fake server enforcing the windows (no real waiting)")
        results += [
            run("backlog", [0.0] * n, [i % 4 == 3 for i in range(n)]),
            run("bursts", [45.0 * (i // 60) for i in range(n)], [i % 10 == 9 for i in range(n)]),
            run("small", [0.0] * 95, [i % 4 == 3 for i in range(95)]),
            run("writes", [0.0] * 60, [True] * 60),
            run("mixed", [0.0] * 41, [i % 2 == 0 for i in range(41)]),
        ]
    headers = "with" if _HEADERS[0] else "without"
    if 2 in sections:
        print(
            "\n2. the mock with its real windows, under uvicorn on 127.0.0.1, real time "
            f"({headers} its X-Rate-Limit-* headers)"
        )
        results.append(run_real_socket(quick=args.quick))
    if 3 in sections:
        print(
            "\n3. the margin, measured: async 8 at once with margins from none to 0.1 s "
            f"({headers} the mock's X-Rate-Limit-* headers)"
        )
        measure_margins(quick=args.quick)
    return 0 if all(results) else 1


def measure_margins(quick: bool) -> None:
    """What each margin costs (makespan) and saves (429s, each a whole-second pause on the
    mock) where jitter at the 1 s windows' edges decides: 8 requests in flight at once."""
    n = 60 if quick else 100
    for margin in (0.0, 0.02, 0.05, 0.1):
        _MARGIN[0] = margin
        met = _Counted429()
        logger = logging.getLogger("issuetrak")
        logger.addHandler(met)
        logger.setLevel(logging.DEBUG)
        try:
            done, start, _, _ = _scenario("async, 8 at once", n)
        finally:
            logger.removeHandler(met)
            logger.setLevel(logging.ERROR)
            _MARGIN[0] = None
        done.sort()
        minimum = minimum_makespan([0.0] * len(done), [w for _, w in done], DEFAULT_WINDOWS)
        makespan = done[-1][0] - start
        print(
            f"margin {margin:4.2f} s  N={len(done):4d}  makespan {makespan:7.3f} s  "
            f"ratio {makespan / minimum:.3f}x  429s met {met.count}"
        )


# -- 2. a real socket ------------------------------------------------------------------------

STALL = 1.0 + 0.1 + 1.0
"""Seconds: the longest wait these bursts can need (a full 1 s window with the margin, plus one
Retry-After of the mock, which rounds up to whole seconds). A longer limiter wait is a stall."""


_SERVER = """
import json, sys
from issuetrak_mock import create_app
from issuetrak_mock.server import listening_socket, uvicorn_server
# Issuetrak's default windows, on the machine's clock; the headers unless --no-rate-limit-headers
app = create_app(issues=5, users=5, rate_limit_headers=sys.argv[1] == "1")
sock = listening_socket("127.0.0.1", 0)  # as issuetrak-mock serves: TCP_NODELAY, no 40 ms stalls
print(json.dumps([sock.getsockname()[1], app.state.tokens["admin"], app.state.tokens["agent"]]), flush=True)
uvicorn_server(app, log_level="error").run(sockets=[sock])
"""


@contextlib.contextmanager
def _served() -> Iterator[tuple[str, str, str]]:
    """The mock under uvicorn in a child process (its own GIL) on 127.0.0.1: (URL, token,
    another user's token: a budget of its own)."""
    import json

    proc = subprocess.Popen(
        [sys.executable, "-c", _SERVER, "1" if _HEADERS[0] else "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port, token, other = json.loads(proc.stdout.readline())
        url = f"http://127.0.0.1:{port}"
        for _ in range(500):  # bound before printing; serving starts a moment later
            try:
                httpx.get(f"{url}/api/v2/System", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.02)
        yield url, token, other
    finally:
        proc.terminate()
        proc.wait(10)


class _Waits(logging.Handler):
    """The limiter's waits, read from its DEBUG/WARNING lines (each is a decision it made)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.waits: list[float] = []  # (Handler.handle already holds the handler's lock)

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if text.startswith("rate limit: ") and " waits " in text:
            self.waits.append(float(text.split(" waits ")[1].split(" s ")[0]))


def _job(n: int) -> list[bool]:
    """Which of n requests are writes: every 4th (creates of priorities), the rest reads."""
    return [i % 4 == 3 for i in range(n)]


def _send(client: Issuetrak, is_write: bool, label: str) -> tuple[float, bool]:
    if is_write:
        client.priorities.create(name=label)
    else:
        client.users.get(1)
    return time.monotonic(), is_write


async def _asend(client: AsyncIssuetrak, is_write: bool, label: str) -> tuple[float, bool]:
    if is_write:
        await client.priorities.create(name=label)
    else:
        await client.users.get(1)
    return time.monotonic(), is_write


_MARGIN: list[float | None] = [None]  # None: the default margin
_HEADERS = [True]  # whether the mock sends its X-Rate-Limit-* headers


def _options(token: str, across_processes: bool = False) -> dict[str, object]:
    # the default limits (and margin): what a user gets; no deadline, a burst may queue
    margin = DEFAULT_MARGIN if _MARGIN[0] is None else _MARGIN[0]
    limits = RateLimits(margin=margin, across_processes=across_processes)
    return {"token": token, "rate_limits": limits, "deadline": None}


def _round_trip(url: str, token: str) -> float:
    """Median seconds of one GET on this machine now (10 GETs on a budget of their own)."""
    import statistics

    with Issuetrak(url, token=token, rate_limits=None) as client:
        times = []
        for _ in range(10):
            began = time.monotonic()
            client.users.get(1)
            times.append(time.monotonic() - began)
    return statistics.median(times)


def _scenario(name: str, n: int) -> tuple[list[tuple[float, bool]], float, list[float], float]:
    """Run one scenario against a fresh site: (completions, start, the waits of worker
    processes' limiters, the median round trip of a GET)."""
    writes = _job(n)
    done: list[tuple[float, bool]] = []
    worker_waits: list[float] = []
    with _served() as (url, token, other):
        trip = _round_trip(url, other)
        start = time.monotonic()
        if name == "sync":
            with Issuetrak(url, **_options(token)) as client:
                done = [_send(client, w, f"s{i}") for i, w in enumerate(writes)]
        elif name == "4 threads":
            with Issuetrak(url, **_options(token)) as client, ThreadPoolExecutor(4) as pool:
                done = list(
                    pool.map(lambda iw: _send(client, iw[1], f"t{iw[0]}"), enumerate(writes))
                )
        elif name == "async, 8 at once":

            async def main() -> list[tuple[float, bool]]:
                gate = asyncio.Semaphore(8)
                async with AsyncIssuetrak(url, **_options(token)) as client:

                    async def one(i: int, w: bool) -> tuple[float, bool]:
                        async with gate:
                            return await _asend(client, w, f"a{i}")

                    return await asyncio.gather(*(one(i, w) for i, w in enumerate(writes)))

            done = asyncio.run(main())
        else:  # two processes sharing the token, half of the job each
            shared = "1" if "across_processes" in name else "0"
            procs = [
                subprocess.Popen(
                    [sys.executable, __file__, "--worker", url, token, other, str(n // 2), shared],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for _ in range(2)
            ]
            for proc in procs:  # both started (interpreter, imports, client): go together
                assert proc.stdout is not None
                assert proc.stdout.readline().strip() == "ready"
            start = time.monotonic()
            for proc in procs:  # both at once (communicate() would wait for the first to end)
                assert proc.stdin is not None
                proc.stdin.write("go\n")
                proc.stdin.flush()
            for proc in procs:
                out, err = proc.communicate(timeout=600)
                for item in out.split():
                    t, w = item.split(",")
                    done.append((float(t), w == "1"))
                for item in err.split():
                    if item.endswith(",w"):
                        worker_waits.append(float(item[:-2]))
                    elif item.endswith(",429"):
                        _WORKER_429S[0] += int(item[:-4])
    return done, start, worker_waits, trip


_WORKER_429S = [0]  # 429s the worker processes of the last scenario met


def _worker(url: str, token: str, other: str, n: int, shared: bool) -> int:
    """One of the two processes: send its half, print completion times (CLOCK_MONOTONIC is
    system-wide on Linux, so the parent can compare them) and its limiter's waits. Warmed up
    first, as the parent is by its round trips: a GET on another budget (``other``), so that
    the first request's imports and connection are not counted as the limiter's."""
    with Issuetrak(url, token=other, rate_limits=None) as warm:
        warm.users.get(1)
    waits, met = _Waits(), _Counted429()
    logging.getLogger("issuetrak").addHandler(waits)
    logging.getLogger("issuetrak").addHandler(met)
    logging.getLogger("issuetrak").setLevel(logging.DEBUG)
    with Issuetrak(url, **_options(token, across_processes=shared)) as client:
        print("ready", flush=True)
        sys.stdin.readline()
        done = [_send(client, w, f"p{os.getpid()}-{i}") for i, w in enumerate(_job(n))]
    print(" ".join(f"{t!r},{int(w)}" for t, w in done))
    print(" ".join([*(f"{w!r},w" for w in waits.waits), f"{met.count},429"]), file=sys.stderr)
    return 0


def run_real_socket(quick: bool) -> bool:
    n = 60 if quick else 100  # at most 100: the 100/60 s window would add a minute, not a burst
    ok = True
    scenarios = (
        "sync",
        "4 threads",
        "async, 8 at once",
        "two processes, one token, across_processes",
        "two processes, one token, unshared",  # for comparison: they meet 429s
    )
    for name in scenarios:
        waits = _Waits()
        logger = logging.getLogger("issuetrak")
        logger.addHandler(waits)
        logger.setLevel(logging.DEBUG)
        met_429 = _Counted429()
        logger.addHandler(met_429)
        try:
            _WORKER_429S[0] = 0
            done, start, worker_waits, trip = _scenario(name, n)
            waits.waits += worker_waits
        finally:
            logger.removeHandler(waits)
            logger.removeHandler(met_429)
            logger.setLevel(logging.ERROR)
        done.sort()
        makespan = done[-1][0] - start
        minimum = minimum_makespan([0.0] * len(done), [w for _, w in done], DEFAULT_WINDOWS)
        ratio = makespan / minimum
        callers = {"sync": 1, "4 threads": 4, "async, 8 at once": 8}.get(name, 2)
        floor = len(done) * trip / callers  # no schedule beats the round trips themselves
        stalls = [w for w in waits.waits if w > STALL]
        good = ratio <= TARGET and not stalls and len(done) == n - (n % 2 if "two" in name else 0)
        if "unshared" in name:
            good = not stalls and len(done) == n - n % 2  # no makespan goal without sharing
        ok = ok and good
        print(
            f"{name:44s} N={len(done):4d}  makespan {makespan:7.3f} s  minimum {minimum:7.3f} s  "
            f"ratio {ratio:.3f}x (target <= {TARGET}x; round trips alone take {floor:.3f} s: "
            f"{makespan / max(minimum, floor):.3f}x of max(windows, round trips))  "
            f"stalls {len(stalls)} "
            f"(longest limiter wait {max(waits.waits, default=0.0):.3f} s)  "
            f"429s met {met_429.count + _WORKER_429S[0]}  "
            f"{'ok' if good else 'FAIL'}"
        )
    return ok


class _Counted429(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("429 on "):
            self.count += 1


if __name__ == "__main__":
    sys.exit(main())
