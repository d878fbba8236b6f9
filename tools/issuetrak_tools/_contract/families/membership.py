"""Memberships: a member added is listed, a member removed is not (``--allow-writes``; the removal
with ``--allow-destructive`` as well).

For every ``POST /Xs/{iid}/Memberships/Ys`` whose ``GET`` the document has: a record of ``Ys`` that
is not yet a member (preferably of a record the run created) is added, the memberships are read
back and must list it; with deletes allowed it is removed again with the ``DELETE`` of the same
path, and the memberships read back must no longer list it. The member field is the request
item's required ``...Iid`` (``groupIid``, ``organizationIid``), which the listed memberships carry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from issuetrak_tools._contract.classify import operation_kind
from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.probe import Unchecked, concrete, json_or_none
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.entities import OperationRef
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

CHECK = "membership_persisted"


@family(
    "membership",
    tier=Tier.READS,
    priority=20,
    checks=(CHECK,),
    invariant="a member added (2xx) is in the memberships read back; a member removed (2xx) is not",
    modes="writes",
)
def membership(ctx: PlanContext) -> list[Step]:
    steps: list[Step] = []
    for ref in ctx.chosen:
        if operation_kind(ref) != "membership_add":
            continue
        if ctx.conventions.operation(f"GET {ref.path}") is None:
            continue
        remove = ctx.policy.allows("DELETE", ref.path) and (
            ctx.conventions.operation(f"DELETE {ref.path}") is not None
        )
        steps.append(ctx.step(membership, "membership", ref.label, 5 if remove else 3, writes=1))
    return steps


def _member_field(engine: Engine, ref: OperationRef) -> str | None:
    """The required ``...Iid`` of the request's items (``groupIid``)."""
    spec = engine.document["paths"][ref.path]["post"]
    content = spec.get("requestBody", {}).get("content", {})
    schema = next(iter(content.values()), {}).get("schema", {})
    items = engine.conventions.index.resolve(schema.get("items", {}))
    for name in items.get("required", []):
        if str(name).endswith("Iid"):
            return str(name)
    return None


def _members(engine: Engine, path: str, name: str) -> tuple[Any, set[Any]]:
    response = engine.request("GET", path, params={"PageNumber": 1, "PageSize": 100})
    answer = json_or_none(response.content)
    values = answer.get("values") if isinstance(answer, Mapping) else None
    listed = {v.get(name) for v in values or [] if isinstance(v, Mapping)}
    return response, listed


@membership.handles("membership")
def add_then_remove(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    name = _member_field(engine, ref)
    owner = engine.conventions.owner("/", name) if name else None
    source = (owner.operations.get("list") or owner.operations.get("search")) if owner else None
    if name is None or source is None:
        raise Unchecked(f"{ref.label}: no collection the member field's iids come from")
    path = concrete(ref.path, engine.path_params(ref))
    _, before = _members(engine, path, name)
    candidates = [i.get("iid") for i in engine.items(source) if isinstance(i, Mapping)]
    member = next((iid for iid in candidates if iid is not None and iid not in before), None)
    if member is None:
        raise Unchecked(f"{ref.label}: no record that is not a member already")
    body = [{name: member}]
    added = engine.request("POST", path, json=body)
    engine.recorder.ran_check(CHECK)
    if not 200 <= added.status_code < 300:
        return []  # refused: the positive case and its checks judge the status
    listing, after = _members(engine, path, name)
    if member not in after:
        return [
            engine.failure(
                ref,
                listing,
                CHECK,
                "A member added is not in the memberships read back",
                f"{ref.label} with [{{{name}: {member}}}] answered {added.status_code}; "
                f"GET {ref.path} then lists {sorted(map(str, after))[:10]} without {member}",
            )
        ]
    if not engine.target.policy.allows("DELETE", ref.path):
        return []
    removed = engine.request("DELETE", path, json=body)
    if not 200 <= removed.status_code < 300:
        return []
    listing, remaining = _members(engine, path, name)
    if member in remaining:
        return [
            engine.failure(
                ref,
                listing,
                CHECK,
                "A member removed is still in the memberships read back",
                f"DELETE {ref.path} with [{{{name}: {member}}}] answered {removed.status_code}; "
                f"GET {ref.path} still lists {member}",
            )
        ]
    return []
