"""What each kind of operation does to the site's state.

Handlers receive the parsed, validated body and answer JSON-able values or raise
:class:`~issuetrak_mock.responses.ApiError`. Issue visibility and permission rules live here too.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import math
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .bounds import Limits
from .criteria import (
    EVERYTHING,
    AllOf,
    AnyOf,
    Column,
    FilterError,
    Leaf,
    Node,
    compile_filter,
    field_getter,
)
from .issues import PatchError, PatchRule, close_duplicates, create_issue, patch_issue, patch_rules
from .responses import ApiError
from .routing import Route
from .schemas import ref_name
from .search import Bits, StoreIndex
from .site import Actor, MissingReference, MockSite, Store, singular

__all__ = [
    "MAX_PATCH_OPERATIONS",
    "Call",
    "dispatch",
    "permission_problem",
    "visible",
]

#: The most operations one PATCH may hold by default. A PATCH is applied all-or-nothing while the
#: site is locked, so its length is how long every other request waits: each operation writes an
#: audit record, and 1,000 held the site for 150 ms; 200 take a fifth of that; 78,000 (a 4 MB body)
#: would hold it for seconds. No edit of one record needs more; a larger one is answered 400
#: before it is parsed (:mod:`issuetrak_mock.bounds`).
MAX_PATCH_OPERATIONS = Limits.patch_operations

# Segments a user without admin rights may read (the "lists" an end user sees in Issuetrak).
_END_USER_READABLE = re.compile(
    r"^(authenticate|issues|issuetypes|priorities|severities|substatuses|subtypes\d|system|issueforms|locations|issuehubviews)$"
)
_ISSUE_AREAS = re.compile(r"^issue")
_INT = re.compile(r"[+-]?[0-9]{1,12}")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


@dataclass
class Call:
    """One request as the handlers see it."""

    route: Route
    actor: Actor
    params: dict[str, str]
    query: Mapping[str, str]
    body: Any
    raw: bytes
    content_type: str


def _segment(route: Route) -> str:
    return next((p for p in route.path.split("/") if p), "").lower()


def permission_problem(site: MockSite, route: Route, actor: Actor) -> str | None:
    """Why ``actor`` may not call ``route`` at all (403), or ``None``."""
    if actor.is_admin:
        return None
    seg = _segment(route)
    write = (
        route.method != "GET"
        and route.kind != "search"
        and not (route.kind == "other" and route.path.lower().endswith("/search"))
    )
    if _ISSUE_AREAS.match(seg):
        if seg == "issues":
            if route.kind == "patch" and not actor.can("CanEditIssues"):
                return "The user does not have permission to edit issues."
            if route.operation_id == "CloseDuplicateIssues" and not actor.can("CanCloseIssues"):
                return "The user does not have permission to close issues."
            if (
                "tasks" in route.path.lower()
                and route.method == "POST"
                and route.kind == "create"
                and not actor.is_agent
            ):
                return "The user does not have permission to add tasks."
            return None
        if seg in ("issuetypes", "issueforms", "issuehubviews") and not write:
            return None
        if not actor.is_agent:
            return "The user does not have permission to view this resource."
        return "The user does not have permission to change this resource." if write else None
    if write:
        return "The user does not have permission to change this resource."
    if actor.is_agent or _END_USER_READABLE.match(seg):
        return None
    if seg == "users" and route.kind == "get":
        return None  # end users may read themselves; others answer 404
    return "The user does not have permission to view this resource."


def visible(site: MockSite, store: Store, iid: Any, actor: Actor) -> bool:
    """Whether ``actor`` may see a record: end users see their own issues and themselves only."""
    if actor.is_admin or actor.can("CanSeeIssuesSubmittedByOthers"):
        return True
    entity = store.entity
    rec = store.records.get(iid)
    if rec is None:
        return False
    if entity == "Issue":
        return _owns_issue(rec, actor)
    if entity == "User":
        return iid == actor.user_iid or actor.is_agent
    return True


def _owns_issue(rec: Mapping[str, Any], actor: Actor) -> bool:
    return (rec.get("submittedByUser") or {}).get("iid") == actor.user_iid or (
        rec.get("enteredByUser") or {}
    ).get("iid") == actor.user_iid


# -- helpers -----------------------------------------------------------------------------------


def _int_param(name: str, value: str) -> int:
    """A route or query integer as ASP.NET binds it: an Int32, else a binding error."""
    # ASP.NET's int binder reads ASCII digits only (Python's int() also takes "1_000", " 1" and
    # non-ASCII digits)
    number = int(value) if _INT.fullmatch(value) else None
    if number is None or not -(2**31) <= number < 2**31:
        raise ApiError(400, problems={name: [f"The value '{value}' is not valid."]})
    return number


def _bool_param(name: str, value: str) -> bool:
    """A query boolean as ASP.NET binds it: ``true``/``false`` in any case, else a binding error."""
    word = value.strip().lower()
    if word not in ("true", "false"):
        raise ApiError(400, problems={name: [f"The value '{value}' is not valid."]})
    return word == "true"


def _number_param(name: str, value: str) -> float:
    """A query number (invariant culture, finite), else a binding error."""
    try:
        number = float(value) if _NUMBER.fullmatch(value.strip()) else math.nan
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise ApiError(400, problems={name: [f"The value '{value}' is not valid."]})
    return number


def _record_key(site: MockSite, store: Store, value: str, name: str) -> Any:
    iid_schema = site.index.properties(store.entity).get("iid", {})
    if site.index.resolve(iid_schema).get("type") == "string":
        return value.lower()
    return _int_param(name, value)


def _lookup(site: MockSite, store: Store, call: Call, name: str) -> tuple[Any, dict[str, Any]]:
    key = _record_key(site, store, call.params[name], name)
    rec = store.records.get(key)
    if rec is None or not visible(site, store, key, call.actor):
        message = f"{store.entity} with IID {call.params[name]} was not found."
        if "404" not in call.route.spec.get("responses", {}):
            # the operation documents no 404: the unknown IID is reported as invalid input
            raise ApiError(400, message)
        raise ApiError(404, message, "NotFound")
    return key, rec


def _parent(site: MockSite, call: Call) -> tuple[str, Any] | None:
    """For ``/Parents/{iid}/Children...`` routes: check the parent exists and is visible."""
    if not call.route.params:
        return None
    name = call.route.params[0]
    first = next(p for p in call.route.path.split("/") if p)
    parent = site.find_store(singular(first))
    if parent is None:
        return None
    if "404" not in call.route.spec.get("responses", {}) and call.route.kind in ("list", "search"):
        # the operation declares no 404: an unknown parent simply has no children
        key = _record_key(site, parent, call.params[name], name)
        if key not in parent.records or not visible(site, parent, key, call.actor):
            return parent.key, _NOTHING
        return parent.key, key
    key, _ = _lookup(site, parent, call, name)
    return parent.key, key


_NOTHING = object()


def _check_refs(site: MockSite, payload: Any) -> None:
    if not isinstance(payload, Mapping):
        return
    try:
        for key, value in payload.items():
            if key.endswith("Iid") and isinstance(value, int) and not isinstance(value, bool):
                site.check_reference(key, value)
    except MissingReference as exc:
        raise ApiError(400, str(exc)) from None


def _paging(site: MockSite, call: Call, source: Mapping[str, Any]) -> tuple[int, int]:
    default_size = int((site.singletons.get("Settings") or {}).get("listSize") or 25)
    number = source.get("pageNumber")
    size = source.get("pageSize")
    number = 1 if number is None else number
    size = default_size if size is None else size
    if number < 1:
        raise ApiError(400, f"PageNumber must be 1 or larger, got {number}.")
    if not 1 <= size <= 100:
        raise ApiError(400, f"PageSize must be between 1 and 100, got {size}.")
    return number, size


def _query_paging(site: MockSite, call: Call) -> dict[str, Any]:
    """Read ``PageNumber/PageSize/SortField/SortDirection`` from the query, case-insensitively."""
    lowered = {k.lower(): v for k, v in call.query.items()}
    out: dict[str, Any] = {}
    for param in call.route.spec.get("parameters", []):
        if param.get("in") != "query":
            continue
        name = param["name"]
        raw = lowered.get(name.lower())
        if raw is None:
            continue
        schema = site.index.resolve(param.get("schema", {}))
        key = name[0].lower() + name[1:]
        if schema.get("type") == "integer":
            out[key] = _int_param(name, raw)
        elif schema.get("type") == "boolean":
            out[key] = _bool_param(name, raw)
        elif schema.get("type") == "number":
            out[key] = _number_param(name, raw)
        else:
            allowed = schema.get("enum")
            if allowed is not None:
                match = next((a for a in allowed if str(a).lower() == raw.lower()), None)
                if match is None:
                    raise ApiError(
                        400, problems={name: [f"The value '{raw}' is not valid for {name}."]}
                    )
                raw = match
            out[key] = raw
    return out


def _sort_key(value: Any) -> tuple[Any, ...]:
    if value is None:
        return (0,)
    if isinstance(value, Mapping):
        name = value.get("name")
        if name is None and value.get("iid") is None:
            return (0,)
        return (1, "" if name is None else str(name).lower(), value.get("iid") or 0)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, int | float):
        return (1, value)
    return (1, str(value).lower())


def _by_value(getter: Callable[[Mapping[str, Any]], Any]) -> Callable[[Mapping[str, Any]], Any]:
    return lambda record: _sort_key(getter(record))


def _sort_field(paging: Mapping[str, Any]) -> tuple[str | None, bool]:
    field = paging.get("sortField")
    name = field[0].lower() + field[1:] if isinstance(field, str) and field else None
    return name, str(paging.get("sortDirection") or "Asc").lower() == "desc"


def _sorted(
    site: MockSite,
    entity: str,
    records: list[dict[str, Any]],
    field: str | None,
    direction: str | None,
) -> list[dict[str, Any]]:
    name, descending = _sort_field({"sortField": field, "sortDirection": direction})
    if name is None:
        return records
    getter = field_getter(site.index.properties(entity), name, site.user_name)
    return sorted(records, key=lambda r: _sort_key(getter(r)), reverse=descending)


def _paging_information(number: int, size: int, total: int) -> dict[str, int]:
    """Issuetrak's ``pagingInformation`` of page ``number`` of ``size`` among ``total`` records."""
    return {
        "page": number,
        "itemTotal": total,
        "pageCount": math.ceil(total / size) if total else 0,
    }


