"""A contract run focused on what a usage file names (``issuetrak contract --usage FILE``).

The usage's operations, found in the pinned document (a renamed path parameter still matches),
become the run's selection: the plan then holds only their steps (plus the discovery of the iids
they need), so the run costs a fraction of the full run's requests.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from issuetrak_tools.spec import iter_operations

__all__ = ["operation_patterns", "usage_operations"]

_TEMPLATE = re.compile(r"\{[^}/]*\}")


def _blank(label: str) -> str:
    return _TEMPLATE.sub("{}", label).lower()


def usage_operations(
    usage: Mapping[str, Any], document: Mapping[str, Any]
) -> tuple[list[str], list[str]]:
    """(the document's labels of the operations the usage calls, the usage's keys it lacks)."""
    labels = {
        _blank(f"{op.method} {op.path}"): f"{op.method} {op.path}"
        for op in iter_operations(document)
    }
    found = {key: labels.get(_blank(key)) for key in usage.get("operations", {})}
    return sorted(v for v in found.values() if v), sorted(k for k, v in found.items() if not v)


def operation_patterns(labels: list[str]) -> list[str]:
    """``--operations`` patterns selecting exactly ``labels``."""
    return [f"^{re.escape(label)}$" for label in labels]
