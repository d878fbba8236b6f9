"""Merge-update: read a record, carry it over to the update schema, apply changes, PUT it back.

This is how Issuetrak's own integrations update a single field: the PUT schemas replace the whole
record, so every field the caller did not name must be sent exactly as it is stored. The read
schema is mapped onto the update schema by the update model's own ``from_dict``; fields the update
schema does not have (``iid``, ``createdDate``, ... and read-only nested parts) land in
``additional_properties`` and are dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._facade_errors import UnknownFieldError, UsageError
from ._models import check_field_value, field_names, package_of, strip_extras, to_wire, wire_name
from ._reading import carried_policy, reading
from ._versions import version_of_package

__all__ = ["check_changes", "merged_body"]


def check_changes(
    update_cls: type, changes: Mapping[str, Any], where: str, *, allow_empty: bool = False
) -> None:
    """Reject unknown field names and wrongly typed values before any request is sent.

    ``allow_empty``: an update option (``normalize=True`` on groups) is the change.
    """
    if not changes and not allow_empty:
        raise UsageError(
            f"{where}: nothing to change; pass fields as keywords, e.g. email='a@b.example'"
        )
    valid = field_names(update_cls)
    for name, value in changes.items():
        if name not in valid:
            raise UnknownFieldError(name, valid, where)
        check_field_value(update_cls, name, value, where)


def merged_body(record: Any, update_cls: type, changes: Mapping[str, Any], where: str) -> Any:
    """The update model for ``record`` with ``changes`` applied (snake_case names).

    The caller's ``changes`` were checked strictly (:func:`check_changes`). What the stored
    record carries over is what the site itself sent, so a value the document does not list (an
    open enum member, a value kept as sent) goes back as it came; a required property the
    record lacks is asked for.
    """
    wire = dict(record.to_dict())
    wire.update({wire_name(update_cls, k): to_wire(v) for k, v in changes.items()})
    package = package_of(update_cls)
    policy = carried_policy(package, version_of_package(package).label) if package else None
    try:
        with reading(package or "", policy):
            body = update_cls.from_dict(wire)  # type: ignore[attr-defined]
    except KeyError as exc:
        key = str(exc.args[0]) if exc.args else "?"
        names = {wire_name(update_cls, n): n for n in field_names(update_cls)}
        raise UsageError(
            f"{where}: the stored record has no {names.get(key, key)!r}, which the update schema "
            f"requires; pass it as a keyword"
        ) from exc
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{where}: {exc}") from exc
    return strip_extras(body)
