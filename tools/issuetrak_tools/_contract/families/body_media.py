"""A required JSON body: left out, ``null`` or sent as another media type, it is refused.

For the first selected operation of each kind that takes a required ``application/json`` body
and nothing else - a search (every run: a refused search reads nothing) and, with
``--allow-writes``, a create - three requests are sent:

- an empty body labelled ``application/json``: 400 (ASP.NET's ``[FromBody]``: "A non-empty
  request body is required"; with no content type at all ASP.NET answers 415 instead);
- the JSON literal ``null``: 400 (ASP.NET's JSON input formatter reads it as no value);
- a valid JSON body labelled ``text/plain``: 415 Unsupported Media Type (the document lists no
  other media type; ASP.NET answers 415 for a body no input formatter reads).

The document lists no 415; the statuses follow ASP.NET, as the messages say.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.probe import Unchecked
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.entities import OperationRef
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

CHECK = "json_body_required"
PROBES = (  # (what is sent, body bytes, content type, the status expected, why)
    (
        "an empty application/json body",
        b"",
        "application/json",
        400,
        'ASP.NET [FromBody]: "A non-empty request body is required"',
    ),
    ("the JSON literal null", b"null", "application/json", 400, "ASP.NET reads null as no body"),
)


def _json_only(ctx: PlanContext, ref: OperationRef) -> bool:
    body = ctx.spec(ref).get("requestBody")
    if not isinstance(body, Mapping) or not body.get("required"):
        return False
    return set(body.get("content") or {}) == {"application/json"}


@family(
    "body_media",
    tier=Tier.ERRORS,
    priority=40,
    checks=(CHECK,),
    invariant="a required JSON body left out or sent as null is refused with 400, a JSON body "
    "sent as text/plain with 415 (ASP.NET conventions), on a search and, with writes, a create",
)
def body_media(ctx: PlanContext) -> list[Step]:
    # live: after the families that check answers positively (the depth tier's head), as
    # negative_bodies does; the error paths' tier keeps to its share of the budget
    live = {"tier": Tier.DEPTH} if ctx.live else {}
    steps = []
    search = next((ref for ref, _ in ctx.searches() if _json_only(ctx, ref)), None)
    if search is not None:
        steps.append(ctx.step(body_media, "body-required", search.label, 3, **live))
    creates = [r for r in ctx.read_back_writes("create", "POST") if _json_only(ctx, r)]
    if creates:  # chosen only when the run may write
        steps.append(ctx.step(body_media, "body-required", creates[0].label, 3, writes=3, **live))
    return steps


def _valid_body(engine: Engine, ref: OperationRef) -> Any:
    if ref.kind == "search":
        return {"pageNumber": 1, "pageSize": 1}
    from issuetrak_tools._contract.families.create_minimal import required_body

    return required_body(engine, ref)


@body_media.handles("body-required")
def body_refused(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    if ref.params:
        raise Unchecked(f"{ref.label} has path parameters")
    text = json.dumps(_valid_body(engine, ref)).encode()
    probes = [*PROBES, ("a valid JSON body as text/plain", text, "text/plain", 415, "")]
    engine.recorder.ran_check(CHECK)
    failures = []
    for what, content, media, expected, why in probes:
        answered = engine.request(ref.method, ref.path, content=content, content_type=media)
        if answered.status_code == expected:
            continue
        why = why or "ASP.NET: no input formatter reads text/plain as JSON"
        failures.append(
            engine.failure(
                ref,
                answered,
                CHECK,
                f"A request with {what} is not refused with {expected}",
                f"{ref.label} with {what} answered {answered.status_code}, expected {expected} "
                f"(the document requires an application/json body and lists no other media "
                f"type; {why})",
            )
        )
    return failures
