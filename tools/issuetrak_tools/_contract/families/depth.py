"""Depth: generated cases, one per operation per round (negative, then positive), in an order
``--seed`` shuffles, until the budget is spent (live only; in-process schemathesis's full sweep
goes deeper).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from issuetrak.conventions import is_write
from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.tiers import Step, Tier
from schemathesis import GenerationMode

if TYPE_CHECKING:
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine


@family(
    "depth",
    tier=Tier.DEPTH,
    priority=0,
    checks=(
        "negative_data_rejection",
        "positive_data_acceptance",
        "not_a_server_error",
        "response_schema_conformance",
    ),
    invariant="input the document forbids is refused with 400 (never 5xx); valid query input is "
    "accepted",
)
def depth(ctx: PlanContext) -> list[Step]:
    if not ctx.live:
        return []
    shuffled = [ref for ref in ctx.chosen if ref.method != "DELETE"]
    ctx.rng.shuffle(shuffled)
    return [
        ctx.step(
            depth,
            "depth",
            ref.label,
            1,
            round=number,
            writes=int(is_write(ref.method, ref.path)),
        )
        for number in range(1, max(ctx.depth_rounds, 1) + 1)
        for ref in shuffled
    ]


@depth.handles("depth")
def generated_case(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    negative = step.round % 2 == 1
    mode = GenerationMode.NEGATIVE if negative else GenerationMode.POSITIVE
    case = engine.case(ref, step, mode, pin=not negative)
    _response, records = engine.send(case, ref)
    return records
