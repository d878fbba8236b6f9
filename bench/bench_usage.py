"""Contracts of an integration: the focused contract run against the full one, and ``usage check``.

    python bench/bench_usage.py [--quick]

1. The escalation example (``examples/escalation/usage.json``): ``issuetrak contract --site``
   against the mock served on 127.0.0.1 (a fresh site per run, its rate limits and the client's
   off), the full read-only run and the run focused by ``--usage``, one after the other; printed:
   requests sent (from each run's summary.json) and time, and their ratios (target: the focused run
   sends at most 15% of the full run's requests).
2. ``issuetrak usage check --usage examples/escalation/usage.json`` against every pinned label,
   timed in process over a few rounds (median), beside loading the pinned document alone.

The recording overhead (recording off and on against the plain client) is in bench_overhead.py.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
USAGE = ROOT / "examples" / "escalation" / "usage.json"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _contract_run(extra: list[str], report_dir: Path) -> tuple[int, float, int]:
    """(requests sent, seconds, exit code) of one live run against a fresh mock on loopback."""
    import issuetrak_mock
    import uvicorn

    app = issuetrak_mock.create_app(seed=0, rate_limits=None)
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=_free_port(), log_level="warning", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    env = {**os.environ, "ISSUETRAK_TOKEN": app.state.tokens["admin"]}
    command = [sys.executable, "-m", "issuetrak_tools", "contract", "--no-rate-limit"]
    command += [f"--site=http://127.0.0.1:{port}", f"--report-dir={report_dir}", *extra]
    try:
        start = time.perf_counter()
        done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
        seconds = time.perf_counter() - start
    finally:
        server.should_exit = True
        thread.join(10)
    summary = json.loads((report_dir / "summary.json").read_text())
    return int(summary["stats"]["requests_sent"]), seconds, done.returncode


def _time_check(rounds: int) -> tuple[float, float, str]:
    from issuetrak_tools.cli import main
    from issuetrak_tools.spec import load_document, pinned_labels

    checks, loads = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            code = main(["usage", "check", "--usage", str(USAGE)])
        checks.append(time.perf_counter() - start)
        start = time.perf_counter()
        for label in pinned_labels():
            load_document(label)
        loads.append(time.perf_counter() - start)
        if code != 0:
            raise SystemExit(f"usage check exited {code}")
    return statistics.median(checks), statistics.median(loads), ", ".join(pinned_labels())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer usage-check rounds")
    options = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        full = _contract_run([], Path(tmp) / "full")
        focused = _contract_run([f"--usage={USAGE}"], Path(tmp) / "focused")
    print("escalation example, live runs against the mock on 127.0.0.1 (read-only):")
    for name, (sent, seconds, code) in (("full", full), ("focused --usage", focused)):
        print(f"  {name:16s} {sent:5d} requests  {seconds:7.1f} s  exit {code}")
    share = focused[0] / full[0]
    verdict = "ok" if share <= 0.15 else "ABOVE TARGET"
    print(f"ratio focused / full: requests {share:.3f}x (target <= 0.15x): {verdict}")
    print(f"ratio focused / full: time {focused[1] / full[1]:.3f}x")

    check, load, labels = _time_check(3 if options.quick else 7)
    print(f"\nusage check against every pinned label ({labels}): median {check * 1000:.0f} ms")
    print(f"ratio usage check / loading the pinned documents alone: {check / load:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
