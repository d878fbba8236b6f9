"""``write_persisted``: after a create or an update, reading the record gives back what was sent.

A site can answer ``201`` to a create or an update - even echo the body back - and store nothing,
or drop a field. The only way to see it is to read the record again. For every field the
document says is both written and returned - a property of the request schema (``CreateX``,
``UpdateX``) with the same name in the read schema (``X``), or ``fooIid`` written for a ``foo``
reference read back as ``{iid, ...}`` - the value ``GET`` returns must equal the value sent.

Equal means what Issuetrak means by it: numbers by value (``1`` and ``1.0``), date-times as the
same instant (a value without an offset is read as UTC, the form Issuetrak writes), dates by
their date. A ``null`` sent is not compared (a site may keep the old value or clear it, both
documented behaviours of different fields), and nor is a field whose schemas disagree on the type.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from issuetrak_tools._contract.entities import Conventions

__all__ = ["CHECK", "Mismatch", "compared_fields", "mismatches"]

CHECK = "write_persisted"


@dataclass(frozen=True)
class Mismatch:
    field: str
    sent: Any
    stored: Any

    def describe(self) -> str:
        return f"{self.field}: sent {self.sent!r}, read back {self.stored!r}"


@dataclass(frozen=True)
class _Field:
    name: str  # in the request body
    read_as: str  # in the read record
    via_reference: bool  # ``fooIid`` read back as ``foo.iid``
    kind: str  # "number" | "integer" | "string" | "boolean" | "date-time" | "date" | "array"


def _scalar_kind(schema: Mapping[str, Any]) -> str | None:
    kind = schema.get("type")
    fmt = schema.get("format")
    if kind == "string" and fmt in ("date-time", "date"):
        return str(fmt)
    if kind in ("string", "integer", "number", "boolean"):
        return str(kind)
    if kind == "array":
        items = schema.get("items", {})
        return (
            "array"
            if isinstance(items, Mapping) and items.get("type") in ("string", "integer")
            else None
        )
    return None


def compared_fields(conventions: Conventions, request_schema: str, entity: str) -> list[_Field]:
    """The fields of ``request_schema`` that the read schema ``entity`` returns as written."""
    index = conventions.index
    written = index.properties(request_schema)
    read = index.properties(entity)
    fields: list[_Field] = []
    for name, schema in written.items():
        sent_schema = index.resolve(schema)
        if sent_schema.get("readOnly"):
            continue
        if name in read:
            read_schema = index.resolve(read[name])
            sent_kind, read_kind = _scalar_kind(sent_schema), _scalar_kind(read_schema)
            if (sent_kind is not None and sent_kind == read_kind and "enum" not in sent_schema) or (
                sent_kind is not None and sent_kind == read_kind
            ):
                fields.append(_Field(name, name, False, sent_kind))
            continue
        if name.endswith("Iid") and _scalar_kind(sent_schema) == "integer":
            reference = name[: -len("Iid")]
            target = read.get(reference)
            if isinstance(target, Mapping) and "iid" in index.resolve(target).get("properties", {}):
                fields.append(_Field(name, reference, True, "integer"))
    return fields


def _instant(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed.replace(microsecond=0)


def _equal(kind: str, sent: Any, stored: Any) -> bool:
    if kind in ("number", "integer"):
        numbers = (int, float)
        if isinstance(sent, bool) or isinstance(stored, bool):
            return sent is stored
        if isinstance(sent, numbers) and isinstance(stored, numbers):
            return float(sent) == float(stored)
        return bool(sent == stored)
    if kind == "date-time":
        left, right = _instant(sent), _instant(stored)
        return left is not None and left == right
    if kind == "date":
        return isinstance(sent, str) and isinstance(stored, str) and sent[:10] == stored[:10]
    if kind == "array" and isinstance(sent, list) and isinstance(stored, list):
        return sorted(map(str, sent)) == sorted(map(str, stored))
    return bool(sent == stored)


def mismatches(
    conventions: Conventions, request_schema: str, entity: str, sent: Any, stored: Any
) -> tuple[list[Mismatch], int]:
    """``(fields whose stored value differs from the sent one, number of fields compared)``."""
    if not isinstance(sent, Mapping) or not isinstance(stored, Mapping):
        return [], 0
    found: list[Mismatch] = []
    compared = 0
    for field in compared_fields(conventions, request_schema, entity):
        if field.name not in sent or sent[field.name] is None:
            continue
        value = sent[field.name]
        if field.via_reference:
            reference = stored.get(field.read_as)
            read_back = reference.get("iid") if isinstance(reference, Mapping) else None
        else:
            read_back = stored.get(field.read_as)
        compared += 1
        if not _equal(field.kind, value, read_back):
            found.append(Mismatch(field.name, value, read_back))
    return found, compared


def same_value(left: Any, right: Any) -> bool:
    """Whether two answers' values of one field are the same, whatever their field type.

    Numbers by value (``true`` is not ``1``), date-times as instants (an offset or a fraction
    of a second more or less is the same instant), objects and arrays element by element; a value
    of another JSON type (``"5"`` against ``5``) is different.
    """
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        shared = set(left) & set(right)
        return all(same_value(left[key], right[key]) for key in shared)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(same_value, left, right))
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return float(left) == float(right)
    if isinstance(left, str) and isinstance(right, str) and left != right:
        instants = _instant(left), _instant(right)
        return None not in instants and instants[0] == instants[1]
    return bool(left == right)
