"""Issue PATCH builder, validated against the PATCH paths the pinned document lists.

The document gives the allowed paths of ``PATCH /Issues/{iid}`` as a table (path, operations,
value type, whether the value may be emptied, whether several values are allowed) in the
operation's description. ``issuetrak regen`` extracts it with
:func:`issuetrak.conventions.parse_patch_table` into
each generated package (``_patch_rules.py``), which is where :func:`issue_patch_rules` reads it:
no docstring is parsed at run time (so ``python -OO`` changes nothing) and nothing is copied
into this module. The mock reads the same table through the same parser.

    client.issues.patch(42).replace("subject", "Printer on fire").add_note("Called the user").send()
"""

from __future__ import annotations

import datetime as _dt
import difflib
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar, Unpack

from ._facade_errors import InvalidPatchError, UsageError
from ._models import to_wire
from .conventions.patch_table import INDEX, PatchRule, rules_from_rows

if TYPE_CHECKING:
    from ._options import RequestOptions

R = TypeVar("R")

__all__ = ["IssuePatch", "issue_patch_rules"]


@functools.cache
def issue_patch_rules(package: str | None = None) -> tuple[PatchRule, ...]:
    """The documented PATCH paths of issues in a generated package (default: the default label)."""
    from ._versions import resolve, version_of_package

    version = version_of_package(package) if package else resolve()
    rules = rules_from_rows(version.patch_rules())
    if not rules:
        raise UsageError(f"the document of {version.label!r} lists no PATCH paths for issues")
    return rules


def _check_value(rule: PatchRule, path: str, value: Any) -> Any:
    """Type-check ``value`` against the documented value type; returns the wire value."""
    base = rule.value_type.rstrip("?").lower()
    if value is None:
        return None
    ok: bool
    if base == "string":
        ok = isinstance(value, str)
    elif base == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif base == "bool":
        ok = isinstance(value, bool)
    elif base == "double":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif base.startswith("datetime"):
        if isinstance(value, str):
            try:
                _dt.datetime.fromisoformat(value)
                ok = True
            except ValueError:
                ok = False
        else:
            ok = isinstance(value, _dt.date)
            if ok and not isinstance(value, _dt.datetime):  # a date: midnight, site time
                value = _dt.datetime(value.year, value.month, value.day)
    else:  # a type this version does not know: let the server judge
        ok = True
    if not ok:
        raise InvalidPatchError(
            f"{path}: expects {rule.value_type}, got {type(value).__name__} {value!r}"
        )
    return to_wire(value)


