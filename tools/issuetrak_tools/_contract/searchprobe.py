"""Targeted searches: does each search honour a criterion built from the site's own data?

Random criteria (the fuzzing phase) rarely match anything, so a site that ignores a criterion
would mostly go unnoticed. :func:`probe_search` first lists a page, then searches for a value one
of the listed items really has, and reports ``search_matches_filter`` for every returned item
that does not have it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import httpx
from issuetrak_tools._contract.paging import curl_of
from issuetrak_tools._contract.report import FailureRecord, trace_id_of
from issuetrak_tools._contract.search import criteria_kinds, probe_bodies, unmatched_items
from issuetrak_tools.spec import iter_operations

__all__ = ["probe_search", "search_operations"]


def search_operations(document: Mapping[str, Any]) -> list[str]:
    """Paths of the ``POST .../Search`` operations without path parameters that have judged criteria."""
    paths = []
    for op in iter_operations(document):
        if op.method == "POST" and op.path.lower().endswith("/search") and "{" not in op.path:
            kinds = criteria_kinds(document, op.spec)
            if any(kind in ("StringCriteria", "IntCriteria") for kind in kinds.values()):
                paths.append(op.path)
    return paths


def probe_search(
    client: httpx.Client,
    base_url: str,
    document: Mapping[str, Any],
    path: str,
    headers: Mapping[str, str],
    *,
    secrets: tuple[str, ...] = (),
) -> Iterator[FailureRecord]:
    """Yield a ``search_matches_filter`` record for each probe whose results break its criterion."""
    operation = document["paths"][path]["post"]
    kinds = criteria_kinds(document, operation)
    url = base_url.rstrip("/") + path
    first = client.post(url, headers=dict(headers), json={"pageNumber": 1, "pageSize": 50})
    try:
        listing = first.json()
    except ValueError:
        return
    if (
        first.status_code != 200
        or not isinstance(listing, Mapping)
        or not isinstance(listing.get("values"), list)
    ):
        return
    for body in probe_bodies(listing["values"], kinds):
        response = client.post(url, headers=dict(headers), json=body)
        try:
            found = response.json()
        except ValueError:
            continue
        if (
            response.status_code != 200
            or not isinstance(found, Mapping)
            or not isinstance(found.get("values"), list)
        ):
            continue
        problems = unmatched_items(body, found["values"], kinds)
        if problems:
            criterion, item = problems[0]
            yield FailureRecord(
                operation=f"POST {path}",
                check="search_matches_filter",
                title="Search result does not match the filter sent",
                message=(
                    f"{len(problems)} returned item(s) break {criterion.describe()}; first has "
                    f"{criterion.field}={item.get(criterion.field)!r}"
                ),
                status_code=response.status_code,
                trace_id=trace_id_of(response.content),
                curl=curl_of(response.request, secrets),
            )
