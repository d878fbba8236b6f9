"""In-process: every allowed operation through schemathesis's examples, coverage and fuzzing phases.

A live run does not collect this sweep; its depth tier (``test_step[depth ...]``) sends generated
cases a round at a time instead, within the request budget.
"""

from __future__ import annotations

from typing import Any

from issuetrak_tools._contract.active_run import current
from issuetrak_tools._contract.cases import check_case
from issuetrak_tools._contract.report import Recorder
from issuetrak_tools._contract.target import Target

schema = current()["schema"]


@schema.parametrize()
def test_operation_conforms(
    case: Any, contract_target: Target, contract_recorder: Recorder
) -> None:
    check_case(case, contract_target, contract_recorder)
