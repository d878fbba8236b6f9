"""Int32 bounds: a path integer the document types ``int32`` binds exactly the Int32 range.

For every get by iid whose path parameter is ``integer``/``int32`` (live: the first, after the
depth tier's first round), three
requests: ``2^31`` and ``-2^31-1`` do not fit an Int32, so ASP.NET's binder fails and an
``[ApiController]`` answers 400; ``-2^31`` fits, so it binds, and the answer is whatever the
lookup gives (404 for an iid no record has), never 400 and never 5xx.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.probe import concrete
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.entities import OperationRef
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

CHECK = "int32_bounds"
OUTSIDE = (2**31, -(2**31) - 1)
INSIDE = (-(2**31),)


def _int32_path(spec: Mapping[str, Any], name: str) -> bool:
    for param in spec.get("parameters", []):
        if isinstance(param, Mapping) and param.get("in") == "path" and param.get("name") == name:
            schema = param.get("schema", {})
            return schema.get("type") == "integer" and schema.get("format") == "int32"
    return False


@family(
    "int32_bounds",
    tier=Tier.ERRORS,
    priority=30,
    checks=(CHECK,),
    invariant="a path integer typed int32 just past Int32 (2^31, -2^31-1) is refused with 400, "
    "and -2^31 binds (never 400, never 5xx), as ASP.NET's Int32 binder does",
)
def int32_bounds(ctx: PlanContext) -> list[Step]:
    # live, after the depth tier's first round: the error paths' share of the budget is fixed
    later = {"tier": Tier.DEPTH, "round": 1} if ctx.live else {}
    steps = [
        ctx.step(int32_bounds, "int32 bounds", ref.label, len(OUTSIDE) + len(INSIDE), **later)
        for ref in ctx.chosen
        if ref.kind == "get"
        and ref.method == "GET"
        and len(ref.params) == 1
        and _int32_path(ctx.spec(ref), ref.params[0])
    ]
    return steps[:1] if ctx.live else steps


@int32_bounds.handles("int32 bounds")
def int32_bound_binding(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    engine.recorder.ran_check(CHECK)
    for value in (*OUTSIDE, *INSIDE):
        response = engine.request("GET", concrete(ref.path, {ref.params[0]: value}))
        status = response.status_code
        if value in OUTSIDE and status != 400:
            return [_failure(engine, ref, response, f"{value} is past Int32 but answered {status}")]
        if value in INSIDE and (status == 400 or status >= 500):
            return [_failure(engine, ref, response, f"{value} fits an Int32 but answered {status}")]
    return []


def _failure(engine: Engine, ref: OperationRef, response: Any, problem: str) -> FailureRecord:
    return engine.failure(
        ref,
        response,
        CHECK,
        "An int32 path parameter does not bind the Int32 range",
        f"{ref.params[0]}: {problem} (the document types it int32; ASP.NET refuses a value "
        "its Int32 binder cannot read with 400)",
    )
