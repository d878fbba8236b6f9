"""PATCH on user-defined fields, read back (``--allow-writes``).

The issue PATCH table (``issuetrak.conventions``) names one path per kind of user-defined field,
``/UserDefined/{Kind}/{index}``, where the index is the UDF's IID (``GET /Issues/Udfs`` lists
them). On an issue the run created, for the first definition of every kind:

- a single-value kind (``Replace``) is set to a value of its type - for a list, its last active
  option (not the first: a site that resolves an option by position shows) - and must read back
  as sent (``GET /Issues/{iid}``; a date as the document's ``format: date``, the day alone);
- a multi-value kind (``Add``/``Remove``) gets two values added, the larger iid first, and must
  read back with both; one is removed again and must read back without it (and with the other).

Two paths no site can apply are refused with 400: the IID of a UDF the site does not define, and
an index that is not a number (the PATCH table's index is a UDF IID; ASP.NET answers 400 for a
body it cannot apply). A PATCH of a documented op refused, or answered 5xx, is a failure too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from issuetrak.conventions import PatchRule, document_patch_rules
from issuetrak_tools._contract.families.create_minimal import created_issue
from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.families.udfs import (
    option_names,
    read_value,
    same_udf_value,
    udf_kinds,
)
from issuetrak_tools._contract.probe import Unchecked, concrete, json_or_none
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    import httpx
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

CHECK = "udf_patch_persisted"
PATCH, GET, DEFINITIONS = "PATCH /Issues/{iid}", "GET /Issues/{iid}", "GET /Issues/Udfs"
PREFIX = "/UserDefined/"
UNKNOWN_UDF = 2**31 - 7  # an Int32 IID no site defines for a UDF


@family(
    "patch_udfs",
    tier=Tier.READS,
    priority=32,
    checks=(CHECK,),
    invariant="PATCH on a user-defined field of every kind: Replace on a single-value "
    "/UserDefined/{Kind}/{udfIid}, Add then Remove on a multi-value one, read back as sent; an "
    "unknown or non-numeric UDF IID is refused with 400",
    modes="writes",
)
def patch_udfs(ctx: PlanContext) -> list[Step]:
    if not {PATCH, GET, DEFINITIONS} <= ctx.labels or "POST /Issues/Create" not in ctx.labels:
        return []
    steps = []
    for rule in udf_rules(ctx.document):
        writes = 3 if rule.allows_multiple else 1
        steps.append(
            ctx.step(patch_udfs, f"patch-udf {rule.path}", PATCH, 2 + 2 * writes, writes=writes)
        )
    if steps:
        steps.append(ctx.step(patch_udfs, "patch-udf-refused", PATCH, 4, writes=3))
    return steps


def udf_rules(document: Mapping[str, Any]) -> list[PatchRule]:
    """The PATCH table's rules of user-defined fields (``/UserDefined/{Kind}/{index}``)."""
    return [
        r
        for r in document_patch_rules(document)
        if r.path.startswith(PREFIX) and r.path.endswith("/{index}")
    ]


def udf_kind(rule: PatchRule) -> str:
    """The kind a ``/UserDefined/{Kind}/{index}`` rule names (``Text``, ``MultiSelect``, ...)."""
    return rule.path.removeprefix(PREFIX).split("/")[0]


def _definitions(engine: Engine) -> Mapping[str, Any]:
    listed = engine.request("GET", "/Issues/Udfs")
    definitions = (json_or_none(listed.content) or {}).get("values")
    if listed.status_code != 200 or not isinstance(definitions, Mapping):
        raise Unchecked(f"{DEFINITIONS} answered {listed.status_code}")
    return definitions


def first_definition(engine: Engine, kind: str) -> tuple[Mapping[str, Any], str]:
    """(the first definition of ``kind``, the key ``IssueUdfs`` reads it under)."""
    definitions = _definitions(engine)
    for key, (_, read_key) in udf_kinds(engine).items():
        if key.removesuffix("Fields").lower() != kind.lower():
            continue
        first = next(iter(definitions.get(key) or []), None)
        if isinstance(first, Mapping) and first.get("iid") is not None:
            return first, read_key
    raise Unchecked(f"the site defines no {kind} user-defined field for issues")


