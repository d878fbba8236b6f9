"""A permission the restricted user lacks: every operation it governs answers 403.

The document: "Operations performed against the API respect user permissions in the same way the
website does", and a ``403`` "is returned when the acting user does not have the permissions
necessary to perform a request". Its ``Permissions`` enum names the permissions a group grants;
the ones that govern an operation of the document by name:

* ``CanEditIssues``: a ``PATCH`` of an issue (the edit screen's permission);
* ``CanEditTasksInIssues``: a task added to an issue (``POST /Issues/{issueIid}/Tasks/...``);
* ``IsAdmin`` (or a ``CanManage...``/``CanMaintain...`` permission): a record created in a
  collection other than issues (the administration screens: departments, priorities, issue types
  ...).

The restricted user's permissions are read with the administrator's token, as the website shows
them: the user is the one submitter or enterer every issue of the user's own search shares (an
issue the user submits first if it sees none; read back with the user's ``GET /Users/{iid}``), its groups come from
``GET /Users/{iid}/Memberships/Groups`` and each group's ``permissions`` from ``GET /Groups/{iid}``.
A user whose identity or groups cannot be read so is not probed (the step says why). The probes
send the smallest request that would be a change: an empty JSON Patch (no operation) of an issue
the user sees, and the create schema's required fields (``--allow-writes`` only). In process every
such operation is probed; live two of them.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from issuetrak_tools._contract.families.create_minimal import created_issue, required_body
from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.families.restricted import PAGE, refusal_problem
from issuetrak_tools._contract.probe import Unchecked, concrete, json_or_none
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.entities import OperationRef
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

CHECK = "restricted_permission_refused"
LIVE_PROBES = 2
ADMIN = "IsAdmin"
_ISSUES = re.compile(r"^/issues(/|$)", re.IGNORECASE)
_TASKS = re.compile(r"^/issues/\{[^}]+\}/tasks(/|$)", re.IGNORECASE)
_ADMINISTRATIVE = re.compile(r"^(IsAdmin|CanManage\w+|CanMaintain\w+)$")
_known: weakref.WeakKeyDictionary[Engine, tuple[Any, frozenset[str]] | str] = (
    weakref.WeakKeyDictionary()
)


def governing(ref: OperationRef) -> str | None:
    """The permission of the ``Permissions`` enum that governs ``ref`` (``None``: none known,
    or not an operation this family can send)."""
    if ref.kind == "patch" and len(ref.params) == 1 and _ISSUES.match(ref.path):
        return "CanEditIssues"
    if ref.kind != "create" or ref.method != "POST" or not ref.request_schema:
        return None
    if _TASKS.match(ref.path) and len(ref.params) == 1:
        return "CanEditTasksInIssues"
    if not ref.params and not _ISSUES.match(ref.path):
        return ADMIN
    return None


def _enum(document: Mapping[str, Any]) -> set[str]:
    schemas = document.get("components", {}).get("schemas", {})
    return {str(v) for v in schemas.get("Permissions", {}).get("enum", [])}


@family(
    "restricted_permissions",
    tier=Tier.READS,
    priority=41,
    checks=(CHECK,),
    invariant="with a restricted user's token: an operation governed by a permission the user's "
    "groups do not grant (CanEditIssues: PATCH of an issue; CanEditTasksInIssues: a task added; "
    "IsAdmin: a record created outside issues) answers 403 with ApiResponse",
    modes="writes",
)
def restricted_permissions(ctx: PlanContext) -> list[Step]:
    if not ctx.restricted:
        return []
    names = _enum(ctx.document)
    refs = [r for r in ctx.chosen if (p := governing(r)) is not None and p in names]
    if ctx.live and len(refs) > LIVE_PROBES:
        refs = sorted(ctx.rng.sample(refs, LIVE_PROBES), key=lambda r: ctx.order.get(r.label, 0))
    return [
        ctx.step(restricted_permissions, "restricted permission", r.label, 3, writes=1)
        for r in refs
    ]


def _issue_search(engine: Engine) -> OperationRef:
    found = next(
        (
            r
            for r in engine.conventions.operations.values()
            if r.kind == "search" and not r.params and r.path.lower() == "/issues/search"
        ),
        None,
    )
    if found is None:
        raise Unchecked("no POST /Issues/Search to tell the restricted user's own issues")
    return found


def _values(response: Any) -> list[Any]:
    body = json_or_none(response.content) if response.status_code == 200 else None
    values = body.get("values") if isinstance(body, Mapping) else None
    return values if isinstance(values, list) else [values] if isinstance(values, Mapping) else []


def _own_issues(engine: Engine) -> list[Mapping[str, Any]]:
    """The issues the restricted user's search shows; one submitted by the user if none."""
    ref = _issue_search(engine)
    query, body = engine.paging_pins(ref, PAGE)
    for attempt in range(2):
        response = engine.request(ref.method, ref.path, params=query, json=body, restricted=True)
        found = [v for v in _values(response) if isinstance(v, Mapping)]
        if found or attempt:
            return found
        created_issue(engine, restricted=True)
    return []


