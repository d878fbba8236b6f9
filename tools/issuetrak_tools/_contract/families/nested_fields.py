"""Search by a nested object's field: an entity criteria (``priority: {name: ...}``) filters on
the referenced record's field as the results show it.

For each search whose criteria name an entity criteria (a criteria schema without ``type`` whose
properties are criteria: ``PriorityEntityCriteria {iid, name}``) that its known records carry as
an object, one ``MatchAny`` per sub-field kind (a number: ``iid``; a string: ``name``) with a known
record's value: every result's nested field must satisfy it and the known record must be among
the results when they all fit on the page. In-process every such search, live the first one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.probe import Unchecked, concrete, page_of
from issuetrak_tools._contract.search import Criterion, matches
from issuetrak_tools._contract.semantics import identity, left_out, search_shape
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.semantics import SearchShape
    from issuetrak_tools._contract.steps import Engine

CHECK = "search_nested_field"
SUB_KINDS = {"nested number": "IntCriteria", "nested string": "StringCriteria"}
PAGE = 100


def entity_fields(
    document: Mapping[str, Any], shape: SearchShape, kind: str
) -> list[tuple[str, str]]:
    """``(field, sub-field)`` pairs of the entity criteria in ``shape`` whose sub-field is ``kind``."""
    schemas = document.get("components", {}).get("schemas", {})
    found = []
    for name, schema_name in sorted(shape.kinds.items()):
        props = schemas.get(schema_name, {}).get("properties", {})
        if "type" in props or not props:
            continue
        for sub, prop in sorted(props.items()):
            if isinstance(prop, Mapping) and prop.get("$ref", "").endswith("/" + kind):
                found.append((name, sub))
    return found


@family(
    "nested_fields",
    tier=Tier.SEARCH,
    priority=18,
    checks=(CHECK,),
    invariant="a criterion on a nested object's field (an entity criteria such as priority.name) "
    "returns only records whose nested field matches it, a known one included",
)
def nested_fields(ctx: PlanContext) -> list[Step]:
    steps = [
        ctx.step(nested_fields, kind, ref.label, 1)
        for ref, shape in ctx.searches()
        for kind, sub_kind in SUB_KINDS.items()
        if entity_fields(ctx.document, shape, sub_kind)
    ]
    if ctx.live:
        first = steps[0].operation if steps else None
        return [s for s in steps if s.operation == first]
    return steps


def _probe(
    records: Sequence[Mapping[str, Any]], pairs: Sequence[tuple[str, str]]
) -> tuple[str, str, Any, Mapping[str, Any]] | None:
    for name, sub in pairs:
        for item in records:
            nested = item.get(name)
            value = nested.get(sub) if isinstance(nested, Mapping) else None
            if value not in (None, "") and not isinstance(value, bool | Mapping | list):
                return name, sub, value, item
    return None


@nested_fields.handles(*SUB_KINDS)
def nested_field_matches(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    shape = search_shape(engine.document, engine.document["paths"][ref.path]["post"])
    known = [i for i in engine.items(ref) if isinstance(i, Mapping) and identity(i)]
    found = _probe(known, entity_fields(engine.document, shape, SUB_KINDS[step.kind]))
    if found is None:
        raise Unchecked(f"{ref.label}: no known record shows a nested field to search on")
    name, sub, value, item = found
    body = shape.body({name: {sub: {"type": "MatchAny", "values": [value]}}}, page_size=PAGE)
    response = engine.request("POST", concrete(ref.path, {}), json=body)
    engine.recorder.ran_check(CHECK)
    values, total = page_of(response.content)
    what = f"{name}.{sub} MatchAny [{value!r}]"
    if response.status_code != 200 or not isinstance(values, list):
        return [_failure(engine, ref, response, f"{what}: answered {response.status_code}")]
    criterion = Criterion(sub, "MatchAny", (value,))
    for result in values:
        nested = result.get(name) if isinstance(result, Mapping) else None
        if not isinstance(nested, Mapping) or sub not in nested:
            continue  # a result that does not show the nested field cannot be judged
        if matches(nested[sub], criterion) is False:
            problem = f"{what}: result {identity(result)} has {name}.{sub}={nested.get(sub)!r}"
            return [_failure(engine, ref, response, problem)]
    if left_out(values, total, [identity(item)]):
        problem = f"{what}: {identity(item)} has that value but is not among the {total} result(s)"
        return [_failure(engine, ref, response, problem)]
    return []


def _failure(engine: Engine, ref: Any, response: Any, message: str) -> FailureRecord:
    return engine.failure(
        ref,
        response,
        CHECK,
        "A criterion on a nested object's field does not filter by it",
        f"{message} (the document's entity criteria match the referenced record's field)",
    )
