"""Criteria values of the wrong type: text for a number or a date is refused with 400, never 5xx.

A criteria schema types its ``values`` (``IntCriteria``: int32 items, ``DateTimeCriteria``:
date-time strings), and every search documents 400. ASP.NET's JSON binder cannot read text into
an int or a DateTime, so an ``[ApiController]`` answers 400 before any query runs; a site that
answers 200 (the criterion silently dropped) or 5xx (an unhandled cast) breaks that. For each
search (live: the first), one number field and one date field of its criteria, each sent alone
with a text value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.probe import concrete
from issuetrak_tools._contract.semantics import search_shape
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

CHECK = "criteria_value_type_refused"
# step kind -> (criteria schemas of the kind, a match type taking one value, the wrong value)
PROBES = {
    "text for a number": (("IntCriteria", "FloatCriteria"), "MatchAny", "not a number"),
    "text for a date": (("DateTimeCriteria", "DateOnlyCriteria"), "On", "not a date"),
}


@family(
    "criteria_types",
    tier=Tier.SEARCH,
    priority=19,
    checks=(CHECK,),
    invariant="a criterion whose values do not fit the field (text for a number or a date) is "
    "refused with 400, never 5xx (ASP.NET's binder cannot read it; every search documents 400)",
)
def criteria_types(ctx: PlanContext) -> list[Step]:
    searches = ctx.searches()[:1] if ctx.live else ctx.searches()
    return [
        ctx.step(criteria_types, kind, ref.label, 1)
        for ref, shape in searches
        for kind, (kinds, _, _) in PROBES.items()
        if "400" in ctx.spec(ref).get("responses", {})
        and any(k in kinds for k in shape.kinds.values())
    ]


@criteria_types.handles(*PROBES)
def wrong_type_refused(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    shape = search_shape(engine.document, engine.document["paths"][ref.path]["post"])
    kinds, match_type, value = PROBES[step.kind]
    name = sorted(n for n, k in shape.kinds.items() if k in kinds)[0]
    body = shape.body({name: {"type": match_type, "values": [value]}})
    response = engine.request("POST", concrete(ref.path, {}), json=body)
    engine.recorder.ran_check(CHECK)
    if response.status_code == 400:
        return []
    return [
        engine.failure(
            ref,
            response,
            CHECK,
            "A criterion of the wrong type is not refused with 400",
            f"{name} ({shape.kinds[name]}) {match_type} [{value!r}]: answered "
            f"{response.status_code}; the document types its values and documents 400, and "
            "ASP.NET's binder refuses text it cannot read as the field's type",
        )
    ]
