"""Memberships: a member added is listed, a member removed is not (``--allow-writes``; the removal
with ``--allow-destructive`` as well).

For every ``POST /Xs/{iid}/Memberships/Ys`` whose ``GET`` the document has: a record of ``Ys`` that
is not yet a member (preferably of a record the run created; one created for it when every
listed record is a member already) is added, the memberships are read
back and must list it (a refusal other than 403 or 5xx is a failure: the record exists and is no
member yet); where the memberships answer a page (``pagingInformation``), page 2 of size 1 holds
one member other than page 1's; with deletes allowed it is removed again with the ``DELETE`` of
the same path, and the memberships read back must no longer list it. The member field is the request
item's required ``...Iid`` (``groupIid``, ``organizationIid``), which the listed memberships carry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from issuetrak_tools._contract.classify import operation_kind
from issuetrak_tools._contract.families.create_minimal import created_record
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
    invariant="a record that is no member yet is added (2xx, not refused with 4xx) and is in the "
    "memberships read back, whose page 2 of size 1 holds another member; a member removed "
    "(2xx) is not",
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


def _pages(engine: Engine, path: str) -> bool:
    """Whether the memberships' ``GET`` answers a page (its answer has ``pagingInformation``)."""
    read = engine.conventions.operation(f"GET {path}")
    shape = read.response_schema if read is not None else None
    return bool(shape) and "pagingInformation" in engine.conventions.index.properties(shape or "")


def _second_page_problem(engine: Engine, path: str, name: str, members: set[Any]) -> str | None:
    """Page 2 of size 1 of two or more members must hold one member, not page 1's."""
    pages = []
    for number in (1, 2):
        response = engine.request("GET", path, params={"PageNumber": number, "PageSize": 1})
        answer = json_or_none(response.content)
        values = answer.get("values") if isinstance(answer, Mapping) else None
        pages.append([v.get(name) for v in values or [] if isinstance(v, Mapping)])
    if len(pages[1]) != 1 or pages[1][0] not in members or pages[1] == pages[0]:
        return (
            f"GET {path} with PageNumber=2&PageSize=1 lists {pages[1]} (page 1: {pages[0]}), "
            f"though {len(members)} members are listed: page 2 holds the second of them"
        )
    return None


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
    create = owner.operations.get("create") if owner else None
    if member is None and create is not None and not create.params:
        member = created_record(engine, create.label)  # every listed record is a member already
    if member is None:
        raise Unchecked(f"{ref.label}: no record that is not a member already")
    body = [{name: member}]
    added = engine.request("POST", path, json=body)
    engine.recorder.ran_check(CHECK)
    if added.status_code == 403 or added.status_code >= 500:
        return []  # a permission, or a server error: the positive case and its checks judge it
    if not 200 <= added.status_code < 300:
        return [
            engine.failure(
                ref,
                added,
                CHECK,
                "A record that is not a member yet is refused as a new member",
                f"{ref.label} with [{{{name}: {member}}}] ({member} listed by {source.label}, "
                f"not among the {len(before)} members) answered {added.status_code}",
            )
        ]
    listing, after = _members(engine, path, name)
    if member in after and len(after) > 1 and _pages(engine, ref.path):
        problem = _second_page_problem(engine, path, name, after)
        if problem is not None:
            return [engine.failure(ref, listing, CHECK, "Memberships do not page", problem)]
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
