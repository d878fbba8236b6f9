"""The coverage phase is sampled: at most N cases per operation and generation mode are sent."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from issuetrak_tools._contract.target import CoverageBudget


def _case(label: str, phase: str, mode: str) -> Any:
    meta = SimpleNamespace(
        phase=SimpleNamespace(name=phase),
        generation=SimpleNamespace(mode=SimpleNamespace(value=mode)),
    )
    return SimpleNamespace(meta=meta, operation=SimpleNamespace(label=label))


def test_coverage_cases_beyond_the_budget_are_not_sent() -> None:
    budget = CoverageBudget(2)
    admitted = [budget.admit(_case("GET /Users", "coverage", "positive")) for _ in range(5)]
    assert admitted == [True, True, False, False, False]
    assert budget.admit(_case("GET /Users", "coverage", "negative"))
    assert budget.admit(_case("GET /Causes", "coverage", "positive"))
    assert budget.skipped == 3


def test_other_phases_are_never_limited() -> None:
    budget = CoverageBudget(1)
    assert all(budget.admit(_case("GET /Users", "fuzzing", "positive")) for _ in range(10))
    assert all(budget.admit(_case("GET /Users", "examples", "positive")) for _ in range(10))
    assert budget.skipped == 0
