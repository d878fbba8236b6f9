"""Reading the document's schemas: $ref resolution, cached request validators and default values.

OpenAPI 3.0 is not JSON Schema: ``nullable`` has to become a ``null`` type, and a ``$ref`` with
siblings has to be wrapped. :class:`SchemaIndex` does that conversion once per schema name and keeps
the compiled validators, so no request pays for schema compilation.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

import jsonschema  # type: ignore[import-untyped]
from issuetrak.conventions import ref_name
from jsonschema import Draft7Validator, FormatChecker

__all__ = ["SchemaIndex", "format_datetime", "parse_datetime", "ref_name"]

REF_PREFIX = "#/components/schemas/"


def format_datetime(value: dt.datetime) -> str:
    """Issuetrak's wire format for date-times: local time, no UTC offset, whole seconds."""
    return value.replace(microsecond=0).isoformat()


def parse_datetime(value: str) -> dt.datetime:
    """Parse a date-time or date as clients send it; an offset is converted to naive UTC."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed.replace(microsecond=0)


_format_checker = FormatChecker(formats=())


@_format_checker.checks("date-time", raises=ValueError)  # type: ignore[untyped-decorator]
def _is_datetime(value: object) -> bool:
    if isinstance(value, str):
        parse_datetime(value)
    return True


@_format_checker.checks("date", raises=ValueError)  # type: ignore[untyped-decorator]
def _is_date(value: object) -> bool:
    if isinstance(value, str):
        dt.date.fromisoformat(value.split("T")[0])
    return True


@_format_checker.checks("uuid", raises=ValueError)  # type: ignore[untyped-decorator]
def _is_uuid(value: object) -> bool:
    if isinstance(value, str):
        uuid.UUID(value)
    return True


@_format_checker.checks("int32")  # type: ignore[untyped-decorator]
def _is_int32(value: object) -> bool:
    return not isinstance(value, int) or -(2**31) <= value < 2**31


# System.Text.Json binds 1.0 to no integer type; JSON Schema would call it an integer
_RequestValidator = jsonschema.validators.extend(
    Draft7Validator,
    type_checker=Draft7Validator.TYPE_CHECKER.redefine(
        "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool)
    ),
)


class SchemaIndex:
    """The document's ``components.schemas`` with conversions and validators cached by name."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.schemas: dict[str, Any] = dict(document.get("components", {}).get("schemas", {}))
        self._validators: dict[str, Draft7Validator] = {}
        self._props: dict[str, dict[str, Any]] = {}
        self._definitions: dict[str, Any] | None = None
        self._inlined: dict[str, Any] = {}

    # -- navigation -------------------------------------------------------------------------

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        """Follow ``$ref`` / one-item ``allOf`` until a concrete schema is reached."""
        seen = 0
        while True:
            name = ref_name(schema)
            if name is None or seen > 20:
                return schema
            schema = self.schemas.get(name, {})
            seen += 1

    def properties(self, name: str) -> dict[str, Any]:
        """Property schemas of a component (empty for unknown names)."""
        cached = self._props.get(name)
        if cached is None:
            cached = dict(self.schemas.get(name, {}).get("properties", {}))
            self._props[name] = cached
        return cached

    def enum(self, name: str) -> list[Any]:
        return list(self.schemas.get(name, {}).get("enum", []))

    def is_nullable(self, schema: Mapping[str, Any]) -> bool:
        return bool(schema.get("nullable"))

    # -- validation -------------------------------------------------------------------------

    def to_json_schema(self, schema: Any, *, request: bool) -> Any:
        """OpenAPI 3.0 -> Draft 7. In requests unknown properties are allowed (ASP.NET ignores them)."""
        if isinstance(schema, list):
            return [self.to_json_schema(s, request=request) for s in schema]
        if not isinstance(schema, Mapping):
            return schema
        out: dict[str, Any] = {}
        for key, value in schema.items():
            if key in (
                "nullable",
                "example",
                "examples",
                "description",
                "readOnly",
                "writeOnly",
                "xml",
                "discriminator",
                "externalDocs",
                "deprecated",
            ):
                continue
            if key == "$ref" and isinstance(value, str) and value.startswith(REF_PREFIX):
                out["$ref"] = "#/definitions/" + value[len(REF_PREFIX) :]
            elif key == "additionalProperties" and value is False and request:
                continue
            elif key in ("properties", "definitions") and isinstance(value, Mapping):
                out[key] = {k: self.to_json_schema(v, request=request) for k, v in value.items()}
            elif isinstance(value, Mapping | list):
                out[key] = self.to_json_schema(value, request=request)
            else:
                out[key] = value
        if (
            request
            and isinstance(out.get("required"), list)
            and isinstance(schema.get("properties"), Mapping)
        ):
            # a required name that is not a property cannot be sent by a generated client;
            # the document has such slips (CreateIssueTask.issueNumber), so requests skip them
            out["required"] = [r for r in out["required"] if r in schema["properties"]]
        if schema.get("nullable"):
            if "$ref" in out or "allOf" in out or "oneOf" in out or "anyOf" in out:
                out = {"anyOf": [out, {"type": "null"}]}
            else:
                if "type" in out:
                    types = out["type"] if isinstance(out["type"], list) else [out["type"]]
                    out["type"] = [*types, "null"]
                if "enum" in out and None not in out["enum"]:
                    out["enum"] = [*out["enum"], None]
        return out

    def has_validator(self, key: str) -> bool:
        """Whether the validator for ``key`` is built (building the first one builds every
        component's schema: tens of milliseconds)."""
        return key in self._validators

    def validator(self, key: str, schema: Mapping[str, Any] | None = None) -> Draft7Validator:
        """A compiled request validator for a component name, or for ``schema`` cached under ``key``."""
        cached = self._validators.get(key)
        if cached is None:
            root = self.to_json_schema(
                schema if schema is not None else {"$ref": REF_PREFIX + key}, request=True
            )
            root = dict(root)
            if self._definitions is None:
                self._definitions = {
                    n: self.to_json_schema(s, request=True) for n, s in self.schemas.items()
                }
            root = self._inline(root, ())
            root["definitions"] = self._definitions
            cached = _RequestValidator(root, format_checker=_format_checker)
            self._validators[key] = cached
        return cached

    def _inline(self, schema: Any, stack: tuple[str, ...]) -> Any:
        """``schema`` with each plain ``$ref`` replaced by its target, except a reference back
        into itself (recursive filters keep their ``$ref``): following a reference costs
        jsonschema more than the check it leads to, three times the time of a search body."""
        if isinstance(schema, list):
            return [self._inline(item, stack) for item in schema]
        if not isinstance(schema, Mapping):
            return schema
        ref = schema.get("$ref")
        if isinstance(ref, str) and len(schema) == 1 and ref.startswith("#/definitions/"):
            name = ref[len("#/definitions/") :]
            assert self._definitions is not None
            if name in stack or name not in self._definitions:
                return schema
            cached = self._inlined.get(name)
            if cached is None:
                cached = self._inline(self._definitions[name], (*stack, name))
                if not self._refers_back(cached):
                    # shared by every schema that points here (a tree of shared parts, not copies)
                    self._inlined[name] = cached
            return cached
        return {key: self._inline(value, stack) for key, value in schema.items()}

    @staticmethod
    def _refers_back(schema: Any) -> bool:
        todo = [schema]
        while todo:
            item = todo.pop()
            if isinstance(item, Mapping):
                if "$ref" in item:
                    return True
                todo.extend(item.values())
            elif isinstance(item, list):
                todo.extend(item)
        return False

    def errors(
        self, key: str, instance: Any, schema: Mapping[str, Any] | None = None
    ) -> Iterator[jsonschema.ValidationError]:
        found: Iterator[jsonschema.ValidationError] = self.validator(key, schema).iter_errors(
            instance
        )
        return found

    # -- defaults -----------------------------------------------------------------------------

    def default_for(
        self,
        schema: Mapping[str, Any],
        now: dt.datetime,
        *,
        depth: int = 0,
        fill_optional: bool = True,
    ) -> Any:
        """A value that satisfies ``schema``: null where nullable, else a neutral value of the type."""
        if schema.get("nullable") and depth > 0:
            return None
        # most schemas refer to nothing: skip the general lookup for them (seeding fits every
        # property of every record)
        name = ref_name(schema) if "$ref" in schema or "allOf" in schema else None
        if name is not None:
            target = self.schemas.get(name, {})
            if schema.get("nullable") or (depth > 0 and target.get("nullable")):
                return None
            return self.default_for(target, now, depth=depth + 1, fill_optional=fill_optional)
        if "default" in schema:
            return schema["default"]
        if "enum" in schema:
            return schema["enum"][0] if schema["enum"] else None
        kind = schema.get("type")
        fmt = schema.get("format")
        if kind == "object" or "properties" in schema:
            if depth > 6:
                return {}
            required = set(schema.get("required", []))
            return {
                prop: self.default_for(sub, now, depth=depth + 1, fill_optional=fill_optional)
                for prop, sub in schema.get("properties", {}).items()
                if fill_optional or prop in required
            }
        if kind == "array":
            return []
        if kind == "boolean":
            return False
        if kind == "integer":
            return _clamp(0, schema, integer=True)
        if kind == "number":
            return float(_clamp(0, schema, integer=False))
        if kind == "string":
            if fmt == "date-time":
                return format_datetime(now)
            if fmt == "date":
                return now.date().isoformat()
            if fmt == "uuid":
                return "00000000-0000-0000-0000-000000000000"
            if fmt == "email":
                return "nobody@example.com"
            if fmt == "date-span":
                return "00:00:00"
            if fmt == "uri":
                # "" is no URI; RFC 6694's "about:blank" is one, and says "nothing here"
                return "about:blank"
            return "x" * int(schema.get("minLength", 0) or 0)
        return None

    # -- fitting values to the document ---------------------------------------------------------

    def fit(
        self, value: Any, schema: Mapping[str, Any], now: dt.datetime, *, depth: int = 0
    ) -> Any:
        """``value`` made to satisfy ``schema``: its type, format, enum, length and range.

        What the mock stores and seeds goes through here, so a label whose document turned a
        double into an integer, shortened a string or narrowed an enum is served values of the
        new shape (``1.0`` becomes ``1``, a value outside the enum its first member, a long
        text is cut at ``maxLength``). A value that already fits is returned unchanged.
        """
        # most schemas refer to nothing: skip the general lookup for them (seeding fits every
        # property of every record)
        name = ref_name(schema) if "$ref" in schema or "allOf" in schema else None
        if name is not None:
            target = self.schemas.get(name, {})
            if value is None and (schema.get("nullable") or target.get("nullable")):
                return None
            return self.fit(value, target, now, depth=depth + 1)
        if value is None:
            return None if schema.get("nullable") else self.default_for(schema, now, depth=1)
        enum = schema.get("enum")
        if isinstance(enum, list) and enum:
            return value if value in enum else _closest_member(value, enum)
        kind = schema.get("type")
        if kind == "integer":
            return _fit_integer(value, schema)
        if kind == "number":
            return _fit_number(value, schema)
        if kind == "boolean":
            return value if isinstance(value, bool) else bool(value)
        if kind == "string":
            return _fit_string(value, schema, now)
        if kind == "array":
            items = schema.get("items", {})
            values = value if isinstance(value, list) else []
            limit = schema.get("maxItems")
            if isinstance(limit, int):
                values = values[:limit]
            return [self.fit(v, items, now, depth=depth + 1) for v in values]
        props = schema.get("properties")
        if isinstance(props, Mapping) and isinstance(value, dict) and depth < 8:
            for key, sub in props.items():
                if key in value:
                    value[key] = self.fit(value[key], sub, now, depth=depth + 1)
        return value

    def fit_record(self, record: dict[str, Any], entity: str, now: dt.datetime) -> dict[str, Any]:
        """Fit every property of a stored ``entity`` record in place (see :meth:`fit`)."""
        for key, sub in self.properties(entity).items():
            if key in record:
                record[key] = self.fit(record[key], sub, now)
        return record


