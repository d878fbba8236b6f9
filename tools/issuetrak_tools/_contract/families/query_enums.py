"""Enum query parameters: a value outside the enum (``SortField=NoSuchValue``) is refused with 400.

Every GET whose query parameters are typed by an enum schema (``SortField``, ``SortDirection``)
and that documents 400 is sent each such parameter alone with a name the enum does not list
(letters only: ASP.NET's enum binder also takes numbers). An ``[ApiController]`` answers a value
it cannot bind with 400 before the action runs; a site that answers 200 (the parameter ignored)
or 5xx breaks the document's typing. In-process every such operation; live two probes, the
operations and parameters taking turns.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from issuetrak.conventions import ref_name
from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.probe import concrete
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

CHECK = "query_enum_refused"
OUTSIDE = "NoSuchValue"
LIVE_PROBES = 2


def enum_parameters(document: Mapping[str, Any], operation: Mapping[str, Any]) -> list[str]:
    """The names of ``operation``'s query parameters typed by an enum schema."""
    schemas = document.get("components", {}).get("schemas", {})
    found = []
    for param in operation.get("parameters", []):
        if not isinstance(param, Mapping) or param.get("in") != "query":
            continue
        schema = param.get("schema", {})
        name = ref_name(schema) or ref_name((schema.get("allOf") or [{}])[0])
        values = schemas.get(name, {}).get("enum", []) if name else []
        if values and OUTSIDE not in values:
            found.append(str(param["name"]))
    return found


def taking_turns(probes: list[tuple[str, str]], size: int) -> list[tuple[str, str]]:
    """``size`` of the ``(operation, parameter)`` probes, operations and parameters taking turns
    (the live sample: each parameter and each operation before any twice)."""
    names = sorted({name for _, name in probes})
    labels = list(dict.fromkeys(label for label, _ in probes))
    turns = [(labels[i % len(labels)], names[i % len(names)]) for i in range(len(probes))]
    return [turn for turn in turns if turn in probes][:size]


@family(
    "query_enums",
    tier=Tier.ERRORS,
    priority=30,
    checks=(CHECK,),
    invariant="an enum query parameter (SortField, SortDirection) sent with a name its enum does "
    "not list is refused with 400, never 200 or 5xx",
)
def query_enums(ctx: PlanContext) -> list[Step]:
    probes = [
        (ref.label, name)
        for ref in ctx.chosen
        if ref.method == "GET" and "400" in ctx.spec(ref).get("responses", {})
        for name in enum_parameters(ctx.document, ctx.spec(ref))
    ]
    if ctx.live:  # operations and parameters taking turns
        probes = taking_turns(probes, LIVE_PROBES)
    return [ctx.step(query_enums, f"enum query {name}", label, 1) for label, name in probes]


def query_refused(
    engine: Engine, step: Step, check: str, params: Mapping[str, Any], title: str, why: str
) -> list[FailureRecord]:
    """``GET`` the step's operation with the query ``params`` alone: 400, or a failure of
    ``check`` saying ``why`` 400 was due."""
    ref = engine.ref(step)
    path = concrete(ref.path, engine.path_params(ref))
    response = engine.request("GET", path, params=params)
    engine.recorder.ran_check(check)
    if response.status_code == 400:
        return []
    sent = "&".join(f"{k}={v}" for k, v in params.items())
    detail = f"{sent}: answered {response.status_code}; {why}"
    return [engine.failure(ref, response, check, title, detail)]


def _refused(engine: Engine, step: Step) -> list[FailureRecord]:
    name = step.kind.rsplit(" ", 1)[1]
    return query_refused(
        engine,
        step,
        CHECK,
        {name: OUTSIDE},
        "An enum query parameter outside its enum is not refused with 400",
        f"the document types {name} by an enum and documents 400, and ASP.NET's binder refuses "
        "a name the enum does not list",
    )


query_enums.handles("enum")(_refused)
