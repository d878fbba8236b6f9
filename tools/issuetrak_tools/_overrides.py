"""Carrying a label's overrides to another document, one operation at a time.

When a new Issuetrak release is pinned, the corrections of the current pin
(``spec/<label>/overrides.json``) are re-applied to the new document one by one, in order, each
on the result of the ones before it. Each operation ends up as one :class:`Carried` entry:

``kept``        applies, and its target is what it was in the old document: carried over as is.
``changed``     applies, but the vendor changed the place it corrects (or an ``add`` would now
                replace something the new document has): it needs a decision, so it is held
                back (listed with the others not carried) unless ``carry_changed`` asks to carry
                it; either way it is listed.
``redundant``   the new document already says what the operation would make it say (the vendor
                fixed it): not carried; listed, so nothing disappears unseen.
``vanished``    its target (or its parent) is gone from the new document: not carried; listed
                with a proposed rewrite when the operation it belongs to moved to another path.
``failed``      it no longer applies for another reason (a ``test`` that fails ...): not carried.

Nothing is silently lost: whatever is not carried is written beside the new pin with its reason
and what to do (:func:`render_unapplied`), and printed one line each (:meth:`Carried.line`).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jsonpatch
from issuetrak.conventions import pointer, value_at
from issuetrak.conventions import split_pointer as split
from issuetrak_tools.spec import HTTP_METHODS

__all__ = [
    "CARRIED",
    "NOT_CARRIED",
    "Carried",
    "CarryReport",
    "carry_overrides",
    "render_patch",
    "render_unapplied",
]

CARRIED = ("kept", "changed")  # "changed" only when asked (carry_changed)
NOT_CARRIED = ("redundant", "vanished", "failed")
STATUSES = ("kept", "changed", "redundant", "vanished", "failed")
_MISSING: Any = object()


@dataclass(frozen=True)
class Carried:
    """What became of one override operation on the new document."""

    index: int  # position in the overrides it came from
    operation: dict[str, Any]  # as written, reason included
    status: str  # kept | changed | redundant | vanished | failed
    why: str = ""
    advice: str = ""  # keep | drop | rewrite, with what to check
    proposed: dict[str, Any] | None = None  # a rewrite that applies to the new document
    carried: bool = False  # in the new label's overrides file

    def line(self) -> str:
        """One line: which operation, what happened, why, what to do."""
        op = self.operation
        return (
            f"override #{self.index} {op.get('op')} {op.get('path')} {self.status}: {self.why}; "
            f"{self.advice} (its reason: {op.get('reason', '')})"
        )

    def to_json(self) -> dict[str, Any]:
        entry = {
            "status": self.status,
            "why": self.why,
            "advice": self.advice,
            "index": self.index,
            "operation": self.operation,
        }
        if self.proposed is not None:
            entry["proposed"] = self.proposed
        return entry


def _changed(index: int, op: dict[str, Any], why: str, carry: bool) -> Carried:
    """A ``changed`` entry: carried when asked, else held back for a decision."""
    if carry:
        advice = "carried as asked (--carry-changed); rewrite or drop it if the correction no longer holds"
    else:
        advice = (
            "needs a decision, not carried: keep it (move it into overrides.json, or pin again with "
            "--carry-changed) if the correction still holds; rewrite or drop it if not"
        )
    return Carried(index, op, "changed", why, advice, carried=carry)


@dataclass
class CarryReport:
    """Every operation of the carried overrides, in order, with what became of it."""

    source: str
    items: list[Carried] = field(default_factory=list)

    @property
    def kept(self) -> list[dict[str, Any]]:
        """The operations the new label's overrides file gets."""
        return [item.operation for item in self.items if item.carried]

    @property
    def unapplied(self) -> list[Carried]:
        return [item for item in self.items if not item.carried]

    @property
    def to_review(self) -> list[Carried]:
        """Everything but a plain ``kept``: what a person should look at."""
        return [item for item in self.items if item.status != "kept"]

    def summary(self) -> str:
        counts = {s: sum(i.status == s for i in self.items) for s in STATUSES}
        held = sum(i.status == "changed" and not i.carried for i in self.items)
        shown = ", ".join(
            f"{n} {s}" + (" (needing a decision, not carried)" if s == "changed" and held else "")
            for s, n in counts.items()
            if n
        )
        return f"{len(self.items)} override(s) from {self.source}: {shown or 'none'}"


