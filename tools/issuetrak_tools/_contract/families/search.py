"""Search semantics: results satisfy every criterion sent, string matches ignore case, several
criteria are ANDed, and a record that matches is not left out.

Each search is probed with the site's own records (page 1 of it): a string criterion with its case
changed, and two criteria matching different known records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.probe import Unchecked, concrete
from issuetrak_tools._contract.semantics import (
    case_probe,
    judge_probe,
    multi_criteria_probe,
    search_shape,
)
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine


@family(
    "search",
    tier=Tier.SEARCH,
    priority=10,
    checks=(
        "search_matches_filter",
        "search_case_insensitive",
        "search_all_criteria",
        "search_no_missing_results",
    ),
    invariant="search results satisfy every criterion sent; string criteria match whatever the "
    "case; several criteria are ANDed; a known record that matches is returned",
)
def search(ctx: PlanContext) -> list[Step]:
    steps: list[Step] = []
    for label in ctx.paged:
        ref = ctx.conventions.operations[label]
        if ref.kind == "search" and search_shape(ctx.document, ctx.spec(ref)).judged:
            steps.append(ctx.step(search, "search", label, 2))
    return steps


@search.handles("search")
def probe_search(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    shape = search_shape(engine.document, engine.document["paths"][ref.path]["post"])
    items = engine.items(ref)
    path = concrete(ref.path, engine.path_params(ref))
    records: list[FailureRecord] = []
    probes = [p for p in (case_probe(items, shape), multi_criteria_probe(items, shape)) if p]
    if not probes:
        raise Unchecked(f"{ref.label}: too few records with searchable values to probe")
    for probe in probes:
        response = engine.request("POST", path, json=probe.body)
        engine.recorder.ran_check(probe.check_missing)
        engine.recorder.ran_check(probe.check_unmatched)
        if response.status_code != 200:
            records.append(
                engine.failure(
                    ref,
                    response,
                    probe.check_missing,
                    "A valid search was not answered 200",
                    f"{probe.description}: answered {response.status_code}",
                )
            )
            continue
        try:
            answer = response.json()
        except ValueError:
            answer = None
        for check, title, message in judge_probe(probe, shape, answer):
            records.append(engine.failure(ref, response, check, title, message))
    return records
