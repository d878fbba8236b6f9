"""``issuetrak dev test|lint``: the project's own checks, callable without make."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence

from issuetrak.spec import project_root

__all__ = ["main"]

LINT_TARGETS = ["overlay", "mock", "contract_tests", "tests", "bench"]
TYPED_PACKAGES = ["issuetrak", "issuetrak_mock"]


def _run(args: Sequence[str]) -> int:
    print("+", " ".join(args), flush=True)
    return subprocess.call(list(args), cwd=project_root())


def test(extra: Sequence[str]) -> int:
    code = _run([sys.executable, "-m", "pytest", "tests", *extra])
    # pytest's "no tests ran" must not pass for a green run
    return 1 if code == 5 else code


def lint(extra: Sequence[str]) -> int:
    steps = [
        [sys.executable, "-m", "ruff", "check", *LINT_TARGETS],
        [sys.executable, "-m", "ruff", "format", "--check", *LINT_TARGETS],
        [sys.executable, "-m", "mypy", *(arg for pkg in TYPED_PACKAGES for arg in ("-p", pkg))],
    ]
    failed = [" ".join(step[2:4]) for step in steps if _run([*step, *extra]) != 0]
    if failed:
        print(f"lint: failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def main(argv: Sequence[str]) -> int:
    if not argv or argv[0] not in ("test", "lint"):
        print("usage: issuetrak dev test [pytest args] | lint", file=sys.stderr)
        return 2
    return test(argv[1:]) if argv[0] == "test" else lint(argv[1:])