def _options(definition: Mapping[str, Any]) -> list[Any]:
    return [o.get("iid") for o in definition.get("options") or [] if o.get("isActive", True)]


def _single_value(engine: Engine, rule: PatchRule, kind: str, definition: Mapping[str, Any]) -> Any:
    options = _options(definition)
    if options:
        return options[-1]  # not the first option: a site resolving options by position shows
    base = rule.value_type.rstrip("?")
    if base == "string":
        if kind.lower() == "hyperlink":
            return f"https://example.com/contract/{engine.stamp}"
        return f"contract udf {engine.stamp}: Text, as Typed"  # capitals and punctuation as sent
    return {"int": 7, "double": 2.5, "bool": True, "DateTime": "2024-05-03T10:20:30"}.get(base)


def _multi_values(engine: Engine, definition: Mapping[str, Any], issue: Any) -> list[Any]:
    """Two values of a multi-value UDF, the larger iid first."""
    found = _options(definition)
    if not found:  # associated issues: other issues' iids (two created when none are known)
        found = [i for i in engine.knowledge.iids.get("issues:issue", []) if i != issue]
        if len(found) < 2:
            found = [created_issue(engine), created_issue(engine)]
    found = [v for v in found if isinstance(v, int) and not isinstance(v, bool)]
    if len(found) < 2:
        raise Unchecked(f"fewer than two values for the UDF {definition.get('iid')}")
    return sorted(found[-2:], reverse=True)


def _patch(engine: Engine, issue: Any, op: str, path: str, value: Any) -> httpx.Response:
    body = [{"op": op, "path": path, "value": value}]
    return engine.request("PATCH", f"/Issues/{issue}", json=body)


def _read_udf(engine: Engine, issue: Any, read_key: str, udf: Any) -> tuple[httpx.Response, Any]:
    read = engine.request("GET", concrete("/Issues/{iid}", {"iid": issue}))
    stored = (json_or_none(read.content) or {}).get("values") if read.status_code == 200 else None
    shown = stored.get("udfs") if isinstance(stored, Mapping) else None
    items = shown.get(read_key) if isinstance(shown, Mapping) else None
    return read, read_value(items, udf)


def _date_format(engine: Engine, read_key: str) -> str | None:
    """The ``format`` of the value the document says ``IssueUdfs.<read_key>`` items carry."""
    index = engine.conventions.index
    items = index.resolve(index.properties("IssueUdfs").get(read_key, {})).get("items", {})
    value = index.resolve(index.resolve(items).get("properties", {}).get("value", {}))
    return value.get("format") if isinstance(value, Mapping) else None


def _refused(engine: Engine, response: httpx.Response, what: str) -> FailureRecord:
    ref = engine.conventions.operation(PATCH)
    assert ref is not None
    return engine.failure(
        ref,
        response,
        CHECK,
        "A documented PATCH of a user-defined field is refused",
        f"{what} (a documented op on a path of the PATCH table, the IID of a UDF "
        f"{DEFINITIONS} lists) answered {response.status_code}: {response.text[:300]}",
    )


def _differs(engine: Engine, read: httpx.Response, what: str, sent: Any, got: Any) -> FailureRecord:
    ref = engine.conventions.operation(PATCH)
    assert ref is not None
    return engine.failure(
        ref,
        read,
        CHECK,
        "A user-defined field patched is not what reading the issue gives back",
        f"{what} answered 2xx; {GET} then reads {got!r}, expected {sent!r}",
    )