def _envelope(
    site: MockSite,
    call: Call,
    store: Store,
    index: StoreIndex,
    matched: Bits,
    paging: Mapping[str, Any],
) -> dict[str, Any]:
    number, size = _paging(site, call, paging)
    name, descending = _sort_field(paging)
    props = site.index.properties(store.entity)
    getter = field_getter(props, name, site.user_name) if name is not None else None
    if isinstance(getter, Column):
        # one cached order per field, whatever the spelling; a field the records do not have
        # ties everywhere, which is creation order
        name = getter.key if getter.key in props else None
        getter = getter if name is not None else None
    sort_key = None if getter is None else _by_value(getter)
    keys = index.page(matched, name, descending, sort_key, (number - 1) * size, size)
    total = matched.bit_count()
    shape = call.route.values_schema or store.entity
    out: dict[str, Any] = {"values": [site.output(shape, store.records[k]) for k in keys]}
    if "pagingInformation" in site.index.properties(call.route.response_schema or ""):
        out["pagingInformation"] = _paging_information(number, size, total)
    return out


def _visibility(store: Store, actor: Actor) -> Node | None:
    """What of ``store`` the actor may list (``None``: everything); see :func:`visible`."""
    if actor.is_admin:
        return None
    uid = actor.user_iid
    if store.entity == "Issue" and not actor.can("CanSeeIssuesSubmittedByOthers"):
        return AnyOf(
            [
                Leaf(Column("submittedByUser", "iid"), lambda v: v == uid),
                Leaf(Column("enteredByUser", "iid"), lambda v: v == uid),
            ]
        )
    if store.entity == "User" and not actor.is_agent:
        return Leaf(Column("iid"), lambda v: v == uid)
    return None


