"""Listed iids are found: a read keyed by an iid its collection just listed answers 2xx.

Every ``GET`` with one path parameter whose owner collection the run can list (``/Xs/{iid}/...``,
or a parameter named after another collection: ``/IssueForms/IssueType/{issueTypeIid}`` takes an
``IssueType`` iid) is sent with the first iid page 1 of that list showed. The document lists 404
for such reads, so a 404 passes the schema checks; but ASP.NET routes answer 404 only when the
keyed record does not exist, and this one was just listed. The owner's own ``GET /Xs/{iid}`` is
left to the ``identity`` family, which compares the record too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.probe import Unchecked, concrete
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.entities import OperationRef
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

CHECK = "listed_iid_found"


def _owner_list(ctx: PlanContext | Engine, ref: OperationRef) -> OperationRef | None:
    """The parameterless list (else search) of the collection ``ref``'s parameter names."""
    owner = ctx.conventions.owner(ref.path, ref.params[0])
    if owner is None or owner.operations.get("get") == ref:
        return None
    for kind in ("list", "search"):
        source = owner.operations.get(kind)
        if source is not None and not source.params:
            return source
    return None


@family(
    "listed_iid",
    tier=Tier.READS,
    priority=15,
    checks=(CHECK,),
    invariant="a read keyed by an iid its collection (or the parameter's collection) just listed "
    "answers 2xx: ASP.NET routes answer 404 only for a record that does not exist",
)
def listed_iid(ctx: PlanContext) -> list[Step]:
    steps: list[Step] = []
    for ref in ctx.chosen:
        if ref.method != "GET" or len(ref.params) != 1:
            continue
        source = _owner_list(ctx, ref)
        if source is not None and ctx.policy.allows(source.method, source.path):
            steps.append(ctx.step(listed_iid, "listed iid", ref.label, 1))
    return steps


@listed_iid.handles("listed iid")
def listed_iid_found(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    source = _owner_list(engine, ref)
    listed = engine.items(source) if source is not None else []
    iid = next((i.get("iid") for i in listed if isinstance(i, dict) and i.get("iid")), None)
    if iid is None or source is None:
        raise Unchecked(f"{ref.label}: the list of its parameter's collection showed no iid")
    response = engine.request("GET", concrete(ref.path, {ref.params[0]: iid}))
    engine.recorder.ran_check(CHECK)
    if 200 <= response.status_code < 300:
        return []
    return [
        engine.failure(
            ref,
            response,
            CHECK,
            "A read keyed by a listed iid is not found",
            f"{source.label} listed iid {iid!r}; {ref.label} with it answered "
            f"{response.status_code} (ASP.NET routes answer 404 only when the keyed record does "
            "not exist)",
        )
    ]