class IssuePatch(Generic[R]):
    """Collects PATCH operations for one issue and sends them in a single request.

    Field names may be written as in the document (``"AssignedToUser"``, ``"/AssignedToUser"``) or
    in snake_case (``"assigned_to_user"``). Each call is checked against the documented paths,
    operations and value types, and clearing a field the document says cannot be emptied
    (subject, description, class, issue type, organization, priority, submitted-by user) is
    refused before anything is sent.
    """

    def __init__(
        self,
        iid: int,
        send: Callable[..., Any],
        rules: tuple[PatchRule, ...] | None = None,
    ) -> None:
        self.iid = iid
        self._send = send
        self._ops: list[dict[str, Any]] = []
        self._rules = issue_patch_rules() if rules is None else rules

    def __repr__(self) -> str:
        return f"<IssuePatch iid={self.iid} {self._ops!r}>"

    @property
    def operations(self) -> list[dict[str, Any]]:
        """The JSON operations collected so far (a copy)."""
        return [dict(op) for op in self._ops]

    def _path_for(self, field: str) -> str:
        if field.startswith("/"):
            return field
        wanted = field.replace("_", "").lower()
        for rule in self._rules:
            if INDEX not in rule.path and rule.path.strip("/").lower() == wanted:
                return rule.path
        names = sorted(r.name for r in self._rules if INDEX not in r.path)
        close = difflib.get_close_matches(field.lower(), names, n=1)
        raise InvalidPatchError(
            f"{field!r} is not a documented PATCH path of issues"
            + (f" (did you mean {close[0]!r}?)" if close else "")
            + "; fields: "
            + ", ".join(names)
        )

    def _rule(self, path: str) -> PatchRule:
        for rule in self._rules:
            if rule.matches(path):
                return rule
        raise InvalidPatchError(
            f"{path!r} is not a documented PATCH path of issues; paths: "
            + ", ".join(r.path for r in self._rules)
        )

    def _add_op(self, op: str, field: str, value: Any) -> Self:
        path = self._path_for(field)
        rule = self._rule(path)
        if op not in rule.ops:
            raise InvalidPatchError(f"{rule.path} allows {', '.join(sorted(rule.ops))}, not {op}")
        empty = value is None or (isinstance(value, str) and not value.strip())
        if empty and not rule.allows_empty:
            raise InvalidPatchError(
                f"{rule.path} cannot be cleared or set empty ({rule.name} is required)"
            )
        if empty and value is None and not rule.nullable and rule.value_type.lower() != "string":
            raise InvalidPatchError(f"{rule.path} expects {rule.value_type}; null is not allowed")
        wire = _check_value(rule, path, value)
        if not rule.allows_multiple and any(o["path"].lower() == path.lower() for o in self._ops):
            raise InvalidPatchError(f"{rule.path} is already in this patch; it takes one value")
        self._ops.append({"op": op, "path": path, "value": wire})
        return self

    # -- generic --------------------------------------------------------------------------------
    def replace(self, field: str, value: Any) -> Self:
        """Set a field: ``replace("subject", "New subject")``, ``replace("priority", 3)``."""
        return self._add_op("Replace", field, value)

    def clear(self, field: str) -> Self:
        """Empty a field the document allows to be emptied (sends Replace with null)."""
        return self._add_op("Replace", field, None)

    def add(self, path: str, value: Any) -> Self:
        """An ``Add`` operation on a path that allows it: ``add("/Asset", 9)``."""
        return self._add_op("Add", path, value)

    def remove(self, path: str, value: Any) -> Self:
        """A ``Remove`` operation on a path that allows it: ``remove("/Asset", 9)``."""
        return self._add_op("Remove", path, value)

    # -- named helpers --------------------------------------------------------------------------
    def add_note(self, text: str) -> Self:
        """Add a note to the issue."""
        return self._add_op("Add", "Note", text)

    def _udf_path(self, kind: str, udf_iid: int) -> str:
        if isinstance(udf_iid, bool) or not isinstance(udf_iid, int) or udf_iid < 1:
            raise InvalidPatchError(f"UDF id must be a positive int, got {udf_iid!r}")
        wanted = kind.replace("_", "").lower()
        for rule in self._rules:
            parts = rule.path.strip("/").split("/")
            if INDEX in rule.path and len(parts) == 3 and parts[1].lower() == wanted:
                return f"/{parts[0]}/{parts[1]}/{udf_iid}"
        kinds = sorted(r.path.split("/")[2] for r in self._rules if r.path.count("/") == 3)
        raise InvalidPatchError(f"no UDF kind {kind!r}; kinds: {', '.join(kinds)}")

    def set_udf(self, kind: str, udf_iid: int, value: Any) -> Self:
        """Set (or, with None, clear) a single-valued UDF: ``set_udf("text", 4, "abc")``."""
        return self._add_op("Replace", self._udf_path(kind, udf_iid), value)

    def add_udf_value(self, kind: str, udf_iid: int, value: Any) -> Self:
        """Add a value to a multi-valued UDF (``"multi_select"``, ``"associated_issue"``)."""
        return self._add_op("Add", self._udf_path(kind, udf_iid), value)

    def remove_udf_value(self, kind: str, udf_iid: int, value: Any) -> Self:
        """Remove a value from a multi-valued UDF: ``remove_udf_value("multi_select", 6, 3)``."""
        return self._add_op("Remove", self._udf_path(kind, udf_iid), value)

    def add_asset(self, asset_iid: int) -> Self:
        """Link asset ``asset_iid`` to the issue."""
        return self._add_op("Add", "Asset", asset_iid)

    def remove_asset(self, asset_iid: int) -> Self:
        """Unlink asset ``asset_iid`` from the issue."""
        return self._add_op("Remove", "Asset", asset_iid)

    def send(self, **options: Unpack[RequestOptions]) -> R:
        """Send all operations in one PATCH; returns the updated issue (awaitable on async).

        Per-call options (``timeout=``, ``max_retries=``, ``deadline=``, ``extra_headers=``)
        apply to this request.
        """
        if not self._ops:
            raise UsageError(f"patch of issue {self.iid} has no operations")
        result: R = self._send(self.iid, self.operations, **options)
        return result
