"""One budget across processes: ``RateLimits(across_processes=True)`` keeps the grants of every
process using the same site and token in one locked file, so together they stay under the
site's windows instead of learning of each other from 429s."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from issuetrak import Issuetrak, ProcessSharedRateLimiter, RateLimiter, RateLimits, Window
from issuetrak._ratelimit import SETTLE_GUARD

from .test_ratelimit import SMALL, window_counts_ok

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX file locks")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _pair(path: Path, limits: RateLimits = SMALL) -> tuple[RateLimiter, RateLimiter, Clock]:
    """Two limiters that share nothing in memory, only the file: two processes, in one."""
    clock = Clock()
    return (
        ProcessSharedRateLimiter(limits, path=path, clock=clock),
        ProcessSharedRateLimiter(limits, path=path, clock=clock),
        clock,
    )


steps = st.lists(
    st.tuples(st.booleans(), st.floats(0.0, 0.6, allow_nan=False), st.booleans()),
    min_size=1,
    max_size=50,
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=steps)
def test_two_limiters_on_one_file_keep_every_window_together(tmp_path: Path, steps) -> None:
    path = tmp_path / f"budget-{os.urandom(4).hex()}"
    first, second, clock = _pair(path)
    grants: list[tuple[float, bool]] = []
    for which, gap, is_write in steps:
        clock.now += gap
        wait = (first if which else second).reserve(is_write, clock.now)
        assert wait is not None
        grants.append((clock.now + wait, is_write))
    assert window_counts_ok(grants, SMALL.windows)


def test_without_the_file_two_limiters_overrun_the_window_together() -> None:
    # what the shared file prevents: each process alone thinks it has the whole budget
    first, second = RateLimiter(SMALL), RateLimiter(SMALL)
    grants = [(0.0 + (first if i % 2 else second).reserve(False, 0.0), False) for i in range(8)]
    assert not window_counts_ok(grants, SMALL.windows)


def test_a_pause_one_process_met_holds_the_other_too(tmp_path: Path) -> None:
    first, second, clock = _pair(tmp_path / "budget")
    first.on_rate_limited(2.5, clock.now)
    assert second.reserve(False, clock.now) == 2.5
    assert second.paused_until == 2.5


def test_a_slot_given_back_by_one_is_free_for_the_other(tmp_path: Path) -> None:
    limits = RateLimits([Window(1, 10.0)], margin=0.0)
    first, second, _clock = _pair(tmp_path / "budget", limits)
    assert first.reserve(False, 0.0) == 0.0
    first.release(False, 0.0)
    assert second.reserve(False, 0.0) == 0.0


def test_a_damaged_file_is_started_afresh(tmp_path: Path) -> None:
    path = tmp_path / "budget"
    path.write_bytes(b"not a budget file at all")
    limits = RateLimits([Window(1, 1.0)], margin=0.0)
    limiter = ProcessSharedRateLimiter(limits, path=path, clock=Clock())
    assert limiter.reserve(False, 0.0) == 0.0
    assert limiter.reserve(False, 0.0) == 1.0  # and it is written properly from then on


def test_times_written_before_a_reboot_are_ignored(tmp_path: Path) -> None:
    import struct
    import time
    from array import array

    path = tmp_path / "budget"
    # a file whose clock base is a day off: its monotonic times belong to another boot
    header = struct.Struct("<8sddII").pack(b"ITRLv1\0\0", time.time() - 86400, 0.0, 1, 0)
    path.write_bytes(header + array("d", [time.monotonic() + 50]).tobytes())
    limiter = ProcessSharedRateLimiter(RateLimits([Window(1, 100.0)], margin=0.0), path=path)
    assert limiter.reserve(False, time.monotonic()) == 0.0


def test_a_client_with_across_processes_uses_a_file_named_without_the_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ISSUETRAK_RATE_LIMIT_DIR", str(tmp_path / "budgets"))
    token = f"tok-{os.urandom(8).hex()}"
    limits = RateLimits(across_processes=True)
    with Issuetrak("https://site.example", token=token, rate_limits=limits) as client:
        limiter = client.rate_limiter
        assert isinstance(limiter, ProcessSharedRateLimiter)
        assert limiter.grant_now(False)
    files = list((tmp_path / "budgets").iterdir())
    assert len(files) == 1 and token not in files[0].name
    assert token.encode() not in files[0].read_bytes()
    assert (files[0].stat().st_mode & 0o777) == 0o600


WORKER = """
import json, sys
from issuetrak import ProcessSharedRateLimiter, RateLimits, Window
limiter = ProcessSharedRateLimiter(RateLimits([Window(4, 0.3)], margin=0.0), path=sys.argv[1])
sys.stdin.readline()  # start together
from issuetrak._ratelimit import last_grant
grants = []
for _ in range(int(sys.argv[2])):
    limiter.acquire(False)
    grants.append(last_grant())  # the slot's time, as the limiter recorded it
print(json.dumps(grants))
"""


def test_two_real_processes_stay_under_the_windows_together(tmp_path: Path) -> None:
    # grants are decided under the file lock, so what holds does not depend on the machine's
    # speed: the union of both processes' grant times keeps the window
    path = tmp_path / "budget"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(path), "10"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [proc.communicate("go\n", timeout=120)[0] for proc in procs]
    grants = [(t, False) for out in outputs for t in json.loads(out)]
    assert len(grants) == 20
    assert window_counts_ok(grants, (Window(4, 0.3),))


def test_a_slot_settled_by_one_process_is_seen_settled_by_the_other(tmp_path: Path) -> None:
    limits = RateLimits([Window(1, 1.0)], margin=0.5)
    first, second, _clock = _pair(tmp_path / "budget", limits)
    assert first.reserve(False, 0.0) == 0.0
    # answered after 0.1 s
    assert first.settle(False, 0.0, 0.1) == pytest.approx(-0.4 + SETTLE_GUARD)
    # the window ends 1 s after the answer (1.1), not 1 s after grant + margin (1.5)
    assert second.reserve(False, 0.5) == pytest.approx(0.6 + SETTLE_GUARD)