def _select(
    site: MockSite, store: Store, call: Call, compile_: Callable[[], Node]
) -> tuple[StoreIndex, Bits]:
    """The store's index, and the visible records (below the call's parent, if any) that the
    compiled filter matches."""
    parent = _parent(site, call)
    node = compile_()
    index = site.search_index(store)
    candidates: Bits | None
    if parent is None:
        candidates = None
    elif parent[1] is _NOTHING:
        candidates = 0
    else:
        candidates = index.children_of(parent)
    shown = _visibility(store, call.actor)
    if shown is not None:
        node = AllOf([shown, node])
    return index, index.select(node, candidates)


# -- handlers by kind ------------------------------------------------------------------------------


def handle_list(site: MockSite, call: Call) -> tuple[int, Any]:
    store = site.store(call.route.store or "")
    index, matched = _select(site, store, call, lambda: EVERYTHING)
    return 200, _envelope(site, call, store, index, matched, _query_paging(site, call))


def handle_search(site: MockSite, call: Call) -> tuple[int, Any]:
    store = site.store(call.route.store or "")
    body = call.body if isinstance(call.body, Mapping) else {}

    def compile_() -> Node:
        try:
            return compile_filter(
                site.index,
                call.route.request_schema or "",
                body,
                site.index.properties(store.entity),
                today=site.now().date(),
                user_name=site.user_name,
            )
        except FilterError as exc:
            raise ApiError(400, str(exc)) from None

    index, matched = _select(site, store, call, compile_)
    return 200, _envelope(site, call, store, index, matched, body)


