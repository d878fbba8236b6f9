"""Paging invariants that only show across several pages of one query.

For each paged operation (its 200 answer has ``pagingInformation``) without path parameters,
:func:`walk_pages` fetches up to ``max_pages`` successive pages with a small ``pageSize`` and
reports, each under its own check name:

* ``paging_page_size`` - a page holds more than ``pageSize`` values;
* ``paging_page_count`` - a page numbered past ``pageCount`` holds values (an empty one is how
  Issuetrak answers a page past the end), or the page number differs from the one asked for;
* ``paging_item_total_stable`` - ``itemTotal`` changes between pages of the same query;
* ``paging_no_repeats`` - an item (by ``iid``, else ``id``, else its whole JSON) appears twice;
* ``paging_item_total_matches`` - all pages walked, but their values do not add up to ``itemTotal``.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from issuetrak_tools._contract.checks import page_past_count_has_items
from issuetrak_tools._contract.report import FailureRecord, redact, trace_id_of
from issuetrak_tools.spec import iter_operations

__all__ = ["PagedOperation", "curl_of", "paged_operations", "walk_pages"]


@dataclass(frozen=True)
class PagedOperation:
    method: str
    path: str
    in_body: bool  # POST searches page through the body, lists through the query

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def _resolve(document: Mapping[str, Any], schema: Mapping[str, Any]) -> Mapping[str, Any]:
    schemas = document.get("components", {}).get("schemas", {})
    seen = 0
    while "$ref" in schema and seen < 20:
        schema = schemas.get(str(schema["$ref"]).rsplit("/", 1)[-1], {})
        seen += 1
    return schema


def paged_operations(document: Mapping[str, Any]) -> list[PagedOperation]:
    """Every paged operation of ``document`` that needs no path parameter."""
    found = []
    for op in iter_operations(document):
        if "{" in op.path:
            continue
        ok: Mapping[str, Any] = op.spec.get("responses", {}).get("200", {})
        media: Mapping[str, Any] = next(iter(ok.get("content", {}).values()), {})
        schema: Mapping[str, Any] = media.get("schema", {})
        if "pagingInformation" not in _resolve(document, schema).get("properties", {}):
            continue
        found.append(PagedOperation(op.method, op.path, in_body=op.method == "POST"))
    return found


def curl_of(request: httpx.Request, secrets: tuple[str, ...] = ()) -> str:
    """A curl command for ``request``; the token and any other secret redacted."""
    parts = ["curl", "-X", request.method, str(request.url)]
    for name, value in request.headers.items():
        if name.lower() in (
            "host",
            "content-length",
            "accept-encoding",
            "connection",
            "user-agent",
        ):
            continue
        parts += ["-H", f"{name}: {'[REDACTED]' if name.lower() == 'x-api-key' else value}"]
    if request.content:
        parts += ["-d", request.content.decode("utf-8", "replace")]
    return redact(" ".join(shlex.quote(p) for p in parts), secrets)


def _identity(item: Any) -> str:
    if isinstance(item, Mapping):
        for key in ("iid", "id"):
            if item.get(key) is not None:
                return f"{key}={item[key]}"
    return json.dumps(item, sort_keys=True)


def _fetch(
    client: httpx.Client,
    base_url: str,
    op: PagedOperation,
    headers: Mapping[str, str],
    page: int,
    size: int,
) -> httpx.Response:
    url = base_url.rstrip("/") + op.path
    if op.in_body:
        return client.request(
            op.method, url, headers=dict(headers), json={"pageNumber": page, "pageSize": size}
        )
    return client.request(
        op.method, url, headers=dict(headers), params={"PageNumber": page, "PageSize": size}
    )


def walk_pages(
    client: httpx.Client,
    base_url: str,
    op: PagedOperation,
    headers: Mapping[str, str],
    *,
    page_size: int = 2,
    max_pages: int = 4,
    secrets: tuple[str, ...] = (),
) -> Iterator[FailureRecord]:
    """Fetch pages 1..N of ``op`` and yield a record per broken invariant (nothing when all hold).

    A first page that is not a 200 with a paging envelope yields nothing: that operation's status
    and schema are the per-response checks' business.
    """
    seen: dict[str, int] = {}
    totals: list[int] = []
    values_seen = 0
    page_count = None

    def record(check: str, title: str, message: str, response: httpx.Response) -> FailureRecord:
        return FailureRecord(
            operation=op.label,
            check=check,
            title=title,
            message=message,
            status_code=response.status_code,
            trace_id=trace_id_of(response.content),
            curl=curl_of(response.request, secrets),
        )

    page = 1
    while page <= max_pages:
        response = _fetch(client, base_url, op, headers, page, page_size)
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200 or not isinstance(body, Mapping):
            return
        values, paging = body.get("values"), body.get("pagingInformation")
        if not isinstance(values, list) or not isinstance(paging, Mapping):
            return
        number, total, page_count = (
            paging.get("page"),
            paging.get("itemTotal"),
            paging.get("pageCount"),
        )
        if len(values) > page_size:
            yield record(
                "paging_page_size",
                "Page larger than pageSize",
                f"page {page} has {len(values)} values; pageSize was {page_size}",
                response,
            )
        if page_past_count_has_items(number, page_count, values):
            yield record(
                "paging_page_count",
                "Values on a page past pageCount",
                f"page {number} of pageCount {page_count} holds {len(values)} value(s)",
                response,
            )
        if number != page:
            yield record(
                "paging_page_count",
                "Page number differs from the one requested",
                f"asked for page {page}, got page {number!r}",
                response,
            )
        if isinstance(total, int):
            if totals and total != totals[0]:
                yield record(
                    "paging_item_total_stable",
                    "itemTotal changed between pages",
                    f"itemTotal {totals[0]} on page 1, {total} on page {page}",
                    response,
                )
            totals.append(total)
        for item in values:
            key = _identity(item)
            if key in seen:
                yield record(
                    "paging_no_repeats",
                    "Item repeated across pages",
                    f"item {key} on page {seen[key]} and again on page {page}",
                    response,
                )
            seen.setdefault(key, page)
        values_seen += len(values)
        if not isinstance(page_count, int) or page >= page_count:
            break
        page += 1
    # the loop also ends past max_pages: then page is one more than the last page fetched
    walked_all = isinstance(page_count, int) and page <= max_pages and page >= page_count
    if walked_all and totals and values_seen != totals[0] and page_count:
        yield record(
            "paging_item_total_matches",
            "Pages do not add up to itemTotal",
            f"{values_seen} values over {page} page(s), itemTotal {totals[0]}",
            response,
        )
