"""Search by a known record's value on every date, enum and Guid criteria field a search names.

The operators family covers strings, numbers and booleans; this one covers the other scalar
criteria kinds, told apart by the match-type enum their ``type`` points at (``DateTimeMatchType``,
``DateOnlyMatchType``, ``EnumMatchType``, ``GuidMatchType``), each probed with values taken from
the site's own records (page 1 of the search):

* dates: ``On`` a known record's day returns only records of that calendar day, that record
  included; ``After`` that day returns only later days and ``Before`` it only earlier days, a
  known record of a later (earlier) day included. The day is sent as the record shows it, so the
  site's zone is the record's; against a live site whose values carry a zone (``Z``, ``+02:00``)
  a day of slack is allowed either way, since the site's calendar day may differ;
* enums: ``MatchAny`` [a known record's value] returns only records with that value (the enum's
  names compare case-insensitively, as ASP.NET's enum binder reads them), that record included;
* Guids: ``MatchAny`` [a known record's Guid] returns only records with that Guid, that record
  included (Guids compare as values, whatever the case of their hex digits).

In-process every such field of every search is probed; live one field per kind, the searches
taking turns, so the family costs a few requests.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from issuetrak.conventions import ref_name
from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.probe import POSITIVE_PAGE_SIZE, Unchecked, concrete, page_of
from issuetrak_tools._contract.semantics import identity, left_out, search_shape
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.semantics import SearchShape
    from issuetrak_tools._contract.steps import Engine

CHECK = "search_field_value"
PAGE = 100
# step kind -> match-type enums of the criteria it probes
KINDS = {
    "field dates": ("DateTimeMatchType", "DateOnlyMatchType"),
    "field enums": ("EnumMatchType",),
    "field guids": ("GuidMatchType",),
}
DATE_TYPES = ("On", "After", "Before")
Record = Mapping[str, Any]
Judge = Callable[[Any], bool]
_ZONED = re.compile(r"T.*(Z|[+-]\d\d:?\d\d)$", re.IGNORECASE)


@dataclass(frozen=True)
class ValueProbe:
    """One criterion to send, how a result's value must satisfy it, and a record it must find."""

    field: str
    criterion: dict[str, Any]
    holds: Judge  # True when a result's (non-missing) value satisfies the criterion
    expected: str | None  # identity of a known record that satisfies it

    def describe(self) -> str:
        return f"{self.field} {self.criterion['type']} {self.criterion.get('values', [])!r}"


def match_enum(document: Mapping[str, Any], criteria_schema: str) -> str | None:
    """The match-type enum a criteria schema's ``type`` points at (``DateTimeMatchType``...)."""
    schemas = document.get("components", {}).get("schemas", {})
    prop = schemas.get(criteria_schema, {}).get("properties", {}).get("type", {})
    return ref_name(prop) if isinstance(prop, Mapping) else None


def probed_fields(document: Mapping[str, Any], shape: SearchShape, kind: str) -> list[str]:
    """The criteria fields of ``shape`` whose match types belong to the step ``kind``."""
    return sorted(n for n, k in shape.kinds.items() if match_enum(document, k) in KINDS[kind])


@family(
    "field_values",
    tier=Tier.SEARCH,
    priority=16,
    checks=(CHECK,),
    invariant="every date, enum and Guid criteria field, probed with a known record's value "
    "(dates On, After, Before; enums and Guids MatchAny), returns only records that satisfy it, "
    "that record included",
)
def field_values(ctx: PlanContext) -> list[Step]:
    able: dict[str, list[tuple[str, int]]] = {kind: [] for kind in KINDS}
    for ref, shape in ctx.searches():
        for kind in KINDS:
            fields = probed_fields(ctx.document, shape, kind)
            if fields:
                per_field = len(DATE_TYPES) if kind == "field dates" else 1
                able[kind].append((ref.label, per_field * (1 if ctx.live else len(fields))))
    if not ctx.live:
        return [
            ctx.step(field_values, k, label, n) for k, found in able.items() for label, n in found
        ]
    steps = []
    for turn, (kind, found) in enumerate((k, f) for k, f in able.items() if f):
        label, estimate = found[turn % len(found)]
        steps.append(ctx.step(field_values, kind, label, estimate))
    return steps


