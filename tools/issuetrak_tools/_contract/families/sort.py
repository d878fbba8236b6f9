"""Ordering: a documented sort field honours both directions.

Every sortable list and search sorted descending (an ignored or reversed sort shows there);
ascending, once per collection, is the second opinion (in-process in this tier, live after the first depth round).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.probe import Unchecked, concrete
from issuetrak_tools._contract.semantics import (
    SORT_PAGE_SIZE,
    search_shape,
    sort_choice,
    sort_violation,
)
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine


@family(
    "sort",
    tier=Tier.SEARCH,
    priority=20,
    checks=("sort_order",),
    invariant="a list or search sorted by a documented sort field is in that order, both directions",
)
def sort(ctx: PlanContext) -> list[Step]:
    sortable: list[str] = []
    primary: dict[str, str] = {}
    for label in ctx.paged:
        ref = ctx.conventions.operations[label]
        shape = search_shape(ctx.document, ctx.spec(ref))
        if shape.sort_fields and shape.directions:
            sortable.append(label)
            key = ref.store or label
            if key not in primary or ref.kind == "search":
                primary[key] = label
    later = {"tier": Tier.DEPTH, "round": 1} if ctx.live else {}
    ascending = [label for label in sortable if label in primary.values()]
    # descending for every sortable list and search (a list may sort while its search does not);
    # ascending, the second opinion, once per collection
    return [ctx.step(sort, "sort", label, 1) for label in sortable] + [
        ctx.step(sort, "sort_asc", label, 1, **later) for label in ascending
    ]


@sort.handles("sort", "sort_asc")
def check_sort(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    spec = engine.document["paths"][ref.path][ref.method.lower()]
    shape = search_shape(engine.document, spec)
    items = engine.items(ref)
    field_name = sort_choice(items, shape)
    if field_name is None or shape.directions is None:
        raise Unchecked(f"{ref.label}: no sort field whose values can be ordered on page 1")
    path = concrete(ref.path, engine.path_params(ref))
    records: list[FailureRecord] = []
    engine.recorder.ran_check("sort_order")
    ascending, descending_name = shape.directions
    # "sort" asks descending (an ignored or reversed sort shows there), "sort_asc" ascending
    wanted = [(ascending, False)] if step.kind == "sort_asc" else [(descending_name, True)]
    for direction, descending in wanted:
        if ref.method == "POST":
            body = shape.body({}, page_size=SORT_PAGE_SIZE)
            body.update(sortField=field_name, sortDirection=direction)
            response = engine.request("POST", path, json=body)
        else:
            names = {
                str(p.get("name", "")).lower(): str(p.get("name"))
                for p in spec.get("parameters", [])
            }
            query = {
                names.get("sortfield", "SortField"): field_name,
                names.get("sortdirection", "SortDirection"): direction,
                names.get("pagenumber", "PageNumber"): 1,
                names.get("pagesize", "PageSize"): SORT_PAGE_SIZE,
            }
            response = engine.request("GET", path, params=query)
        try:
            answer = response.json()
        except ValueError:
            answer = None
        values = answer.get("values") if isinstance(answer, Mapping) else None
        if response.status_code != 200 or not isinstance(values, list):
            records.append(
                engine.failure(
                    ref,
                    response,
                    "sort_order",
                    "A documented sort was not answered 200",
                    f"sortField {field_name} {direction}: answered {response.status_code}",
                )
            )
            continue
        problem = sort_violation(values, field_name, descending)
        if problem:
            records.append(
                engine.failure(
                    ref,
                    response,
                    "sort_order",
                    "Results are not in the requested order",
                    problem,
                )
            )
    return records
