"""PATCH clearing and Remove, read back (``--allow-writes``).

Issue (the document's PATCH table says which paths may be emptied, ``AllowsEmpty``): on an issue
the run created, every clearable text and date path the issue reads is first given a value, then
cleared with ``Replace`` and ``null`` in one PATCH; each must read back cleared - ``null``, or
``""`` where the document does not let the field be ``null`` (then ``null`` is not a value it may
read back). ``Replace`` with ``null`` on a path the table says may not be empty is refused with
400.

Organization (``PATCH /Organizations/{iid}``: its paths are the properties of
``UpdateOrganization``): on an organization the run created, ``Replace`` on a text property reads
back as sent, and ``Remove`` on a property ``UpdateOrganization`` requires is refused with 400.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from issuetrak.conventions import PatchRule, document_patch_rules
from issuetrak_tools._contract.families.create_minimal import created_issue, created_record
from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.probe import Unchecked, json_or_none, plain_value
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    import httpx
    from issuetrak_tools._contract.entities import OperationRef
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

CHECK = "patch_clear_persisted"
ISSUE, ORGANIZATION = "PATCH /Issues/{iid}", "PATCH /Organizations/{iid}"
ORG_CREATE, ORG_SCHEMA = "POST /Organizations", "UpdateOrganization"
DATE_TYPES = ("DateTime?", "DateTimeOffset?")


@family(
    "patch_clear",
    tier=Tier.READS,
    priority=33,
    checks=(CHECK,),
    invariant="PATCH Replace with null on each path the PATCH table lets be emptied reads back "
    'cleared ("" where the field may not be null), on a path that may not be emptied is '
    "refused with 400; an organization's Replace reads back, its Remove of a required property "
    "is refused with 400",
    modes="writes",
)
def patch_clear(ctx: PlanContext) -> list[Step]:
    steps = []
    if {ISSUE, "GET /Issues/{iid}", "POST /Issues/Create"} <= ctx.labels:
        steps.append(ctx.step(patch_clear, "patch-clear", ISSUE, 5, writes=4))
    if {ORGANIZATION, "GET /Organizations/{iid}", ORG_CREATE} <= ctx.labels:
        steps.append(ctx.step(patch_clear, "patch-org", ORGANIZATION, 5, writes=3))
    return steps


def _read(engine: Engine, path: str) -> tuple[httpx.Response, Mapping[str, Any]]:
    read = engine.request("GET", path)
    values = (json_or_none(read.content) or {}).get("values") if read.status_code == 200 else None
    return read, values if isinstance(values, Mapping) else {}


def _clearable(engine: Engine) -> list[tuple[PatchRule, str, Mapping[str, Any]]]:
    """(rule, field, read schema) of the text and date paths the table lets be emptied."""
    index = engine.conventions.index
    read = engine.conventions.read_properties("Issue")
    by_lower = {name.lower(): name for name in read}
    found = []
    for rule in document_patch_rules(engine.document):
        field = by_lower.get(rule.path.strip("/").lower())
        plain = rule.value_type == "string" or rule.value_type in DATE_TYPES
        if field and plain and rule.allows_empty and "Replace" in rule.ops:
            found.append((rule, field, index.resolve(read[field])))
    return found


def _filled(rule: PatchRule, engine: Engine) -> Any:
    if rule.value_type in DATE_TYPES:
        return "2024-05-03T10:20:30"
    return f"contract clear {engine.stamp}"


def _failure(engine: Engine, label: str, response: httpx.Response, title: str, message: str) -> Any:
    ref = engine.conventions.operation(label)
    assert ref is not None
    return engine.failure(ref, response, CHECK, title, message)


@patch_clear.handles("patch-clear")
def clear_reads_back_cleared(engine: Engine, step: Step) -> list[FailureRecord]:
    paths = _clearable(engine)
    if not paths:
        raise Unchecked("the PATCH table lets no text or date path of the issue be emptied")
    issue = engine.knowledge.pick("issues:issue", created_only=True) or created_issue(engine)
    where = f"/Issues/{issue}"
    fill = [{"op": "Replace", "path": r.path, "value": _filled(r, engine)} for r, _, _ in paths]
    filled = engine.request("PATCH", where, json=fill)
    engine.recorder.ran_check(CHECK)
    if not 200 <= filled.status_code < 300:
        raise Unchecked(f"PATCH {where} giving every clearable path a value: {filled.status_code}")
    clear = [{"op": "Replace", "path": r.path, "value": None} for r, _, _ in paths]
    cleared = engine.request("PATCH", where, json=clear)
    what = f"PATCH {where} with Replace null on {', '.join(r.path for r, _, _ in paths)}"
    failures = []
    if not 200 <= cleared.status_code < 300:
        failures.append(
            _failure(
                engine,
                ISSUE,
                cleared,
                "A PATCH clearing paths the document lets be emptied is refused",
                f"{what} (each AllowsEmpty in the PATCH table) answered {cleared.status_code}: "
                f"{cleared.text[:300]}",
            )
        )
    else:
        read, after = _read(engine, where)
        problems = []
        for _, field, schema in paths:
            allowed = (None, "") if schema.get("nullable") else ("",)
            if after.get(field) not in allowed:
                problems.append(f"{field} reads {after.get(field)!r}, expected one of {allowed}")
        if problems:
            failures.append(
                _failure(
                    engine,
                    ISSUE,
                    read,
                    "A path cleared by PATCH does not read back cleared",
                    f"{what} answered {cleared.status_code}; GET {where}: "
                    + "; ".join(problems[:6])
                    + " (null only where the document marks the field nullable)",
                )
            )
    return failures + _required_refused(engine, where)


def _required_refused(engine: Engine, where: str) -> list[FailureRecord]:
    """Replace null on a text path the table says may not be emptied: 400."""
    rule = next(
        (
            r
            for r in document_patch_rules(engine.document)
            if r.value_type == "string" and not r.allows_empty and "Replace" in r.ops
        ),
        None,
    )
    if rule is None:
        return []
    answered = engine.request(
        "PATCH", where, json=[{"op": "Replace", "path": rule.path, "value": None}]
    )
    if answered.status_code == 400:
        return []
    return [
        _failure(
            engine,
            ISSUE,
            answered,
            "A PATCH emptying a path the document says may not be empty is not refused with 400",
            f"PATCH {where} with [{{op: Replace, path: {rule.path}, value: null}}] answered "
            f"{answered.status_code}; the PATCH table says {rule.path} may not be empty",
        )
    ]


# -- organizations ---------------------------------------------------------------------------------


def _org_paths(engine: Engine) -> tuple[str | None, str | None, Any]:
    """(a required property, a plain text property that is not, a value for the latter)."""
    index = engine.conventions.index
    schema = index.resolve(index.schemas.get(ORG_SCHEMA, {}))
    required = [str(n) for n in schema.get("required", [])]
    text, value = None, None
    for name, prop in index.properties(ORG_SCHEMA).items():
        resolved = index.resolve(prop)
        plain = resolved.get("type") == "string" and not {"format", "enum", "pattern"} & set(
            resolved
        )
        if name not in required and plain and not resolved.get("readOnly"):
            text, value = name, plain_value(resolved, 4, engine.stamp)
            break
    return (required[0] if required else None), text, value


@patch_clear.handles("patch-org")
def organization_patch(engine: Engine, step: Step) -> list[FailureRecord]:
    ref: OperationRef = engine.ref(step)
    required, text, value = _org_paths(engine)
    if text is None:
        raise Unchecked(f"{ORG_SCHEMA} has no plain text property to Replace")
    org = created_record(engine, ORG_CREATE)
    where = f"/Organizations/{org}"
    body = [{"op": "Replace", "path": f"/{text.lower()}", "value": value}]
    written = engine.request("PATCH", where, json=body)
    engine.recorder.ran_check(CHECK)
    failures = []
    if not 200 <= written.status_code < 300:
        failures.append(
            engine.failure(
                ref,
                written,
                CHECK,
                "A documented PATCH of an organization's property is refused",
                f"PATCH {where} with {body} ({text} is a property of {ORG_SCHEMA}, whose "
                f"properties the document says the paths are) answered {written.status_code}: "
                f"{written.text[:300]}",
            )
        )
    else:
        read, after = _read(engine, where)
        if after.get(text) != value:
            failures.append(
                engine.failure(
                    ref,
                    read,
                    CHECK,
                    "An organization's property replaced by PATCH does not read back as sent",
                    f"PATCH {where} with {body} answered {written.status_code}; GET {where} "
                    f"reads {text} = {after.get(text)!r}",
                )
            )
    if required is not None:
        body = [{"op": "Remove", "path": f"/{required.lower()}"}]
        removed = engine.request("PATCH", where, json=body)
        if removed.status_code != 400:
            failures.append(
                engine.failure(
                    ref,
                    removed,
                    CHECK,
                    "A PATCH removing a required property is not refused with 400",
                    f"PATCH {where} with {body} answered {removed.status_code}; {ORG_SCHEMA} "
                    f"requires {required}",
                )
            )
    return failures