@patch_udfs.handles("patch-udf")
def patch_udf_read_back(engine: Engine, step: Step) -> list[FailureRecord]:
    path = step.kind.split(" ", 1)[1]
    rule = next(r for r in udf_rules(engine.document) if r.path == path)
    kind = udf_kind(rule)
    definition, read_key = first_definition(engine, kind)
    issue = engine.knowledge.pick("issues:issue", created_only=True) or created_issue(engine)
    concrete_path = path.replace("{index}", str(definition["iid"]))
    engine.recorder.ran_check(CHECK)
    if rule.allows_multiple:
        return _add_then_remove(engine, issue, rule, concrete_path, definition, read_key)
    value = _single_value(engine, rule, kind, definition)
    if value is None or "Replace" not in rule.ops:
        raise Unchecked(f"no value of {rule.value_type} for {path}")
    what = f"PATCH /Issues/{issue} with [{{op: Replace, path: {concrete_path}, value: {value!r}}}]"
    written = _patch(engine, issue, "Replace", concrete_path, value)
    if not 200 <= written.status_code < 300:
        return [_refused(engine, written, what)]
    read, got = _read_udf(engine, issue, read_key, definition["iid"])
    expected: Any = value
    if _date_format(engine, read_key) == "date" and isinstance(value, str):
        expected = value[:10]  # the document reads this UDF as a date: the day alone
        if got == expected:
            return []
    elif same_udf_value(value, got, option_names(definition)):
        return []
    return [_differs(engine, read, what, expected, got)]


def _add_then_remove(
    engine: Engine,
    issue: Any,
    rule: PatchRule,
    path: str,
    definition: Mapping[str, Any],
    read_key: str,
) -> list[FailureRecord]:
    if not {"Add", "Remove"} <= rule.ops:
        raise Unchecked(f"{rule.path}: the PATCH table does not document Add and Remove")
    values = _multi_values(engine, definition, issue)
    for value in values:
        what = f"PATCH /Issues/{issue} with [{{op: Add, path: {path}, value: {value}}}]"
        written = _patch(engine, issue, "Add", path, value)
        if not 200 <= written.status_code < 300:
            return [_refused(engine, written, what)]
    read, got = _read_udf(engine, issue, read_key, definition["iid"])
    what = f"PATCH /Issues/{issue} adding {values[0]} then {values[1]} to {path}"
    if not same_udf_value(values, got, option_names(definition)):
        return [_differs(engine, read, what, values, got)]
    what = f"PATCH /Issues/{issue} with [{{op: Remove, path: {path}, value: {values[0]}}}]"
    written = _patch(engine, issue, "Remove", path, values[0])
    if not 200 <= written.status_code < 300:
        return [_refused(engine, written, what)]
    read, got = _read_udf(engine, issue, read_key, definition["iid"])
    if not same_udf_value(values[1:], got, option_names(definition)):
        return [_differs(engine, read, what, values[1:], got)]
    return []


@patch_udfs.handles("patch-udf-refused")
def patch_unknown_udf_refused(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    rule = next((r for r in udf_rules(engine.document) if "Replace" in r.ops), None)
    if rule is None:
        raise Unchecked("the PATCH table has no user-defined field to Replace")
    definition, _ = first_definition(engine, udf_kind(rule))
    value = _single_value(engine, rule, udf_kind(rule), definition)
    issue = engine.knowledge.pick("issues:issue", created_only=True) or created_issue(engine)
    engine.recorder.ran_check(CHECK)
    failures = []
    for index, why in ((UNKNOWN_UDF, "the IID of no UDF the site defines"), ("x1", "not an IID")):
        path = rule.path.replace("{index}", str(index))
        answered = _patch(engine, issue, "Replace", path, value)
        if answered.status_code != 400:
            failures.append(
                engine.failure(
                    ref,
                    answered,
                    CHECK,
                    "A PATCH of a user-defined field that does not exist is not refused with 400",
                    f"PATCH /Issues/{issue} with [{{op: Replace, path: {path}, value: {value!r}}}] "
                    f"({why}) answered {answered.status_code}, expected 400: the PATCH table's "
                    f"index is a UDF IID, and a body the site cannot apply is a 400 (ASP.NET)",
                )
            )
    return failures
