"""Paging invariants across successive pages of one query, per paged operation."""

from __future__ import annotations

import pytest
from issuetrak_tools._contract.paging import PagedOperation, paged_operations, walk_pages
from issuetrak_tools._contract.report import Recorder
from issuetrak_tools._contract.runner import Target
from issuetrak_tools._contract.session import current


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "paged_operation" in metafunc.fixturenames:
        ops = paged_operations(current()["document"])
        metafunc.parametrize("paged_operation", ops, ids=[op.label for op in ops])


def test_pages_are_consistent(
    paged_operation: PagedOperation, contract_target: Target, contract_recorder: Recorder
) -> None:
    if not contract_target.policy.allows(paged_operation.method, paged_operation.path):
        pytest.skip("not allowed by this run")
    contract_recorder.saw_case(paged_operation.label)
    problems = list(
        walk_pages(
            contract_target.client,
            contract_target.base_url,
            paged_operation,
            contract_target.headers,
            # two pages already show repeats and a drifting itemTotal; a live site's windows are small
            max_pages=2 if contract_target.live else 4,
            secrets=contract_target.secrets,
        )
    )
    for record in problems:
        contract_recorder.add_failure(record)
    for name in (
        "paging_page_size",
        "paging_page_count",
        "paging_item_total_stable",
        "paging_no_repeats",
        "paging_item_total_matches",
    ):
        contract_recorder.ran_check(name)
    assert not problems, "\n".join(f"{p.check}: {p.message}\n  {p.curl}" for p in problems)
