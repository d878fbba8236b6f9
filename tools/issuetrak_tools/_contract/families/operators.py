"""Search operators: every documented match type does what its name says, on a field of its type.

For each search, each match type of its judged criteria kinds (strings: ``Contains``,
``StartsWith``, ``EndsWith``, ``IsBlank``, ``HasValue``, ``MatchAny``; numbers:
``RangeInclusive``, ``LessThan``, ``GreaterThan``, ``LessThanOrEqual``, ``GreaterThanOrEqual``;
booleans: ``IsTrue``, ``IsFalse``) is sent alone, built
from the site's own records (page 1 of the search) so that a known record matches and others do
not: the results must all satisfy it (``search_matches_filter``: an operator ignored or applied as
another shows there), string operators ignore case, and when every result fits on the page the
known record must be among them (``search_no_missing_results``). In-process every search gets
every operator; live each operator is sent once, the searches taking turns, so that a site that
ignores one operator is caught whatever the seed within a few requests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.probe import (
    POSITIVE_PAGE_SIZE,
    Unchecked,
    concrete,
    json_or_none,
)
from issuetrak_tools._contract.search import unmatched_items
from issuetrak_tools._contract.semantics import NAME_FIELDS, identity, left_out, search_shape
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.semantics import SearchShape
    from issuetrak_tools._contract.steps import Engine

STRING_OPERATORS = ("Contains", "StartsWith", "EndsWith", "HasValue", "IsBlank", "MatchAny")
NUMBER_OPERATORS = (
    "RangeInclusive",
    "LessThan",
    "GreaterThan",
    "LessThanOrEqual",
    "GreaterThanOrEqual",
)
BOOLEAN_OPERATORS = ("IsTrue", "IsFalse")
ALL_OPERATORS = tuple(dict.fromkeys((*STRING_OPERATORS, *NUMBER_OPERATORS, *BOOLEAN_OPERATORS)))
NUMBER_KINDS = ("IntCriteria", "FloatCriteria")
PAGE = 100
UNMATCHED, MISSING = "search_matches_filter", "search_no_missing_results"


def _operators(shape: SearchShape) -> list[str]:
    kinds = set(shape.kinds.values())
    found = list(STRING_OPERATORS) if "StringCriteria" in kinds else []
    found += list(NUMBER_OPERATORS) if kinds & set(NUMBER_KINDS) else []
    return found + (list(BOOLEAN_OPERATORS) if "BooleanCriteria" in kinds else [])


@family(
    "operators",
    tier=Tier.SEARCH,
    priority=15,
    checks=(UNMATCHED, MISSING),
    invariant="each documented match type, sent alone on a field of its type, returns only "
    "records that satisfy it (strings whatever the case) and the known record that does",
)
def operators(ctx: PlanContext) -> list[Step]:
    searches = []
    for label in ctx.paged:
        ref = ctx.conventions.operations[label]
        if ref.kind == "search" and not ref.params:
            shape = search_shape(ctx.document, ctx.spec(ref))
            if shape.judged and _operators(shape):
                searches.append((label, _operators(shape)))
    if not ctx.live:
        return [
            ctx.step(operators, f"operator {op}", label, 1) for label, ops in searches for op in ops
        ]
    steps: list[Step] = []
    turn = 0
    for op in ALL_OPERATORS:
        able = [label for label, ops in searches if op in ops]
        if able:
            steps.append(ctx.step(operators, f"operator {op}", able[turn % len(able)], 1))
            turn += 1
    return steps


def _probe(
    items: Sequence[Any], shape: SearchShape, op: str
) -> tuple[dict[str, Any], list[str]] | None:
    """(criteria, identities of records that satisfy them) built from known records."""
    records = [i for i in items if isinstance(i, Mapping) and identity(i)]
    if op in BOOLEAN_OPERATORS:
        flags = sorted(n for n, k in shape.kinds.items() if k == "BooleanCriteria")
        wanted = op == "IsTrue"
        for name in flags:
            item = next((r for r in records if r.get(name) is wanted), None)
            if item is not None:
                return {name: {"type": op}}, [str(identity(item))]
        return None
    if op in STRING_OPERATORS:
        names = sorted(
            (n for n, k in shape.kinds.items() if k == "StringCriteria"),
            key=lambda n: (n not in NAME_FIELDS, n),
        )
        return _string_probe(records, names, op)
    names = sorted(n for n, k in shape.kinds.items() if k in NUMBER_KINDS)
    return _number_probe(records, names, op)


def _string_probe(
    records: Sequence[Mapping[str, Any]], names: Sequence[str], op: str
) -> tuple[dict[str, Any], list[str]] | None:
    for name in names:
        for item in records:
            value = item.get(name)
            if op == "IsBlank" and name in item and value in (None, ""):
                return {name: {"type": op}}, [str(identity(item))]
            if op == "IsBlank" or not isinstance(value, str) or len(value.strip()) < 4:
                continue
            if op == "HasValue":
                return {name: {"type": op}}, [str(identity(item))]
            part = {
                "Contains": value[1:-1],
                "StartsWith": value[:3],
                "EndsWith": value[-3:],
                "MatchAny": value,
            }[op]
            return {name: {"type": op, "values": [part.swapcase()]}}, [str(identity(item))]
    return None


def _number_probe(
    records: Sequence[Mapping[str, Any]], names: Sequence[str], op: str
) -> tuple[dict[str, Any], list[str]] | None:
    for name in names:
        usable = [
            r
            for r in records
            if isinstance(r.get(name), int | float) and not isinstance(r.get(name), bool)
        ]
        distinct = sorted({r[name] for r in usable})
        if len(distinct) < 3:
            continue
        low, middle, high = distinct[0], distinct[len(distinct) // 2], distinct[-1]
        # RangeInclusive: both ends and a value strictly inside must all be returned
        wanted, values = {
            "RangeInclusive": ((low, middle, high), [low, high]),
            "LessThan": ((low,), [middle]),
            "GreaterThan": ((high,), [middle]),
            "LessThanOrEqual": ((middle,), [middle]),
            "GreaterThanOrEqual": ((middle,), [middle]),
        }[op]
        expected = [str(identity(next(r for r in usable if r[name] == w))) for w in wanted]
        return {name: {"type": op, "values": values}}, expected
    return None


def _operator_handler(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    op = step.kind.split(" ", 1)[1]
    shape = search_shape(engine.document, engine.document["paths"][ref.path]["post"])
    items = engine.items(ref)
    if len(items) < 3:  # a number probe needs three distinct values
        items = engine.list_records(ref, POSITIVE_PAGE_SIZE)
    found = _probe(items, shape, op)
    if found is None:
        raise Unchecked(f"{ref.label}: no known record with a value to probe {op} on")
    criteria, expected = found
    body = shape.body(criteria, page_size=PAGE)
    response = engine.request("POST", concrete(ref.path, {}), json=body)
    engine.recorder.ran_check(UNMATCHED)
    what = f"{next(iter(criteria))} {op} {criteria[next(iter(criteria))].get('values', [])!r}"
    answer = json_or_none(response.content)
    values = answer.get("values") if isinstance(answer, Mapping) else None
    if response.status_code != 200 or not isinstance(values, list):
        return [
            engine.failure(
                ref,
                response,
                MISSING,
                "A documented match type was not answered 200",
                f"{what}: answered {response.status_code}",
            )
        ]
    problems = unmatched_items(shape.criteria_in(body), values, shape.kinds)
    if problems:
        criterion, item = problems[0]
        return [
            engine.failure(
                ref,
                response,
                UNMATCHED,
                f"Results do not satisfy the {op} criterion sent",
                f"{what}: {len(problems)} result(s) do not match; first {identity(item)} has "
                f"{criterion.field}={item.get(criterion.field)!r}",
            )
        ]
    paging = answer.get("pagingInformation") if isinstance(answer, Mapping) else None
    total = paging.get("itemTotal") if isinstance(paging, Mapping) else None
    missing = left_out(values, total, expected)
    if missing:
        engine.recorder.ran_check(MISSING)
        return [
            engine.failure(
                ref,
                response,
                MISSING,
                f"A record that satisfies {op} is not returned",
                f"{what}: {missing[0]} satisfies it but is not among the {total} result(s)",
            )
        ]
    engine.recorder.ran_check(MISSING)
    return []


operators.handles(*(f"operator {op}" for op in ALL_OPERATORS))(_operator_handler)
