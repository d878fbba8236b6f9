"""A write changes what it names and nothing else (``--allow-writes``).

For every ``PUT /Xs/{iid}`` whose record ``GET /Xs/{iid}`` reads: the record is read, sent back
with every field the update schema writes as it was read and one text field changed, and read
again; the field changed must read back as sent and every other field of the record as before.
For ``PATCH /Issues/{iid}``: each path of the document's PATCH table (``issuetrak.conventions``)
with a value the run can build is sent with its documented op, one at a time, and the same two
reads must show the patched field changed and every other field as before. A text field written
so must then be found at once by the collection's search for it (``MatchAny`` of the value): a
site that refreshes its search index later shows stale results.

Fields the site keeps itself are left out: the document marks nearly every field of a record
``readOnly`` (written or not), so it cannot tell them apart; ASP.NET sites, Issuetrak's included,
stamp the audit fields of an entity on every save (``modified...``, ``lastActivity...``), compute
durations at read time (``...TimeOpen``) and stamp the date of an assignment with it
(``assignedToUser`` -> ``assignedDate``). The message of a failure says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from issuetrak.conventions import PatchRule, document_patch_rules
from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.persistence import compared_fields, same_value
from issuetrak_tools._contract.probe import Unchecked, concrete, json_or_none
from issuetrak_tools._contract.semantics import search_shape
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    import httpx
    from issuetrak_tools._contract.entities import Collection, OperationRef
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

CHECK = "write_changes_only_its_fields"
SITE_KEPT = re.compile(r"^(modified|lastModified|lastActivity|updated)|TimeOpen$", re.IGNORECASE)
SITE_KEPT_NOTE = (
    "fields the site keeps itself are not compared: modified.../lastActivity... (stamped on "
    "every save by ASP.NET/Issuetrak sites), ...TimeOpen (computed at read time), and the date "
    "of an assignment made by the write"
)
LIVE_PUTS = 3  # PUT operations probed on a live site (seeded turns)
LIVE_PATCHES = 4  # PATCH paths probed on a live site


@family(
    "write_rest",
    tier=Tier.READS,
    priority=30,
    checks=(CHECK,),
    invariant="a PUT, and each documented PATCH op on each patchable path of an issue, changes "
    "the fields it names (read back as sent) and leaves every other field as it was, except the "
    "audit fields ASP.NET sites stamp on every save; a documented PATCH with a value of the "
    "path's own type (text, a date, a flag) is not refused; the text written is found at once "
    "by the collection's search for it",
    modes="writes",
)
def write_rest(ctx: PlanContext) -> list[Step]:
    puts = ctx.live_sample(ctx.read_back_writes("update", "PUT"), LIVE_PUTS)
    steps = [ctx.step(write_rest, "put rest", ref.label, 4, writes=2) for ref in puts]
    if PATCH in ctx.labels:
        probes = patch_probes(ctx)
        if ctx.live and len(probes) > LIVE_PATCHES:
            probes = _live_patches(ctx, probes)
        steps += [
            ctx.step(write_rest, f"patch {op} {rule.path}", PATCH, 3, writes=1)
            for rule, op in probes
        ]
    return steps


def _live_patches(
    ctx: PlanContext, probes: list[tuple[PatchRule, str]]
) -> list[tuple[PatchRule, str]]:
    """A seeded sample of ``LIVE_PATCHES`` probes with one of each kind of value first (text, a
    date, a flag, a reference): a site that refuses one kind is seen on every seed."""
    kinds: dict[str, list[tuple[PatchRule, str]]] = {}
    for probe in probes:
        kinds.setdefault(VALUE_KINDS[probe[0].value_type], []).append(probe)
    picked = [ctx.rng.choice(group) for group in kinds.values()]
    rest = [probe for probe in probes if probe not in picked]
    picked += ctx.rng.sample(rest, max(0, LIVE_PATCHES - len(picked)))
    return picked


def read_record(engine: Engine, get: OperationRef, iid: Any) -> tuple[httpx.Response, Any]:
    response = engine.request("GET", concrete(get.path, {get.params[0]: iid}))
    answer = json_or_none(response.content)
    values = answer.get("values") if isinstance(answer, Mapping) else None
    return response, values if isinstance(values, Mapping) else None


def target_record(
    engine: Engine, ref: OperationRef, step: Step, *, fresh: bool = False
) -> tuple[OperationRef, Any, Mapping[str, Any]]:
    """(the GET of ``ref``'s record, an iid to write, the record as read before the write).

    Only a record the run created: the other families compare what they listed earlier, and a
    live site's own records are left as they were. ``fresh``: one created now, so that the write
    is the first since the create (a write that breaks a field once breaks it the same way again).
    """
    collection = engine.conventions.collection_of(ref)
    get = collection.operations.get("get") if collection else None
    if collection is None or get is None:
        raise Unchecked(f"{ref.label}: no GET reads the record back")
    create = collection.operations.get("create")
    if fresh and create is not None and engine.in_schema(create) and not create.params:
        _create(engine, create, step)
    iid = engine.knowledge.pick(collection.store, created_only=True)
    if iid is None:
        raise Unchecked(f"{ref.label}: no record created by this run to write")
    response, before = read_record(engine, get, iid)
    if response.status_code != 200 or before is None:
        raise Unchecked(f"{get.label} with iid {iid} answered {response.status_code}")
    return get, iid, before


def _create(engine: Engine, create: OperationRef, step: Step) -> None:
    """A new record of ``create``'s collection, every field given (learnt as created)."""
    case = engine.case(create, step)
    engine.complete_body(case, create)
    engine.fill_references(case)
    response = engine.request("POST", create.path, json=case.body)
    if 200 <= response.status_code < 300:
        engine.knowledge.learn(create, json_or_none(response.content))


def _listing(collection: Collection) -> OperationRef | None:
    """The list (or search) of a collection's records, without path parameters."""
    source = collection.operations.get("list") or collection.operations.get("search")
    return source if source is not None and not source.params else None


def _changed_others(
    before: Mapping[str, Any], after: Mapping[str, Any], changed: set[str]
) -> list[str]:
    """The fields of the record, other than ``changed`` and the site's own, that differ."""
    return [
        f"{name}: {before[name]!r} -> {after.get(name)!r}"
        for name in before
        if name not in changed
        and not SITE_KEPT.search(name)
        and not same_value(before[name], after.get(name))
    ]


# -- PUT -------------------------------------------------------------------------------------------


@write_rest.handles("put rest")
def put_changes_only_its_field(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    get, iid, before = target_record(engine, ref, step, fresh=True)
    body, changed, value = put_body(engine, ref, before)
    written = engine.request("PUT", concrete(ref.path, {ref.params[0]: iid}), json=body)
    engine.recorder.ran_check(CHECK)
    if not 200 <= written.status_code < 300:
        return []  # refused: the positive case and the depth cases judge the status
    missed = _search_misses(engine, ref, changed, value, iid)  # before any other request
    read, after = read_record(engine, get, iid)
    if after is None:
        return []  # write_persisted reports a record that cannot be read back
    problems = _changed_others(before, after, {changed})
    if not same_value(value, after.get(changed)):
        problems.insert(0, f"{changed} (the field written): {_sent(value, after.get(changed))}")
    else:
        problems += missed
    what = f"{ref.label} (iid {iid}) sent every field as {get.label} read it but {changed}"
    return _report(
        engine,
        ref,
        read,
        "A PUT changed fields it did not change, or not the one it did",
        f"{what}, answered {written.status_code}",
        get,
        problems,
    )


def _search_misses(
    engine: Engine, ref: OperationRef, field: str, value: Any, iid: Any
) -> list[str]:
    """A write is seen by searches at once: the collection's search for the text just written
    (``MatchAny``), sent right after the write, finds the record (an empty list: it does, or no
    such search)."""
    collection = engine.conventions.collection_of(ref)
    search = collection.operations.get("search") if collection else None
    if search is None or search.params or not isinstance(value, str) or not value.strip():
        return []
    shape = search_shape(engine.document, engine.document["paths"][search.path]["post"])
    if shape.kinds.get(field) != "StringCriteria":
        return []
    body = shape.body({field: {"type": "MatchAny", "values": [value]}}, page_size=100)
    found = engine.request("POST", search.path, json=body)
    answer = json_or_none(found.content)
    values = answer.get("values") if isinstance(answer, Mapping) else None
    iids = (
        [v.get("iid") for v in values if isinstance(v, Mapping)] if isinstance(values, list) else []
    )
    if found.status_code != 200 or iid in iids:
        return []
    return [
        f"{search.label} for {field} MatchAny [{value!r}] right after the write answers "
        f"{len(iids)} records without iid {iid} (a write is seen by searches at once)"
    ]


def _sent(value: Any, got: Any) -> str:
    return f"sent {value!r}, read back {got!r}"


def _report(
    engine: Engine,
    ref: OperationRef,
    read: httpx.Response,
    title: str,
    what: str,
    get: OperationRef,
    problems: list[str],
) -> list[FailureRecord]:
    """The failure of a write whose read-back shows ``problems`` (none: no failure)."""
    if not problems:
        return []
    message = f"{what}; {get.label} then differs: " + "; ".join(problems[:6])
    return [engine.failure(ref, read, CHECK, title, f"{message} ({SITE_KEPT_NOTE})")]


def put_body(
    engine: Engine, ref: OperationRef, before: Mapping[str, Any]
) -> tuple[dict[str, Any], str, str]:
    """The record as read, in the update schema's words, with one text field changed."""
    collection = engine.conventions.collection_of(ref)
    assert collection is not None and ref.request_schema
    index = engine.conventions.index
    written = index.properties(ref.request_schema)
    body: dict[str, Any] = {}
    changed: tuple[str, str] | None = None
    for field in compared_fields(engine.conventions, ref.request_schema, collection.entity):
        current = before.get(field.read_as)
        if field.via_reference:
            current = current.get("iid") if isinstance(current, Mapping) else None
        body[field.name] = current
        schema = index.resolve(written[field.name])
        if changed is None and _plain_text(schema) and not field.via_reference:
            changed = (field.name, field.read_as)
    if changed is None:
        raise Unchecked(f"{ref.label}: no text field the update writes and the record reads")
    limit = index.resolve(written[changed[0]]).get("maxLength")
    value = f"contract rest {engine.stamp}"
    value = value[: int(limit)] if isinstance(limit, int) and limit > 0 else value
    body[changed[0]] = value
    return body, changed[1], value


def _plain_text(schema: Mapping[str, Any]) -> bool:
    return (
        schema.get("type") == "string"
        and "format" not in schema
        and "enum" not in schema
        and "pattern" not in schema
        and not schema.get("readOnly")
    )


# -- PATCH -----------------------------------------------------------------------------------------


PATCH = "PATCH /Issues/{iid}"
TEXT, DATE, FLAG, REFERENCE = "string", "date", "bool", "reference"
VALUE_KINDS = {
    "string": TEXT,
    "DateTime?": DATE,
    "DateTimeOffset?": DATE,
    "bool": FLAG,
    "bool?": FLAG,
    "int": REFERENCE,
    "int?": REFERENCE,
}


def _patch_field(conventions: Any, rule: PatchRule) -> str | None:
    """The field of the issue ``rule`` writes (``/Substatus`` -> ``subStatus``), if it has one."""
    head = rule.path.strip("/").split("/")[0].lower()
    read = conventions.read_properties("Issue")
    return next((name for name in read if name.lower() == head), None)


def patch_probes(ctx: PlanContext) -> list[tuple[PatchRule, str]]:
    """The documented (rule, op) pairs of the issue PATCH table the family can send: a value it
    can build (text, date, flag, a reference to a listed collection) for a field the issue reads,
    or a note added."""
    found = []
    for rule in document_patch_rules(ctx.document):
        kind = VALUE_KINDS.get(rule.value_type)
        if kind is None or "{" in rule.path:
            continue  # user-defined fields and multi-valued paths: the UDF family's
        field = _patch_field(ctx.conventions, rule)
        adds_note = rule.ops == frozenset({"Add"}) and kind == TEXT
        if field is None and not adds_note:
            continue
        if (
            kind == REFERENCE
            and ctx.conventions.referenced(rule.path.strip("/").split("/")[0]) is None
        ):
            continue
        found += [(rule, op) for op in sorted(rule.ops & {"Replace", "Add"})]
    return found


@write_rest.handles("patch")
def patch_changes_only_its_field(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    _, op, path = step.kind.split(" ", 2)
    rule = next(r for r in document_patch_rules(engine.document) if r.path == path)
    get, iid, before = target_record(engine, ref, step)
    field = _patch_field(engine.conventions, rule)
    value = _patch_value(engine, rule, before.get(field) if field else None)
    if value is None:
        raise Unchecked(f"{ref.label}: no value for {path} other than the issue's own")
    body = [{"op": op, "path": path, "value": value}]
    written = engine.request("PATCH", concrete(ref.path, {ref.params[0]: iid}), json=body)
    engine.recorder.ran_check(CHECK)
    if not 200 <= written.status_code < 300:
        return _patch_refused(engine, ref, rule, written, body)
    missed = _search_misses(engine, ref, field, value, iid) if field else []  # searched first
    read, after = read_record(engine, get, iid)
    if after is None:
        return []
    changed = {field} | _stamped_with(field) if field else set()
    problems = _changed_others(before, after, changed)
    read_schema = engine.conventions.read_properties("Issue").get(field or "", {})
    read_format = engine.conventions.index.resolve(read_schema).get("format")
    if field is not None and not _reads_as(value, after.get(field), read_format):
        problems.insert(0, f"{field} (the path patched): {_sent(value, after.get(field))}")
    else:
        problems += missed
    what = f"{ref.label} (iid {iid}) with [{{op: {op}, path: {path}, value: {value!r}}}]"
    return _report(
        engine,
        ref,
        read,
        "A PATCH changed fields it did not name, or not the one it did",
        f"{what} answered {written.status_code}",
        get,
        problems,
    )


def _patch_refused(
    engine: Engine, ref: OperationRef, rule: PatchRule, written: httpx.Response, body: Any
) -> list[FailureRecord]:
    """A documented op with a value of the path's own type (text, a date, a flag) is applied: a
    refusal is a failure. A reference may be refused (the record it names may not fit the issue
    there, as a subtype of another type), which the site's validation decides."""
    if VALUE_KINDS[rule.value_type] == REFERENCE:
        return []
    return [
        engine.failure(
            ref,
            written,
            CHECK,
            "A documented PATCH with a value of the path's type is refused",
            f"{ref.label} with {body} (an op and path of the document's PATCH table, a "
            f"{rule.value_type} value) answered {written.status_code}: {written.text[:300]}",
        )
    ]


def _stamped_with(field: str) -> set[str]:
    """The date a site stamps with a user reference (``assignedToUser`` -> ``assignedDate``)."""
    if not field.endswith("User"):
        return set()
    stem = re.sub(r"(To|By)$", "", field[: -len("User")])
    return {f"{stem}Date"}


def _reads_as(sent: Any, stored: Any, read_format: Any) -> bool:
    if isinstance(stored, Mapping) and not isinstance(sent, Mapping):
        return same_value(sent, stored.get("iid"))  # a reference reads back as {iid, name, ...}
    if read_format == "date" and isinstance(sent, str) and isinstance(stored, str):
        return sent[:10] == stored[:10]  # the record reads a date: the day of what was sent
    return same_value(sent, stored)


def _patch_value(engine: Engine, rule: PatchRule, current: Any) -> Any:
    kind = VALUE_KINDS[rule.value_type]
    if kind == TEXT:
        return f"contract patch {engine.stamp}"
    if kind == DATE:
        return "2024-05-03T10:20:30"
    if kind == FLAG:
        return current is not True
    return other_listed_iid(engine, rule.path.strip("/").split("/")[0], current)


def other_listed_iid(engine: Engine, reference: str, current: Any) -> Any:
    """An iid of the collection ``reference`` names (``Substatus``), listed by the run, other
    than ``current``'s (a reference ``{iid, ...}`` or an iid); ``None`` if there is none."""
    store = engine.conventions.referenced(reference)
    source = _listing(store) if store is not None else None
    if source is None:
        return None
    own = current.get("iid") if isinstance(current, Mapping) else current
    for item in engine.items(source):
        iid = item.get("iid") if isinstance(item, Mapping) else None
        if isinstance(iid, int) and not isinstance(iid, bool) and iid != own:
            return iid
    return None
