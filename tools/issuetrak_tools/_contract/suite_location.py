"""Where the contract suite (the pytest files ``issuetrak contract`` runs) is, and what it writes.

In a checkout the suite is the repository's ``contract_tests/``; an installed wheel carries the same
files as ``issuetrak_tools/contract_tests/`` (packed by the build hook).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["REPORT_FILES", "suite_dir"]

# what a run writes into --report-dir (removed before each run, so none is left from an older one)
REPORT_FILES = ("junit.xml", "report.md", "summary.json")

_PACKAGE = Path(__file__).resolve().parent.parent


def suite_dir() -> Path:
    """The folder holding the suite's ``conftest.py``."""
    installed = _PACKAGE / "contract_tests"
    if (installed / "conftest.py").is_file():
        return installed
    return _PACKAGE.parent.parent / "contract_tests"
