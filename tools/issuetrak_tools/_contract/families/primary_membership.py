"""A record's primary organization is among its organization memberships (every run).

A user (and a group) names its ``primaryOrganizationIid``; its
``GET /Xs/{iid}/Memberships/Organizations`` lists the organizations it belongs to, each with
``isPrimary``. For a listed record with a primary organization, that organization must be listed
exactly once with ``isPrimary`` true, and no other with ``isPrimary`` true (a record has one
primary organization, and belonging to it is what makes it primary).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.probe import Unchecked, concrete, json_or_none
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

CHECK = "primary_membership_listed"
SUFFIX = "/{iid}/Memberships/Organizations"
PRIMARY = "primaryOrganizationIid"


@family(
    "primary_membership",
    tier=Tier.READS,
    priority=22,
    checks=(CHECK,),
    invariant="a user's (and a group's) organization memberships list its primary organization "
    "once, with isPrimary true, and no other as primary",
)
def primary_membership(ctx: PlanContext) -> list[Step]:
    steps = []
    for ref in ctx.chosen:
        if ref.method != "GET" or not ref.path.endswith(SUFFIX):
            continue
        owner = ctx.conventions.operation(f"GET {ref.path.removesuffix(SUFFIX)}")
        if owner is not None and not owner.params:
            steps.append(ctx.step(primary_membership, "primary member", ref.label, 2))
    return steps


@primary_membership.handles("primary member")
def primary_is_listed(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    owners = engine.conventions.operation(f"GET {ref.path.removesuffix(SUFFIX)}")
    assert owners is not None
    owner = next(
        (
            item
            for item in engine.items(owners)
            if isinstance(item, Mapping) and item.get(PRIMARY) is not None and "iid" in item
        ),
        None,
    )
    if owner is None:
        raise Unchecked(f"{owners.label} listed no record with a {PRIMARY}")
    path = concrete(ref.path, {ref.params[0]: owner["iid"]})
    listed = engine.request("GET", path, params={"PageNumber": 1, "PageSize": 100})
    engine.recorder.ran_check(CHECK)
    values = (json_or_none(listed.content) or {}).get("values")
    if listed.status_code != 200 or not isinstance(values, list):
        return []  # the positive case judges the status and the schema
    primary = owner[PRIMARY]
    rows: list[Any] = [v for v in values if isinstance(v, Mapping)]
    mine = [v for v in rows if v.get("organizationIid") == primary]
    others = [v.get("organizationIid") for v in rows if v.get("isPrimary") and v not in mine]
    problems = []
    if len(mine) != 1 or mine[0].get("isPrimary") is not True:
        problems.append(
            f"organization {primary} listed {len(mine)} times, isPrimary "
            f"{[v.get('isPrimary') for v in mine]}"
        )
    if others:
        problems.append(f"organizations {others} listed as primary too")
    if not problems:
        return []
    return [
        engine.failure(
            ref,
            listed,
            CHECK,
            "A record's primary organization is not listed once as its primary membership",
            f"GET {path}: {owners.label} shows {PRIMARY} {primary}; " + "; ".join(problems),
        )
    ]