def _day(value: Any) -> dt.date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _date_probes(
    records: Sequence[Record], name: str, date_only: bool, slack: int
) -> list[ValueProbe]:
    """On the middle known day (its record expected); After the lower middle day and Before the
    upper middle one, a record of a later (earlier) day expected when the known records have
    one: with a single known day, only that the records of that day are left out is checked."""
    dated = [(d, r) for r in records if (d := _day(r.get(name))) is not None]
    days = sorted({d for d, _ in dated})
    if not days:
        return []
    # a value written with its zone (Z, +02:00) may fall on another day of the site's calendar
    zoned = any(_ZONED.search(str(r.get(name))) for _, r in dated)
    margin = dt.timedelta(days=slack if zoned else 0)

    def day_of(v: Any) -> dt.date:
        found = _day(v)
        return found if found is not None else dt.date.min  # a null date satisfies none of them

    def sent(day: dt.date) -> list[str]:
        return [day.isoformat() if date_only else f"{day.isoformat()}T00:00:00"]

    def known(test: Callable[[dt.date], bool]) -> str | None:
        return next((identity(r) for d, r in dated if test(d)), None)

    on, after, before = days[len(days) // 2], days[(len(days) - 1) // 2], days[len(days) // 2]
    return [
        ValueProbe(
            name,
            {"type": "On", "values": sent(on)},
            lambda v: abs(day_of(v) - on) <= margin,
            known(lambda d: d == on),
        ),
        ValueProbe(
            name,
            {"type": "After", "values": sent(after)},
            lambda v: day_of(v) > after - margin,
            known(lambda d: d > after + margin),
        ),
        ValueProbe(
            name,
            {"type": "Before", "values": sent(before)},
            lambda v: dt.date.min < day_of(v) < before + margin,
            known(lambda d: d < before - margin),
        ),
    ]


def _enum_values(document: Mapping[str, Any], criteria_schema: str) -> list[str]:
    schemas = document.get("components", {}).get("schemas", {})
    items = schemas.get(criteria_schema, {}).get("properties", {}).get("values", {}).get("items")
    name = ref_name(items) if isinstance(items, Mapping) else None
    return [str(v) for v in schemas.get(name, {}).get("enum", [])] if name else []


def _enum_key(names: Sequence[str]) -> Callable[[Any], str | None]:
    """A value's enum name, case folded (``None`` for a value the enum does not name)."""
    folded = {name.casefold() for name in names}
    return lambda v: str(v).casefold() if isinstance(v, str) and v.casefold() in folded else None


def _guid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if isinstance(value, str) else None
    except ValueError:
        return None


def _equal_probe(
    records: Sequence[Record], name: str, usable: Callable[[Any], Any]
) -> list[ValueProbe]:
    """MatchAny [a known record's value]: results must hold a value equal to it."""
    for record in records:
        key = usable(record.get(name))
        if key is not None:
            return [
                ValueProbe(
                    name,
                    {"type": "MatchAny", "values": [record[name]]},
                    lambda v, wanted=key: usable(v) == wanted,
                    identity(record),
                )
            ]
    return []


def probes_for(
    document: Mapping[str, Any],
    shape: SearchShape,
    kind: str,
    records: Sequence[Record],
    slack: int,
) -> list[list[ValueProbe]]:
    """The probes of each field of ``kind`` (a field without usable known values: none)."""
    found = []
    for name in probed_fields(document, shape, kind):
        schema = shape.kinds[name]
        if kind == "field dates":
            date_only = match_enum(document, schema) == "DateOnlyMatchType"
            found.append(_date_probes(records, name, date_only, slack))
        elif kind == "field enums":
            found.append(_equal_probe(records, name, _enum_key(_enum_values(document, schema))))
        else:
            found.append(_equal_probe(records, name, _guid))
    return [probes for probes in found if probes]


@field_values.handles(*KINDS)
def probe_field_values(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    shape = search_shape(engine.document, engine.document["paths"][ref.path]["post"])
    records = [i for i in engine.items(ref) if isinstance(i, Mapping) and identity(i)]
    if len(records) < 3:
        records = [i for i in engine.list_records(ref, POSITIVE_PAGE_SIZE) if identity(i)]
    slack = 1 if engine.target.live else 0
    fields = probes_for(engine.document, shape, step.kind, records, slack)
    if not fields:
        raise Unchecked(f"{ref.label}: no known record carries a value to probe {step.kind} with")
    engine.recorder.ran_check(CHECK)
    for probes in fields[:1] if engine.target.live else fields:
        for probe in probes:
            problem = _send(engine, ref, shape, probe)
            if problem is not None:
                return [problem]
    return []


def _send(engine: Engine, ref: Any, shape: SearchShape, probe: ValueProbe) -> FailureRecord | None:
    body = shape.body({probe.field: probe.criterion}, page_size=PAGE)
    response = engine.request("POST", concrete(ref.path, {}), json=body)
    values, total = page_of(response.content)
    what = probe.describe()
    if response.status_code != 200 or values is None:
        return _failure(engine, ref, response, f"{what}: answered {response.status_code}")
    for result in values:
        if (
            isinstance(result, Mapping)
            and probe.field in result
            and not probe.holds(result[probe.field])
        ):
            message = f"{what}: result {identity(result)} has {probe.field}={result[probe.field]!r}"
            return _failure(engine, ref, response, message)
    if left_out(values, total, [probe.expected]):
        message = f"{what}: {probe.expected} satisfies it but is not among the {total} result(s)"
        return _failure(engine, ref, response, message)
    return None


def _failure(engine: Engine, ref: Any, response: Any, message: str) -> FailureRecord:
    return engine.failure(
        ref,
        response,
        CHECK,
        "A search by a known record's value does not return what matches it",
        f"{message} (the document's match types for this field's criteria)",
    )
