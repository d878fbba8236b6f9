"""The limiter against the mock's real windows on a real socket: every call gets through, and no
wait is longer than the windows (and a pause the site asked for) require.

What is asserted does not depend on the machine's speed: the limiter's own decisions (each wait
it chose, read from its log lines) and the outcome of every call. How close the makespan comes
to the theoretical minimum is measured by bench/bench_limiter.py.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from issuetrak import AsyncIssuetrak, Issuetrak, RateLimits

from .faultproxy import served

pytestmark = [pytest.mark.network, pytest.mark.slow]

N = 30  # reads: the 20/1 s window binds once
LONGEST_NEEDED = 1.0 + 0.1 + 1.0
"""A full 1 s window with the default margin, plus one Retry-After of the mock (whole seconds):
the most any single wait of these bursts can need. The old stall was ten minutes."""


class Waits(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.waits: list[float] = []
        self.met_429 = 0

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if text.startswith("rate limit: ") and " waits " in text:
            self.waits.append(float(text.split(" waits ")[1].split(" s ")[0]))
        elif text.startswith("429 on "):
            self.met_429 += 1


@pytest.fixture
def site() -> Iterator[tuple[str, str]]:
    from issuetrak_mock import create_app

    app = create_app(issues=5, users=5)  # Issuetrak's default windows
    with served(app) as url:
        yield url, app.state.tokens["admin"]


@pytest.fixture
def waits() -> Iterator[Waits]:
    handler = Waits()
    logger = logging.getLogger("issuetrak")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def _client_options(token: str) -> dict[str, object]:
    return {"token": token, "rate_limits": RateLimits(), "deadline": 60}


def _no_stall(waits: Waits) -> None:
    assert waits.waits, "the burst never had to wait: the windows did not bind"
    assert max(waits.waits) <= LONGEST_NEEDED, waits.waits


def test_sync_burst(site, waits) -> None:
    url, token = site
    with Issuetrak(url, **_client_options(token)) as client:
        assert [client.users.get(1).iid for _ in range(N)] == [1] * N
        assert client.rate_limiter is not None and client.rate_limiter.granted >= N
    _no_stall(waits)


def test_four_threads(site, waits) -> None:
    url, token = site
    with Issuetrak(url, **_client_options(token)) as client, ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda _: client.users.get(1).iid, range(N)))
    assert got == [1] * N
    _no_stall(waits)


def test_async_eight_at_once(site, waits) -> None:
    url, token = site

    async def main() -> list[int]:
        gate = asyncio.Semaphore(8)
        async with AsyncIssuetrak(url, **_client_options(token)) as client:

            async def one() -> int:
                async with gate:
                    return (await client.users.get(1)).iid

            return await asyncio.gather(*(one() for _ in range(N)))

    assert asyncio.run(main()) == [1] * N
    _no_stall(waits)


WORKER = """
import logging, sys
from issuetrak import Issuetrak, RateLimits
waits = []
class H(logging.Handler):
    def emit(self, record):
        text = record.getMessage()
        if text.startswith("rate limit: ") and " waits " in text:
            waits.append(float(text.split(" waits ")[1].split(" s ")[0]))
logging.getLogger("issuetrak").addHandler(H())
logging.getLogger("issuetrak").setLevel(logging.DEBUG)
limits = RateLimits(across_processes=sys.argv[4] == "1")
with Issuetrak(sys.argv[1], token=sys.argv[2], rate_limits=limits, deadline=60) as client:
    ok = sum(client.users.get(1).iid == 1 for _ in range(int(sys.argv[3])))
print(ok, max(waits, default=0.0))
"""


@pytest.mark.parametrize("across_processes", ["0", "1"], ids=["unshared", "across_processes"])
def test_two_processes_sharing_a_token(site, across_processes: str, tmp_path, monkeypatch) -> None:
    url, token = site
    monkeypatch.setenv("ISSUETRAK_RATE_LIMIT_DIR", str(tmp_path))  # the workers inherit it
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, url, token, str(N), across_processes],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [proc.communicate(timeout=300)[0].split() for proc in procs]
    assert [int(ok) for ok, _ in results] == [N, N]  # every call got through, 429s or not
    assert max(float(longest) for _, longest in results) <= LONGEST_NEEDED