def handle_get(site: MockSite, call: Call) -> tuple[int, Any]:
    store = site.store(call.route.store or "")
    _, rec = _lookup(site, store, call, call.route.params[-1])
    return 200, {"values": site.output(call.route.values_schema or store.entity, rec)}


def handle_create(site: MockSite, call: Call) -> tuple[int, Any]:
    store = site.store(call.route.store or "")
    body = dict(call.body or {})
    parent = _parent(site, call)
    if store.entity == "Issue":
        try:
            rec = create_issue(site, body, call.actor)
        except MissingReference as exc:
            raise ApiError(400, str(exc)) from None
    else:
        _check_refs(site, body)
        rec = site.new_record(store, body, call.actor.user_iid)
        if parent is not None:
            store.meta[rec["iid"]]["parent"] = parent
            parent_rec = site.stores[parent[0]].records[parent[1]]
            for key in ("issueNumber",):
                if key in rec and key in parent_rec:
                    rec[key] = parent_rec[key]
    return call.route.response_status, {
        "values": site.output(call.route.values_schema or store.entity, rec)
    }


def handle_update(site: MockSite, call: Call) -> tuple[int, Any]:
    store = site.store(call.route.store or "")
    key, before = _lookup(site, store, call, call.route.params[-1])
    _check_refs(site, call.body)
    body = dict(call.body or {})
    if store.entity == "User":
        _follow_name(before, body)
    # as on the site's user screen, nobody can lock themselves out
    own = store.entity == "User" and key == call.actor.user_iid
    demoting = body.get("isActive") is False or (
        call.actor.is_admin and body.get("isSysAdmin") is False
    )
    if own and demoting:
        raise ApiError(
            400, "Users cannot deactivate themselves or remove their own administrator rights."
        )
    rec = site.update_record(store, key, body, call.actor.user_iid)
    return call.route.response_status, {
        "values": site.output(call.route.values_schema or store.entity, rec)
    }


def _follow_name(before: Mapping[str, Any], body: dict[str, Any]) -> None:
    """A user's display name that was their first and last name stays so when either changes
    (unless the update sets another one): a renamed user is not listed under the old name."""
    old = f"{before.get('firstName') or ''} {before.get('lastName') or ''}".strip()
    if (before.get("displayName") or "") != old or body.get("displayName", old) != old:
        return
    first = body.get("firstName", before.get("firstName")) or ""
    last = body.get("lastName", before.get("lastName")) or ""
    body["displayName"] = f"{first} {last}".strip()