def _clamp(number: float, schema: Mapping[str, Any], *, integer: bool) -> Any:
    low, high = schema.get("minimum"), schema.get("maximum")
    if isinstance(low, int | float) and number < low:
        number = low
    if isinstance(high, int | float) and number > high:
        number = high
    if integer:
        return int(number)
    return number


def _fit_integer(value: Any, schema: Mapping[str, Any]) -> Any:
    if isinstance(value, bool):
        value = int(value)
    elif isinstance(value, float):
        value = round(value)
    elif isinstance(value, str):
        try:
            value = round(float(value))
        except ValueError:
            value = 0
    elif not isinstance(value, int):
        value = 0
    if schema.get("format") == "int32":
        value = max(-(2**31), min(2**31 - 1, value))
    return _clamp(value, schema, integer=True)


def _fit_number(value: Any, schema: Mapping[str, Any]) -> Any:
    if isinstance(value, bool):
        value = float(value)
    elif isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            value = 0.0
    elif not isinstance(value, int | float):
        value = 0.0
    return _clamp(value, schema, integer=False)


def _fit_string(value: Any, schema: Mapping[str, Any], now: dt.datetime) -> str:
    text = (
        value
        if isinstance(value, str)
        else json.dumps(value)
        if isinstance(value, list | dict)
        else str(value)
    )
    fmt = schema.get("format")
    if fmt == "date-time" and text:
        try:
            text = format_datetime(parse_datetime(text))
        except ValueError:
            text = format_datetime(now)
    elif fmt == "date" and text:
        try:
            text = dt.date.fromisoformat(text.split("T")[0]).isoformat()
        except ValueError:
            text = now.date().isoformat()
    elif fmt == "uuid":
        try:
            text = str(uuid.UUID(text))
        except ValueError:
            text = "00000000-0000-0000-0000-000000000000"
    limit = schema.get("maxLength")
    if isinstance(limit, int) and limit >= 0 and len(text) > limit:
        text = text[:limit]
    least = schema.get("minLength")
    if isinstance(least, int) and len(text) < least:
        text = text + "x" * (least - len(text))
    return text


def _closest_member(value: Any, enum: list[Any]) -> Any:
    """The enum member ``value`` stands for (same text, any case), else the first member."""
    for member in enum:
        if str(member).lower() == str(value).lower():
            return member
    return enum[0]
