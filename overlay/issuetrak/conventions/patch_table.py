"""The issue PATCH table: which paths ``PATCH /Issues/{iid}`` accepts, with what.

The document gives the allowed paths as a table (path, operations, value type, whether the value
may be emptied, whether several values are allowed) in the operation's description.
``issuetrak regen`` extracts it with :func:`parse_patch_table` into each generated package
(``_patch_rules.py``); the SDK's PATCH builder and the mock read the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "INDEX",
    "PatchRule",
    "document_patch_rules",
    "parse_patch_table",
    "patch_table_text",
    "rule_rows",
    "rules_from_rows",
]

# | `/Path` | `Op, Op` | `Type` | `True|False` | `True|False` |
_ROW = re.compile(
    r"^\s*\|\s*`(?P<path>/[^`]+)`\s*\|\s*`(?P<ops>[^`]+)`\s*\|\s*`(?P<type>[^`]+)`\s*\|"
    r"\s*`(?P<empty>True|False)`\s*\|\s*`(?P<multi>True|False)`\s*\|\s*$"
)
INDEX = "{index}"
"""The placeholder of a numbered part of a PATCH path (``/UserDefined/Text/{index}``)."""


@dataclass(frozen=True)
class PatchRule:
    """One documented PATCH path."""

    path: str  # e.g. "/Subject" or "/UserDefined/Text/{index}"
    ops: frozenset[str]
    value_type: str  # as documented: string, int?, bool, DateTime?, double?, ...
    allows_empty: bool
    allows_multiple: bool

    @property
    def nullable(self) -> bool:
        """Whether the documented type admits null (``int?``, ``DateTime?``)."""
        return self.value_type.endswith("?")

    @property
    def name(self) -> str:
        """``/AssignedToUser`` -> ``assigned_to_user``."""
        head = self.path.strip("/").split("/")[0]
        return re.sub(r"(?<!^)(?=[A-Z][a-z])|(?<=[a-z])(?=[A-Z0-9])", "_", head).lower()

    def matches(self, path: str) -> bool:
        """Whether a PATCH ``path`` is this rule's, any case; ``{index}`` takes a number >= 1."""
        want = self.path.lower().split("/")
        got = path.lower().split("/")
        if len(want) != len(got):
            return False
        return all(
            w == g or (w == INDEX and g.isdigit() and int(g) > 0)
            for w, g in zip(want, got, strict=True)
        )


def parse_patch_table(text: str) -> tuple[PatchRule, ...]:
    """Rows of the documented path table; a path listed twice (the table repeats in the request
    body's description) is kept once."""
    rules: dict[str, PatchRule] = {}
    for line in text.splitlines():
        m = _ROW.match(line)
        if m and m["path"] not in rules:
            rules[m["path"]] = PatchRule(
                path=m["path"],
                ops=frozenset(o.strip() for o in m["ops"].split(",")),
                value_type=m["type"].strip(),
                allows_empty=m["empty"] == "True",
                allows_multiple=m["multi"] == "True",
            )
    return tuple(rules.values())


def patch_table_text(operation: Mapping[str, Any]) -> str:
    """The descriptions of a PATCH operation that may hold the table: its own, its request
    body's and its request body schemas' (Issuetrak repeats the table in the last)."""
    body = operation.get("requestBody") or {}
    parts: list[Any] = [operation, body]
    for media in (body.get("content") or {}).values():
        if isinstance(media, Mapping):
            parts.append(media.get("schema") or {})
    return "\n".join(str(p.get("description", "")) for p in parts if isinstance(p, Mapping))


def document_patch_rules(document: Mapping[str, Any]) -> tuple[PatchRule, ...]:
    """The issue PATCH table of a whole document (empty when it publishes none)."""
    operation = document.get("paths", {}).get("/Issues/{iid}", {}).get("patch") or {}
    return parse_patch_table(patch_table_text(operation))


def rules_from_rows(
    rows: Iterable[tuple[str, Iterable[str], str, bool, bool]],
) -> tuple[PatchRule, ...]:
    """Rules from the rows regen wrote (path, operations, value type, allows empty, multiple)."""
    return tuple(
        PatchRule(path, frozenset(ops), value_type, bool(empty), bool(multi))
        for path, ops, value_type, empty, multi in rows
    )


def rule_rows(rules: Iterable[PatchRule]) -> list[tuple[str, tuple[str, ...], str, bool, bool]]:
    """The inverse of :func:`rules_from_rows`: what regen writes into ``_patch_rules.py``."""
    return [
        (r.path, tuple(sorted(r.ops)), r.value_type, r.allows_empty, r.allows_multiple)
        for r in rules
    ]
