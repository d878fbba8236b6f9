"""The plan of a run: breadth first (every operation's positive case and the cheap error probes
before any depth), the same for the same options and seed (never the date), honest estimates."""

from __future__ import annotations

import inspect
from typing import Any

from issuetrak._ratelimit import RateLimits
from issuetrak_tools._contract import plan as plan_module
from issuetrak_tools._contract.classify import WritePolicy
from issuetrak_tools._contract.document import selected_operations
from issuetrak_tools._contract.entities import Conventions
from issuetrak_tools._contract.plan import Plan, Tier, build_plan


def _plan(document: dict[str, Any], conventions: Conventions, **options: Any) -> Plan:
    policy = options.pop("policy", WritePolicy())
    patterns = options.pop("operations", [])
    return build_plan(
        document,
        conventions,
        selected_operations(document, patterns),
        policy,
        live=options.pop("live", True),
        **options,
    )


def test_breadth_first_every_operation_positive_before_probes_before_depth(
    document: dict[str, Any], conventions: Conventions
) -> None:
    plan = _plan(document, conventions)
    tiers = [step.tier for step in plan.steps]
    assert tiers == sorted(tiers)  # tier by tier, never back
    positives = {s.operation for s in plan.steps if s.kind == "positive"}
    assert positives == set(plan.selected)
    assert all(conventions.operations[op].method in ("GET", "POST") for op in positives)
    # lists and searches come first: their answers give the iids of the gets after them
    first_with_param = next(i for i, s in enumerate(plan.steps) if "{" in s.operation)
    assert all("{" not in s.operation for s in plan.steps[:first_with_param])
    assert {s.kind for s in plan.tier_steps(Tier.ERRORS)} == {
        "auth",
        "invalid_token",
        "not_found",
        "burst",
        "enum query SortField",  # query_enums' two live probes
        "enum query SortDirection",
    }
    assert len([s for s in plan.steps if s.kind == "auth"]) == plan_module.LIVE_AUTH_SAMPLE


def test_the_default_budget_covers_every_positive_case_and_the_error_paths(
    document: dict[str, Any], conventions: Conventions
) -> None:
    plan = _plan(document, conventions)
    breadth = sum(s.estimate for s in plan.steps if s.tier <= Tier.ERRORS)
    # the goal is the default budget of 400; today it takes about a quarter of it
    assert breadth + 1 <= 400 // 3  # the preflight included


def test_a_selected_get_without_its_list_gets_a_discovery_step(
    document: dict[str, Any], conventions: Conventions
) -> None:
    plan = _plan(document, conventions, operations=["^GET /Causes/"])
    assert [(s.kind, s.operation) for s in plan.steps[:2]] == [
        ("discover", "GET /Causes"),
        ("positive", "GET /Causes/{iid}"),
    ]


def test_writes_come_after_reads_and_deletes_only_with_something_to_delete(
    document: dict[str, Any], conventions: Conventions
) -> None:
    plan = _plan(document, conventions, policy=WritePolicy(True, True), stateful_estimate=12)
    positive = [s for s in plan.steps if s.kind == "positive"]
    kinds = [conventions.operations[s.operation].method for s in positive]
    first_write = next(i for i, m in enumerate(kinds) if m in ("PUT", "PATCH", "DELETE"))
    assert all(m in ("GET", "POST") for m in kinds[:first_write])
    assert plan.stateful and plan.writes > 0
    creates = [s for s in positive if conventions.operations[s.operation].kind == "create"]
    assert all(s.estimate == 2 for s in creates if "Causes" in s.operation)  # + the read-back


def test_the_same_seed_gives_the_same_plan_and_another_seed_another_depth_order(
    document: dict[str, Any], conventions: Conventions
) -> None:
    first = _plan(document, conventions, seed=3)
    again = _plan(document, conventions, seed=3)
    other = _plan(document, conventions, seed=4)
    assert [s.id for s in first.steps] == [s.id for s in again.steps]
    depth = [s.id for s in first.steps if s.tier is Tier.DEPTH]
    assert depth != [s.id for s in other.steps if s.tier is Tier.DEPTH]
    assert sorted(depth) == sorted(s.id for s in other.steps if s.tier is Tier.DEPTH)


def test_nothing_in_planning_reads_the_clock_or_the_date() -> None:
    from issuetrak_tools._contract import families, steps

    modules = [
        plan_module,
        steps,
        *(__import__(f.planner.__module__, fromlist=["_"]) for f in families.registered()),
    ]
    for module in modules:
        source = inspect.getsource(module)
        assert "datetime.date.today" not in source and "date.today(" not in source
        assert "time.time(" not in source


def test_the_plan_says_what_it_will_send_and_how_long_it_takes(
    document: dict[str, Any], conventions: Conventions
) -> None:
    plan = _plan(document, conventions)
    lines = plan.describe(
        target="https://x.example/api/v2",
        label="cloud-2026.07",
        allowed="read",
        budget=400,
        spent=1,
        windows="20/1s, ...",
        limits=RateLimits(),
    )
    text = "\n".join(lines)
    assert "positive cases" in text and "error paths" in text and "depth" in text
    assert "requests: ~399 to send (budget 400, 1 spent on the preflight)" in text
    assert "expected duration: about 30 min" in text
    assert "within the budget" in text  # the tier the budget cuts says so


def test_in_process_plans_probe_every_secured_read_and_leave_depth_to_the_sweep(
    document: dict[str, Any], conventions: Conventions
) -> None:
    plan = _plan(document, conventions, live=False, policy=WritePolicy(True, True))
    assert not plan.tier_steps(Tier.DEPTH)
    assert len([s for s in plan.steps if s.kind == "auth"]) > plan_module.LIVE_AUTH_SAMPLE


def test_stateful_examples_sets_the_linked_sequences_and_0_turns_them_off(
    document: dict[str, Any], conventions: Conventions
) -> None:
    from issuetrak_tools._contract.lifecycle import Options, settings_for

    assert settings_for(Options(), live=True).stateful_examples == 3
    assert settings_for(Options(stateful_examples=7), live=True).stateful_examples == 7
    assert settings_for(Options(), live=False).stateful_examples == 40
    for live in (True, False):
        settings = settings_for(Options(stateful_examples=0), live=live)
        estimate = settings.stateful_examples * settings.stateful_steps
        writes = WritePolicy(allow_writes=True)
        assert not _plan(
            document, conventions, policy=writes, live=live, stateful_estimate=estimate
        ).stateful
        assert _plan(document, conventions, policy=writes, live=live, stateful_estimate=12).stateful
