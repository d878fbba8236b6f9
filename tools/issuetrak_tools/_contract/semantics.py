"""Searches and sorts judged with the site's own records: probes that cost a request or two each.

Random criteria (the fuzzing phase) rarely match anything, so a search that ignores a criterion,
matches case-sensitively or drops results would go unnoticed. These probes are built from records
the run has already seen (the operation's positive case lists a page of them):

* ``search_case_insensitive`` - a string criterion with the case of a known record's value
  changed (``MatchAny ["dEFECT"]`` for ``Defect``) still finds that record;
* ``search_all_criteria`` / ``search_no_missing_results`` - a filter of two criteria, each matching
  a different set of known records (``name`` in {r1, r2}, ``iid`` in {r1, r3}), returns only
  records that satisfy both, and among them r1, which does;
* ``sort_order`` - a documented sort field sorted ``Asc`` comes back non-decreasing and sorted
  ``Desc`` non-increasing.

Values are compared the way Issuetrak compares them: strings case-insensitively (only plain ASCII
letters, digits and spaces are ordered, where every collation agrees), date-times as instants,
numbers as numbers; nulls are never ordered.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from issuetrak.conventions import ref_name
from issuetrak_tools._contract.search import JUDGED_KINDS, criteria_kinds, unmatched_items

__all__ = [
    "Probe",
    "SearchShape",
    "case_probe",
    "identity",
    "left_out",
    "multi_criteria_probe",
    "search_shape",
    "sort_choice",
    "sort_violation",
]

NAME_FIELDS = ("name", "displayName", "subject", "firstName", "lastName")
PROBE_PAGE_SIZE = 100
SORT_PAGE_SIZE = 20
_PLAIN = re.compile(r"^[A-Za-z0-9 ]+$")


@dataclass(frozen=True)
class SearchShape:
    """Where a search body's criteria live, and how it sorts."""

    kinds: Mapping[str, str]  # criterion field -> criteria schema name
    nest: str | None = None  # criteria under body[nest] (``AdvancedIssueFilter.filter``)
    sort_fields: tuple[str, ...] = ()
    directions: tuple[str, str] | None = None  # (ascending, descending) enum values

    def body(
        self, criteria: Mapping[str, Any], *, page_size: int = PROBE_PAGE_SIZE
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"pageNumber": 1, "pageSize": page_size}
        if criteria:
            if self.nest:
                body[self.nest] = dict(criteria)
            else:
                body.update(criteria)
        return body

    def criteria_in(self, body: Any) -> Any:
        """The part of ``body`` holding the criteria."""
        if self.nest and isinstance(body, Mapping):
            return body.get(self.nest)
        return body

    @property
    def judged(self) -> bool:
        return any(kind in JUDGED_KINDS for kind in self.kinds.values())


@dataclass(frozen=True)
class Probe:
    """One search to send: its body, the record it must find, and what it tests."""

    body: dict[str, Any]
    expected: str | None  # identity of a record that must be among the results
    check_missing: str  # the check reported when the expected record is missing
    check_unmatched: str  # the check reported when a result breaks a criterion
    description: str


def _schemas(document: Mapping[str, Any]) -> Mapping[str, Any]:
    schemas: Mapping[str, Any] = document.get("components", {}).get("schemas", {})
    return schemas


def _enum(document: Mapping[str, Any], schema: Any) -> tuple[str, ...]:
    name = ref_name(schema)
    target = _schemas(document).get(name, {}) if name else schema
    values = target.get("enum", []) if isinstance(target, Mapping) else []
    return tuple(str(v) for v in values)


def _directions(values: Sequence[str]) -> tuple[str, str] | None:
    lowered = {v.lower(): v for v in values}
    for asc, desc in (("asc", "desc"), ("ascending", "descending")):
        if asc in lowered and desc in lowered:
            return lowered[asc], lowered[desc]
    return None


