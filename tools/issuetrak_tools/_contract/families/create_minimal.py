"""A create with only the required fields succeeds, and reads back with what the site fills in
(``--allow-writes``).

For every ``POST /Xs`` whose record ``GET /Xs/{iid}`` reads: a body with the request schema's
``required`` fields and nothing else (plain values; a ``fooIid`` takes an iid its collection
listed) must be answered 2xx; the record read back must hold every value sent, and what the
document says a record always has must be there: a field the read schema does not mark
``nullable`` is not ``null``, and for an issue, each reference the document's PATCH table types
as non-nullable and never empty (``/Class``, ``/Priority``, ...: ``int``, AllowsEmpty false) has
an iid - the default the site fills in when the create named none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from issuetrak.conventions import document_patch_rules
from issuetrak_tools._contract import persistence
from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.probe import Unchecked, concrete, json_or_none, plain_value
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.entities import OperationRef
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

CHECK = "create_with_required_fields_only"
LIVE_CREATES = 3  # creates probed on a live site (seeded turns)
VALUE_NUMBER = 3  # plain values "contract 3 ...": apart from the positive create's and update's


@family(
    "create_minimal",
    tier=Tier.READS,
    priority=25,
    checks=(CHECK,),
    invariant="a create with only the required fields answers 2xx; the record read back holds "
    "what was sent, no non-nullable field is null, and an issue has every reference the PATCH "
    "table says is never empty (the site's defaults)",
    modes="writes",
)
def create_minimal(ctx: PlanContext) -> list[Step]:
    creates = ctx.live_sample(ctx.read_back_writes("create", "POST"), LIVE_CREATES)
    return [ctx.step(create_minimal, "create minimal", r.label, 2, writes=1) for r in creates]


def required_body(
    engine: Engine, ref: OperationRef, given: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The request schema's required fields, each with a plain value (a known iid for ``fooIid``),
    or its value in ``given`` (a parent record's ``issueNumber``) when that has it."""
    assert ref.request_schema
    index = engine.conventions.index
    schema = index.resolve(index.schemas.get(ref.request_schema, {}))
    properties = index.properties(ref.request_schema)
    body: dict[str, Any] = {}
    for name in schema.get("required", []):
        if given is not None and given.get(name) is not None:
            body[name] = given[name]
            continue
        field = index.resolve(properties.get(name, {}))
        if "pattern" in field:
            raise Unchecked(f"{ref.label}: required {name} has a pattern no plain value keeps")
        if name.endswith("Iid") and field.get("type") == "integer":
            value = _known_iid(engine, name)
        else:
            value = plain_value(field, VALUE_NUMBER, engine.stamp)
        if value is None:
            raise Unchecked(f"{ref.label}: no plain value for the required {name}")
        body[name] = value
    return body


def _known_iid(engine: Engine, name: str) -> Any:
    owner = engine.conventions.owner("/", name) or engine.conventions.referenced(name)
    if owner is None:
        return None
    known = engine.knowledge.pick(owner.store)
    source = owner.operations.get("list") or owner.operations.get("search")
    if known is None and source is not None and not source.params:
        engine.items(source)
        known = engine.knowledge.pick(owner.store)
    return known


@create_minimal.handles("create minimal")
def create_with_required_only(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    collection = engine.conventions.collection_of(ref)
    get = collection.operations.get("get") if collection else None
    if collection is None or get is None or not ref.request_schema:
        raise Unchecked(f"{ref.label}: no GET reads the record back")
    body = required_body(engine, ref)
    created = engine.request("POST", ref.path, json=body)
    engine.recorder.ran_check(CHECK)
    if not 200 <= created.status_code < 300:
        return [
            engine.failure(
                ref,
                created,
                CHECK,
                "A create with only the required fields is refused",
                f"{ref.label} with {sorted(body)} (the fields {ref.request_schema} requires) "
                f"answered {created.status_code}: {created.text[:300]}",
            )
        ]
    answer = json_or_none(created.content)
    engine.knowledge.learn(ref, answer)
    values = answer.get("values") if isinstance(answer, Mapping) else None
    iid = values.get("iid") if isinstance(values, Mapping) else None
    if iid is None:
        return []  # the positive case's schema check reports an answer without the record
    read = engine.request("GET", concrete(get.path, {get.params[0]: iid}))
    stored = (json_or_none(read.content) or {}).get("values") if read.status_code == 200 else None
    if not isinstance(stored, Mapping):
        return []  # write_persisted reports a record that cannot be read back
    found, _ = persistence.mismatches(
        engine.conventions, ref.request_schema, collection.entity, body, stored
    )
    problems = [m.describe() for m in found]
    problems += _missing_defaults(engine, collection.entity, stored)
    if not problems:
        return []
    return [
        engine.failure(
            ref,
            read,
            CHECK,
            "A record created with only the required fields reads back wrong",
            f"{ref.label} with {sorted(body)} answered {created.status_code}; {get.label} "
            f"(iid {iid}): " + "; ".join(problems[:6]),
        )
    ]


def _missing_defaults(engine: Engine, entity: str, stored: Mapping[str, Any]) -> list[str]:
    """What the document says the record always has but ``stored`` lacks."""
    index = engine.conventions.index
    problems = []
    for name, schema in engine.conventions.read_properties(entity).items():
        resolved = index.resolve(schema)
        if name in stored and stored[name] is None and not resolved.get("nullable"):
            problems.append(f"{name} is null, and the document does not say it may be")
    if entity == "Issue":
        read = {name.lower(): name for name in engine.conventions.read_properties(entity)}
        for rule in document_patch_rules(engine.document):
            name = read.get(rule.path.strip("/").lower())
            if name is None or rule.nullable or rule.allows_empty or rule.value_type != "int":
                continue
            reference = stored.get(name)
            if not isinstance(reference, Mapping) or reference.get("iid") is None:
                problems.append(
                    f"{name} has no iid ({reference!r}), though the PATCH table types {rule.path} "
                    f"as {rule.value_type} that may not be empty: the site fills in its default"
                )
    return problems


def created_record(engine: Engine, label: str) -> Any:
    """The iid of a new record of ``label`` (a create, sent its required fields), learnt as the
    run's: the families that write to a record write only to records the run created."""
    create = engine.conventions.operation(label)
    if create is None or not create.request_schema:
        raise Unchecked(f"{label} is not in the document")
    created = engine.request("POST", create.path, json=required_body(engine, create))
    answer = json_or_none(created.content)
    values = answer.get("values") if isinstance(answer, Mapping) else None
    if not 200 <= created.status_code < 300 or not isinstance(values, Mapping):
        raise Unchecked(f"{create.label} with the required fields answered {created.status_code}")
    engine.knowledge.learn(create, answer)
    return values.get("iid")


def created_issue(engine: Engine) -> Any:
    """The iid of a new issue (``POST /Issues/Create`` with its required fields)."""
    return created_record(engine, "POST /Issues/Create")
