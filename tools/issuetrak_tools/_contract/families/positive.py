"""Positive cases: every selected operation once, with a request the site can answer with success.

Lists and searches first (their answers give the iids the others need); a ``discover`` step lists
a collection no selected operation lists. A create or update is read back (``write_persisted``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from issuetrak.conventions import is_write
from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine


@family(
    "positive",
    tier=Tier.POSITIVE,
    priority=0,
    checks=(
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
        "trace_id_present",
        "paging_envelope",
        "write_persisted",
    ),
    invariant="every operation answers a valid request with a documented status, media type, "
    "body and headers, every JSON answer with a traceId; a create or update read back by iid "
    "gives back every field sent",
)
def positive(ctx: PlanContext) -> list[Step]:
    listed = {ref.store for ref in ctx.chosen if not ref.params and ref.kind in ("list", "search")}
    discovered: set[str] = set()
    steps: list[Step] = []
    for ref in ctx.chosen:
        for param in ref.params:
            owner = ctx.conventions.owner(ref.path, param)
            if owner is None or owner.store in listed or owner.store in discovered:
                continue
            source = owner.operations.get("list") or owner.operations.get("search")
            if (
                source is not None
                and not source.params
                and ctx.policy.allows(source.method, source.path)
            ):
                steps.append(ctx.step(positive, "discover", source.label, 1))
                discovered.add(owner.store)
        writes = int(is_write(ref.method, ref.path))
        extra = 0
        collection = ctx.conventions.collection_of(ref)
        if (
            writes
            and ref.kind in ("create", "update")
            and collection
            and "get" in collection.operations
        ):
            extra = 1  # the read-back of write_persisted
        if ref.method == "DELETE" and collection and "create" not in collection.operations:
            ctx.notes.append(f"{ref.label}: nothing the run creates can be deleted; it is not sent")
            continue
        steps.append(ctx.step(positive, "positive", ref.label, 1 + extra, writes=writes))
    return steps


@positive.handles("positive")
def check_positive(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    read = not is_write(ref.method, ref.path)
    case = engine.case(ref, step, simplest=read)
    response, records = engine.send(case, ref)
    if read:
        engine.remember_first_page(ref, case, response)
    if (
        ref.kind in ("create", "update")
        and 200 <= response.status_code < 300
        and is_write(ref.method, ref.path)
    ):
        records += engine.read_back(ref, case, response)
    return records


@positive.handles("discover")
def discover(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    engine.list_records(ref, 100)
    return []
