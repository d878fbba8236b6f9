"""The escalation example's committed usage file is what its tests record now."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "escalation"


@pytest.mark.slow
def test_the_committed_usage_file_is_what_the_tests_record(tmp_path: Path) -> None:
    recorded = tmp_path / "usage.json"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
            "-n",
            "0",
            f"--issuetrak-usage={recorded}",
            str(EXAMPLE),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-2000:]
    assert recorded.read_text() == (EXAMPLE / "usage.json").read_text(), (
        "examples/escalation/usage.json is stale: regenerate it with "
        "`pytest examples/escalation --issuetrak-usage=examples/escalation/usage.json` "
        "(after deleting it)"
    )
