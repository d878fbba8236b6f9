"""Request bodies that break one constraint the document names are refused with 400.

For every operation with a JSON body - searches in every run, creates and updates with
``--allow-writes`` - each constraint the request schema puts on a field (``enum``, ``pattern``,
``minLength``/``maxLength``, ``minItems``/``maxItems``, ``minimum``/``maximum``, ``required``,
the field's ``type``; the first nested criterion's ``enum`` of a search; a nested object's own
``required``) gets one probe: a body
the site accepts (page 1 of a search; the required fields of a create) with that one constraint
broken. It must answer 400 (the operation's documented validation answer; ASP.NET's model
validation) - never 2xx, never 5xx. A wrong JSON type or a value outside an enum cannot be
bound: its 400 must be a ProblemDetails whose ``errors`` name the field (the document's
troubleshooting guide; ASP.NET's ValidationProblemDetails). Live, the probes are capped and spread over the kinds of
constraint; they run after every family that checks an answer positively.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from issuetrak_tools._contract.families.create_minimal import required_body
from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.probe import Unchecked, concrete, json_or_none, plain_value
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    import httpx
    from issuetrak_tools._contract.entities import OperationRef
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

CHECK = "invalid_body_refused"
BINDING = ("type", "enum")  # constraints whose breach the body cannot be bound with
LIVE_PROBES = 8  # probes on a live site, spread over the kinds of constraint
PAGE = 10
KEYWORDS = (
    "enum",
    "pattern",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minimum",
    "maximum",
)
WRONG_TYPE: dict[str, Any] = {
    "integer": "contract",
    "number": "contract",
    "boolean": "contract",
    "array": "contract",
    "object": "contract",
    "string": 12345,  # System.Text.Json binds no number to a string
}


@dataclass(frozen=True)
class Probe:
    constraint: str  # a keyword, "required" or "type"
    field: str  # "name", or "filter.type" for a nested criterion


def probes_of(ctx_document: Mapping[str, Any], conventions: Any, ref: OperationRef) -> list[Probe]:
    """One probe per constraint the request schema of ``ref`` names on a field."""
    assert ref.request_schema
    index = conventions.index
    schema = index.resolve(index.schemas.get(ref.request_schema, {}))
    found = [Probe("required", str(name)) for name in schema.get("required", [])]
    nested_done = nested_required_done = False
    for name, raw in index.properties(ref.request_schema).items():
        field = index.resolve(raw)
        if field.get("readOnly"):
            continue
        found += [Probe(k, name) for k in KEYWORDS if _breakable(k, field)]
        if field.get("type") in WRONG_TYPE and "enum" not in field:
            found.append(Probe("type", name))
        inner = field.get("properties") if isinstance(field.get("properties"), Mapping) else {}
        nested_required = [str(n) for n in field.get("required", []) if n in inner]
        if nested_required and not nested_required_done:
            # a nested object without one of its own required properties (one per operation)
            found.append(Probe("required", f"{name}.{nested_required[0]}"))
            nested_required_done = True
        for sub, sub_raw in inner.items():
            if not nested_done and "enum" in index.resolve(sub_raw):
                found.append(Probe("enum", f"{name}.{sub}"))
                nested_done = True
    return found


def _breakable(keyword: str, field: Mapping[str, Any]) -> bool:
    value = field.get(keyword)
    if keyword in ("minLength", "minItems"):
        return isinstance(value, int) and value > 0
    if keyword in ("maxLength", "maxItems"):
        return isinstance(value, int) and value < 100_000
    if keyword in ("minimum", "maximum"):
        return isinstance(value, int | float) and abs(value) < 2**31 - 1
    return bool(value)


def _probed(ctx: PlanContext, ref: OperationRef) -> bool:
    if not ref.request_schema or (ref.params and ref.kind != "update"):
        return False
    if ref.kind == "search":
        return ref.method == "POST"
    return ref.kind in ("create", "update") and ref.method in ("POST", "PUT")


@family(
    "negative_bodies",
    tier=Tier.ERRORS,
    priority=50,
    checks=(CHECK,),
    invariant="a body breaking one constraint the request schema names (enum, pattern, "
    "min/maxLength, min/maxItems, minimum/maximum, required, type) is refused with 400, never "
    "2xx or 5xx, a wrong type or enum value with a ValidationProblemDetails naming the field "
    "(searches in every run, creates and updates with --allow-writes)",
)
def negative_bodies(ctx: PlanContext) -> list[Step]:
    pairs = [
        (ref, probe)
        for ref in ctx.chosen
        if _probed(ctx, ref)
        for probe in probes_of(ctx.document, ctx.conventions, ref)
    ]
    # live: a few, after the families that check answers positively (the depth tier's head)
    live = {"tier": Tier.DEPTH} if ctx.live else {}
    if ctx.live and len(pairs) > LIVE_PROBES:
        pairs = _spread(pairs)
    return [
        ctx.step(
            negative_bodies,
            f"body {p.constraint} {p.field}",
            ref.label,
            1,
            writes=int(ref.method != "POST" or ref.kind != "search"),
            **live,
        )
        for ref, p in pairs
    ]


def _spread(pairs: list[tuple[OperationRef, Probe]]) -> list[tuple[OperationRef, Probe]]:
    """``LIVE_PROBES`` of ``pairs``, one kind of constraint after another, each kind's probes
    taken evenly over its operations (the same whatever the seed: the depth tier's set of steps
    does not depend on it, only its order)."""
    by_kind: dict[str, list[tuple[OperationRef, Probe]]] = {}
    for pair in pairs:
        by_kind.setdefault(pair[1].constraint, []).append(pair)
    share = -(-LIVE_PROBES // len(by_kind))
    for kind, group in by_kind.items():
        stride = max(1, len(group) // share)
        by_kind[kind] = group[::stride]
    chosen: list[tuple[OperationRef, Probe]] = []
    while len(chosen) < LIVE_PROBES and any(by_kind.values()):
        for kind in sorted(by_kind):
            if by_kind[kind] and len(chosen) < LIVE_PROBES:
                chosen.append(by_kind[kind].pop(0))
    return chosen


@negative_bodies.handles("body")
def invalid_body_refused(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    _, constraint, field = step.kind.split(" ", 2)
    body = _valid_body(engine, ref)
    broken = _break(engine, ref, body, Probe(constraint, field))
    if broken is None:
        raise Unchecked(f"{ref.label}: no value breaks {constraint} of {field}")
    path = concrete(ref.path, _path_params(engine, ref))
    response = engine.request(ref.method, path, json=broken)
    engine.recorder.ran_check(CHECK)
    if response.status_code == 400:
        return _problem_details(engine, ref, response, Probe(constraint, field))
    if ref.kind == "create" and 200 <= response.status_code < 300:
        engine.knowledge.learn(ref, response.json() if response.content else None)
    sent = broken.get(field.split(".")[0], "(left out)") if isinstance(broken, dict) else broken
    return [
        engine.failure(
            ref,
            response,
            CHECK,
            "A body breaking a constraint of the document is not refused with 400",
            f"{ref.label} with {field} breaking its {constraint} ({sent!r:.120}) answered "
            f"{response.status_code}; the document's request schema forbids it and ASP.NET's "
            "model validation answers 400",
        )
    ]


def _problem_details(
    engine: Engine, ref: OperationRef, response: httpx.Response, probe: Probe
) -> list[FailureRecord]:
    """A value of the wrong JSON type or outside its enum is a formatting error: the document's
    troubleshooting guide answers it with a ProblemDetails whose ``errors`` say what failed
    (ASP.NET's ValidationProblemDetails, keyed by the JSON path of the value), not with the
    ``information`` of a body that binds but breaks a rule."""
    if probe.constraint not in BINDING:
        return []
    body = json_or_none(response.content)
    errors = body.get("errors") if isinstance(body, Mapping) else None
    leaf = probe.field.rsplit(".", 1)[-1].lower()
    if isinstance(errors, Mapping) and any(leaf in str(key).lower() for key in errors):
        return []
    shown = sorted(errors) if isinstance(errors, Mapping) else sorted(body or {})
    return [
        engine.failure(
            ref,
            response,
            CHECK,
            "A body that cannot be bound is not answered with a ValidationProblemDetails",
            f"{ref.label} with {probe.field} breaking its {probe.constraint} answered 400 "
            f"with {shown[:6]}, expected a ProblemDetails whose errors name {probe.field}: "
            "the document's troubleshooting guide answers a formatting error (a wrong JSON "
            "type, a value outside an enum) with type/status/title and errors, as ASP.NET's "
            "ValidationProblemDetails keyed by the value's JSON path",
        )
    ]


def _path_params(engine: Engine, ref: OperationRef) -> dict[str, Any]:
    if not ref.params:
        return {}
    collection = engine.conventions.collection_of(ref)
    iid = engine.knowledge.pick(collection.store, created_only=True) if collection else None
    if iid is None:
        raise Unchecked(f"{ref.label}: no record created by this run to send it to")
    return {ref.params[0]: iid}


def _valid_body(engine: Engine, ref: OperationRef) -> dict[str, Any]:
    if ref.kind == "search":
        _, body = engine.paging_pins(ref, PAGE)
        if body is None:
            raise Unchecked(f"{ref.label}: no body the site answers with page 1")
        return dict(body)
    return required_body(engine, ref)


def _break(engine: Engine, ref: OperationRef, body: dict[str, Any], probe: Probe) -> Any:
    assert ref.request_schema
    index = engine.conventions.index
    head, _, sub = probe.field.partition(".")
    schema = index.resolve(index.properties(ref.request_schema).get(head, {}))
    if probe.constraint == "required" and sub:
        return _without_nested(engine, body, head, schema, sub)
    if probe.constraint == "required":
        if head not in body:
            body[head] = plain_value(schema, 3, engine.stamp)
        return {k: v for k, v in body.items() if k != head}
    if sub:
        inner = index.resolve(schema.get("properties", {}).get(sub, {}))
        body[head] = {sub: _not_in_enum(inner)}
        return body
    value = _wrong(schema, probe.constraint, engine.stamp)
    if value is None:
        return None
    body[head] = value
    return body


def _without_nested(
    engine: Engine, body: dict[str, Any], head: str, schema: Mapping[str, Any], sub: str
) -> Any:
    """``body`` whose ``head`` holds the nested object's other required properties, not ``sub``
    (``None``: one of them has no plain value)."""
    index = engine.conventions.index
    inner: dict[str, Any] = {}
    for name in schema.get("required", []):
        if name == sub:
            continue
        value = plain_value(index.resolve(schema["properties"].get(name, {})), 3, engine.stamp)
        if value is None:
            return None
        inner[str(name)] = value
    return {**body, head: inner}


def _wrong(schema: Mapping[str, Any], constraint: str, stamp: str) -> Any:
    """A value of ``schema`` that breaks only ``constraint`` (``None``: none found)."""
    limit = schema.get(constraint)
    if constraint == "enum":
        return _not_in_enum(schema)
    if constraint == "type":
        return WRONG_TYPE.get(str(schema.get("type")))
    if constraint == "minLength":
        return "x" * (int(limit) - 1)
    if constraint == "maxLength":
        return "x" * (int(limit) + 1)
    if constraint in ("minItems", "maxItems"):
        item = plain_value(schema.get("items", {}), 3, stamp)
        count = int(limit) - 1 if constraint == "minItems" else int(limit) + 1
        return None if item is None and count else [item] * count
    if constraint in ("minimum", "maximum"):
        step = 1 if schema.get("type") == "integer" else 0.5
        return limit - step if constraint == "minimum" else limit + step
    if constraint == "pattern":
        for candidate in ("", " ", "~!", "contract value", "0"):
            try:
                if re.search(str(limit), candidate) is None:
                    return candidate
            except re.error:
                return None
    return None


def _not_in_enum(schema: Mapping[str, Any]) -> Any:
    members = schema.get("enum") or []
    if members and all(isinstance(m, int) for m in members):
        return max(members) + 1000
    return "ContractNotAMember"
