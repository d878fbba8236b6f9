"""Strict validation of observed JSON against a document, remembering *where in the document* each departure is.

Strict means what a generated client assumes: no property the schema does not declare
(``additionalProperties: false`` everywhere, unless the schema gives a map's value schema), no
null where ``nullable`` is not set, enums closed, types as declared, required properties present.
Each :class:`Finding` carries the JSON pointer of the schema node a fix belongs to, so
:mod:`issuetrak_tools._evolution.proposal` can turn findings into JSON Patch operations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from issuetrak.conventions import escape as _escape

from .refs import ref_name, resolve_pointer

__all__ = [
    "MISSING_REQUIRED",
    "NULL",
    "TYPE",
    "UNDOCUMENTED_ENUM",
    "UNDOCUMENTED_PROPERTY",
    "UNDOCUMENTED_STATUS",
    "Finding",
    "StrictValidator",
    "json_type",
]

UNDOCUMENTED_PROPERTY = "undocumented-property"
UNDOCUMENTED_ENUM = "undocumented-enum-value"
NULL = "null-in-non-nullable"
TYPE = "type-differs"
MISSING_REQUIRED = "missing-required-property"
UNDOCUMENTED_STATUS = "undocumented-status"

_SAMPLES = 5  # observed values kept per finding, to infer a schema from


@dataclass
class Finding:
    """One kind of departure at one place in the document, with how often and where it was seen."""

    kind: str
    pointer: str  # JSON pointer (without '#') of the schema node the fix belongs to
    location: str  # readable: Cause.foo, PagedCauseResponse.values[]
    value: Any  # the property name, enum value, observed type or status code
    count: int = 0
    operations: set[str] = field(default_factory=set)
    samples: list[Any] = field(default_factory=list)
    example_path: str = ""  # where in a response body it was first seen

    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.pointer, repr(self.value))

    def observe(self, operation: str, sample: Any, path: str) -> None:
        self.count += 1
        self.operations.add(operation)
        if len(self.samples) < _SAMPLES:
            self.samples.append(sample)
        if not self.example_path:
            self.example_path = path


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _declared_type(schema: Mapping[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, str):
        return kind
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return None


def _type_matches(declared: str, value: Any) -> bool:
    observed = json_type(value)
    if declared == observed:
        return True
    if declared == "number" and observed == "integer":
        return True
    return declared == "integer" and isinstance(value, float) and value.is_integer()


class StrictValidator:
    """Validates instances against schemas of ``document``; findings accumulate across calls."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.findings: dict[tuple[str, str, str], Finding] = {}

    def record(
        self,
        kind: str,
        pointer: str,
        location: str,
        value: Any,
        operation: str,
        sample: Any,
        path: str,
    ) -> None:
        finding = Finding(kind, pointer, location, value)
        finding = self.findings.setdefault(finding.key(), finding)
        finding.observe(operation, sample, path)

    def validate(self, instance: Any, pointer: str, location: str, operation: str) -> None:
        """Check ``instance`` against the schema at ``pointer`` (e.g. a response's content schema)."""
        self._check(instance, pointer, location, operation, "", frozenset())

    def _nullable(self, pointer: str, seen: frozenset[str] = frozenset()) -> bool:
        schema = resolve_pointer(self.document, "#" + pointer)
        if not isinstance(schema, Mapping) or pointer in seen:
            return False
        if schema.get("nullable") is True:
            return True
        kind = schema.get("type")
        if isinstance(kind, list) and "null" in kind:
            return True
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            return self._nullable(ref[1:], seen | {pointer})
        for key in ("allOf", "oneOf", "anyOf"):
            parts = schema.get(key)
            if isinstance(parts, list) and any(
                self._nullable(f"{pointer}/{key}/{i}", seen | {pointer}) for i in range(len(parts))
            ):
                return True
        # an empty schema accepts anything, null included
        return not any(
            k in schema
            for k in ("type", "properties", "items", "enum", "$ref", "allOf", "oneOf", "anyOf")
        )

    def _check(
        self,
        value: Any,
        pointer: str,
        location: str,
        operation: str,
        path: str,
        refs: frozenset[str],
    ) -> None:
        schema = resolve_pointer(self.document, "#" + pointer)
        if not isinstance(schema, Mapping):
            return
        if value is None:
            if not self._nullable(pointer):
                self.record(NULL, pointer, location, None, operation, None, path)
            return
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            if ref in refs:  # a $ref chain that never reaches a schema
                return
            # objects and arrays are named after their schema (User.lastLoginSource); a scalar after the
            # property holding it (User.authenticationType), which says more than the enum's name
            named = ref_name(ref) if isinstance(value, (Mapping, list)) else location
            self._check(value, ref[1:], named, operation, path, refs | {ref})
            return
        for key in ("allOf", "oneOf", "anyOf"):
            parts = schema.get(key)
            if isinstance(parts, list) and parts:
                self._composition(key, parts, value, pointer, location, operation, path)
                return
        self._check_plain(schema, value, pointer, location, operation, path)

    def _composition(
        self,
        key: str,
        parts: list[Any],
        value: Any,
        pointer: str,
        location: str,
        operation: str,
        path: str,
    ) -> None:
        if len(parts) == 1:
            self._check(value, f"{pointer}/{key}/0", location, operation, path, frozenset())
            return
        # several alternatives: judge by the one that fits best, so one mismatch is not reported N times
        best: dict[tuple[str, str, str], Finding] | None = None
        for index in range(len(parts)):
            trial = StrictValidator(self.document)
            trial._check(value, f"{pointer}/{key}/{index}", location, operation, path, frozenset())
            if best is None or len(trial.findings) < len(best):
                best = trial.findings
            if not trial.findings:
                return
        for finding in (best or {}).values():
            merged = self.findings.setdefault(
                finding.key(),
                Finding(finding.kind, finding.pointer, finding.location, finding.value),
            )
            merged.count += finding.count
            merged.operations |= finding.operations
            merged.samples = (merged.samples + finding.samples)[:_SAMPLES]
            merged.example_path = merged.example_path or finding.example_path

    def _check_plain(
        self,
        schema: Mapping[str, Any],
        value: Any,
        pointer: str,
        location: str,
        operation: str,
        path: str,
    ) -> None:
        enum = schema.get("enum")
        if isinstance(enum, list) and value not in enum:
            self.record(UNDOCUMENTED_ENUM, pointer, location, value, operation, value, path)
            return
        declared = _declared_type(schema)
        if declared is not None and not _type_matches(declared, value):
            self.record(TYPE, pointer, location, json_type(value), operation, value, path)
            return
        if isinstance(value, Mapping):
            self._object(schema, value, pointer, location, operation, path)
        elif isinstance(value, list) and "items" in schema:
            for index, item in enumerate(value):
                self._check(
                    item,
                    f"{pointer}/items",
                    f"{location}[]",
                    operation,
                    f"{path}/{index}",
                    frozenset(),
                )

    def _object(
        self,
        schema: Mapping[str, Any],
        value: Mapping[str, Any],
        pointer: str,
        location: str,
        operation: str,
        path: str,
    ) -> None:
        properties = schema.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        for name in schema.get("required") or ():
            if name not in value:
                self.record(
                    MISSING_REQUIRED, pointer, f"{location}.{name}", name, operation, None, path
                )
        extra = schema.get("additionalProperties")
        for name, item in value.items():
            where = f"{path}/{_escape(str(name))}"
            if name in properties:
                self._check(
                    item,
                    f"{pointer}/properties/{_escape(str(name))}",
                    f"{location}.{name}",
                    operation,
                    where,
                    frozenset(),
                )
            elif isinstance(extra, Mapping):
                self._check(
                    item,
                    f"{pointer}/additionalProperties",
                    f"{location}{{}}",
                    operation,
                    where,
                    frozenset(),
                )
            else:
                self.record(
                    UNDOCUMENTED_PROPERTY,
                    pointer,
                    f"{location}.{name}",
                    name,
                    operation,
                    item,
                    where,
                )
