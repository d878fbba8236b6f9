"""Search by a user-defined field: a UDF criterion with a known record's value finds that record.

A search whose criteria name a ``udfs`` filter (``IssueUdfFilter``: one list of
``{id, filter}`` items per UDF kind, ``text``, ``list``, ``multiSelect``...) is probed, for each
kind its known records (page 1 of the search) hold a value of, with that value:

* text, number, decimal and list UDFs: ``MatchAny`` [the value] (a list UDF's value is the chosen
  option, matched by its iid, as the option criteria are ``IntCriteria``);
* yes/no UDFs: ``IsTrue`` or ``IsFalse`` as the value is; date UDFs: ``On`` its day;
* collection UDFs (a criteria whose ``type`` is a ``CollectionMatchType``, multi-selects):
  ``CollectionContainsAtLeastOneMatchingEntity`` with one of the record's options,
  ``CollectionContainsAllMatchingEntities`` with all of them and (when it holds several) with
  just one of them, and
  ``CollectionContainsOnlyMatchingEntities`` with all of them: results hold one, all, or only
  those options (and at least one), the record included.

Every result that shows its UDFs must satisfy the criterion, and the record must be among the
results when they all fit on the page. A record's UDFs are read where the answer puts them
(``udfs.{kind}``, or the bucket whose name extends the kind's: ``multiSelectList``), each value
found by its UDF's iid. In-process every such search, live the first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from issuetrak.conventions import ref_name
from issuetrak_tools._contract.families.field_values import match_enum
from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.probe import Unchecked, concrete, page_of
from issuetrak_tools._contract.search import Criterion, matches
from issuetrak_tools._contract.semantics import identity, left_out, search_shape
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.semantics import SearchShape
    from issuetrak_tools._contract.steps import Engine

CHECK = "search_udf_value"
PAGE = 100
COLLECTION_TYPES = (
    "CollectionContainsAtLeastOneMatchingEntity",
    "CollectionContainsAllMatchingEntities",
    "CollectionContainsOnlyMatchingEntities",
)
Record = Mapping[str, Any]
Judge = Callable[[Any], bool | None]


@dataclass(frozen=True)
class UdfKind:
    """One kind of a UDF filter: its key, the keys of its items, and its criteria schema."""

    key: str  # udfs.{key}
    id_key: str  # "id" or "iid"
    criteria_key: str  # "filter" or "criteria"
    criteria: str  # criteria schema name


@dataclass(frozen=True)
class UdfProbe:
    kind: UdfKind
    udf: Any  # the UDF's iid
    criteria: dict[str, Any]
    holds: Judge  # on a result's UDF value (None: the result does not show it)
    expected: str | None

    def body_part(self) -> dict[str, Any]:
        return {
            self.kind.key: [{self.kind.id_key: self.udf, self.kind.criteria_key: self.criteria}]
        }

    def describe(self) -> str:
        return f"udfs.{self.kind.key}[{self.udf}] {self.criteria!r}"


def _schemas(document: Mapping[str, Any]) -> Mapping[str, Any]:
    schemas: Mapping[str, Any] = document.get("components", {}).get("schemas", {})
    return schemas


def udf_kinds(document: Mapping[str, Any], shape: SearchShape) -> list[UdfKind]:
    """The kinds of the search's ``udfs`` filter, as its schema names them."""
    schemas = _schemas(document)
    filter_schema = schemas.get(shape.kinds.get("udfs", ""), {})
    kinds = []
    for key, prop in filter_schema.get("properties", {}).items():
        item = ref_name(prop.get("items", {})) if isinstance(prop, Mapping) else None
        props = schemas.get(item, {}).get("properties", {}) if item else {}
        id_key = next((k for k in ("id", "iid") if k in props), None)
        crit_key = next((k for k in ("filter", "criteria") if k in props), None)
        criteria = ref_name(props.get(crit_key, {})) if crit_key else None
        if id_key and crit_key and criteria:
            kinds.append(UdfKind(key, id_key, crit_key, criteria))
    return kinds


def udf_values(record: Any, key: str) -> dict[Any, Any] | None:
    """``{udf iid: value}`` of one kind as a record shows it (``None``: the record shows no UDFs)."""
    udfs = record.get("udfs") if isinstance(record, Mapping) else None
    if not isinstance(udfs, Mapping):
        return None
    bucket = udfs.get(key)
    if bucket is None:  # the answer's name for the kind may extend the filter's (multiSelectList)
        folded = key.casefold().removesuffix("fields")
        bucket = next((v for k, v in udfs.items() if k.casefold().startswith(folded)), None)
    found: dict[Any, Any] = {}
    for element in bucket if isinstance(bucket, list) else ():
        if isinstance(element, Mapping):
            udf = next((element[k] for k in ("udfIid", "udfId", "iid") if k in element), None)
            found[udf] = element.get("value", element.get("values"))
    return found


def _iid(value: Any) -> Any:
    return value.get("iid") if isinstance(value, Mapping) else value


