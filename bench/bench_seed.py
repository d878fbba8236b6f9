"""How the mock's seeding scales: building a site of N issues, side by side with a small site.

``create_app(issues=N)`` loads the document, builds the routes and seeds the demo data. The fixed
part (everything but the issues) is measured as a site with 0 issues; the cost per issue of a
large site is compared with that of a 200-issue site built in the same rounds (interleaved, so
load from other processes hits every size alike). A ratio near 1.0x means seeding is linear:
a 10,000-issue site for a benchmark costs 50 times a 200-issue one, not more.

    python bench/bench_seed.py [--quick] [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import time

from issuetrak_mock import create_app

SMALL = 200


def _build(issues: int) -> float:
    started = time.perf_counter()
    create_app(seed=1, issues=issues, rate_limits=None)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 issues at most, 3 rounds")
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default: 5; quick: 3)")
    args = parser.parse_args()
    sizes = [0, SMALL, 2_000] if args.quick else [0, SMALL, 2_000, 10_000]
    rounds = args.rounds or (3 if args.quick else 5)
    _build(0)  # warm-up: imports and the document cache
    times: dict[int, list[float]] = {size: [] for size in sizes}
    for _ in range(rounds):
        for size in sizes:
            times[size].append(_build(size))
    median = {size: statistics.median(values) for size, values in times.items()}
    fixed = median[0]
    per_issue_small = (median[SMALL] - fixed) / SMALL
    print(f"mock seeding, median of {rounds} rounds (fixed part: {fixed * 1000:.0f} ms)")
    print(f"{'issues':>8}  {'build':>9}  {'per issue':>10}  {'vs ' + str(SMALL) + ' issues':>14}")
    for size in sizes[1:]:
        per_issue = (median[size] - fixed) / size
        ratio = per_issue / per_issue_small if per_issue_small > 0 else float("nan")
        print(f"{size:>8,}  {median[size]:>8.2f}s  {per_issue * 1e6:>8.0f} us  {ratio:>13.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
