"""Paging: pages of a list or search add up (sizes, counts, totals, no repeats, nothing missing).

One walk per collection first (its search, else its list: the same records): page 2, the last page
and the one after it, at a page size of 2, whatever the list's size. The other walk of each
collection is a second opinion: in-process in this tier, live after the depth tier's first round.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.paging import FetchedPage, PagedOperation, WalkResult, walk
from issuetrak_tools._contract.probe import PAGING_PAGE_SIZE, concrete
from issuetrak_tools._contract.report import trace_id_of
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine


@family(
    "paging",
    tier=Tier.PAGING,
    priority=10,
    checks=(
        "paging_envelope",
        "paging_page_size",
        "paging_page_count",
        "paging_item_total_stable",
        "paging_no_repeats",
        "paging_item_total_matches",
    ),
    invariant="pageSize is honoured, pageCount is ceil(itemTotal / pageSize), itemTotal is stable, "
    "pages are disjoint and together hold itemTotal records, a page past the last is empty",
)
def paging(ctx: PlanContext) -> list[Step]:
    primary: dict[str, str] = {}
    for label in ctx.paged:
        ref = ctx.conventions.operations[label]
        key = ref.store or label
        if key not in primary or ref.kind == "search":
            primary[key] = label
    first = [label for label in ctx.paged if label in primary.values()]
    other = [label for label in ctx.paged if label not in primary.values()]
    steps = [ctx.step(paging, "paging", label, 2) for label in first]
    # second opinions: in process (no budget) in this tier, live after the first depth round
    later = {"tier": Tier.DEPTH, "round": 1} if ctx.live else {}
    steps += [ctx.step(paging, "paging", label, 2, **later) for label in other]
    return steps


@paging.handles("paging")
def walk_pages(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    path = concrete(ref.path, engine.path_params(ref))
    operation = PagedOperation(ref.method, ref.path, in_body=ref.method == "POST")

    def fetch(page: int, size: int) -> FetchedPage:
        cached = engine.knowledge.first_pages.pop(ref.label, None) if page == 1 else None
        if cached is not None and size == PAGING_PAGE_SIZE:
            return cached
        if operation.in_body:
            response = engine.request(ref.method, path, json={"pageNumber": page, "pageSize": size})
        else:
            response = engine.request(
                ref.method, path, params={"PageNumber": page, "PageSize": size}
            )
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code == 200:
            engine.knowledge.learn(ref, body)
        return FetchedPage(
            response.status_code, body, engine.curl(response), trace_id_of(response.content)
        )

    result = WalkResult()
    try:
        walk(fetch, ref.label, page_size=PAGING_PAGE_SIZE, result=result)
    finally:
        for name in result.checks:
            engine.recorder.ran_check(name)
        if result.restarted:
            engine.recorder.tolerated("paging_list_changed", result.restarted)
    return result.records
