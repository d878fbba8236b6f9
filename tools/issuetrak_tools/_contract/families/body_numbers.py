"""A body number its field's .NET type cannot hold is refused with 400, never read otherwise.

On the first search whose request schema has an ``integer``/``int32`` field (``pageNumber``): a body with that field ``2^31`` (one past Int32), and one with it an
integer literal 5000 digits long (beyond any .NET number type: Int64, Decimal, Double). Both
must answer 400 - System.Text.Json cannot convert either, so ASP.NET's binder refuses the body
(a ValidationProblemDetails) - never 2xx (a value clamped or wrapped) and never 5xx.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.entities import Conventions, OperationRef
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

CHECK = "body_number_bounds"
PLACEHOLDER = "__contract_number__"
TOO_BIG = (("2^31, one past Int32", str(2**31)), ("a 5000-digit integer", "9" * 5000))


def int32_field(conventions: Conventions, ref: OperationRef) -> str | None:
    """The first ``int32`` field of the request schema (2^31 is past its type, whatever bounds
    the document adds)."""
    if not ref.request_schema:
        return None
    index = conventions.index
    for name, raw in index.properties(ref.request_schema).items():
        field = index.resolve(raw)
        types = field.get("type")
        if field.get("format") == "int32" and (
            types == "integer" or (isinstance(types, list) and "integer" in types)
        ):
            return str(name)
    return None


@family(
    "body_numbers",
    tier=Tier.ERRORS,
    priority=45,
    checks=(CHECK,),
    invariant="a body number its field's type cannot hold (an int32 field given 2^31, or an "
    "integer literal 5000 digits long) is refused with 400, never 2xx or 5xx (System.Text.Json "
    "cannot convert it)",
)
def body_numbers(ctx: PlanContext) -> list[Step]:
    live = {"tier": Tier.DEPTH} if ctx.live else {}
    for ref, _ in ctx.searches():
        if ref.method == "POST" and not ref.params and int32_field(ctx.conventions, ref):
            return [ctx.step(body_numbers, "body-numbers", ref.label, len(TOO_BIG), **live)]
    return []


@body_numbers.handles("body-numbers")
def number_bounds_refused(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    field = int32_field(engine.conventions, ref)
    assert field is not None
    body = {"pageNumber": 1, "pageSize": 1, field: PLACEHOLDER}
    template = json.dumps(body)
    engine.recorder.ran_check(CHECK)
    failures = []
    for what, literal in TOO_BIG:
        content = template.replace(json.dumps(PLACEHOLDER), literal).encode()
        answered = engine.request(
            ref.method, ref.path, content=content, content_type="application/json"
        )
        if answered.status_code == 400:
            continue
        failures.append(
            engine.failure(
                ref,
                answered,
                CHECK,
                "A body number its field's type cannot hold is not refused with 400",
                f"{ref.label} with {field} {what} answered {answered.status_code}, expected 400: "
                f"the document types {field} int32, and System.Text.Json cannot convert the "
                "number, so ASP.NET's binder refuses the body",
            )
        )
    return failures
