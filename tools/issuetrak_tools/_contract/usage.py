"""A contract run focused on what a usage file names (``issuetrak contract --usage FILE``).

The usage's operations, found in the pinned document (a renamed path parameter still matches),
become the run's selection: the plan then holds only their steps (plus the discovery of the iids
they need), so the run costs a fraction of the full run's requests.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from issuetrak_tools._usage import walk_usage

__all__ = ["operation_patterns", "usage_operations"]


def usage_operations(
    usage: Mapping[str, Any], document: Mapping[str, Any]
) -> tuple[list[str], list[str]]:
    """(the document's labels of the operations the usage calls, the usage's keys it lacks)."""
    found = walk_usage({"operations": {k: {} for k in usage.get("operations", {})}}, document)
    missing = sorted(f.item for f in found.findings)
    return sorted(found.operations), missing


def operation_patterns(labels: list[str]) -> list[str]:
    """``--operations`` patterns selecting exactly ``labels``."""
    return [f"^{re.escape(label)}$" for label in labels]
