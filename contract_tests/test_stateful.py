"""Link-driven sequences (create -> get -> update -> search) on the same records (writes only).

The links are derived from the document's conventions (``issuetrak_tools._contract.links``).
"""

from __future__ import annotations

from typing import Any

from issuetrak_tools._contract.lifecycle import run_stateful


def test_linked_operations_conform(contract_state: dict[str, Any]) -> None:
    run_stateful(contract_state["run"])
