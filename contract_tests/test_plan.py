"""The run's plan, step by step: positive cases, error paths, paging, searches, depth (see
``issuetrak_tools._contract.plan``). Each step is one test, in the plan's breadth-first order."""

from __future__ import annotations

import pytest
from issuetrak_tools._contract.active_run import current
from issuetrak_tools._contract.plan import Step
from issuetrak_tools._contract.steps import Engine


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "step" in metafunc.fixturenames:
        steps = current()["plan"].steps
        metafunc.parametrize("step", steps, ids=[step.id for step in steps])


def test_step(step: Step, contract_engine: Engine) -> None:
    contract_engine.execute(step)
