"""A create stores every reference it names, not the site's default (``--allow-writes``).

For every ``POST /Xs`` whose record ``GET /Xs/{iid}`` reads: a body with the request schema's
required fields and, for each optional ``fooIid`` the record reads back as ``foo.iid`` whose
collection lists at least two records, the last one listed (not the first: a site that fills in
its default - the first record - over the one sent shows). If the site accepts it (2xx), the
record read back must name each of them. A refused create is not a failure here: a site may
refuse a combination of references (a subtype of another issue type); ``create_minimal`` and the
positive checks judge refusals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from issuetrak_tools._contract import persistence
from issuetrak_tools._contract.families.create_minimal import (
    listed_iids,
    read_back,
    reader,
    required_body,
)
from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.probe import Unchecked
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.entities import OperationRef
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

CHECK = "create_stores_references"
LIVE_CREATES = 2  # creates probed on a live site (seeded turns)


@family(
    "create_references",
    tier=Tier.READS,
    priority=26,
    checks=(CHECK,),
    invariant="a create naming an optional reference (fooIid) with a record other than the "
    "first listed reads back with that record, not the site's default",
    modes="writes",
)
def create_references(ctx: PlanContext) -> list[Step]:
    creates = ctx.live_sample(ctx.read_back_writes("create", "POST"), LIVE_CREATES)
    steps = []
    for ref in creates:
        optional = _optional_references(ctx.conventions, ref)
        if optional:
            steps.append(
                ctx.step(create_references, "create references", ref.label, 2 + len(optional))
            )
    return steps


def _optional_references(conventions: Any, ref: OperationRef) -> list[str]:
    """The request's optional ``fooIid`` fields the record reads back as ``foo.iid``."""
    collection = conventions.collection_of(ref)
    if collection is None or not ref.request_schema:
        return []
    index = conventions.index
    required = set(index.resolve(index.schemas.get(ref.request_schema, {})).get("required", []))
    return [
        f.name
        for f in persistence.compared_fields(conventions, ref.request_schema, collection.entity)
        if f.via_reference and f.name not in required
    ]


@create_references.handles("create references")
def create_stores_references(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    collection, get = reader(engine, ref)
    assert ref.request_schema  # reader() said so
    body = required_body(engine, ref)
    named = {}
    for name in _optional_references(engine.conventions, ref):
        iids = [i for i in listed_iids(engine, name) if i != body.get(name)]
        if len(iids) >= 2:  # one listed record cannot be told from a default
            named[name] = iids[-1]
    if not named:
        raise Unchecked(f"{ref.label}: no optional reference has two listed records to name")
    body.update(named)
    created = engine.request("POST", ref.path, json=body)
    if not 200 <= created.status_code < 300:
        raise Unchecked(f"{ref.label} naming {sorted(named)} answered {created.status_code}")
    found_back = read_back(engine, ref, get, created)
    engine.recorder.ran_check(CHECK)
    if found_back is None:
        return []
    iid, read, stored = found_back
    found, _ = persistence.mismatches(
        engine.conventions, ref.request_schema, collection.entity, body, stored
    )
    problems = [m.describe() for m in found if m.field in named]
    if not problems:
        return []
    return [
        engine.failure(
            ref,
            read,
            CHECK,
            "A created record does not hold a reference the create named",
            f"{ref.label} naming {named} (each the last record its collection lists) answered "
            f"{created.status_code}; {get.label} (iid {iid}): " + "; ".join(problems[:6]),
        )
    ]
