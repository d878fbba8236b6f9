"""Identity of records: a record that does not exist is 404 with an ``ApiResponse`` body.

Every ``GET /Xs/{iid}`` is asked for an iid no Issuetrak record has (int32's largest value).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from issuetrak_tools._contract.checks import api_response_is_valid
from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.probe import MISSING_IID
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine


@family(
    "not_found",
    tier=Tier.ERRORS,
    priority=20,
    checks=("not_found_status", "error_body_shape"),
    invariant="get by iid of an iid no record has is 404 with an ApiResponse body and a traceId",
)
def not_found(ctx: PlanContext) -> list[Step]:
    steps: list[Step] = []
    for ref in ctx.chosen:
        if ref.kind == "get" and ref.method == "GET" and len(ref.params) == 1:
            parts = [p for p in ref.path.split("/") if p]
            if len(parts) == 2:
                steps.append(ctx.step(not_found, "not_found", ref.label, 1))
    return steps


@not_found.handles("not_found")
def missing_iid(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    case = engine.case(ref, step, path_parameters={ref.params[0]: MISSING_IID}, simplest=True)
    response, records = engine.send(case, ref)
    engine.recorder.ran_check("not_found_status")
    problem = None
    if response.status_code != 404:
        problem = f"answered {response.status_code}"
    else:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not api_response_is_valid(case, body):
            problem = "answered 404 without an ApiResponse body"
    if problem:
        records.append(
            engine.failure(
                ref,
                response,
                "not_found_status",
                "A record that does not exist is not answered 404 with an ApiResponse",
                f"{ref.label} with {ref.params[0]}={MISSING_IID} (no such record) {problem}",
                curl=engine.case_curl(case),
            )
        )
    return records
