"""Link-driven sequences (create -> get -> update -> search) on the same records."""

from __future__ import annotations

import json
from typing import Any

import hypothesis
import pytest
from issuetrak_tools._contract.report import Recorder
from issuetrak_tools._contract.runner import RunSettings, Target, state_machine


def test_linked_operations_conform(
    contract_schema: Any,
    contract_target: Target,
    contract_recorder: Recorder,
    contract_settings: RunSettings,
) -> None:
    if not contract_target.policy.allow_writes:
        pytest.skip(
            "stateful sequences start with creates; run with --allow-writes against a sandbox site"
        )
    if '"links"' not in json.dumps(contract_schema.raw_schema.get("paths", {})):
        pytest.skip("no linked operations among the selected ones (see contract_tests/links.json)")
    machine = state_machine(contract_schema, contract_target, contract_recorder)
    machine.run(
        settings=hypothesis.settings(
            max_examples=contract_settings.stateful_examples,
            stateful_step_count=contract_settings.stateful_steps,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
    )
