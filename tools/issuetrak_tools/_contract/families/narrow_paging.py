"""Paging a narrow search: the pages of a search that matches a few records add up to its answer.

The paging family walks lists and broad searches, whose matches are most of the store; a site
that pages a filtered result another way (a slice of the matches, not of the store) can go wrong
there only. For each search whose criteria take ``iid`` as ``IntCriteria``, four known records
(page 1 of the search) are searched by ``iid MatchAny``: page 1 at ``pageSize`` 3 (sorted by iid descending where the body sorts) is the reference;
pages 1 and 2 at ``pageSize`` 2 must be its first two records and its last one, in the same order, each
page saying ``itemTotal`` 3. In-process every such search, live the first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.probe import Unchecked, concrete, page_of
from issuetrak_tools._contract.semantics import identity, search_shape
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

CHECK = "paging_narrow_search"
COUNT, HALF = 3, 2


@family(
    "narrow_paging",
    tier=Tier.PAGING,
    priority=15,
    checks=(CHECK,),
    invariant="the pages of a search matching a few known records (iid MatchAny) are the slices "
    "of its one-page answer, in the same order, each with the same itemTotal",
)
def narrow_paging(ctx: PlanContext) -> list[Step]:
    steps = [
        ctx.step(narrow_paging, "narrow paging", ref.label, 3)
        for ref, shape in ctx.searches()
        if shape.kinds.get("iid") == "IntCriteria"
    ]
    return steps[:1] if ctx.live else steps


@narrow_paging.handles("narrow paging")
def pages_add_up(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    shape = search_shape(engine.document, engine.document["paths"][ref.path]["post"])
    known = [
        i["iid"]
        for i in engine.items(ref)
        if isinstance(i, Mapping)
        and isinstance(i.get("iid"), int)
        and not isinstance(i["iid"], bool)
    ]
    iids = sorted(set(known))[:COUNT]
    if len(iids) < COUNT:
        raise Unchecked(f"{ref.label}: fewer than {COUNT} known records to page through")
    criteria: dict[str, Any] = {"iid": {"type": "MatchAny", "values": iids}}
    # an explicit order where the body takes one (iid descending), so that the pages' order is
    # defined whatever the site's default
    by_iid = [f for f in shape.sort_fields if f.lower() == "iid"]
    order = (
        {"sortField": by_iid[0], "sortDirection": shape.directions[1]}
        if by_iid and shape.directions
        else {}
    )
    path = concrete(ref.path, {})
    answers = []
    # the later page first: a site may page a fresh query differently from a repeated one
    for size, number in ((HALF, 2), (HALF, 1), (COUNT, 1)):
        body = shape.body(criteria, page_size=size) | order | {"pageNumber": number}
        response = engine.request("POST", path, json=body)
        values, total = page_of(response.content)
        if response.status_code != 200 or values is None:
            what = f"iid MatchAny {iids}, pageSize {size}, page {number}"
            return [_failure(engine, ref, response, f"{what}: answered {response.status_code}")]
        answers.append((response, [identity(v) for v in values], total))
    engine.recorder.ran_check(CHECK)
    (_, whole, total), pages = answers[2], [answers[1], answers[0]]
    if len(whole) != COUNT or total != COUNT:
        return []  # the search itself is judged by the search families
    for (response, got, page_total), at in zip(pages, (0, HALF), strict=True):
        wanted = whole[at : at + HALF]
        if got != wanted or page_total != COUNT:
            message = (
                f"iid MatchAny {iids}: page {at // HALF + 1} at pageSize {HALF} holds {got} "
                f"(itemTotal {page_total}), but the one-page answer's records there are {wanted} "
                f"(itemTotal {COUNT})"
            )
            return [_failure(engine, ref, response, message)]
    return []


def _failure(engine: Engine, ref: Any, response: Any, message: str) -> FailureRecord:
    return engine.failure(
        ref,
        response,
        CHECK,
        "The pages of a narrow search do not add up to its answer",
        f"{message} (pageNumber and pageSize slice the matches, as the paging information says)",
    )
