"""OpenAPI links for the stateful phase, derived from the document's conventions.

schemathesis's stateful phase chains operations along OpenAPI links (which response field feeds
which next request). Issuetrak's document declares none, and writing them by hand for every
operation of every pinned version breaks the day one operation goes away. So they are derived, by
the same conventions that tell the mock which operations serve which records
(:mod:`.entities`):

* every operation whose success answer is one record with an ``iid`` (a create, a get, an update,
  a patch) links to every operation that takes that record's ``iid`` in its path - its get,
  update, patch, delete, and operations below it (``/Issues/{issueIid}/Tasks/Create``,
  ``/Users/{iid}/Memberships/Groups``);
* and to its collection's search, with ``{"iid": {"type": "MatchAny", "values": [iid]}}`` when
  the filter has an ``iid`` criterion.

So a new entity in a newer document gets its create -> get -> update -> search (-> delete) chain
with no hand-written entry. What the conventions get wrong for a label goes in a small file of
exceptions, ``contract_tests/links/<label>.json``::

    {"drop": [{"from": "CreateUser", "to": "UpdateUser", "reason": "..."}],
     "add":  [{"from": "GetIssue", "to": "SearchForIssues", "requestBody": {...}, "reason": "..."}]}

An exception naming an operation the document does not have is reported and skipped, never fatal:
documents change under pins, and a run must still check what is there.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from issuetrak_tools._contract.entities import Conventions, OperationRef
from issuetrak_tools.spec import HTTP_METHODS, SpecError

__all__ = ["LinkReport", "add_links", "derive_links", "read_exceptions"]

IID = "$response.body#/values/iid"
PRODUCERS = ("create", "get", "update", "patch")


@dataclass(frozen=True)
class Link:
    source: str  # operationId whose answer feeds the link
    status: str  # the answer's status code
    target: str  # operationId the link leads to
    parameters: Mapping[str, Any] | None = None
    request_body: Any = None
    description: str = ""

    def as_openapi(self) -> dict[str, Any]:
        link: dict[str, Any] = {"operationId": self.target}
        if self.parameters:
            link["parameters"] = dict(self.parameters)
        if self.request_body is not None:
            link["requestBody"] = self.request_body
        if self.description:
            link["description"] = self.description
        return link


@dataclass
class LinkReport:
    """What was linked, and every exception that could not be applied (never fatal)."""

    derived: int = 0
    added: int = 0
    dropped: int = 0
    notes: list[str] = field(default_factory=list)
    chains: dict[str, list[str]] = field(default_factory=dict)  # source -> targets


def _iid_criterion(conventions: Conventions, search: OperationRef) -> bool:
    if not search.request_schema:
        return False
    prop = conventions.index.properties(search.request_schema).get("iid")
    if not isinstance(prop, Mapping):
        return False
    ref = str(prop.get("$ref", ""))
    return ref.endswith("/IntCriteria")


def derive_links(document: Mapping[str, Any]) -> list[Link]:
    """The links the conventions give for ``document`` (see the module docstring)."""
    conventions = Conventions(document)
    by_owner: dict[str, list[OperationRef]] = {}
    for ref in conventions.operations.values():
        if len(ref.params) != 1 or not ref.operation_id:
            continue
        owner = conventions.owner(ref.path, ref.params[0])
        if owner is not None:
            by_owner.setdefault(owner.store, []).append(ref)
    links: list[Link] = []
    for ref in conventions.operations.values():
        if ref.kind not in PRODUCERS or not ref.operation_id or not ref.store:
            continue
        if not conventions.returns_record_with_iid(ref):
            continue
        collection = conventions.collections.get(ref.store)
        if collection is None:
            continue
        status = str(ref.success_status)
        why = f"the iid of the {collection.entity} that {ref.operation_id} returned"
        for target in sorted(by_owner.get(ref.store, []), key=lambda r: r.label):
            if target.label == ref.label:
                continue
            links.append(
                Link(
                    ref.operation_id,
                    status,
                    target.operation_id,
                    {target.params[0]: IID},
                    None,
                    why,
                )
            )
        search = collection.operations.get("search")
        if (
            search is not None
            and search.operation_id
            and not search.params
            and _iid_criterion(conventions, search)
        ):
            body = {"iid": {"type": "MatchAny", "values": [IID]}}
            links.append(
                Link(
                    ref.operation_id,
                    status,
                    search.operation_id,
                    None,
                    body,
                    why + ", searched by iid",
                )
            )
    return links


def read_exceptions(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Read a label's link exceptions; every entry needs ``from``, ``to`` and a ``reason``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SpecError(f"{path}: cannot read link exceptions ({exc})") from exc
    if not isinstance(data, dict) or set(data) - {"add", "drop"}:
        raise SpecError(f'{path}: must be {{"add": [...], "drop": [...]}}')
    result: dict[str, list[dict[str, Any]]] = {"add": [], "drop": []}
    for kind in ("add", "drop"):
        entries = data.get(kind, [])
        if not isinstance(entries, list):
            raise SpecError(f"{path}: {kind!r} must be a list")
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict) or not entry.get("from") or not entry.get("to"):
                raise SpecError(f"{path}: {kind} #{index} needs 'from' and 'to' (operationIds)")
            if not str(entry.get("reason", "")).strip():
                raise SpecError(
                    f"{path}: {kind} #{index} ({entry['from']} -> {entry['to']}) has no 'reason'"
                )
            result[kind].append(entry)
    return result


def _operations_by_id(document: Mapping[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    found: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method in HTTP_METHODS and isinstance(operation, dict):
                operation_id = operation.get("operationId")
                if operation_id:
                    found[str(operation_id)] = (path, method, operation)
    return found


def _success_status(operation: Mapping[str, Any]) -> str | None:
    for code in sorted(operation.get("responses", {})):
        if str(code).startswith("2"):
            return str(code)
    return None


def add_links(
    document: Mapping[str, Any], exceptions: Path | None = None
) -> tuple[dict[str, Any], LinkReport]:
    """A copy of ``document`` with the derived links, corrected by ``exceptions`` (if it exists)."""
    result = copy.deepcopy(dict(document))
    report = LinkReport()
    links = derive_links(result)
    report.derived = len(links)
    operations = _operations_by_id(result)
    rules = read_exceptions(exceptions) if exceptions is not None and exceptions.is_file() else {}
    source_name = exceptions.name if exceptions is not None else "links"

    def skipped(rule: str, entry: Mapping[str, Any]) -> bool:
        """Whether ``entry`` names an operation this document lacks (noted in the report)."""
        missing = [op for op in (entry["from"], entry["to"]) if op not in operations]
        if missing:
            report.notes.append(
                f"{source_name}: {rule} {entry['from']} -> {entry['to']} skipped: "
                f"{', '.join(missing)} not in this document"
            )
        return bool(missing)

    drops = {(e["from"], e["to"]) for e in rules.get("drop", []) if not skipped("drop", e)}
    kept = [link for link in links if (link.source, link.target) not in drops]
    report.dropped = len(links) - len(kept)
    for entry in rules.get("add", []):
        if skipped("add", entry):
            continue
        status = str(entry.get("status") or _success_status(operations[entry["from"]][2]) or "")
        if not status:
            report.notes.append(
                f"{source_name}: add {entry['from']} -> {entry['to']} skipped: "
                f"{entry['from']} has no success response"
            )
            continue
        kept.append(
            Link(
                entry["from"],
                status,
                entry["to"],
                entry.get("parameters"),
                entry.get("requestBody"),
                str(entry["reason"]),
            )
        )
        report.added += 1
    for link in kept:
        path, method, operation = operations[link.source]
        response = operation.get("responses", {}).get(link.status)
        if not isinstance(response, dict):
            report.notes.append(
                f"link {link.source} -> {link.target} skipped: {method.upper()} {path} declares no {link.status} response"
            )
            continue
        declared = response.setdefault("links", {})
        declared.setdefault(link.target, link.as_openapi())
        report.chains.setdefault(link.source, []).append(link.target)
    return result, report
