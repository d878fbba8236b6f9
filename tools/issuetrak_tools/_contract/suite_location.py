"""Where the contract suite (the pytest files ``issuetrak contract`` runs) is, and what it writes.

In a checkout the suite is the repository's ``contract_tests/``; an installed wheel carries the same
files as ``issuetrak_tools/contract_tests/`` (packed by the build hook).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["REPORT_FILES", "SHARED_CASES_VARIABLE", "suite_dir"]

# what a run writes into --report-dir (removed before each run, so none is left from an older one)
REPORT_FILES = ("junit.xml", "report.md", "summary.json")

# a folder where runs share the cases they draw (see ``case_memo``); unset, each process draws
SHARED_CASES_VARIABLE = "ISSUETRAK_CONTRACT_CASES"

_PACKAGE = Path(__file__).resolve().parent.parent


def suite_dir() -> Path:
    """The folder holding the suite's ``conftest.py``."""
    installed = _PACKAGE / "contract_tests"
    if (installed / "conftest.py").is_file():
        return installed
    return _PACKAGE.parent.parent / "contract_tests"
