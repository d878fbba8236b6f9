"""Bounded integer query parameters: one past either bound (``PageSize=101``, ``PageSize=0``,
``PageNumber=0``) is refused with 400.

Every GET that documents 400 is sent each integer query parameter whose schema states a
``minimum`` or ``maximum`` alone, one step outside the bound. The document states both bounds of
``PageSize`` ("must be between 1 and 100", ``minimum``/``maximum`` in its schema) and the lower
one of ``PageNumber`` ("must be 1 or larger"); ASP.NET validates a ``[Range]`` before the action
runs and answers 400, so a site that answers 200 (a page of 101 records, or the value clamped)
or 5xx breaks the document's bounds. The probes run with the paging checks, after the positive
reads. In-process every such operation and bound; live two probes,
the operations and bounds taking turns.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from issuetrak_tools._contract.families.query_enums import query_refused, taking_turns
from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

CHECK = "query_bound_refused"
LIVE_PROBES = 2


def outside_bounds(operation: Mapping[str, Any]) -> list[tuple[str, int]]:
    """``(name, value)``: each bounded integer query parameter of ``operation``, one step past
    each bound its schema states."""
    found = []
    for param in operation.get("parameters", []):
        if not isinstance(param, Mapping) or param.get("in") != "query":
            continue
        schema = param.get("schema", {})
        if schema.get("type") != "integer":
            continue
        if isinstance(schema.get("minimum"), int):
            found.append((str(param["name"]), schema["minimum"] - 1))
        if isinstance(schema.get("maximum"), int):
            found.append((str(param["name"]), schema["maximum"] + 1))
    return found


@family(
    "query_bounds",
    tier=Tier.PAGING,
    priority=25,
    checks=(CHECK,),
    invariant="an integer query parameter one step outside the minimum or maximum its schema "
    "states (PageSize=0, PageSize=101, PageNumber=0) is refused with 400, never 200 or 5xx",
)
def query_bounds(ctx: PlanContext) -> list[Step]:
    probes = [
        (ref.label, f"{name}={value}")
        for ref in ctx.chosen
        if ref.method == "GET" and "400" in ctx.spec(ref).get("responses", {})
        for name, value in outside_bounds(ctx.spec(ref))
    ]
    if ctx.live:  # operations and bounds taking turns
        probes = taking_turns(probes, LIVE_PROBES)
    return [ctx.step(query_bounds, f"query bound {kind}", label, 1) for label, kind in probes]


@query_bounds.handles("query")
def bound_refused(engine: Engine, step: Step) -> list[FailureRecord]:
    name, value = step.kind.rsplit(" ", 1)[1].split("=", 1)
    return query_refused(
        engine,
        step,
        CHECK,
        {name: value},
        "An integer query parameter outside its bounds is not refused with 400",
        f"the document bounds {name} (minimum/maximum of its schema) and documents 400, and "
        "ASP.NET refuses a value outside a [Range] with 400",
    )
