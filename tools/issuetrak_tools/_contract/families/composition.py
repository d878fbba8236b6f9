"""Filter composition: ``queryOperator``, ``nestedFilters`` and ``negateAll`` do what they say.

For every search whose filter schema names them (Issues' ``AdvancedIssueFilter.filter``), three
probes built from the site's own records (page 1 of the search), with ``MatchAny`` on the ``iid``
field (every record has one, and each iid names one record):

* ``queryOperator: Or`` over two criteria, each matching one known record: the results are the
  union (every result matches one of them, both records are returned);
* ``nestedFilters``: a filter of two known iids narrowed by a nested filter of one of them and a
  third: the document combines nested filters with the filter's own criteria by its operator
  (And by default), so exactly the shared record comes back;
* ``negateAll`` on one known iid: the complement (that record is absent, ``itemTotal`` is the
  unfiltered total less one).

Results are judged by :func:`filter_holds`, computed from the records the probes read, never from
the site's code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from issuetrak.conventions import ref_name
from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.probe import POSITIVE_PAGE_SIZE, Unchecked, concrete, page_of
from issuetrak_tools._contract.search import Criterion, matches
from issuetrak_tools._contract.semantics import search_shape
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.entities import OperationRef
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.semantics import SearchShape
    from issuetrak_tools._contract.steps import Engine

CHECK = "search_filter_composition"
LOGIC = ("queryOperator", "nestedFilters", "negateAll")
PROBES = ("compose Or", "compose nested", "compose negateAll")
PAGE = 100


def filter_holds(node: Mapping[str, Any], item: Mapping[str, Any]) -> bool | None:
    """Whether ``item`` satisfies the filter ``node`` (``None``: it cannot be judged).

    Criteria (``{field: {type, values}}``) and nested filters combine by ``queryOperator``
    (And unless Or), and ``negateAll`` negates the result, as the document's filter schema says.
    """
    parts: list[bool | None] = []
    for name, value in node.items():
        if name in LOGIC or not isinstance(value, Mapping) or "type" not in value:
            continue
        criterion = Criterion(name, str(value["type"]), tuple(value.get("values") or ()))
        parts.append(matches(item.get(name), criterion) if name in item else None)
    nested = node.get("nestedFilters")
    parts += [filter_holds(n, item) for n in nested or () if isinstance(n, Mapping)]
    # the part value that decides the whole: one True under Or, one False under And
    decisive = str(node.get("queryOperator") or "And").lower() == "or"
    result: bool | None
    if not parts or decisive in parts:
        result = decisive if parts else True
    else:
        result = None if None in parts else not decisive
    if result is None:
        return None
    return not result if node.get("negateAll") else result


def _composable(document: Mapping[str, Any], ref: OperationRef, shape: SearchShape) -> bool:
    if not shape.nest or shape.kinds.get("iid") != "IntCriteria":
        return False
    filter_schema = _filter_properties(document, ref.path)
    return all(key in filter_schema for key in LOGIC)


def _filter_properties(document: Mapping[str, Any], path: str) -> Mapping[str, Any]:
    schemas = document["components"]["schemas"]
    content = document["paths"][path]["post"]["requestBody"]["content"]
    root = ref_name(next(iter(content.values()))["schema"]["$ref"])
    inner = ref_name(schemas[root]["properties"]["filter"]["$ref"])
    properties: Mapping[str, Any] = schemas[inner].get("properties", {})
    return properties


@family(
    "composition",
    tier=Tier.SEARCH,
    priority=17,
    checks=(CHECK,),
    invariant="queryOperator Or returns the union of what each criterion matches, nestedFilters "
    "combine with the filter's criteria by its operator (narrowing under And), negateAll returns "
    "the complement",
)
def composition(ctx: PlanContext) -> list[Step]:
    labels = [ref.label for ref, shape in ctx.searches() if _composable(ctx.document, ref, shape)]
    return [
        ctx.step(composition, kind, label, 2 if kind == "compose negateAll" else 1)
        for label in labels
        for kind in PROBES
    ]


def _second_criterion(record: Mapping[str, Any], shape: SearchShape) -> dict[str, Any] | None:
    """A MatchAny criterion on a field other than iid that ``record`` satisfies."""
    for name, kind in sorted(shape.kinds.items()):
        value = record.get(name)
        if name == "iid" or kind not in ("StringCriteria", "IntCriteria"):
            continue
        text = isinstance(value, str) and value.strip()
        if text or (isinstance(value, int) and not isinstance(value, bool)):
            return {name: {"type": "MatchAny", "values": [value]}}
    return None


def _probe(
    kind: str, records: Sequence[Mapping[str, Any]], shape: SearchShape
) -> tuple[dict[str, Any], set[Any]] | None:
    """(filter, iids that must be returned) for a probe over three known records."""
    a, b, c = (r["iid"] for r in records[:3])
    if kind == "compose Or":
        second = _second_criterion(records[1], shape)
        if second is None:
            return None
        return {"queryOperator": "Or", "iid": {"type": "MatchAny", "values": [a]}, **second}, {a, b}
    if kind == "compose nested":
        nested = [{"iid": {"type": "MatchAny", "values": [b, c]}}]
        return {"iid": {"type": "MatchAny", "values": [a, b]}, "nestedFilters": nested}, {b}
    return {"negateAll": True, "iid": {"type": "MatchAny", "values": [a]}}, set()


def _search(engine: Engine, path: str, shape: SearchShape, node: Mapping[str, Any]) -> Any:
    return engine.request("POST", path, json=shape.body(node, page_size=PAGE))


@composition.handles(*PROBES)
def composition_holds(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    shape = search_shape(engine.document, engine.document["paths"][ref.path]["post"])
    records = [r for r in engine.items(ref) if isinstance(r, Mapping) and r.get("iid") is not None]
    if len({r["iid"] for r in records}) < 3:
        records = [
            r
            for r in engine.list_records(ref, POSITIVE_PAGE_SIZE)
            if isinstance(r, Mapping) and r.get("iid") is not None
        ]
    probe = _probe(step.kind, records, shape) if len({r["iid"] for r in records}) >= 3 else None
    if probe is None:
        raise Unchecked(f"{ref.label}: fewer than three known records to compose filters over")
    node, wanted = probe
    path = concrete(ref.path, {})
    response = _search(engine, path, shape, node)
    engine.recorder.ran_check(CHECK)
    problem = (
        _problem(response.content, node, wanted)
        if response.status_code == 200
        else (f"answered {response.status_code}")
    )
    if problem is None and step.kind == "compose negateAll":
        total = page_of(_search(engine, path, shape, {}).content)[1]
        negated = page_of(response.content)[1]
        if total is not None and negated is not None and negated != total - 1:
            problem = (
                f"itemTotal {negated}; the unfiltered search has {total}, one of them excluded"
            )
    if problem is None:
        return []
    return [
        engine.failure(
            ref,
            response,
            CHECK,
            "A composed filter does not return what its operators mean",
            f"filter {node!r}: {problem} (the document: queryOperator combines the criteria and "
            "nested filters of a filter; negateAll negates it)",
        )
    ]


def _problem(content: bytes, node: Mapping[str, Any], wanted: set[Any]) -> str | None:
    values, total = page_of(content)
    if values is None:
        return "answered no list of values"
    items = [v for v in values if isinstance(v, Mapping)]
    wrong = [i.get("iid") for i in items if filter_holds(node, i) is False]
    if wrong:
        return f"{len(wrong)} result(s) do not satisfy it, first iid {wrong[0]!r}"
    missing = wanted - {i.get("iid") for i in items}
    if missing and total is not None and total <= len(items):
        return f"iid(s) {sorted(missing)!r} satisfy it but are not among the {total} result(s)"
    return None
