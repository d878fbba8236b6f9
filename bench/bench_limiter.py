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

Printed per workload: makespan, theoretical minimum, ratio (target <= 1.02x), 429s (target 0).

    python bench/bench_limiter.py [--quick]
"""

from __future__ import annotations

import argparse
import logging
import sys
from bisect import bisect_right
from dataclasses import dataclass, field

import httpx
from issuetrak import Issuetrak, RateLimits
from issuetrak._ratelimit import DEFAULT_WINDOWS, Window
from issuetrak._transport import Runtime


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
    ok = ratio <= 1.02 and server.rejected == 0 and len(server.sent_at) == len(releases)
    print(
        f"{name:8s} N={len(releases):5d}  makespan {makespan:10.3f} s  minimum {minimum:10.3f} s  "
        f"ratio {ratio:.4f}x (target <= 1.02x)  429s: {server.rejected}  {'ok' if ok else 'FAIL'}"
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    # on the fake clock, hour-long waits are normal: keep their WARNING lines out of the table
    logging.getLogger("issuetrak").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests")
    args = parser.parse_args(argv)
    n = 1500 if args.quick else 3000
    print(
        "default windows: "
        + ", ".join(
            f"{w.limit}/{w.period:g}s" + (" writes" if w.writes_only else "")
            for w in DEFAULT_WINDOWS
        )
    )
    results = [
        run("backlog", [0.0] * n, [i % 4 == 3 for i in range(n)]),
        run("bursts", [45.0 * (i // 60) for i in range(n)], [i % 10 == 9 for i in range(n)]),
        run("small", [0.0] * 95, [i % 4 == 3 for i in range(95)]),
        run("writes", [0.0] * 60, [True] * 60),
        run("mixed", [0.0] * 41, [i % 2 == 0 for i in range(41)]),
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
