"""Records created below a parent are found below it (``--allow-writes``).

Some collections live below a parent record: ``POST /Issues/{issueIid}/Tasks/Create`` adds a task
to one issue, ``POST /Issues/{issueIid}/Tasks/Search`` searches that issue's tasks. For every
create with a path parameter whose collection has a list or search below the same parent, a
record is created with the request schema's required fields below a known parent (an iid its
collection listed); the parent's list or search (no criteria) must then return it when the
answer is complete.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from issuetrak_tools._contract.families.create_minimal import _known_iid, required_body
from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.probe import Unchecked, concrete, json_or_none, page_of
from issuetrak_tools._contract.semantics import left_out
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.entities import OperationRef
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

CHECK = "child_record_listed"
PAGE = 100


def _parent_prefix(ref: OperationRef) -> str | None:
    """``/Issues/{issueIid}`` of ``/Issues/{issueIid}/Tasks/Create`` (the part up to the last
    path parameter), or ``None`` without one."""
    parts = ref.path.split("/")
    last = max((n for n, p in enumerate(parts) if p.startswith("{")), default=None)
    return "/".join(parts[: last + 1]) if last is not None else None


def below_parent(chosen: list[OperationRef], create: OperationRef) -> OperationRef | None:
    """The list or search of ``create``'s collection below the same parent, if chosen."""
    prefix = _parent_prefix(create)
    if prefix is None:
        return None
    return next(
        (
            ref
            for ref in chosen
            if ref.kind in ("search", "list")
            and ref.store == create.store
            and ref.params == create.params
            and _parent_prefix(ref) == prefix
        ),
        None,
    )


@family(
    "child_records",
    tier=Tier.READS,
    priority=26,
    checks=(CHECK,),
    invariant="a record created below a parent (POST /Issues/{issueIid}/Tasks/Create) is "
    "returned by that parent's list or search",
    modes="writes",
)
def child_records(ctx: PlanContext) -> list[Step]:
    return [
        ctx.step(child_records, "child record", ref.label, 4, writes=1)
        for ref in ctx.chosen
        if ref.kind == "create" and ref.params and ref.request_schema
        if below_parent(ctx.chosen, ref) is not None
    ]


@child_records.handles("child record")
def child_record_listed(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    read = below_parent(list(engine.conventions.operations.values()), ref)
    if read is None:
        raise Unchecked(f"{ref.label}: no list or search below the same parent")
    param = ref.params[-1]
    parent = _known_iid(engine, param)
    if parent is None:
        raise Unchecked(f"{ref.label}: no known record to create below")
    body = required_body(engine, ref, _parent_record(engine, ref, param, parent))
    created = engine.request("POST", concrete(ref.path, {param: parent}), json=body)
    answer = json_or_none(created.content)
    values = answer.get("values") if isinstance(answer, Mapping) else None
    iid = values.get("iid") if isinstance(values, Mapping) else None
    if not 200 <= created.status_code < 300 or iid is None:
        raise Unchecked(f"{ref.label} with the required fields answered {created.status_code}")
    engine.knowledge.learn(ref, answer)
    engine.recorder.ran_check(CHECK)
    path = concrete(read.path, {param: parent})
    if read.method == "POST":
        response = engine.request("POST", path, json={"pageNumber": 1, "pageSize": PAGE})
    else:
        response = engine.request("GET", path, params={"PageNumber": 1, "PageSize": PAGE})
    found, total = page_of(response.content)
    if (
        response.status_code == 200
        and found is not None
        and not left_out(found, total, [f"iid={iid}"])
    ):
        return []
    return [
        engine.failure(
            read,
            response,
            CHECK,
            "A record created below a parent is not found below it",
            f"{ref.label} below {param}={parent} created iid {iid}; {read.label} for that parent "
            f"answered {response.status_code} with {total} record(s), without it",
        )
    ]


def _parent_record(engine: Engine, ref: OperationRef, param: str, parent: Any) -> Mapping[str, Any]:
    """The parent record as its GET reads it (a child's body repeats some of its fields: a task
    names its issue's ``issueNumber``), or nothing when it cannot be read."""
    owner = engine.conventions.owner(ref.path, param)
    get = owner.operations.get("get") if owner is not None else None
    if get is None or not get.params:
        return {}
    read = engine.request("GET", concrete(get.path, {get.params[0]: parent}))
    answer = json_or_none(read.content) if read.status_code == 200 else None
    values = answer.get("values") if isinstance(answer, Mapping) else None
    return values if isinstance(values, Mapping) else {}