def _who(engine: Engine) -> Any:
    """The restricted user's iid: the one user every issue of its own search names."""
    common: set[Any] | None = None
    for issue in _own_issues(engine):
        users = {
            (issue.get(name) or {}).get("iid")
            for name in ("submittedByUser", "enteredByUser")
            if isinstance(issue.get(name), Mapping)
        } - {None}
        common = users if common is None else common & users
    if not common or len(common) != 1:
        raise Unchecked("the restricted user's issues do not name one user it could be")
    (uid,) = common
    if engine.request("GET", f"/Users/{uid}", restricted=True).status_code != 200:
        raise Unchecked(f"the restricted user cannot read user {uid}: not itself")
    return uid


def _learn(engine: Engine) -> tuple[Any, frozenset[str]]:
    uid = _who(engine)
    groups = engine.request("GET", f"/Users/{uid}/Memberships/Groups")
    granted: set[str] = set()
    user = _values(engine.request("GET", f"/Users/{uid}"))
    if user and user[0].get("isSysAdmin") is True:
        granted.add(ADMIN)
    group_iids = [g.get("groupIid") for g in _values(groups) if isinstance(g, Mapping)]
    if groups.status_code != 200 or not group_iids:
        raise Unchecked(f"the groups of the restricted user {uid} cannot be read")
    for gid in group_iids:
        group = _values(engine.request("GET", f"/Groups/{gid}"))
        permissions = group[0].get("permissions") if group else None
        if not isinstance(permissions, list):
            raise Unchecked(f"group {gid} of the restricted user shows no permissions")
        granted.update(str(p) for p in permissions)
    return uid, frozenset(granted)


def restricted_user(engine: Engine) -> tuple[Any, frozenset[str]]:
    """The restricted user's iid and the permissions its groups grant, read once a run."""
    known = _known.get(engine)
    if known is None:
        try:
            known = _learn(engine)
        except Unchecked as why:
            known = str(why)
        _known[engine] = known
    if isinstance(known, str):
        raise Unchecked(known)
    return known


def _lacks(permission: str, granted: frozenset[str]) -> bool:
    if permission == ADMIN:
        return not any(_ADMINISTRATIVE.match(p) for p in granted)
    return ADMIN not in granted and permission not in granted


@restricted_permissions.handles("restricted permission")
def lacking_permission_refused(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    permission = governing(ref)
    assert permission is not None
    uid, granted = restricted_user(engine)
    if not _lacks(permission, granted):
        raise Unchecked(f"{ref.label}: the restricted user {uid} has {permission}")
    path, body = _request(engine, ref)
    response = engine.request(ref.method, path, json=body, restricted=True)
    engine.recorder.ran_check(CHECK)
    if 200 <= response.status_code < 300 and ref.kind == "create":
        engine.knowledge.learn(ref, json_or_none(response.content))
    problem = refusal_problem(response)
    if problem is None:
        return []
    return [
        engine.failure(
            ref,
            response,
            CHECK,
            "An operation governed by a permission the user lacks is not refused with 403",
            f"{ref.label} with the restricted user's token (user {uid}, whose groups do not grant "
            f"{permission}): {problem}",
        )
    ]


def _request(engine: Engine, ref: OperationRef) -> tuple[str, Any]:
    """The path and body of the probe: an issue the user sees, an empty patch or the required
    fields of the create."""
    if not ref.params:
        return ref.path, required_body(engine, ref)
    mine = [i for i in _own_issues(engine) if i.get("iid") is not None]
    if not mine:
        raise Unchecked(f"{ref.label}: the restricted user sees no issue")
    path = concrete(ref.path, {ref.params[0]: mine[0]["iid"]})
    return path, [] if ref.kind == "patch" else required_body(engine, ref, given=mine[0])
