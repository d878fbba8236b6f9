"""``contract --usage``: the run focused on the escalation example's operations, over loopback,
passes against the faithful mock and fails on a deviation in what the example uses."""

from __future__ import annotations

from pathlib import Path

import pytest
from issuetrak.usage import load_usage
from issuetrak_tools._contract.usage import focus_document, operation_patterns, usage_operations
from issuetrak_tools.cli.contract import main
from issuetrak_tools.spec import load_document

from . import deviations
from .live import mock_site, run_live

pytestmark = pytest.mark.network

USAGE = Path(__file__).parents[2] / "examples" / "escalation" / "usage.json"


def _focus() -> list[str]:
    labels, missing = usage_operations(load_usage(USAGE), load_document())
    assert missing == []
    return operation_patterns(labels)


@pytest.mark.parametrize("deviation", [None, "iid_as_string", "page_number_ignored_past_one"])
def test_the_focused_run_fails_only_on_a_deviation_in_what_the_example_uses(
    tmp_path: Path, deviation: str | None
) -> None:
    with mock_site() as (app, token):
        site = deviations.deviate(deviation, app) if deviation else app
        result = run_live(
            site, token, tmp_path, operations=_focus(), max_requests=0, max_examples=2
        )
    if deviation is None:
        assert result.recorder.failures == {}
        assert result.outcomes["passed"] > 5
    else:
        assert result.failing_checks, f"{deviation} went unnoticed by the focused run"


@pytest.mark.parametrize("focused", [False, True], ids=["all properties", "properties read"])
def test_a_deviation_in_properties_the_example_never_reads_fails_only_the_unfocused_run(
    tmp_path: Path, focused: bool
) -> None:
    usage = {"usage": str(USAGE)} if focused else {}
    with mock_site() as (app, token):
        site = deviations.deviate("date_time_not_iso", app)
        result = run_live(
            site, token, tmp_path, operations=_focus(), max_requests=0, max_examples=2, **usage
        )
    assert bool(result.failing_checks) is not focused, sorted(result.failing_checks)


def test_the_focused_document_limits_only_answers_the_example_reads() -> None:
    from issuetrak_tools._contract.document import contract_document

    document, _ = contract_document(None)
    focused = focus_document(document, load_usage(USAGE))
    schemas, whole = focused["components"]["schemas"], document["components"]["schemas"]
    assert set(schemas["Issue"]["properties"]) == {"iid", "issueNumber", "assignedToUser"}
    assert schemas["AdvancedIssueFilter"] == whole["AdvancedIssueFilter"]  # sent: kept whole
    assert schemas["PagedIssueResponse"] == whole["PagedIssueResponse"]  # not read: kept whole
    assert document["components"]["schemas"]["Issue"] is whole["Issue"]  # the input is untouched
    assert len(whole["Issue"]["properties"]) > 3


def test_a_usage_calling_what_the_document_lacks_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    usage = tmp_path / "usage.json"
    usage.write_text(
        '{"format": "issuetrak-usage/1", "labels": [], "operations": {"GET /Nowhere": {}}, "reads": {}}'
    )
    assert main([f"--usage={usage}", f"--report-dir={tmp_path}"]) == 1
    assert "GET /Nowhere" in capsys.readouterr().err
    usage.write_text("[]")
    assert main([f"--usage={usage}", f"--report-dir={tmp_path}"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
