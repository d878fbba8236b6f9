"""Writes leave their history (``--allow-writes``).

Issuetrak keeps one history per kind of change the document gives a search of its own: an
issue's assignments (``IssueAssignmentHistory``), its next action users
(``IssueNextActionHistory``) and its substatuses (``IssueSubstatusHistory``), each entry naming
the issue (``issueIid``). For each whose search the document has, an issue the run created is
patched (``Replace`` on ``/AssignedToUser``, ``/NextActionUser``, ``/Substatus`` with a record
the run listed) and the history searched by the issue's iid must hold exactly one more entry
than before, and that entry must name what was written (``assignedToId``: the user's ``id`` as the
issue reads it back; ``substatusIid``: the substatus's iid); the other two histories must hold as
many as before (the PATCH changed nothing they record).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from issuetrak_tools._contract.families.create_minimal import created_issue
from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.families.write_rest import other_listed_iid
from issuetrak_tools._contract.probe import Unchecked, json_or_none, page_of
from issuetrak_tools._contract.semantics import search_shape
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

CHECK = "write_leaves_history"
PATCH = "PATCH /Issues/{iid}"
ENTRY_NAMES = {  # PATCH path -> (the entry's field naming the value, the reference key it holds)
    "/AssignedToUser": ("assignedToId", "id"),
    "/NextActionUser": ("assignedToId", "id"),
    "/Substatus": ("substatusIid", "iid"),
}
HISTORIES = {  # PATCH path -> the search of the history it adds to
    "/AssignedToUser": "POST /IssueAssignmentHistory/Search",
    "/NextActionUser": "POST /IssueNextActionHistory/Search",
    "/Substatus": "POST /IssueSubstatusHistory/Search",
}


@family(
    "write_history",
    tier=Tier.READS,
    priority=34,
    checks=(CHECK,),
    invariant="a PATCH assigning an issue, setting its next action user or its substatus adds "
    "one entry for the issue to IssueAssignmentHistory, IssueNextActionHistory or "
    "IssueSubstatusHistory (searched by the issue's iid) naming the user or substatus written, "
    "and none to the others",
    modes="writes",
)
def write_history(ctx: PlanContext) -> list[Step]:
    if not {PATCH, "POST /Issues/Create"} <= ctx.labels:
        return []
    searches = [label for label in HISTORIES.values() if label in ctx.labels]
    return [
        ctx.step(write_history, f"history {path}", PATCH, 2 + 2 * len(searches), writes=1)
        for path, label in HISTORIES.items()
        if label in ctx.labels
    ]


def _entries(engine: Engine, label: str, issue: Any) -> tuple[int, list[Any]] | None:
    """(how many entries the history holds for ``issue``, those of the first page)."""
    ref = engine.conventions.operation(label)
    if ref is None:
        return None
    shape = search_shape(engine.document, engine.document["paths"][ref.path]["post"])
    if "issueIid" not in shape.kinds:
        return None
    body = shape.body({"issueIid": {"type": "MatchAny", "values": [issue]}})
    answered = engine.request("POST", ref.path, json=body)
    values, total = page_of(answered.content)
    if answered.status_code != 200 or values is None:
        return None
    return (total if total is not None else len(values)), values


@write_history.handles("history")
def patch_leaves_history(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    path = step.kind.split(" ", 1)[1]
    issue = created_issue(engine)  # a fresh one: its histories start from the create
    read = engine.request("GET", f"/Issues/{issue}")
    record = (json_or_none(read.content) or {}).get("values") or {}
    field = next((k for k in record if k.lower() == path.strip("/").lower()), None)
    value = other_listed_iid(engine, path.strip("/"), record.get(field) if field else None)
    if value is None:
        raise Unchecked(f"no listed record to set {path} to")
    before = {label: _entries(engine, label, issue) for label in HISTORIES.values()}
    body = [{"op": "Replace", "path": path, "value": value}]
    written = engine.request("PATCH", f"/Issues/{issue}", json=body)
    engine.recorder.ran_check(CHECK)
    if not 200 <= written.status_code < 300:
        return []  # write_rest judges a refused PATCH
    problems = []
    for other, held in before.items():
        if held is None:
            continue
        expected = held[0] + (1 if other == HISTORIES[path] else 0)
        found = _entries(engine, other, issue)
        if found is not None and found[0] != expected:
            problems.append(f"{other} by issueIid {issue}: {found[0]} entries, expected {expected}")
        elif found is not None and other == HISTORIES[path]:
            problems += _names_the_write(engine, issue, path, value, held[1], found[1])
    if not problems:
        return []
    return [
        engine.failure(
            ref,
            written,
            CHECK,
            "A PATCH does not leave the history entry it should (or leaves one it should not)",
            f"PATCH /Issues/{issue} with {body} answered {written.status_code}; "
            + "; ".join(problems),
        )
    ]


def _names_the_write(
    engine: Engine, issue: Any, path: str, value: Any, before: list[Any], after: list[Any]
) -> list[str]:
    """What is wrong with the entry the PATCH added: it must name what was written (the user's
    ``id`` as the issue now reads it, or the substatus's iid)."""
    old = {e.get("iid") for e in before if isinstance(e, Mapping)}
    added = [e for e in after if isinstance(e, Mapping) and e.get("iid") not in old]
    if len(added) != 1:
        return []  # on a later page, or the count already disagreed
    entry_field, ref_key = ENTRY_NAMES[path]
    read = engine.request("GET", f"/Issues/{issue}")
    record = (json_or_none(read.content) or {}).get("values") or {}
    field = next((k for k in record if k.lower() == path.strip("/").lower()), None)
    ref = record.get(field) if field else None
    if ref_key == "iid":
        expected: Any = value
    elif isinstance(ref, Mapping) and ref.get("id") not in (None, ""):
        expected = ref.get("id")
    else:
        return []
    got = added[0].get(entry_field)
    if str(got).lower() == str(expected).lower():
        return []
    return [
        f"{HISTORIES[path]}: the entry added by the PATCH has {entry_field} {got!r}, expected "
        f"{expected!r} (the {ref_key} of what {path} was set to, as {field or path} reads back)"
    ]
