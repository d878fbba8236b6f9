"""A usage checked against a document: what breaks it, what changed compatibly, what it never touches.

Two sources, merged: the usage's items looked up in the target document (:mod:`.walk`: an
operation, parameter, field, operator or read property it lacks), and the wire changelog from the
document the usage was recorded against to the target (:func:`diff_wire`), each change judged by
whether it touches something the usage sends or reads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from issuetrak.conventions import escape
from issuetrak_tools._evolution.model import Change
from issuetrak_tools._evolution.wire import diff_wire

from .walk import Finding, Walk, walk_usage

__all__ = ["UsageReport", "change_pointer", "check_usage", "touches", "usage_marks"]

_OPERATION = re.compile(r"^([A-Z]+) (/\S*)(?: (.*))?$")
_SEGMENT = re.compile(r"\.|(\[\])|(\{\})")


@dataclass
class UsageReport:
    """The verdict for one target document."""

    target: str
    breaks: list[Finding] = field(default_factory=list)
    compatible: list[Change] = field(default_factory=list)
    untouched: list[Change] = field(default_factory=list)

    @property
    def broken(self) -> bool:
        return bool(self.breaks)


def change_pointer(location: str) -> str:
    """A JSON pointer for a changelog location (``Issue.subject[]`` -> ``/components/...``)."""
    match = _OPERATION.match(location)
    if match:
        method, path, rest = match.group(1), match.group(2), match.group(3) or ""
        base = f"/paths/{escape(path)}/{method.lower()}"
        head = rest.split(" ", 1)[0]
        if head.startswith(("query:", "path:", "header:", "cookie:")):
            return f"{base}/parameters"
        if head == "request":
            return f"{base}/requestBody"
        if head == "security":
            return f"{base}/security"
        return f"{base}/responses/{escape(head)}" if head else base
    name, *rest = re.split(r"(?=[.\[{])", location, maxsplit=1)
    where = f"/components/schemas/{escape(name)}"
    tail = rest[0] if rest else ""
    for token in re.findall(r"\.[^.\[{]+|\[\]|\{\}", tail):
        if token == "[]":
            where += "/items"
        elif token == "{}":
            where += "/additionalProperties"
        else:
            where += f"/properties/{escape(token[1:])}"
    return where


def _component_parts(location: str) -> tuple[str, str]:
    name, _, rest = location.partition(".")
    name = re.split(r"[\[{]", name, maxsplit=1)[0]
    prop = re.split(r"[.\[{]", rest, maxsplit=1)[0] if rest else ""
    return name, prop


def touches(change: Change, usage: Mapping[str, Any], walk: Walk) -> bool:
    """Whether ``change`` touches an operation, parameter or property the usage uses."""
    match = _OPERATION.match(change.location)
    if match:
        label = f"{match.group(1)} {match.group(2)}"
        if label not in walk.operations:
            return False
        head = (match.group(3) or "").split(" ", 1)[0]
        if head.startswith("query:"):
            entry = _entry(usage, label)
            return head.partition(":")[2] in entry.get("query", ()) or (
                change.kind.startswith("required-")
            )
        return True
    name, prop = _component_parts(change.location)
    return (
        (name, "") in walk.touched
        or (name, prop) in walk.touched
        or (not prop and any(n == name for n, _ in walk.touched))
    )


def _entry(usage: Mapping[str, Any], label: str) -> Mapping[str, Any]:
    operations: Mapping[str, Any] = usage.get("operations", {})
    found = operations.get(label)
    if found is not None:
        return dict(found)
    blank = re.sub(r"\{[^}/]*\}", "{}", label).lower()
    for key, entry in operations.items():
        if re.sub(r"\{[^}/]*\}", "{}", key).lower() == blank:
            return dict(entry)
    return {}


def check_usage(
    usage: Mapping[str, Any],
    target: Mapping[str, Any],
    baseline: Mapping[str, Any] | None,
    name: str,
) -> UsageReport:
    """Check ``usage`` against ``target``; ``baseline`` is the document it was recorded against."""
    report = UsageReport(name)
    now = walk_usage(usage, target)
    breaks = {f.pointer + f.item: f for f in now.findings}
    if baseline is not None:
        before = walk_usage(usage, baseline)
        seen = Walk(
            touched=before.touched | now.touched, operations=before.operations | now.operations
        )
        for change in sorted(set(diff_wire(baseline, target)), key=Change.sort_key):
            if not touches(change, usage, seen):
                report.untouched.append(change)
            elif change.breaking:
                finding = Finding(change_pointer(change.location), change.location, change.message)
                breaks.setdefault(finding.pointer + finding.item, finding)
            else:
                report.compatible.append(change)
    report.breaks = sorted(breaks.values())
    return report


def _squash(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


def _touches_surface(change: Change, walk: Walk) -> bool:
    """A change of the generated package (``issuetrak_client.models.Issue.subject``, or a
    function of an operation's module) matched to what the usage touches by squashed names."""
    parts = change.location.split(".")
    if "models" in parts:
        rest = parts[parts.index("models") + 1 :]
        model, field_ = _squash(rest[0]) if rest else "", _squash(rest[1]) if len(rest) > 1 else ""
        return any(
            _squash(name) == model and (not field_ or not prop or _squash(prop) == field_)
            for name, prop in walk.touched
        )
    return False


def usage_marks(
    changes: list[Change],
    usage: Mapping[str, Any],
    old: Mapping[str, Any],
    new: Mapping[str, Any],
) -> dict[Change, bool]:
    """For each change of a changelog: whether it touches what ``usage`` uses."""
    before, after = walk_usage(usage, old), walk_usage(usage, new)
    seen = Walk(
        touched=before.touched | after.touched, operations=before.operations | after.operations
    )
    return {
        change: touches(change, usage, seen)
        if change.area == "wire"
        else _touches_surface(change, seen)
        for change in changes
    }
