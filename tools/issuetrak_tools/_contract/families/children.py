"""A record created below a parent is listed below that parent, and only to who sees the parent.

For every create with a parent in its path (``POST /Issues/{issueIid}/Tasks/Create``) and each
list or search of the same records below the same parent (``POST /Issues/{issueIid}/Tasks/Search``):
a record created (its required fields, the parent's own values for the fields the parent has,
such as ``issueNumber``) below an issue the run created is found on the parent's complete page.
With the restricted user's token (the restricted family's second token), when that user may not
see the parent (its ``GET`` of the parent answers ``404``), the same list answers ``404``/``403``
or shows none of the parent's records: the document answers ``404`` "when the user making the
request should not be able to see the resource", and a list that declares no ``404`` has nothing
to show below a parent the user cannot see. ``--allow-writes`` only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from issuetrak_tools._contract.families.create_minimal import created_issue, required_body
from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.probe import Unchecked, concrete, json_or_none
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    import httpx
    from issuetrak_tools._contract.entities import OperationRef
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

CHECK = "child_listed_below_parent"
PAGE = 100


def _below(ctx: PlanContext, create: OperationRef) -> list[OperationRef]:
    """The lists and searches of ``create``'s records below the same parent."""
    parent = create.path.split("{", 1)[0]
    return [
        r
        for r in ctx.chosen
        if r.kind in ("list", "search")
        and r.store == create.store
        and r.params == create.params
        and r.path.startswith(parent)
    ]


@family(
    "children",
    tier=Tier.READS,
    priority=38,
    checks=(CHECK,),
    invariant="a record created below a parent (POST /Issues/{issueIid}/Tasks/Create) is found "
    "by the parent's list or search of those records; the restricted user, who may not see the "
    "parent, gets 404/403 or none of them",
    modes="writes",
)
def children(ctx: PlanContext) -> list[Step]:
    steps = []
    for create in ctx.chosen:
        if create.kind != "create" or len(create.params) != 1 or not create.request_schema:
            continue
        for listing in _below(ctx, create):
            steps.append(ctx.step(children, "child listed", listing.label, 5, writes=2))
    return steps


def _create_of(engine: Engine, listing: OperationRef) -> OperationRef:
    parent = listing.path.split("{", 1)[0]
    for ref in engine.conventions.operations.values():
        if (
            ref.kind == "create"
            and ref.store == listing.store
            and ref.params == listing.params
            and ref.path.startswith(parent)
        ):
            return ref
    raise Unchecked(f"{listing.label}: no create below the same parent")


def _read(engine: Engine, path: str) -> Mapping[str, Any]:
    read = engine.request("GET", path)
    values = (json_or_none(read.content) or {}).get("values") if read.status_code == 200 else None
    if not isinstance(values, Mapping):
        raise Unchecked(f"GET {path} answered {read.status_code}")
    return values


def _page(
    engine: Engine, listing: OperationRef, path: str, *, restricted: bool
) -> tuple[httpx.Response, list[Any]]:
    query, body = engine.paging_pins(listing, PAGE)
    response = engine.request(listing.method, path, params=query, json=body, restricted=restricted)
    answer = json_or_none(response.content)
    values = answer.get("values") if isinstance(answer, Mapping) else None
    iids = (
        [v.get("iid") for v in values if isinstance(v, Mapping)] if isinstance(values, list) else []
    )
    return response, iids


@children.handles("child listed")
def child_listed_below_parent(engine: Engine, step: Step) -> list[FailureRecord]:
    listing = engine.ref(step)
    create = _create_of(engine, listing)
    parent_iid = created_issue(engine) if create.path.lower().startswith("/issues/") else None
    if parent_iid is None:
        raise Unchecked(f"{create.label}: no parent record the run created")
    name = create.params[0]
    parent = _read(engine, f"/Issues/{parent_iid}")
    made = engine.request(
        "POST",
        concrete(create.path, {name: parent_iid}),
        json=required_body(engine, create, given=parent),
    )
    answer = json_or_none(made.content)
    child = answer.get("values") if isinstance(answer, Mapping) else None
    if not 200 <= made.status_code < 300 or not isinstance(child, Mapping):
        raise Unchecked(f"{create.label} with the required fields answered {made.status_code}")
    engine.knowledge.learn(create, answer)
    path = concrete(listing.path, {name: parent_iid})
    response, iids = _page(engine, listing, path, restricted=False)
    engine.recorder.ran_check(CHECK)
    problems = []
    if child.get("iid") not in iids:
        problems.append(
            f"{create.label} below issue {parent_iid} made {child.get('iid')}, absent from the "
            f"parent's {listing.label} (answered {response.status_code}, {len(iids)} records)"
        )
    if engine.target.restricted is not None:
        problems += _hidden_parent(engine, listing, path, parent_iid)
    if not problems:
        return []
    return [
        engine.failure(
            listing,
            response,
            CHECK,
            "A record created below a parent is not listed there, or is listed to a user who "
            "may not see the parent",
            "; ".join(problems),
        )
    ]


def _hidden_parent(engine: Engine, listing: OperationRef, path: str, parent_iid: Any) -> list[str]:
    seen = engine.request("GET", f"/Issues/{parent_iid}", restricted=True)
    if seen.status_code != 404:
        return []  # the restricted user sees the parent (or the site says nothing of it)
    response, iids = _page(engine, listing, path, restricted=True)
    if response.status_code in (403, 404) or (response.status_code == 200 and not iids):
        return []
    return [
        f"the restricted user, whose GET /Issues/{parent_iid} answers 404, gets "
        f"{response.status_code} with {len(iids)} records from {listing.label} below it "
        "(404/403, or none: the document hides what the user may not see)"
    ]
