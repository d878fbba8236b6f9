"""Issues: creation with UDFs and notes, the documented PATCH paths, histories, duplicates.

The allowed PATCH paths, their operations, value types and whether they may be cleared are read
from the table the document publishes in the PATCH operation's request body description.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from issuetrak.conventions import PatchRule, parse_patch_table, patch_table_text

from .schemas import format_datetime, parse_datetime, ref_name
from .site import Actor, MissingReference, MockSite, Store

__all__ = [
    "PatchError",
    "PatchRule",
    "add_note",
    "close_duplicates",
    "create_issue",
    "patch_issue",
    "patch_rules",
]

_UDF_KIND_TO_KEY = {"multiselect": "multiSelectList"}


class PatchError(ValueError):
    """A PATCH instruction the site refuses (answered as a Validation message)."""


def patch_rules(route_spec: Mapping[str, Any]) -> tuple[PatchRule, ...]:
    """The allowed-paths table of a PATCH operation (empty if it publishes none)."""
    return parse_patch_table(patch_table_text(route_spec))


def issue_store(site: MockSite) -> Store:
    store = site.find_store("issue")
    if store is None:
        raise RuntimeError("the document has no Issue entity")
    return store


def udf_definitions(site: MockSite) -> dict[str, Any]:
    defs = site.singletons.get("IssueUdfDefinitions")
    return defs if isinstance(defs, dict) else {}


def _udf_definition(site: MockSite, kind_key: str, udf_id: Any) -> dict[str, Any] | None:
    defs = udf_definitions(site)
    short = {"multiselectlist": "multiselect"}.get(kind_key.lower(), kind_key.lower())
    for key, items in defs.items():
        if key.lower().removesuffix("fields") == short:
            for item in items:
                if item.get("iid") == udf_id:
                    return dict(item)
    return None


def _ref_list(
    site: MockSite, kind_key: str, ids: list[Any], definition: Mapping[str, Any]
) -> list[dict[str, Any]]:
    out = []
    for value in ids:
        if kind_key == "associatedIssue":
            ref = site.reference(issue_store(site).key, value, "ReferencedEntityIntId")
            if ref is None:
                raise MissingReference(
                    f"Issue with IID {value} does not exist (associated issue UDF {definition.get('iid')})."
                )
            out.append(ref)
        else:
            option = next((o for o in definition.get("options", []) if o.get("iid") == value), None)
            if option is None:
                raise MissingReference(
                    f"UDF {definition.get('iid')} has no option with IID {value}."
                )
            out.append({"name": option.get("displayText"), "id": value, "iid": value})
    return out


def udf_value(site: MockSite, kind_key: str, definition: Mapping[str, Any], raw: Any) -> Any:
    """A create/PATCH value turned into the read shape of ``IssueUdfs.<kind_key>[].value``."""
    if kind_key in ("multiSelectList", "associatedIssue"):
        return _ref_list(site, kind_key, list(raw or []), definition)
    if kind_key == "list":
        if raw is None:
            return {"name": None, "id": 0, "iid": None}
        return _ref_list(site, "list", [raw], definition)[0]
    if kind_key == "date" and isinstance(raw, str) and raw:
        return raw.split("T")[0]
    return raw


def _udf_entry(site: MockSite, kind_key: str, udf_id: int, raw: Any) -> dict[str, Any]:
    definition = _udf_definition(site, kind_key, udf_id)
    if definition is None:
        raise MissingReference(f"There is no {kind_key} user defined field with IID {udf_id}.")
    return {
        "udfId": udf_id,
        "udfIid": udf_id,
        "name": definition.get("name"),
        "value": udf_value(site, kind_key, definition, raw),
    }


def _actor_ref(site: MockSite, actor_iid: int | None) -> dict[str, Any]:
    user_key = site.users().key
    return site.reference(user_key, actor_iid, "ReferencedEntityStringId") or {
        "name": None,
        "id": None,
        "iid": None,
    }


def _empty_ref(site: MockSite, schema: Mapping[str, Any]) -> Any:
    name = ref_name(schema)
    if name:
        return site.template(name)
    return site.index.default_for(schema, site.now(), depth=1)


def create_issue(
    site: MockSite, payload: Mapping[str, Any], actor: Actor | None, *, history: bool = True
) -> dict[str, Any]:
    """Create an issue as ``POST /Issues/Create`` does; references are checked first."""
    store = issue_store(site)
    actor_iid = actor.user_iid if actor else None
    for key, value in payload.items():
        if key.endswith("Iid") and not isinstance(value, bool) and isinstance(value, int):
            site.check_reference(key, value)
    for value in payload.get("assetIids") or []:
        if not isinstance(value, int):
            raise MissingReference("'assetIids' must be a list of IIDs.")
    record = site.new_record(store, payload, actor_iid)
    iid = record["iid"]
    props = site.index.properties(store.entity)
    record["issueNumber"] = iid
    record["isOpen"] = True
    record["submissionMethod"] = (
        payload.get("submissionMethod", "API") if "submissionMethod" in props else None
    )
    now = site.now_text()
    record["enteredDate"] = now
    record["lastActivityDate"] = now
    record["enteredByUser"] = _actor_ref(site, actor_iid)
    record["lastActivityByUser"] = _actor_ref(site, actor_iid)
    if not payload.get("submittedByIid"):
        record["submittedByUser"] = _actor_ref(site, actor_iid)
    if not payload.get("submittedDate"):
        record["submittedDate"] = now
    if payload.get("assignedToIid"):
        record["assignedDate"] = now
    for defaulted, stem in (
        ("priority", "priority"),
        ("organization", "organization"),
        ("class", "class"),
    ):
        if defaulted in props and (record.get(defaulted) or {}).get("iid") is None:
            target = site.find_store(stem)
            if target and target.records:
                first = next(iter(target.records))
                record[defaulted] = site.reference(
                    target.key, first, ref_name(props[defaulted]) or "ReferencedEntityIntId"
                )
    udfs: dict[str, list[dict[str, Any]]] = {k: [] for k in site.index.properties("IssueUdfs")}
    for kind_key, items in (payload.get("udfs") or {}).items():
        for item in items or []:
            raw = item.get("values") if "values" in item else item.get("value")
            udfs.setdefault(kind_key, []).append(_udf_entry(site, kind_key, item.get("udfId"), raw))
    record["udfs"] = udfs
    store.meta[iid] = {"notes": []}
    if payload.get("note"):
        add_note(site, iid, str(payload["note"]), actor_iid, audit=history)
    if history and record.get("assignedToUser", {}).get("iid") is not None:
        _assignment(site, "issueassignmenthistory", iid, record["assignedToUser"], actor_iid)
    return record


def _history(site: MockSite, stem: str, payload: dict[str, Any], actor_iid: int | None) -> None:
    store = site.find_store(stem)
    if store is not None:
        site.new_record(store, payload, actor_iid)


def _user_id(site: MockSite, iid: Any) -> str:
    rec = site.users().records.get(iid) if iid is not None else None
    return str(rec.get("id")) if rec else ""


def _assignment(
    site: MockSite, stem: str, issue_iid: int, ref: Mapping[str, Any], actor_iid: int | None
) -> None:
    _history(
        site,
        stem,
        {
            "issueIid": issue_iid,
            "assignedToId": str(ref.get("id") or ""),
            "assignedDate": site.now_text(),
            "assignedById": _user_id(site, actor_iid),
            "autoAssignType": "",
        },
        actor_iid,
    )


def _audit(
    site: MockSite, issue_iid: int, kind: str, old: Any, new: Any, actor_iid: int | None
) -> None:
    def text(v: Any) -> str:
        if isinstance(v, Mapping):
            return str(v.get("name") or v.get("iid") or "")
        if isinstance(v, list):
            return ", ".join(text(x) for x in v)
        return "" if v is None else str(v)

    _history(
        site,
        "issueaudithistory",
        {
            "issueIid": issue_iid,
            "type": kind,
            "oldValue": text(old),
            "newValue": text(new),
            "modifiedByUser": _actor_ref(site, actor_iid),
            "modifiedDate": site.now_text(),
        },
        actor_iid,
    )


def add_note(
    site: MockSite, issue_iid: int, text: str, actor_iid: int | None, *, audit: bool = True
) -> None:
    """Append a note (kept on the issue and recorded in the audit history)."""
    store = issue_store(site)
    notes = store.meta.setdefault(issue_iid, {}).setdefault("notes", [])
    notes.append({"text": text, "userIid": actor_iid, "date": site.now_text()})
    if audit:
        _audit(site, issue_iid, "Note", "", text, actor_iid)


def _rule_for(rules: Sequence[PatchRule], path: str) -> tuple[PatchRule, str | None] | None:
    parts = path.strip("/").split("/")
    for rule in rules:
        rparts = rule.path.strip("/").split("/")
        if len(rparts) != len(parts):
            continue
        index = None
        for rp, p in zip(rparts, parts, strict=True):
            if rp == "{index}":
                index = p
            elif rp.lower() != p.lower():
                break
        else:
            return rule, index
    return None


def _check_value(rule: PatchRule, value: Any) -> Any:
    base = rule.value_type.rstrip("?")
    nullable = rule.value_type.endswith("?") or base == "string"
    if value is None or (base == "string" and value == ""):
        if not rule.allows_empty:
            raise PatchError(f"'{rule.path}' cannot be cleared.")
        return None if base != "string" else value
    if not nullable and value is None:
        raise PatchError(f"'{rule.path}' requires a value.")
    if base == "string":
        if not isinstance(value, str):
            raise PatchError(f"'{rule.path}' expects a string value.")
        return value
    if base == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise PatchError(f"'{rule.path}' expects an integer value.")
        return value
    if base == "double":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise PatchError(f"'{rule.path}' expects a number value.")
        return float(value)
    if base == "bool":
        if not isinstance(value, bool):
            raise PatchError(f"'{rule.path}' expects true or false.")
        return value
    if base in ("DateTime", "DateTimeOffset"):
        try:
            return format_datetime(parse_datetime(str(value)))
        except ValueError:
            raise PatchError(f"'{rule.path}' expects a date-time, got {value!r}.") from None
    return value


def patch_issue(
    site: MockSite, iid: int, ops: list[Mapping[str, Any]], rules: Sequence[PatchRule], actor: Actor
) -> dict[str, Any]:
    """Apply PATCH instructions all-or-nothing; returns the updated record."""
    store = issue_store(site)
    original = store.records[iid]
    record = {
        k: (list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v)
        for k, v in original.items()
    }
    udfs: dict[str, list[dict[str, Any]]] = {
        k: [dict(e) for e in v] for k, v in (original.get("udfs") or {}).items()
    }
    record["udfs"] = udfs
    props = site.index.properties(store.entity)
    lower_props = {p.lower(): p for p in props}
    notes: list[str] = []
    audits: list[tuple[str, Any, Any]] = []
    for number, op in enumerate(ops):
        path = str(op.get("path", ""))
        verb = str(op.get("op", ""))
        found = _rule_for(rules, path)
        if found is None:
            raise PatchError(f"Operation {number}: '{path}' is not a patchable path.")
        rule, index = found
        if verb not in rule.ops:
            raise PatchError(
                f"Operation {number}: '{verb}' is not allowed on '{rule.path}' (allowed: {', '.join(sorted(rule.ops))})."
            )
        value = _check_value(rule, op.get("value"))
        head = rule.path.strip("/").split("/")[0]
        if head == "Note":
            if not value:
                raise PatchError(f"Operation {number}: a note needs text.")
            notes.append(value)
            continue
        if head == "UserDefined":
            kind = rule.path.strip("/").split("/")[1]
            kind_key = _UDF_KIND_TO_KEY.get(kind.lower(), kind[0].lower() + kind[1:])
            try:
                udf_id = int(index or "")
            except ValueError:
                raise PatchError(f"Operation {number}: '{index}' is not a UDF IID.") from None
            definition = _udf_definition(site, kind_key, udf_id)
            if definition is None:
                raise PatchError(
                    f"Operation {number}: there is no {kind} user defined field with IID {udf_id}."
                )
            bucket = udfs.setdefault(kind_key, [])
            entry = next((e for e in bucket if e.get("udfIid") == udf_id), None)
            if entry is None:
                entry = {
                    "udfId": udf_id,
                    "udfIid": udf_id,
                    "name": definition.get("name"),
                    "value": [] if rule.allows_multiple else None,
                }
                bucket.append(entry)
            old = entry.get("value")
            if rule.allows_multiple:
                current = list(entry.get("value") or [])
                if verb == "Add":
                    if all(e.get("iid") != value for e in current):
                        current.extend(_ref_list(site, kind_key, [value], definition))
                else:
                    if all(e.get("iid") != value for e in current):
                        raise PatchError(f"Operation {number}: {value} is not in '{path}'.")
                    current = [e for e in current if e.get("iid") != value]
                entry["value"] = current
            else:
                try:
                    entry["value"] = udf_value(site, kind_key, definition, value)
                except MissingReference as exc:
                    raise PatchError(f"Operation {number}: {exc}") from None
            audits.append((f"{kind} UDF {udf_id}", old, entry["value"]))
            continue
        if head == "Asset":
            current = list(record.get("assets") or [])
            if verb == "Add":
                if all(e.get("iid") != value for e in current):
                    current.append({"name": None, "id": value, "iid": value})
            elif all(e.get("iid") != value for e in current):
                raise PatchError(f"Operation {number}: asset {value} is not on the issue.")
            else:
                current = [e for e in current if e.get("iid") != value]
            audits.append(("Asset", record.get("assets"), current))
            record["assets"] = current
            continue
        field = lower_props.get(head.lower()) or lower_props.get(head.lower() + "user")
        if field is None:
            raise PatchError(f"Operation {number}: '{path}' does not name a field of the issue.")
        schema = props[field]
        ref = ref_name(schema)
        old = record.get(field)
        if ref and ref.startswith("ReferencedEntity"):
            if value is None:
                record[field] = _empty_ref(site, schema)
            else:
                stem = head[:-4] if head.endswith("User") else head
                key = site.store_key_for_stem(stem) or site.store_key_for_stem(field)
                new = site.reference(key, value, ref) if key else None
                if new is None:
                    raise PatchError(
                        f"Operation {number}: '{path}' refers to IID {value}, which does not exist."
                    )
                record[field] = new
                if field == "assignedToUser":
                    record["assignedDate"] = site.now_text()
        else:
            resolved = site.index.resolve(schema)
            if resolved.get("format") == "date" and isinstance(value, str):
                value = value.split("T")[0]
            if (
                value is None
                and resolved.get("type") == "string"
                and not schema.get("nullable")
                and resolved.get("format") is None
            ):
                value = ""
            record[field] = value
        audits.append((head, old, record[field]))
    actor_iid = actor.user_iid
    now = site.now_text()
    record["lastActivityDate"] = now
    record["lastActivityByUser"] = _actor_ref(site, actor_iid)
    store.records[iid] = record
    store.touch()
    for kind, old, new in audits:
        _audit(site, iid, kind, old, new, actor_iid)
        if kind == "AssignedToUser" and isinstance(new, Mapping) and new.get("iid") is not None:
            _assignment(site, "issueassignmenthistory", iid, new, actor_iid)
        if kind == "NextActionUser" and isinstance(new, Mapping) and new.get("iid") is not None:
            _assignment(site, "issuenextactionhistory", iid, new, actor_iid)
        if kind == "Substatus" and isinstance(new, Mapping) and new.get("iid") is not None:
            _history(
                site,
                "issuesubstatushistory",
                {
                    "issueIid": iid,
                    "substatusIid": new["iid"],
                    "modifiedById": _user_id(site, actor_iid),
                    "modifiedDate": now,
                },
                actor_iid,
            )
    for text in notes:
        add_note(site, iid, text, actor_iid)
    return record


def close_duplicates(
    site: MockSite, parent_number: int, duplicates: list[int], actor: Actor
) -> None:
    """Close the duplicate issues (by issue number) in favour of the parent."""
    store = issue_store(site)
    by_number = {rec.get("issueNumber"): iid for iid, rec in store.records.items()}
    if parent_number not in by_number:
        raise MissingReference(f"There is no issue number {parent_number}.")
    missing = [n for n in duplicates if n not in by_number]
    if missing:
        raise MissingReference(
            f"There are no issues with the numbers {', '.join(map(str, missing))}."
        )
    if parent_number in duplicates:
        raise MissingReference("An issue cannot be a duplicate of itself.")
    parent_iid = by_number[parent_number]
    now = site.now_text()
    for number in duplicates:
        rec = store.records[by_number[number]]
        rec["isOpen"] = False
        rec["closedDate"] = now
        rec["closedByUser"] = _actor_ref(site, actor.user_iid)
        rec["parentIssue"] = site.reference(store.key, parent_iid, "ReferencedEntityIntId")
        rec["isChildIssue"] = True
        store.touch()
        add_note(
            site, rec["iid"], f"Closed as a duplicate of issue {parent_number}.", actor.user_iid
        )
