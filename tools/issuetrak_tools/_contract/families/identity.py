"""Reads agree: get by iid of a record a list or search returned answers that record.

For every ``GET /Xs/{iid}`` whose collection the run lists: the first record page 1 of the list
(or search) showed is read by its iid; the answer must be that record (same ``iid``) with the same
value in every field both answers carry (numbers by value, date-times as instants). A site that
answers another record, or serves a field differently by id than in its lists, is reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.persistence import same_value
from issuetrak_tools._contract.probe import Unchecked, concrete, json_or_none
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.entities import OperationRef
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

CHECK = "get_matches_list"


def _source(ctx: PlanContext | Engine, ref: OperationRef) -> OperationRef | None:
    """The list (else search) of ``ref``'s collection, when it takes no path parameter."""
    collection = ctx.conventions.collection_of(ref)
    if collection is None:
        return None
    for kind in ("list", "search"):
        source = collection.operations.get(kind)
        if source is not None and not source.params:
            return source
    return None


@family(
    "identity",
    tier=Tier.READS,
    priority=10,
    checks=(CHECK,),
    invariant="get by iid of an iid the list returned answers that record, with the same value in "
    "every field the list item shows",
)
def identity(ctx: PlanContext) -> list[Step]:
    steps: list[Step] = []
    for ref in ctx.chosen:
        if ref.kind != "get" or ref.method != "GET" or len(ref.params) != 1:
            continue
        source = _source(ctx, ref)
        if source is not None and ctx.policy.allows(source.method, source.path):
            steps.append(ctx.step(identity, "identity", ref.label, 1))
    return steps


@identity.handles("identity")
def get_matches_list(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    source = _source(engine, ref)
    listed = engine.items(source) if source is not None else []
    item = next((i for i in listed if isinstance(i, Mapping) and i.get("iid") is not None), None)
    if item is None:
        raise Unchecked(f"{ref.label}: its list showed no record with an iid")
    iid = item["iid"]
    response = engine.request("GET", concrete(ref.path, {ref.params[0]: iid}))
    engine.recorder.ran_check(CHECK)
    answer = json_or_none(response.content)
    record = answer.get("values") if isinstance(answer, Mapping) else None
    problem = (
        _difference(item, record)
        if response.status_code == 200
        else (f"answered {response.status_code}")
    )
    if problem is None:
        return []
    assert source is not None
    return [
        engine.failure(
            ref,
            response,
            CHECK,
            "Get by iid does not answer the record its list showed",
            f"{source.label} listed iid {iid!r}; {ref.label} with that iid {problem}",
        )
    ]


def _difference(listed: Mapping[str, Any], record: Any) -> str | None:
    if not isinstance(record, Mapping):
        return "answered no record"
    if record.get("iid") != listed.get("iid"):
        return f"answered the record with iid {record.get('iid')!r}"
    differ = [
        name
        for name, value in listed.items()
        if name in record and not same_value(value, record[name])
    ]
    if not differ:
        return None
    shown = "; ".join(f"{name}: list {listed[name]!r}, get {record[name]!r}" for name in differ[:5])
    return f"differs in {len(differ)} field(s): {shown}"
