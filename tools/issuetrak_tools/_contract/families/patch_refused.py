"""A PATCH the document's PATCH table does not allow is refused and leaves the issue as it was
(``--allow-writes``).

The issue PATCH table (``issuetrak.conventions``) names every path an issue takes, the ops each
allows and the type of its value. On an issue the run created, one PATCH at a time:

- a value of another JSON type than the path's documented one (a word where the table says
  ``int``, ``bool``, ``double`` or ``DateTime``; an object where it says ``string``): once for
  each documented value type of the plain paths, and once for each kind of user-defined field
  (``/UserDefined/{Kind}/{udfIid}``, the first definition ``GET /Issues/Udfs`` lists);
- a path the table does not name: a user-defined field's path without its index, and a path
  naming no field of the issue;
- an op the path does not take (``Remove`` on a ``Replace``-only path);

each must answer 400 (the troubleshooting guide: a body that does not adhere to the endpoint's
schema is a 400; ASP.NET refuses a JSON Patch it cannot apply), and reading the issue afterwards
(``GET /Issues/{iid}``) must show every field as before: a refused write saves nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from issuetrak.conventions import PatchRule, document_patch_rules
from issuetrak_tools._contract.families.create_minimal import created_issue
from issuetrak_tools._contract.families.patch_udfs import PREFIX, first_definition, udf_kind
from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.families.write_rest import SITE_KEPT
from issuetrak_tools._contract.probe import Unchecked, json_or_none
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    import httpx
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

CHECK = "patch_invalid_refused"
PATCH, GET = "PATCH /Issues/{iid}", "GET /Issues/{iid}"
WRONG_OBJECT = {"contract": 1}  # no binder reads a JSON object as a string
WRONG_WORD = "contract"  # nor this word as a number, a boolean or a date


@family(
    "patch_refused",
    tier=Tier.READS,
    priority=35,
    checks=(CHECK,),
    invariant="a PATCH the PATCH table does not allow (a value of another JSON type than the "
    "path's, for every documented value type and every kind of user-defined field; a path it "
    "does not name; an op the path does not take) is refused with 400 and the issue reads back "
    "unchanged",
    modes="writes",
)
def patch_refused(ctx: PlanContext) -> list[Step]:
    if not {PATCH, GET, "POST /Issues/Create"} <= ctx.labels:
        return []
    probes = len(typed_rules(ctx.document)) + 3
    return [ctx.step(patch_refused, "patch-refused", PATCH, probes + 2, writes=probes)]


def typed_rules(document: Mapping[str, Any]) -> list[PatchRule]:
    """One rule per documented value type of the plain paths, and one per kind of UDF."""
    seen: set[str] = set()
    found = []
    for rule in document_patch_rules(document):
        if rule.path == "/Note":
            continue  # a note's text is not a field of the issue
        key = udf_kind(rule) if rule.path.startswith(PREFIX) else rule.value_type
        if key not in seen:
            seen.add(key)
            found.append(rule)
    return found


def _wrong_value(rule: PatchRule) -> Any:
    return WRONG_OBJECT if rule.value_type.rstrip("?") == "string" else WRONG_WORD


def _op(rule: PatchRule) -> str:
    return "Replace" if "Replace" in rule.ops else sorted(rule.ops)[0]


def _concrete(engine: Engine, rule: PatchRule) -> str:
    if "{index}" not in rule.path:
        return rule.path
    definition, _ = first_definition(engine, udf_kind(rule))
    return rule.path.replace("{index}", str(definition["iid"]))


def _probes(engine: Engine) -> list[tuple[dict[str, Any], str]]:
    """(the one op of a PATCH, why the table does not allow it)."""
    probes = []
    for rule in typed_rules(engine.document):
        try:
            path = _concrete(engine, rule)
        except Unchecked:
            continue  # the site defines no UDF of this kind
        value = _wrong_value(rule)
        why = f"a {type(value).__name__} where the table's value type is {rule.value_type}"
        probes.append(({"op": _op(rule), "path": path, "value": value}, why))
    rules = document_patch_rules(engine.document)
    udf = next((r for r in rules if r.path.startswith(PREFIX) and "Replace" in r.ops), None)
    if udf is not None:
        path = udf.path.replace("/{index}", "")
        probes.append(({"op": "Replace", "path": path, "value": "x"}, "a path without its index"))
    probes.append(
        ({"op": "Replace", "path": "/ContractNoSuchField", "value": "x"}, "a path it does not name")
    )
    single = next((r for r in rules if r.ops == frozenset({"Replace"})), None)
    if single is not None and "{index}" not in single.path:
        value = "x" if single.value_type.rstrip("?") == "string" else 1
        probes.append(({"op": "Remove", "path": single.path, "value": value}, "an op it refuses"))
    return probes


def _read(engine: Engine, issue: Any) -> tuple[httpx.Response, Mapping[str, Any]]:
    read = engine.request("GET", f"/Issues/{issue}")
    values = (json_or_none(read.content) or {}).get("values") if read.status_code == 200 else None
    if not isinstance(values, Mapping):
        raise Unchecked(f"{GET} answered {read.status_code}")
    return read, values


@patch_refused.handles("patch-refused")
def invalid_patch_refused(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    issue = engine.knowledge.pick("issues:issue", created_only=True) or created_issue(engine)
    _, before = _read(engine, issue)
    probes = _probes(engine)
    engine.recorder.ran_check(CHECK)
    failures = []
    for op, why in probes:
        answered = engine.request("PATCH", f"/Issues/{issue}", json=[op])
        if answered.status_code != 400:
            failures.append(
                engine.failure(
                    ref,
                    answered,
                    CHECK,
                    "A PATCH the document's PATCH table does not allow is not refused with 400",
                    f"PATCH /Issues/{issue} with [{op}] ({why} in the PATCH table) answered "
                    f"{answered.status_code}, expected 400: a body that does not adhere to the "
                    f"endpoint's schema is a 400 (the document's troubleshooting guide; ASP.NET "
                    f"refuses a JSON Patch it cannot apply)",
                )
            )
    read, after = _read(engine, issue)
    changed = sorted(
        k
        for k in set(before) | set(after)
        if not SITE_KEPT.search(k) and before.get(k) != after.get(k)
    )
    if changed:
        failures.append(
            engine.failure(
                ref,
                read,
                CHECK,
                "A refused PATCH changed the issue",
                f"{len(probes)} PATCHes of /Issues/{issue} the PATCH table does not allow; "
                f"{GET} then reads {', '.join(f'{k}: {before.get(k)!r} -> {after.get(k)!r}' for k in changed[:4])}"
                f" (a refused write saves nothing; {len(changed)} fields changed)",
            )
        )
    return failures