def search_shape(document: Mapping[str, Any], operation: Mapping[str, Any]) -> SearchShape:
    """The shape of a ``POST .../Search`` body, or of a list's sort query parameters."""
    if "requestBody" not in operation:
        params = {
            str(p.get("name", "")).lower(): p
            for p in operation.get("parameters", [])
            if isinstance(p, Mapping) and p.get("in") == "query"
        }
        fields = _enum(document, params.get("sortfield", {}).get("schema", {}))
        directions = _directions(_enum(document, params.get("sortdirection", {}).get("schema", {})))
        return SearchShape({}, None, fields, directions)
    kinds = criteria_kinds(document, operation)
    content: Mapping[str, Any] = operation.get("requestBody", {}).get("content", {})
    root = next(iter(content.values()), {}).get("schema", {})
    name = ref_name(root)
    props: Mapping[str, Any] = (
        _schemas(document).get(name, {}).get("properties", {}) if name else {}
    )
    fields = _enum(document, props.get("sortField", {}))
    directions = _directions(_enum(document, props.get("sortDirection", {})))
    nest = None
    if not any(kind in JUDGED_KINDS for kind in kinds.values()) and "filter" in kinds:
        inner = _schemas(document).get(kinds["filter"], {}).get("properties", {})
        nested = {k: n for k, v in inner.items() if (n := ref_name(v))}
        if any(kind in JUDGED_KINDS for kind in nested.values()):
            kinds, nest = nested, "filter"
    return SearchShape(kinds, nest, fields, directions)


def identity(item: Any) -> str | None:
    if isinstance(item, Mapping):
        for key in ("iid", "id"):
            if item.get(key) is not None:
                return f"{key}={item[key]}"
    return None


def left_out(values: Sequence[Any], total: Any, expected: Iterable[str | None]) -> list[str]:
    """The expected identities a search's answer does not return, when the answer is complete.

    An answer is complete when its ``itemTotal`` fits on the page it came with; a page that holds
    only part of the matches cannot show that a record is missing, so it leaves nothing out.
    """
    if not isinstance(total, int) or total > len(values):
        return []
    returned = {identity(v) for v in values}
    return [e for e in expected if e is not None and e not in returned]


def _fields_of_kind(shape: SearchShape, kind: str, prefer: Sequence[str] = ()) -> list[str]:
    names = [name for name, k in shape.kinds.items() if k == kind]
    return sorted(names, key=lambda n: (n not in prefer, prefer.index(n) if n in prefer else 0, n))


def _text(item: Mapping[str, Any], name: str) -> str | None:
    value = item.get(name)
    return value if isinstance(value, str) and value.strip() else None


def case_probe(items: Sequence[Any], shape: SearchShape) -> Probe | None:
    """A string criterion with the case of a known record's value changed."""
    records = [i for i in items if isinstance(i, Mapping) and identity(i)]
    for name in _fields_of_kind(shape, "StringCriteria", NAME_FIELDS):
        for item in records:
            value = _text(item, name)
            if value is None or value.swapcase() == value:
                continue
            changed = value.swapcase()
            return Probe(
                body=shape.body({name: {"type": "MatchAny", "values": [changed]}}),
                expected=identity(item),
                check_missing="search_case_insensitive",
                check_unmatched="search_matches_filter",
                description=f"{name} MatchAny [{changed!r}] (the case of {identity(item)}'s {value!r} changed)",
            )
    return None


def multi_criteria_probe(items: Sequence[Any], shape: SearchShape) -> Probe | None:
    """Two criteria matching different known records: only their common record may come back."""
    records = [i for i in items if isinstance(i, Mapping) and identity(i)]
    ints = [
        n for n in _fields_of_kind(shape, "IntCriteria", ("iid",)) if n == "iid"
    ] or _fields_of_kind(shape, "IntCriteria")
    for text_field in _fields_of_kind(shape, "StringCriteria", NAME_FIELDS):
        for int_field in ints:
            usable = [
                r
                for r in records
                if _text(r, text_field) is not None
                and isinstance(r.get(int_field), int)
                and not isinstance(r.get(int_field), bool)
            ]
            chosen = _three(usable, text_field, int_field)
            if chosen is None:
                continue
            first, second, third = chosen
            texts = [first[text_field], second[text_field]]
            numbers = [first[int_field], third[int_field]]
            body = shape.body(
                {
                    text_field: {"type": "MatchAny", "values": texts},
                    int_field: {"type": "MatchAny", "values": numbers},
                }
            )
            return Probe(
                body=body,
                expected=identity(first),
                check_missing="search_no_missing_results",
                check_unmatched="search_all_criteria",
                description=(
                    f"{text_field} MatchAny {texts!r} and {int_field} MatchAny {numbers!r}: "
                    f"only {identity(first)} matches both"
                ),
            )
    return None