def _scalar_probe(
    kind: UdfKind, enum: str | None, udf: Any, value: Any, expected: str | None
) -> UdfProbe | None:
    family_name = (enum or "").removesuffix("MatchType")
    if family_name == "Boolean" and isinstance(value, bool):
        criterion = Criterion("udf", "IsTrue" if value else "IsFalse", ())
    elif family_name in ("DateTime", "DateOnly") and isinstance(value, str) and len(value) >= 10:
        day = value[:10]
        return UdfProbe(
            kind,
            udf,
            {"type": "On", "values": [day if family_name == "DateOnly" else f"{day}T00:00:00"]},
            lambda v: isinstance(v, str) and v[:10] == day,
            expected,
        )
    elif family_name in ("String", "Int", "Float") and _iid(value) not in (None, ""):
        wanted = _iid(value)
        if isinstance(wanted, bool) or (family_name == "String") != isinstance(wanted, str):
            return None
        criterion = Criterion("udf", "MatchAny", (wanted,))
    else:
        return None
    return UdfProbe(
        kind,
        udf,
        {
            "type": criterion.match_type,
            **({"values": list(criterion.values)} if criterion.values else {}),
        },
        lambda v: matches(_iid(v), criterion),
        expected,
    )


def _collection_probes(kind: UdfKind, udf: Any, value: Any, expected: str | None) -> list[UdfProbe]:
    options = [_iid(e) for e in value] if isinstance(value, list) else []
    options = [o for o in options if isinstance(o, int) and not isinstance(o, bool)]
    if not options:
        return []

    def held(v: Any) -> set[Any]:
        return {_iid(e) for e in v} if isinstance(v, list) else set()

    wanted = set(options)
    tests: list[tuple[str, list[int], Judge]] = [
        (COLLECTION_TYPES[0], options[:1], lambda v: options[0] in held(v)),
        (COLLECTION_TYPES[1], options, lambda v: wanted <= held(v)),
        (COLLECTION_TYPES[2], options, lambda v: bool(held(v)) and held(v) <= wanted),
    ]
    if len(wanted) > 1:  # All of one option: the record holds it among others, so it is found
        tests.append((COLLECTION_TYPES[1], options[:1], lambda v: options[0] in held(v)))
    return [
        UdfProbe(
            kind, udf, {"type": t, "iid": {"type": "MatchAny", "values": sent}}, test, expected
        )
        for t, sent, test in tests
    ]


def _size(values: Mapping[Any, Any] | None) -> int:
    return max((len(v) for v in (values or {}).values() if isinstance(v, list)), default=0)


def udf_probes(
    document: Mapping[str, Any], shape: SearchShape, records: Sequence[Record]
) -> list[UdfProbe]:
    """One probe per UDF kind a known record holds a value of (three for collections)."""
    probes: list[UdfProbe] = []
    for kind in udf_kinds(document, shape):
        enum = match_enum(document, kind.criteria)
        if enum == "CollectionMatchType":  # most options first: All and AtLeastOne then differ
            records = sorted(records, key=lambda r: -_size(udf_values(r, kind.key)))
        for record in records:
            values = udf_values(record, kind.key) or {}
            found: list[UdfProbe] = []
            for udf, value in values.items():
                if udf is None or value in (None, "", []):
                    continue
                if enum == "CollectionMatchType":
                    found = _collection_probes(kind, udf, value, identity(record))
                else:
                    one = _scalar_probe(kind, enum, udf, value, identity(record))
                    found = [one] if one else []
                if found:
                    break
            if found:
                probes += found
                break
    return probes


@family(
    "udf_search",
    tier=Tier.SEARCH,
    priority=18,
    checks=(CHECK,),
    invariant="a criterion on a user-defined field with a known record's value (each UDF kind; "
    "the three collection match types on multi-selects) returns only records that satisfy it, "
    "that record included",
)
def udf_search(ctx: PlanContext) -> list[Step]:
    steps = [
        ctx.step(udf_search, "udf values", ref.label, len(udf_kinds(ctx.document, shape)) + 3)
        for ref, shape in ctx.searches()
        if udf_kinds(ctx.document, shape)
    ]
    return steps[:1] if ctx.live else steps


@udf_search.handles("udf values")
def probe_udf_values(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    shape = search_shape(engine.document, engine.document["paths"][ref.path]["post"])
    records = [i for i in engine.items(ref) if isinstance(i, Mapping) and identity(i)]
    probes = udf_probes(engine.document, shape, records)
    if not probes:
        raise Unchecked(f"{ref.label}: no known record shows a user-defined field's value")
    engine.recorder.ran_check(CHECK)
    for probe in probes:
        problem = _send(engine, ref, shape, probe)
        if problem is not None:
            return [problem]
    return []


def _send(engine: Engine, ref: Any, shape: SearchShape, probe: UdfProbe) -> FailureRecord | None:
    body = shape.body({"udfs": probe.body_part()}, page_size=PAGE)
    response = engine.request("POST", concrete(ref.path, {}), json=body)
    values, total = page_of(response.content)
    what = probe.describe()
    if response.status_code != 200 or values is None:
        return _failure(engine, ref, response, f"{what}: answered {response.status_code}")
    for result in values:
        shown = udf_values(result, probe.kind.key)
        if shown is not None and probe.holds(shown.get(probe.udf)) is False:
            message = f"{what}: result {identity(result)} has {shown.get(probe.udf)!r}"
            return _failure(engine, ref, response, message)
    if left_out(values, total, [probe.expected]):
        message = (
            f"{what}: {probe.expected} holds that value but is not among the {total} result(s)"
        )
        return _failure(engine, ref, response, message)
    return None


def _failure(engine: Engine, ref: Any, response: Any, message: str) -> FailureRecord:
    return engine.failure(
        ref,
        response,
        CHECK,
        "A search by a user-defined field's value does not return what matches it",
        f"{message} (the document's UDF filter applies the criteria to that UDF's value)",
    )
