"""Targeted searches: criteria built from the site's own data must be honoured."""

from __future__ import annotations

from typing import Any

import pytest
from issuetrak_tools._contract.report import Recorder
from issuetrak_tools._contract.runner import Target
from issuetrak_tools._contract.searchprobe import probe_search, search_operations
from issuetrak_tools._contract.session import current


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "search_path" in metafunc.fixturenames:
        paths = search_operations(current()["document"])
        metafunc.parametrize("search_path", paths, ids=[f"POST {p}" for p in paths])


def test_search_honours_criteria(
    search_path: str,
    contract_target: Target,
    contract_recorder: Recorder,
    contract_document: dict[str, Any],
) -> None:
    contract_recorder.saw_case(f"POST {search_path}")
    contract_recorder.ran_check("search_matches_filter")
    problems = list(
        probe_search(
            contract_target.client,
            contract_target.base_url,
            contract_document,
            search_path,
            contract_target.headers,
            secrets=contract_target.secrets,
        )
    )
    for record in problems:
        contract_recorder.add_failure(record)
    assert not problems, "\n".join(f"{p.check}: {p.message}\n  {p.curl}" for p in problems)
