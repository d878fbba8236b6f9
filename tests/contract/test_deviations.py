"""The live path over a real loopback socket catches each named deviation by the check that owns
it, and reports nothing against the faithful mock with the same focus."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import deviations
from .live import mock_site, run_live

pytestmark = pytest.mark.network

FOCUS = list(deviations.CAUSES)  # every operation the focused deviation runs use


@pytest.mark.parametrize("writes", [False, True], ids=["read-only", "with-writes"])
def test_the_faithful_mock_reports_nothing_with_the_deviation_tests_focus(
    tmp_path: Path, writes: bool
) -> None:
    with mock_site() as (app, token):
        result = run_live(
            app,
            token,
            tmp_path,
            restricted_token=str(app.state.tokens["end_user"]),
            operations=FOCUS,
            max_requests=0,
            max_examples=2,
            allow_writes=writes,
        )
    assert result.recorder.failures == {}
    assert result.outcomes["passed"] > 10
    assert "write_persisted" in result.recorder.checks or not writes


@pytest.mark.parametrize("deviation", deviations.DEVIATIONS, ids=lambda d: d.name)
def test_each_deviation_is_reported_by_its_check(
    tmp_path: Path, deviation: deviations.Deviation
) -> None:
    with mock_site() as (app, token):
        result = run_live(
            deviations.deviate(deviation.name, app),
            token,
            tmp_path,
            restricted_token=str(app.state.tokens["end_user"]),
            operations=list(deviation.operations),
            max_requests=0,
            max_examples=deviation.depth,
            allow_writes=deviation.writes,
            allow_destructive=deviation.destructive,
            # each deviation shows in a planned step; the linked sequences have their own tests
            stateful_examples=0,
        )
    assert result.failing_checks & deviation.checks, (
        f"{deviation.name} ({deviation.description}) was reported by {sorted(result.failing_checks)}, "
        f"expected one of {sorted(deviation.checks)}"
    )
    assert result.requests_sent == result.requests_seen  # counted exactly at the transport


def test_the_harness_has_at_least_twenty_named_deviations() -> None:
    names = [d.name for d in deviations.DEVIATIONS]
    assert len(set(names)) == len(names) >= 20
    assert all(d.description and d.checks for d in deviations.DEVIATIONS)
