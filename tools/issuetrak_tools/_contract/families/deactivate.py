"""A PUT writes the flags it sends: a record deactivated reads back inactive (``--allow-writes``).

For every ``PUT /Xs/{iid}`` whose update schema has an ``isActive`` flag that the record reads
(users, and any record the document lets be deactivated): a record the run creates for it is
sent back as read (one text field changed, as write_rest does) with ``isActive`` false, and must
read back inactive. Only records the run created are deactivated; a site's own users never are
(an administrator deactivating themselves is refused by Issuetrak, and a run must not lock its
own token out to show it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.families.write_rest import put_body, read_record, target_record
from issuetrak_tools._contract.probe import concrete
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

CHECK = "put_flag_persisted"
FLAG = "isActive"
LIVE_PUTS = 2


@family(
    "deactivate",
    tier=Tier.READS,
    priority=31,
    checks=(CHECK,),
    invariant="a PUT with isActive false (on a record the run created, a user among them) "
    "answers 2xx and the record reads back inactive",
    modes="writes",
)
def deactivate(ctx: PlanContext) -> list[Step]:
    index = ctx.conventions.index
    puts = [
        ref
        for ref in ctx.read_back_writes("update", "PUT")
        if index.resolve(index.properties(ref.request_schema or "").get(FLAG, {})).get("type")
        == "boolean"
    ]
    return [
        ctx.step(deactivate, "deactivate", ref.label, 4, writes=2)
        for ref in ctx.live_sample(puts, LIVE_PUTS)
    ]


@deactivate.handles("deactivate")
def deactivated_reads_back(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    get, iid, before = target_record(engine, ref, step, fresh=True)
    body, _, _ = put_body(engine, ref, before)
    body[FLAG] = False
    written = engine.request("PUT", concrete(ref.path, {ref.params[0]: iid}), json=body)
    engine.recorder.ran_check(CHECK)
    if not 200 <= written.status_code < 300:
        problem = f"answered {written.status_code}: {written.text[:300]}"
        response = written
    else:
        response, after = read_record(engine, get, iid)
        if after is None or after.get(FLAG) is False:
            return []
        problem = (
            f"answered {written.status_code}; {get.label} then reads {FLAG} = {after.get(FLAG)!r}"
        )
    return [
        engine.failure(
            ref,
            response,
            CHECK,
            "A record deactivated by PUT does not read back inactive",
            f"{ref.label} (iid {iid}, a record this run created) sent as read with {FLAG} false "
            f"{problem}",
        )
    ]
