"""What a live contract run checks per request, and what share of real deviations it catches.

    python bench/bench_checks.py [--quick]

Two measurements, each against the project's mock served by uvicorn on 127.0.0.1 as a live site,
through a counting proxy (ASGI middleware that counts every request that reaches the site):

1. **Checks per request.** The read-only live run (the suite's own live path: preflight, plan,
   steps, report) with a budget of 100 and of 400 requests (the default): operations covered
   (sent, and answered with success and checked), checks exercised, and the proxy's count beside
   the run's own.
2. **Catch rate.** Every named deviation of the harness (``tests/contract/deviations.py``: the
   mock behind a middleware that breaks one rule) under a default read-only run and a default run
   with writes (with deletes as well for a deviation only a delete shows), against the faithful
   mock under the same runs: the share caught (a check that
   owns the rule reports it), and the false positives on the faithful mock. ``--quick`` runs each
   deviation focused on the operations that show it, instead of the whole document.

The harness lives with the tests (it is test data); this script loads it from there.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the deviation harness is test data under tests/

from tests.contract import deviations  # noqa: E402
from tests.contract.live import LiveResult, mock_site, run_live  # noqa: E402


def _run(app: Any, token: str, **options: Any) -> LiveResult:
    with tempfile.TemporaryDirectory() as folder:
        return run_live(app, token, Path(folder), **options)


def checks_per_request() -> None:
    print("checks per request (read-only live run, faithful mock on loopback, counting proxy):")
    for budget in (100, 400):
        with mock_site(issues=300) as (app, token):
            started = time.perf_counter()
            result = _run(app, token, max_requests=budget)
            elapsed = time.perf_counter() - started
        recorder = result.recorder
        print(
            f"  after {budget:3d} requests (proxy counted {result.requests_seen}, the run "
            f"{result.requests_sent}): operations sent {len(recorder.operations)}, positively "
            f"checked {len(recorder.positive)}; checks exercised {len(recorder.checks)}; "
            f"false positives {len(recorder.failures)}; {elapsed:.1f} s"
        )
        print(f"    checks: {', '.join(sorted(recorder.checks))}")
        left = {tier: len(steps) for tier, steps in recorder.unchecked.items()}
        print(f"    left unchecked by tier: {left or 'nothing'}")


def catch_rate(quick: bool) -> None:
    label = "focused runs" if quick else "default runs (budget 400)"
    print(f"\ncatch rate over {len(deviations.DEVIATIONS)} named deviations, {label}:")
    for writes in (False, True):
        mode = "with writes" if writes else "read-only"
        with mock_site() as (app, token):
            faithful = _run(app, token, allow_writes=writes, allow_destructive=writes)
        caught, missed, seen_only_with_writes = 0, [], 0
        started = time.perf_counter()
        for deviation in deviations.DEVIATIONS:
            # a deviation only a delete can show gets --allow-destructive too in the writes run
            options: dict[str, Any] = {
                "allow_writes": writes,
                "allow_destructive": writes and deviation.destructive,
            }
            if quick:
                options.update(
                    operations=list(deviation.operations),
                    max_requests=0,
                    max_examples=deviation.depth,
                )
            with mock_site() as (app, token):
                result = _run(deviations.deviate(deviation.name, app), token, **options)
            if result.failing_checks & deviation.checks:
                caught += 1
            else:
                missed.append(deviation.name)
                seen_only_with_writes += deviation.writes
        total = len(deviations.DEVIATIONS)
        visible = total - (0 if writes else sum(d.writes for d in deviations.DEVIATIONS))
        print(
            f"  {mode:11s}: caught {caught}/{total} = {caught / total:.0%} "
            f"({caught}/{visible} = {caught / visible:.0%} of those a {mode} run can see); "
            f"false positives on the faithful mock: {len(faithful.recorder.failures)}; "
            f"{time.perf_counter() - started:.0f} s"
        )
        if missed:
            print(f"    missed: {', '.join(missed)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="focused runs per deviation (a minute or two)"
    )
    options = parser.parse_args(argv)
    checks_per_request()
    catch_rate(options.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
