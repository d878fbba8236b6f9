"""Paging invariants that only show across several pages of one query.

A paged answer is ``{values: [...], pagingInformation: {page, itemTotal, pageCount}}``. With a page
size ``s`` and ``itemTotal`` ``T``, a faithful site has ``pageCount = ceil(T / s)`` (0 for an empty
list), pages ``1 .. pageCount-1`` full, page ``pageCount`` holding the rest and every later page
empty. :func:`walk` checks exactly that, on lists of any size, in at most four requests: page 1,
page 2 (repeats across neighbouring pages), the last page and the one after it (together they pin
down the number of items the site really holds: one item more or less than ``itemTotal`` changes
what the last page or the one after it holds). Each broken rule is reported under its own check:

* ``paging_page_size`` - a page holds more than ``pageSize`` values;
* ``paging_page_count`` - ``pageCount`` is not ``ceil(itemTotal / pageSize)``, a page carries
  another number than the one asked for, or a page past ``pageCount`` holds values;
* ``paging_item_total_stable`` - ``itemTotal`` or ``pageCount`` differs between pages;
* ``paging_no_repeats`` - an item (by ``iid``, else ``id``, else its whole JSON) appears twice;
* ``paging_item_total_matches`` - a page holds another number of values than ``itemTotal`` implies.

Tolerance: a live site is in use while it is checked, so a list whose ``itemTotal`` changes during
the walk is walked once more before anything is reported.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from issuetrak.conventions import ref_name
from issuetrak_tools._contract.report import FailureRecord
from issuetrak_tools.spec import iter_operations

__all__ = [
    "PAGING_CHECKS",
    "FetchedPage",
    "PagedOperation",
    "WalkResult",
    "expected_values",
    "paged_operations",
    "walk",
]

PAGING_CHECKS = (
    "paging_page_size",
    "paging_page_count",
    "paging_item_total_stable",
    "paging_no_repeats",
    "paging_item_total_matches",
)
UNSTABLE_RETRIES = 1  # walks repeated when itemTotal moved under the walk


@dataclass(frozen=True)
class PagedOperation:
    method: str
    path: str
    in_body: bool  # POST searches page through the body, lists through the query

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class FetchedPage:
    """What one page request answered (``body`` is the parsed JSON, or ``None``)."""

    status: int
    body: Any
    curl: str = ""
    trace_id: str | None = None


Fetch = Callable[[int, int], FetchedPage]  # (page number, page size) -> the answer


@dataclass
class WalkResult:
    """Deviations found, the checks that were really evaluated, and what the walk cost."""

    records: list[FailureRecord] = field(default_factory=list)
    checks: set[str] = field(default_factory=set)
    requests: int = 0
    complete: bool = False  # every planned page was fetched and judged
    restarted: int = 0  # walks repeated because the list changed under the walk


def _resolve(document: Mapping[str, Any], schema: Mapping[str, Any]) -> Mapping[str, Any]:
    schemas = document.get("components", {}).get("schemas", {})
    seen = 0
    while "$ref" in schema and seen < 20:
        schema = schemas.get(ref_name(str(schema["$ref"])), {})
        seen += 1
    return schema


def paged_operations(document: Mapping[str, Any]) -> list[PagedOperation]:
    """Every operation of ``document`` whose 200 answer has ``pagingInformation``."""
    found = []
    for op in iter_operations(document):
        ok: Mapping[str, Any] = op.spec.get("responses", {}).get("200", {})
        media: Mapping[str, Any] = next(iter(ok.get("content", {}).values()), {})
        schema: Mapping[str, Any] = media.get("schema", {})
        if "pagingInformation" not in _resolve(document, schema).get("properties", {}):
            continue
        found.append(PagedOperation(op.method, op.path, in_body=op.method == "POST"))
    return found


def expected_values(page: int, size: int, total: int) -> int:
    """How many values page ``page`` holds when ``total`` items are paged by ``size``."""
    count = page_count(total, size)
    if page < count:
        return size
    if page == count:
        return total - (count - 1) * size
    return 0


def page_count(total: int, size: int) -> int:
    return math.ceil(total / size) if total > 0 else 0


def planned_pages(total: int, size: int) -> list[int]:
    """The pages after page 1 a walk fetches: 2, the last, and the one past the last."""
    count = page_count(total, size)
    return sorted({p for p in (2, count, count + 1) if p > 1})


def _identity(item: Any) -> str:
    if isinstance(item, Mapping):
        for key in ("iid", "id"):
            if item.get(key) is not None:
                return f"{key}={item[key]}"
    return json.dumps(item, sort_keys=True, default=str)


def _envelope(answer: FetchedPage) -> tuple[list[Any], Mapping[str, Any]] | None:
    body = answer.body
    if answer.status != 200 or not isinstance(body, Mapping):
        return None
    values, paging = body.get("values"), body.get("pagingInformation")
    if not isinstance(values, list) or not isinstance(paging, Mapping):
        return None
    return values, paging


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class _Walk:
    def __init__(self, label: str, size: int, result: WalkResult) -> None:
        self.label, self.size, self.result = label, size, result
        self.records: list[FailureRecord] = []
        self.seen: dict[str, int] = {}
        self.total: int | None = None
        self.count: int | None = None
        self.unstable = False

    def fail(self, check: str, title: str, message: str, answer: FetchedPage) -> None:
        if any(r.check == check and r.title == title for r in self.records):
            return  # one record per rule and walk; the first page that shows it
        self.records.append(
            FailureRecord(
                operation=self.label,
                check=check,
                title=title,
                message=message,
                status_code=answer.status,
                trace_id=answer.trace_id,
                curl=answer.curl,
            )
        )

    def judge(
        self, number: int, answer: FetchedPage, values: list[Any], paging: Mapping[str, Any]
    ) -> None:
        size, checks = self.size, self.result.checks
        echoed, total, count = (
            paging.get("page"),
            _int(paging.get("itemTotal")),
            _int(paging.get("pageCount")),
        )
        checks.update(("paging_page_size", "paging_page_count", "paging_no_repeats"))
        if len(values) > size:
            self.fail(
                "paging_page_size",
                "Page larger than pageSize",
                f"page {number} has {len(values)} values; pageSize was {size}",
                answer,
            )
        if echoed != number:
            self.fail(
                "paging_page_count",
                "Page number differs from the one requested",
                f"asked for page {number}, got page {echoed!r}",
                answer,
            )
        if isinstance(echoed, int) and count is not None and echoed > count and values:
            self.fail(
                "paging_page_count",
                "Values on a page past pageCount",
                f"page {echoed} of pageCount {count} holds {len(values)} value(s)",
                answer,
            )
        if total is None:
            return
        if self.total is None:
            self.total, self.count = total, count
            if count is not None and count != page_count(total, size):
                self.fail(
                    "paging_page_count",
                    "pageCount does not follow from itemTotal and pageSize",
                    f"itemTotal {total} at pageSize {size} makes {page_count(total, size)} page(s); pageCount says {count}",
                    answer,
                )
        else:
            checks.add("paging_item_total_stable")
            if total != self.total or count != self.count:
                self.unstable = True
                self.fail(
                    "paging_item_total_stable",
                    "itemTotal changed between pages",
                    f"itemTotal {self.total} (pageCount {self.count}) on page 1, "
                    f"{total} (pageCount {count}) on page {number}",
                    answer,
                )
                return
        for item in values:
            key = _identity(item)
            if key in self.seen and self.seen[key] != number:
                self.fail(
                    "paging_no_repeats",
                    "Item repeated across pages",
                    f"item {key} on page {self.seen[key]} and again on page {number}",
                    answer,
                )
            self.seen.setdefault(key, number)
        checks.add("paging_item_total_matches")
        expected = expected_values(number, size, self.total)
        if len(values) != expected:
            self.fail(
                "paging_item_total_matches",
                "Pages do not add up to itemTotal",
                f"page {number} holds {len(values)} value(s); itemTotal {self.total} at pageSize "
                f"{size} puts {expected} on it",
                answer,
            )


def walk(
    fetch: Fetch,
    label: str,
    *,
    page_size: int = 2,
    result: WalkResult | None = None,
) -> WalkResult:
    """Fetch page 1, 2, the last and the one after it; judge them (see the module docstring).

    ``fetch`` may raise (the request budget ran out, say): ``result`` (pass one in to keep it)
    then holds what was found so far, with ``complete`` false. A first page that is not a 200
    with a paging envelope ends the walk: that answer is the per-response checks' business.
    """
    result = result if result is not None else WalkResult()
    for attempt in range(UNSTABLE_RETRIES + 1):
        state = _Walk(label, page_size, result)
        done = _walk_once(fetch, state, result)
        if state.unstable and attempt < UNSTABLE_RETRIES:
            result.restarted += 1
            continue
        result.records.extend(state.records)
        result.complete = done
        break
    return result


def _walk_once(fetch: Fetch, state: _Walk, result: WalkResult) -> bool:
    first = fetch(1, state.size)
    result.requests += 1
    envelope = _envelope(first)
    if envelope is None:
        return False
    state.judge(1, first, *envelope)
    if state.total is None:
        return True  # no itemTotal: nothing to count against
    for number in planned_pages(state.total, state.size):
        answer = fetch(number, state.size)
        result.requests += 1
        envelope = _envelope(answer)
        if envelope is None:
            state.fail(
                "paging_page_count",
                "A page within or just past pageCount is not a paged answer",
                f"page {number} answered {answer.status}",
                answer,
            )
            return True
        state.judge(number, answer, *envelope)
        if state.unstable:
            return True
    return True


def records_of(result: WalkResult) -> Iterator[FailureRecord]:
    yield from result.records
