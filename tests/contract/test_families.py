"""Check families: every operation classified by kind, the plan built from the registry, the docs
table generated from it, and the probes that must fire whatever the seed (a made-up token, a 429
without Retry-After) firing on every one of ten seeds."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from issuetrak_tools._contract.classify import WritePolicy, operation_kind
from issuetrak_tools._contract.document import selected_operations
from issuetrak_tools._contract.entities import Conventions
from issuetrak_tools._contract.families import handler_for, markdown_table, registered
from issuetrak_tools._contract.plan import build_plan

from . import deviations
from .live import mock_site, run_live

ROOT = Path(__file__).resolve().parents[2]


def test_every_operation_has_a_kind_and_the_document_has_every_kind(
    conventions: Conventions,
) -> None:
    kinds = {operation_kind(ref) for ref in conventions.operations.values()}
    assert {
        "get",
        "list",
        "search",
        "create",
        "update",
        "patch",
        "membership_add",
        "membership_remove",
        "membership_list",
        "subcollection",
        "settings",
    } <= kinds
    assert operation_kind(conventions.operations["GET /Organizations/{iid}/Contracts"]) == (
        "subcollection"
    )
    assert operation_kind(conventions.operations["GET /System/Settings"]) == "settings"


def test_every_planned_step_belongs_to_a_registered_family_that_handles_it(
    document: dict[str, Any], conventions: Conventions
) -> None:
    names = {family.name for family in registered()}
    for live in (True, False):
        plan = build_plan(
            document,
            conventions,
            selected_operations(document, []),
            WritePolicy(allow_writes=True),
            live=live,
        )
        for step in plan.steps:
            assert step.family in names, step
            assert handler_for(step.kind)[0].name == step.family


@pytest.mark.parametrize("seed", range(10))
def test_a_made_up_token_goes_to_every_kind_of_secured_operation_on_every_seed(
    document: dict[str, Any], conventions: Conventions, seed: int
) -> None:
    policy = WritePolicy(allow_writes=True)
    plan = build_plan(
        document, conventions, selected_operations(document, []), policy, live=True, seed=seed
    )
    probed = {
        operation_kind(conventions.operations[s.operation])
        for s in plan.steps
        if s.kind == "invalid_token"
    }
    sent = {
        operation_kind(ref)
        for ref in conventions.operations.values()
        if policy.allows(ref.method, ref.path) and ref.method != "DELETE"
    }
    assert probed == sent


def test_the_docs_table_of_families_is_the_registry() -> None:
    text = (ROOT / "docs" / "contract.md").read_text()
    found = re.search(r"<!-- families:start -->\n(.*?)\n<!-- families:end -->", text, re.S)
    assert found is not None, "docs/contract.md has no generated table of check families"
    assert found.group(1) == markdown_table(), "regenerate it from families.markdown_table()"


@pytest.mark.slow
@pytest.mark.network
@pytest.mark.parametrize("name", ["accepts_any_token", "limiter_without_retry_after"])
def test_caught_on_ten_of_ten_seeds(tmp_path: Path, name: str) -> None:
    deviation = deviations.BY_NAME[name]
    caught = 0
    for seed in range(10):
        with mock_site() as (app, token):
            result = run_live(
                deviations.deviate(name, app),
                token,
                tmp_path / str(seed),
                operations=list(deviation.operations),
                max_requests=0,
                max_examples=0,
                seed=seed,
            )
        caught += bool(result.failing_checks & deviation.checks)
    assert caught == 10
    # the report says which families ran (and, had the budget cut any, which it cut)
    assert "## Check families" in result.report
    assert "- `auth`: ran" in result.report and "- `rate_limit`: ran" in result.report


def test_an_empty_nullable_page_number_is_not_a_negative_case_the_document_judges(
    document: dict[str, Any],
) -> None:
    import schemathesis
    from issuetrak_tools._contract.checks import empty_nullable_query

    operation = schemathesis.openapi.from_dict(document)["/Causes"]["GET"]
    assert empty_nullable_query(operation.Case(query={"PageNumber": ""})) == "PageNumber"
    assert empty_nullable_query(operation.Case(query={"PageSize": ""})) == "PageSize"
    # an empty object is sent as "PageSize=" as well
    assert empty_nullable_query(operation.Case(query={"PageSize": {}})) == "PageSize"
    assert empty_nullable_query(operation.Case(query={"PageSize": {"a": "b"}})) is None
    assert empty_nullable_query(operation.Case(query={"PageNumber": "x"})) is None
    assert empty_nullable_query(operation.Case(query={"PageNumber": 0})) is None


def test_the_restricted_family_needs_a_second_token_and_says_so_without_one(
    document: dict[str, Any], conventions: Conventions
) -> None:
    selected = selected_operations(document, [])
    policy = WritePolicy(allow_writes=False)
    without = build_plan(document, conventions, selected, policy, live=True)
    assert not [s for s in without.steps if s.family == "restricted"]
    assert any("--restricted-token-env" in note for note in without.notes)
    with_token = build_plan(document, conventions, selected, policy, live=True, restricted=True)
    probed = {s.operation for s in with_token.steps if s.family == "restricted"}
    # the document's own example of an administrative list is always among them
    assert "GET /Departments" in probed
    assert "POST /Issues/Search" in probed