def handle_patch(site: MockSite, call: Call) -> tuple[int, Any]:
    store = site.store(call.route.store or "")
    key, rec = _lookup(site, store, call, call.route.params[-1])
    ops = call.body if isinstance(call.body, list) else []
    if not ops:
        raise ApiError(400, "A PATCH body needs at least one operation.")

    rules: Sequence[PatchRule] | None = call.route.patch_rules
    if rules is None:
        rules = call.route.patch_rules = patch_rules(call.route.spec)
    if store.entity == "Issue":
        try:
            rec = patch_issue(site, key, ops, rules, call.actor)
        except PatchError as exc:
            raise ApiError(400, str(exc)) from None
    else:
        rec = _generic_patch(site, store, key, ops, call.actor)
    return call.route.response_status, {
        "values": site.output(call.route.values_schema or store.entity, rec)
    }


def _generic_patch(
    site: MockSite, store: Store, key: Any, ops: list[Mapping[str, Any]], actor: Actor
) -> dict[str, Any]:
    """PATCH without a published path table: ``/Field`` names a writable property of the record."""
    props = site.index.properties(store.entity)
    lower = {p.lower(): p for p in props if not props[p].get("readOnly") and p not in ("iid", "id")}
    changes: dict[str, Any] = {}
    for number, op in enumerate(ops):
        path = str(op.get("path", "")).strip("/")
        field = lower.get(path.lower())
        if field is None or "/" in path:
            raise ApiError(400, f"Operation {number}: '/{path}' is not a patchable path.")
        value = op.get("value")
        if op.get("op") == "Remove":
            if not props[field].get("nullable"):
                raise ApiError(
                    400, f"Operation {number}: '/{path}' is required and cannot be removed."
                )
            value = None
        errors = list(site.index.errors(f"{store.entity}.{field}", value, props[field]))
        if errors:
            raise ApiError(
                400, f"Operation {number}: invalid value for '/{path}': {errors[0].message}."
            )
        if field.endswith("Iid") and value is not None:
            try:
                site.check_reference(field, value)
            except MissingReference as exc:
                raise ApiError(400, f"Operation {number}: {exc}") from None
        changes[field] = value
    return site.update_record(store, key, changes, actor.user_iid)


# -- memberships --------------------------------------------------------------------------------------


def handle_membership(site: MockSite, call: Call) -> tuple[int, Any]:
    parts = [p.lower() for p in call.route.path.split("/") if p]
    owner_store = site.find_store(singular(parts[0]))
    if owner_store is None:
        raise ApiError(404, "Unknown owner.", "NotFound")
    owner_key, owner = _lookup(site, owner_store, call, call.route.params[0])
    target = parts[-1]
    if target == "groups":
        return _group_memberships(site, call, owner_key)
    return _org_memberships(site, call, parts[0], owner_key, owner)


def _group_memberships(site: MockSite, call: Call, user_iid: int) -> tuple[int, Any]:
    groups = site.find_store("group")
    current = site.group_members.setdefault(user_iid, set())
    if call.route.method == "GET":
        # the document declares PageNumber/PageSize here: ASP.NET binds (and refuses) them
        _paging(site, call, _query_paging(site, call))
        return 200, {"values": [{"groupIid": g} for g in sorted(current)]}
    items = call.body or []
    wanted = [item["groupIid"] for item in items]
    for g in wanted:
        if groups is None or g not in groups.records:
            raise ApiError(400, f"Group with IID {g} does not exist.")
    if call.route.method == "POST":
        current.update(wanted)
        return call.route.response_status, {}
    missing = [g for g in wanted if g not in current]
    if missing:
        raise ApiError(
            400, f"The user is not a member of the groups {', '.join(map(str, missing))}."
        )
    current.difference_update(wanted)
    return call.route.response_status, {}