def _value_at(document: Any, pointer: str) -> Any:
    return value_at(document, pointer, _MISSING)


def _parent(pointer: str) -> str:
    return pointer.rsplit("/", 1)[0]


def _operation_ids(document: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """operationId -> (path, method) of ``document``."""
    found: dict[str, tuple[str, str]] = {}
    for path, item in (document.get("paths") or {}).items():
        if isinstance(item, Mapping):
            for method, op in item.items():
                if method in HTTP_METHODS and isinstance(op, Mapping) and op.get("operationId"):
                    found[str(op["operationId"])] = (path, method)
    return found


def _moved(
    body: Mapping[str, Any], old: Mapping[str, Any] | None, new: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The operation rewritten for an operation that moved to another path (same operationId)."""
    parts = split(str(body.get("path", "")))
    if old is None or len(parts) < 3 or parts[0] != "paths":
        return None
    operation = _value_at(old, pointer(*parts[:3]))
    if not isinstance(operation, Mapping) or not operation.get("operationId"):
        return None
    target = _operation_ids(new).get(str(operation["operationId"]))
    if target is None or target == (parts[1], parts[2]):
        return None
    path = pointer("paths", target[0], target[1], *parts[3:])
    return {**body, "path": path}


def _applies(
    document: Any, body: Mapping[str, Any], *, in_place: bool = True
) -> tuple[Any, str | None]:
    """(patched document, None) or (document unchanged, why the operation does not apply).

    In place by default: a document is large and an override file has a hundred operations. A
    single add, remove, replace, test or copy that fails leaves the document as it was; a move
    (a remove, then an add) is tried on a copy.
    """
    operation = copy.deepcopy(dict(body))  # what an add inserts must not be the file's own object
    if operation.get("op") == "move" or not in_place:
        document = copy.deepcopy(document)
    try:
        return jsonpatch.apply_patch(document, [operation], in_place=True), None
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
        return document, str(exc).split(" in {", 1)[0].split(" in [", 1)[0][:160]


def _short(value: Any) -> str:
    if value is _MISSING:
        return "nothing"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def _judge(
    index: int,
    op: dict[str, Any],
    old_doc: Any,
    new_doc: Any,
    old_raw: Mapping[str, Any] | None,
    carry_changed: bool = False,
) -> tuple[Carried, Any]:
    """What becomes of ``op`` on ``new_doc`` (the new document patched by the ops before it)."""
    body = {k: v for k, v in op.items() if k != "reason"}
    kind, path = str(body.get("op")), str(body.get("path", ""))
    before_new = _value_at(new_doc, path)
    before_old = _value_at(old_doc, path) if old_raw is not None else _MISSING
    # an operation held back for a decision must leave the document as it was: try it on a copy
    held = not carry_changed and _may_change(kind, new_doc, path, before_new, before_old, old_raw)
    patched, error = _applies(new_doc, body, in_place=not held)
    if error is not None:
        moved = _moved(body, old_raw, new_doc)
        if moved is not None and _applies(new_doc, moved, in_place=False)[1] is None:
            moved["reason"] = op.get("reason", "")
            return Carried(
                index,
                op,
                "vanished",
                f"{path} is gone; the operation it belongs to is now at {moved['path']}",
                "rewrite: use the proposed operation (same correction, new path) if it still holds",
                moved,
            ), new_doc
        source = body.get("from") if kind in ("move", "copy") else None
        gone = (source is not None and _value_at(new_doc, str(source)) is _MISSING) or _value_at(
            new_doc, _parent(path)
        ) is _MISSING
        if kind == "remove" and before_new is _MISSING:
            gone = True
        if gone:
            return Carried(
                index,
                op,
                "vanished",
                f"its target is not in the new document ({error})",
                "drop it if what it corrected is gone from this release; rewrite it if it moved",
            ), new_doc
        return Carried(
            index, op, "failed", error, "rewrite it for the new document, or drop it"
        ), new_doc
    already = before_new is not _MISSING and before_new == body.get("value")
    if kind in ("add", "replace") and already and before_old != before_new:
        return Carried(
            index,
            op,
            "redundant",
            "the new document already has this value there",
            "drop: nothing to correct any more",
        ), new_doc if held else patched
    if _replaces(kind, new_doc, path, before_new):
        why = f"the new document already has {path}; this add replaces {_short(before_new)}"
        return _changed(index, op, why, carry_changed), patched if carry_changed else new_doc
    if _vendor_changed(kind, before_new, before_old, old_raw):
        why = (
            f"the new document has {_short(before_new)} there, the old one had {_short(before_old)}"
        )
        return _changed(index, op, why, carry_changed), patched if carry_changed else new_doc
    return Carried(index, op, "kept", carried=True), patched


def _replaces(kind: str, new_doc: Any, path: str, before_new: Any) -> bool:
    """An ``add`` onto a member the new document already has (into a list, an add inserts)."""
    return (
        kind == "add"
        and before_new is not _MISSING
        and isinstance(_value_at(new_doc, _parent(path)), Mapping)
    )


def _vendor_changed(
    kind: str, before_new: Any, before_old: Any, old_raw: Mapping[str, Any] | None
) -> bool:
    """The vendor changed the place the operation corrects (known only with the old document)."""
    return old_raw is not None and kind in ("add", "replace", "remove") and before_old != before_new


def _may_change(
    kind: str,
    new_doc: Any,
    path: str,
    before_new: Any,
    before_old: Any,
    old_raw: Mapping[str, Any] | None,
) -> bool:
    """Whether the operation would be judged ``changed`` if it applies (decided before applying)."""
    return _replaces(kind, new_doc, path, before_new) or _vendor_changed(
        kind, before_new, before_old, old_raw
    )


def carry_overrides(
    operations: Sequence[Mapping[str, Any]],
    document: Mapping[str, Any],
    old_document: Mapping[str, Any] | None = None,
    *,
    source: str = "overrides",
    carry_changed: bool = False,
) -> CarryReport:
    """Re-apply ``operations`` to ``document`` one by one; what applies is kept, the rest listed.

    ``old_document`` is the raw document the operations were written for; with it, an operation
    whose target the vendor changed is told apart from one that applies as before. A ``changed``
    operation needs a person's decision: it is carried only with ``carry_changed``, and the
    operations after it are judged on the document without it.
    """
    report = CarryReport(source)
    new_doc: Any = copy.deepcopy(dict(document))
    old_doc: Any = copy.deepcopy(dict(old_document)) if old_document is not None else None
    for index, op in enumerate(operations):
        item, new_doc = _judge(index, dict(op), old_doc, new_doc, old_document, carry_changed)
        report.items.append(item)
        if old_doc is not None:
            body = {k: v for k, v in op.items() if k != "reason"}
            old_doc = _applies(old_doc, body)[0]
    return report


def render_patch(operations: Iterable[Mapping[str, Any]]) -> str:
    """A JSON Patch file in the project's layout: one operation per line."""
    lines = [json.dumps(dict(op), ensure_ascii=False) for op in operations]
    if not lines:
        return "[]\n"
    return "[\n  " + ",\n  ".join(lines) + "\n]\n"


def render_unapplied(report: CarryReport) -> str:
    """The operations not carried over, each with status, why and what to do (JSON)."""
    entries = [item.to_json() for item in report.unapplied]
    body = ",\n  ".join(json.dumps(e, ensure_ascii=False) for e in entries)
    return (
        "{\n"
        f'  "about": {json.dumps(f"operations of {report.source} that were not carried over to this document; each says why and what to do. Move the ones you still need (rewritten) into overrides.json, then delete this file.")},\n'
        f'  "operations": [\n  {body}\n  ]\n'
        "}\n"
    )
