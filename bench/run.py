"""``python bench/run.py [--quick] [NAME ...]`` (``make bench``): run bench/*.py one after another.

Each benchmark is a standalone script that measures its subject against a baseline in the same run
and prints the ratio; this script only finds and runs them. It lives in the repository, not in the
shipped package: the benchmarks need the checkout.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

USAGE = (
    "usage: python bench/run.py [--quick] [NAME ...]  (runs bench/bench_*.py whose name has NAME)"
)


def main(argv: Sequence[str]) -> int:
    if "-h" in argv or "--help" in argv:
        print(USAGE)
        return 0
    quick = "--quick" in argv
    names = [a for a in argv if not a.startswith("-")]
    bench_dir = Path(__file__).resolve().parent
    scripts = sorted(bench_dir.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if any(n in s.stem for n in names)]
        if not scripts:
            print(f"bench: no benchmark matches {', '.join(names)} in {bench_dir}", file=sys.stderr)
            return 2
    failures = []
    for script in scripts:
        print(f"\n== {script.stem} ==", flush=True)
        code = subprocess.call([sys.executable, str(script), *(["--quick"] if quick else [])])
        if code != 0:
            failures.append(script.stem)
    if failures:
        print(f"\nbench: failed: {', '.join(failures)}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
