"""``issuetrak bench [--quick] [NAME ...]``: run bench/*.py one after another and show their ratios.

Each benchmark is a standalone script that measures its subject against a baseline in the same run
and prints the ratio; this command only finds and runs them.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence

from issuetrak.spec import project_root

__all__ = ["main"]


def main(argv: Sequence[str]) -> int:
    quick = "--quick" in argv
    names = [a for a in argv if not a.startswith("-")]
    bench_dir = project_root() / "bench"
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
