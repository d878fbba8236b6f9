"""Paging parameters alone: ``PageSize`` without ``PageNumber``, and ``PageNumber`` without
``PageSize``, are each honoured.

Both are optional query parameters of every GET list; ASP.NET binds each on its own, so a request
that carries one of them gets page 1 at that size, or that page at the site's default size. The
paging walks always send both, so a site that reads one only when the other is present passes
them. ``PageSize=2`` alone must answer ``min(2, itemTotal)`` values and ``pageCount`` of
``ceil(itemTotal / 2)``; ``PageNumber=2`` alone must answer ``page`` 2. In-process every GET list
is probed; live the lists take turns, one probe of each parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.paging import expected_values, page_count
from issuetrak_tools._contract.probe import concrete, json_or_none
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

CHECK = "paging_parameter_alone"
SIZE = 2
PROBES = {"PageSize alone": {"PageSize": SIZE}, "PageNumber alone": {"PageNumber": 2}}


@family(
    "paging_alone",
    tier=Tier.PAGING,
    priority=20,
    checks=(CHECK,),
    invariant="PageSize sent without PageNumber, and PageNumber without PageSize, are each "
    "honoured (ASP.NET binds optional query parameters one by one)",
)
def paging_alone(ctx: PlanContext) -> list[Step]:
    lists = [
        label
        for label in ctx.paged
        if ctx.conventions.operations[label].method == "GET"
        and not ctx.conventions.operations[label].params
    ]
    if not lists:
        return []
    if ctx.live:
        return [
            ctx.step(paging_alone, kind, lists[turn % len(lists)], 1)
            for turn, kind in enumerate(PROBES)
        ]
    return [ctx.step(paging_alone, kind, label, 1) for label in lists for kind in PROBES]


@paging_alone.handles(*PROBES)
def parameter_alone_honoured(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    query = PROBES[step.kind]
    response = engine.request("GET", concrete(ref.path, {}), params=query)
    engine.recorder.ran_check(CHECK)
    problem = _problem(response.status_code, json_or_none(response.content), query)
    if problem is None:
        return []
    sent = "&".join(f"{k}={v}" for k, v in query.items())
    return [
        engine.failure(
            ref,
            response,
            CHECK,
            "A paging parameter sent alone is not honoured",
            f"?{sent}: {problem} (each optional query parameter binds on its own)",
        )
    ]


def _problem(status: int, answer: Any, query: Mapping[str, int]) -> str | None:
    if status != 200:
        return f"answered {status}"
    values = answer.get("values") if isinstance(answer, Mapping) else None
    paging = answer.get("pagingInformation") if isinstance(answer, Mapping) else None
    if not isinstance(values, list) or not isinstance(paging, Mapping):
        return "answered no paged envelope"
    total = paging.get("itemTotal")
    if "PageNumber" in query:
        page = paging.get("page")
        return None if page in (None, query["PageNumber"]) else f"answered page {page!r}"
    if not isinstance(total, int):
        return None  # the envelope check reports a missing itemTotal
    if len(values) != expected_values(1, SIZE, total):
        return f"page 1 holds {len(values)} value(s) of itemTotal {total}"
    if paging.get("pageCount") != page_count(total, SIZE):
        return f"pageCount {paging.get('pageCount')!r} for itemTotal {total}"
    return None