def _org_memberships(
    site: MockSite, call: Call, owner_kind: str, owner_key: int, owner: Mapping[str, Any]
) -> tuple[int, Any]:
    orgs = site.find_store("organization")
    primary = owner.get("primaryOrganizationIid")
    members = site.org_members.setdefault((owner_kind, owner_key), {})
    if primary is not None and primary not in members:
        members[primary] = {
            "organizationIid": primary,
            "allowIssueEditingWithEditPermissions": False,
            "canViewUsers": False,
        }
    if call.route.method == "GET":
        records = [
            {**flags, "organizationIid": org, "isPrimary": org == primary}
            for org, flags in sorted(members.items())
        ]
        paging = _query_paging(site, call)
        number, size = _paging(site, call, paging)
        page = records[(number - 1) * size : number * size]
        return 200, {
            "values": page,
            "pagingInformation": _paging_information(number, size, len(records)),
        }
    items = list(call.body or [])
    for item in items:
        org = item["organizationIid"]
        if orgs is None or org not in orgs.records:
            raise ApiError(400, f"Organization with IID {org} does not exist.")
        if org == primary:
            raise ApiError(
                400,
                f"Organization {org} is the primary organization; its membership cannot be changed here.",
            )
    method = call.route.method
    if method in ("PUT", "DELETE"):
        missing = [i["organizationIid"] for i in items if i["organizationIid"] not in members]
        if missing:
            raise ApiError(
                400,
                f"There are no memberships for the organizations {', '.join(map(str, missing))}.",
            )
    for item in items:
        org = item["organizationIid"]
        if method == "DELETE":
            members.pop(org, None)
        else:
            flags = members.get(
                org,
                {
                    "organizationIid": org,
                    "allowIssueEditingWithEditPermissions": False,
                    "canViewUsers": False,
                },
            )
            for key in ("allowIssueEditingWithEditPermissions", "canViewUsers"):
                if key in item:
                    flags[key] = bool(item[key])
            members[org] = flags
    return call.route.response_status, {}


# -- named operations -----------------------------------------------------------------------------------


def _upload(site: MockSite, call: Call) -> tuple[int, Any]:
    issues = site.find_store("issue")
    attachments = site.store(call.route.store or "")
    if issues is None:
        raise ApiError(404, "No issues.", "NotFound")
    issue_key, _ = _lookup(site, issues, call, call.route.params[0])
    if not call.content_type.lower().startswith("multipart/form-data"):
        raise ApiError(
            415,
            f"The request content type ({call.content_type or 'none'}) is not multipart/form-data.",
        )
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + call.content_type.encode("latin-1") + b"\r\n\r\n" + call.raw
    )
    files: list[tuple[str, bytes]] = []
    is_private = False
    for part in message.iter_parts() if message.is_multipart() else []:
        name = _header_text(part.get_param("name", header="content-disposition"))
        payload = part.get_payload(decode=True) or b""
        if not isinstance(payload, bytes):
            payload = b""
        if name.lower() == "file":
            files.append((_header_text(part.get_filename()) or "upload.bin", payload))
        elif name.lower() == "isprivate":
            text = payload.decode("utf-8", "replace").strip().lower()
            if text not in ("true", "false", ""):
                raise ApiError(
                    400, problems={"IsPrivate": [f"The value '{text}' is not valid for IsPrivate."]}
                )
            is_private = text == "true"
    if not files:
        raise ApiError(400, "At least one file is required ('File').")
    out = []
    for original, content in files:
        rec = site.new_record(attachments, {}, call.actor.user_iid)
        rec.update(
            {
                "issueId": issue_key,
                "originalFileName": original,
                "fileName": f"{uuid.UUID(int=site.random.getrandbits(128))}{original[original.rfind('.') :] if '.' in original else ''}",
                "fileSize": len(content),
                "isPrivate": is_private,
                "fileHash": hashlib.sha256(content).hexdigest(),
                "fileHashVersion": 1,
            }
        )
        attachments.meta[rec["iid"]]["parent"] = (issues.key, issue_key)
        attachments.meta[rec["iid"]]["content"] = content
        out.append(site.output(attachments.entity, rec))
    return call.route.response_status, {"values": out}