def _three(
    records: Sequence[Mapping[str, Any]], text_field: str, int_field: str
) -> tuple[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]] | None:
    """r1, r2, r3 with r1/r2 text values distinct, r3's text neither, and three distinct ints."""
    for first in records:
        key1 = str(first[text_field]).casefold()
        for second in records:
            key2 = str(second[text_field]).casefold()
            if key2 == key1 or second[int_field] == first[int_field]:
                continue
            for third in records:
                key3 = str(third[text_field]).casefold()
                if key3 in (key1, key2) or third[int_field] in (
                    first[int_field],
                    second[int_field],
                ):
                    continue
                return first, second, third
    return None


def judge_probe(probe: Probe, shape: SearchShape, answer: Any) -> list[tuple[str, str, str]]:
    """``[(check, title, message)]`` for a probe's answer (a parsed 200 body)."""
    problems: list[tuple[str, str, str]] = []
    if not isinstance(answer, Mapping) or not isinstance(answer.get("values"), list):
        return problems
    values = answer["values"]
    criteria = shape.criteria_in(probe.body)
    wrong = unmatched_items(criteria, values, shape.kinds)
    if wrong:
        criterion, item = wrong[0]
        problems.append(
            (
                probe.check_unmatched,
                "Search result breaks a criterion that was sent",
                f"{probe.description}: {len({id(i) for _, i in wrong})} result(s) break "
                f"{criterion.describe()}; first {identity(item)} has "
                f"{criterion.field}={item.get(criterion.field)!r}",
            )
        )
    found = {identity(v) for v in values}
    paging = answer.get("pagingInformation")
    total = paging.get("itemTotal") if isinstance(paging, Mapping) else None
    asked = probe.body.get("pageSize")
    # all results fit on the page asked for, so the expected record must be on it
    complete = not isinstance(total, int) or not isinstance(asked, int) or total <= asked
    if probe.expected is not None and probe.expected not in found and complete:
        problems.append(
            (
                probe.check_missing,
                "A record that matches the search is missing from its results",
                f"{probe.description}: {probe.expected} is not among the {len(values)} result(s)",
            )
        )
    return problems


# -- sorting -------------------------------------------------------------------------------------


def _sort_key(value: Any) -> tuple[int, Any] | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return (0, float(value))
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None and "T" in value:
            if parsed.tzinfo is not None:
                parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
            return (1, parsed)
        if _PLAIN.match(value):
            return (2, value.casefold())
    return None


def _item_key(sort_field: str) -> str:
    return sort_field[:1].lower() + sort_field[1:]


def sort_choice(items: Sequence[Any], shape: SearchShape) -> str | None:
    """The sort field (enum value) to probe: one whose values in ``items`` can be ordered."""
    if shape.directions is None:
        return None
    ranked: list[tuple[int, str]] = []
    for field in shape.sort_fields:
        key = _item_key(field)
        keys = [_sort_key(i.get(key)) for i in items if isinstance(i, Mapping) and key in i]
        usable = [k for k in keys if k is not None]
        if len({k for k in usable}) < 2 or len({k[0] for k in usable}) != 1:
            continue
        rank = 0 if key == "iid" else (1 + usable[0][0])
        ranked.append((rank, field))
    return min(ranked)[1] if ranked else None


def sort_violation(values: Sequence[Any], sort_field: str, descending: bool) -> str | None:
    """A message for the first neighbouring pair out of order, or ``None``."""
    key = _item_key(sort_field)
    previous: tuple[Any, tuple[int, Any]] | None = None
    for item in values:
        if not isinstance(item, Mapping):
            continue
        current = _sort_key(item.get(key))
        if current is None:
            continue
        if previous is not None and previous[1][0] == current[0]:
            before, after = previous[1][1], current[1]
            wrong = before < after if descending else before > after
            if wrong:
                return (
                    f"sorted {sort_field} {'descending' if descending else 'ascending'}, "
                    f"{identity(previous[0])} ({previous[0].get(key)!r}) comes before "
                    f"{identity(item)} ({item.get(key)!r})"
                )
        previous = (item, current)
    return None
