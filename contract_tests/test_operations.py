"""Every allowed operation, through schemathesis's examples, coverage and fuzzing phases."""

from __future__ import annotations

from typing import Any

import pytest
from issuetrak_tools._contract.report import Recorder
from issuetrak_tools._contract.runner import RequestBudgetExhausted, Target, check_case
from issuetrak_tools._contract.session import current

schema = current()["schema"]


@schema.parametrize()
def test_operation_conforms(
    case: Any, contract_target: Target, contract_recorder: Recorder
) -> None:
    try:
        check_case(case, contract_target, contract_recorder)
    except RequestBudgetExhausted as exc:
        pytest.skip(str(exc))