def _header_text(value: Any) -> str:
    """A multipart header value as text: the email parser keeps bytes it cannot decode as lone
    surrogates, which no JSON answer could carry; a UTF-8 file name is read as UTF-8."""
    if isinstance(value, tuple):  # RFC 2231 (charset, language, text)
        value = value[2]
    text = "" if value is None else str(value)
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _close_duplicates(site: MockSite, call: Call) -> tuple[int, Any]:
    body = call.body or {}
    try:
        close_duplicates(
            site, body["parentIssueNumber"], list(body["duplicateIssueNumbers"]), call.actor
        )
    except MissingReference as exc:
        raise ApiError(400, str(exc)) from None
    return 200, {
        "information": [
            {
                "type": "Information",
                "message": f"Closed {len(body['duplicateIssueNumbers'])} duplicate issue(s).",
            }
        ]
    }


def _issue_form(site: MockSite, call: Call) -> tuple[int, Any]:
    types = site.find_store("issuetype")
    if types is None:
        raise ApiError(404, "No issue types.", "NotFound")
    key, rec = _lookup(site, types, call, call.route.params[0])
    entity = call.route.entity or "IssueFormConfiguration"
    value = site.index.default_for(site.index.schemas.get(entity, {}), site.now())
    value.update({"issueTypeIid": key, "issueTypeName": rec.get("name")})
    return 200, {"values": value}


def _udf_search(site: MockSite, call: Call) -> tuple[int, Any]:
    definitions = site.singletons.get(call.route.entity or "", {})
    body = call.body if isinstance(call.body, Mapping) else {}
    filter_schema = call.route.request_schema or ""
    out: dict[str, Any] = {}
    for kind, items in definitions.items():
        item_name = (
            ref_name(
                site.index.resolve(
                    site.index.properties(call.route.entity or "").get(kind, {})
                ).get("items", {})
            )
            or ""
        )
        props = dict(site.index.properties(item_name))
        props["type"] = {}
        typed = [{**i, "type": kind.removesuffix("Fields")} for i in items]
        try:
            pred = compile_filter(site.index, filter_schema, body, props, today=site.now().date())
        except FilterError as exc:
            raise ApiError(400, str(exc)) from None
        chosen = [i for i, t in zip(items, typed, strict=True) if pred(t)]
        out[kind] = _sorted(
            site, item_name, chosen, body.get("sortField"), body.get("sortDirection")
        )
    return 200, {"values": out}


NAMED: dict[str, Callable[[MockSite, Call], tuple[int, Any]]] = {
    "UploadIssueAttachment": _upload,
    "CloseDuplicateIssues": _close_duplicates,
    "GetIssueFormConfiguration": _issue_form,
    "SearchIssueUdfs": _udf_search,
}


def handle_other(site: MockSite, call: Call) -> tuple[int, Any]:
    """Operations outside the conventions: a named handler, else a value built from the schema."""
    named = NAMED.get(call.route.operation_id)
    if named is not None:
        return named(site, call)
    schema = call.route.response_schema
    if schema is None:
        return call.route.response_status, None
    props = site.index.properties(schema)
    out: dict[str, Any] = {}
    if "values" in props:
        name = ref_name(props["values"])
        if name is not None:
            value = site.singletons.get(name)
            out["values"] = (
                value
                if value is not None
                else site.index.default_for(site.index.schemas.get(name, {}), site.now())
            )
        else:
            out["values"] = []
    if "information" in props:
        out["information"] = []
    return call.route.response_status, out


HANDLERS: dict[str, Callable[[MockSite, Call], tuple[int, Any]]] = {
    "list": handle_list,
    "search": handle_search,
    "get": handle_get,
    "create": handle_create,
    "update": handle_update,
    "patch": handle_patch,
    "membership": handle_membership,
    "other": handle_other,
}


def dispatch(site: MockSite, call: Call) -> tuple[int, Any]:
    """Run the handler for the call's route; named handlers win over the conventions."""
    handler = NAMED.get(call.route.operation_id) or HANDLERS[call.route.kind]
    if call.route.method == "GET" or call.route.kind == "search":
        return handler(site, call)
    try:
        return handler(site, call)
    finally:
        # a write may have changed records in place: the route's own store's indexes go stale
        # (the stores a handler writes through new_record/update_record are marked there)
        if call.route.store is not None:
            site.store(call.route.store).touch()
