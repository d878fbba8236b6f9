"""Recursive, direction-aware comparison of two schemas, safe on cyclic documents.

Cycle protection works at two levels. A ``$ref`` to a component schema that exists in both
documents is not followed: components are compared once each, on their own (see
:func:`schema_usage` for the direction they are judged in), so a change in ``Issue`` is reported
once as ``Issue.subject``, not once per operation that returns an issue. A ``$ref`` that points
elsewhere in the new document (a different name, or a component only one side has) is followed,
and the pair of references is remembered, so a cycle through renamed schemas ends.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from issuetrak.conventions import escape as _escape
from issuetrak.conventions import refs_in

from .model import WIRE, Change
from .refs import deref, normalize, ref_name, schema_type
from .rules import direction_label, schema_breaking

__all__ = ["COMPONENT_PREFIXES", "SchemaComparer", "component_schemas", "schema_usage"]

#: Where documents keep named schemas (OpenAPI 3, Swagger 2).
COMPONENT_PREFIXES = ("#/components/schemas/", "#/definitions/")

_WIDENING = {("int32", "int64"), ("float", "double")}


def component_schemas(document: Mapping[str, Any]) -> dict[str, Any]:
    """Named schemas by their ``$ref`` string."""
    result: dict[str, Any] = {}
    components = document.get("components")
    if isinstance(components, Mapping) and isinstance(components.get("schemas"), Mapping):
        for name, schema in components["schemas"].items():
            result[COMPONENT_PREFIXES[0] + _escape(name)] = schema
    definitions = document.get("definitions")
    if isinstance(definitions, Mapping):
        for name, schema in definitions.items():
            result[COMPONENT_PREFIXES[1] + _escape(name)] = schema
    return result


def schema_usage(
    document: Mapping[str, Any], roots: Mapping[str, list[Any]]
) -> dict[str, set[str]]:
    """For each component ``$ref``: the directions (request/response) it is reachable from.

    ``roots`` maps a direction to the schemas operations use directly in that direction.
    """
    components = component_schemas(document)
    usage: dict[str, set[str]] = {}
    for direction, schemas in roots.items():
        stack = [ref for schema in schemas for ref in refs_in(schema)]
        seen: set[str] = set()
        while stack:
            ref = stack.pop()
            if ref in seen or ref not in components:
                continue
            seen.add(ref)
            usage.setdefault(ref, set()).add(direction)
            stack.extend(refs_in(components[ref]))
    return usage


def _show(value: Any) -> str:
    return json.dumps(value, sort_keys=True) if not isinstance(value, str) else value


class SchemaComparer:
    """Compares schemas of two documents, appending :class:`Change` entries to ``changes``."""

    def __init__(
        self, old_doc: Mapping[str, Any], new_doc: Mapping[str, Any], changes: list[Change]
    ) -> None:
        self.old_doc, self.new_doc, self.changes = old_doc, new_doc, changes
        self._shared = set(component_schemas(old_doc)) & set(component_schemas(new_doc))

    def compare(self, old: Any, new: Any, where: str, direction: frozenset[str]) -> None:
        """Report how ``new`` differs from ``old``; ``where`` prefixes every location."""
        self._compare(old, new, where, direction, frozenset())

    def _emit(
        self, kind: str, where: str, direction: frozenset[str], message: str, detail: str = ""
    ) -> None:
        self.changes.append(
            Change(
                WIRE,
                kind,
                where,
                schema_breaking(kind, direction),
                message,
                detail,
                direction_label(direction),
            )
        )

    def _compare(
        self,
        old: Any,
        new: Any,
        where: str,
        direction: frozenset[str],
        seen: frozenset[tuple[str, str]],
    ) -> None:
        o, n = normalize(old), normalize(new)
        oref, nref = o.get("$ref"), n.get("$ref")
        if isinstance(oref, str) or isinstance(nref, str):
            if oref == nref and oref in self._shared:
                # the component itself is compared on its own; only a wrapper's nullable can differ here
                self._nullable(
                    o.get("nullable") is True, n.get("nullable") is True, where, direction
                )
                return
            pair = (str(oref or ""), str(nref or ""))
            if pair in seen:  # a cycle: this pair is being compared further up
                return
            seen = seen | {pair}
            if isinstance(oref, str) and isinstance(nref, str) and oref != nref:
                detail = f"{ref_name(oref)} -> {ref_name(nref)}"
                message = f"now refers to {ref_name(nref)} instead of {ref_name(oref)}"
                self._emit("reference-changed", where, direction, message, detail)
        self._compare_resolved(
            deref(self.old_doc, o), deref(self.new_doc, n), where, direction, seen
        )

    def _compare_resolved(
        self,
        o: dict[str, Any],
        n: dict[str, Any],
        where: str,
        direction: frozenset[str],
        seen: frozenset[tuple[str, str]],
    ) -> None:
        otype, ntype = schema_type(o), schema_type(n)
        if otype != ntype:
            detail = f"{otype or 'any'} -> {ntype or 'any'}"
            self._emit(
                "type-changed",
                where,
                direction,
                f"type changed from {otype or 'any'} to {ntype or 'any'}",
                detail,
            )
            return  # everything below would only repeat this
        self._format(o.get("format"), n.get("format"), where, direction)
        self._nullable(o.get("nullable") is True, n.get("nullable") is True, where, direction)
        self._enum(o.get("enum"), n.get("enum"), where, direction)
        if "properties" in o or "properties" in n or "required" in o or "required" in n:
            self._properties(o, n, where, direction, seen)
        if "items" in o or "items" in n:
            self._compare(o.get("items", {}), n.get("items", {}), f"{where}[]", direction, seen)
        self._additional(
            o.get("additionalProperties"), n.get("additionalProperties"), where, direction, seen
        )
        for key in ("oneOf", "anyOf"):
            self._composition(key, o.get(key), n.get(key), where, direction, seen)

    def _format(self, old: Any, new: Any, where: str, direction: frozenset[str]) -> None:
        if old == new:
            return
        if (old, new) in _WIDENING:
            kind = "format-widened"
        elif (new, old) in _WIDENING:
            kind = "format-narrowed"
        else:
            kind = "format-changed"
        detail = f"{old or 'none'} -> {new or 'none'}"
        self._emit(
            kind,
            where,
            direction,
            f"format changed from {old or 'none'} to {new or 'none'}",
            detail,
        )

    def _nullable(self, old: bool, new: bool, where: str, direction: frozenset[str]) -> None:
        if old == new:
            return
        if new:
            self._emit("became-nullable", where, direction, "may now be null", "false -> true")
        else:
            self._emit(
                "became-non-nullable", where, direction, "may no longer be null", "true -> false"
            )

    def _enum(self, old: Any, new: Any, where: str, direction: frozenset[str]) -> None:
        if old == new:
            return
        if not isinstance(old, list) or not isinstance(new, list):
            if isinstance(new, list):
                self._emit("enum-value-removed", where, direction, "now restricted to an enum", "*")
            else:
                self._emit(
                    "enum-value-added", where, direction, "no longer restricted to an enum", "*"
                )
            return
        old_keys = {_show(v) for v in old}
        new_keys = {_show(v) for v in new}
        for value in sorted(new_keys - old_keys):
            self._emit("enum-value-added", where, direction, f"enum value {value!r} added", value)
        for value in sorted(old_keys - new_keys):
            self._emit(
                "enum-value-removed", where, direction, f"enum value {value!r} removed", value
            )

    def _properties(
        self,
        o: Mapping[str, Any],
        n: Mapping[str, Any],
        where: str,
        direction: frozenset[str],
        seen: frozenset[tuple[str, str]],
    ) -> None:
        oprops = o.get("properties") if isinstance(o.get("properties"), Mapping) else {}
        nprops = n.get("properties") if isinstance(n.get("properties"), Mapping) else {}
        assert isinstance(oprops, Mapping) and isinstance(nprops, Mapping)
        oreq = {r for r in o.get("required") or () if isinstance(r, str)}
        nreq = {r for r in n.get("required") or () if isinstance(r, str)}
        for name in sorted(set(nprops) - set(oprops)):
            required = name in nreq
            kind = "required-property-added" if required else "property-added"
            self._emit(
                kind,
                f"{where}.{name}",
                direction,
                f"{'required ' if required else ''}property added",
            )
        for name in sorted(set(oprops) - set(nprops)):
            self._emit("property-removed", f"{where}.{name}", direction, "property removed")
        for name in sorted(set(oprops) & set(nprops)):
            if name in nreq and name not in oreq:
                self._emit(
                    "property-became-required",
                    f"{where}.{name}",
                    direction,
                    "property became required",
                )
            elif name in oreq and name not in nreq:
                self._emit(
                    "property-became-optional",
                    f"{where}.{name}",
                    direction,
                    "property is no longer required",
                )
            self._compare(oprops[name], nprops[name], f"{where}.{name}", direction, seen)

    def _additional(
        self,
        old: Any,
        new: Any,
        where: str,
        direction: frozenset[str],
        seen: frozenset[tuple[str, str]],
    ) -> None:
        if old is not False and new is False:
            self._emit(
                "additional-properties-closed",
                where,
                direction,
                "no longer accepts undeclared properties",
            )
        elif old is False and new is not False:
            self._emit(
                "additional-properties-opened",
                where,
                direction,
                "now accepts undeclared properties",
            )
        elif isinstance(old, Mapping) and isinstance(new, Mapping):
            self._compare(old, new, f"{where}{{}}", direction, seen)

    def _composition(
        self,
        key: str,
        old: Any,
        new: Any,
        where: str,
        direction: frozenset[str],
        seen: frozenset[tuple[str, str]],
    ) -> None:
        if old is None and new is None:
            return
        if not isinstance(old, list) or not isinstance(new, list) or len(old) != len(new):
            before = len(old) if isinstance(old, list) else 0
            after = len(new) if isinstance(new, list) else 0
            self._emit(
                "composition-changed",
                where,
                direction,
                f"{key} alternatives changed",
                f"{key} {before} -> {after}",
            )
            return
        for index, (left, right) in enumerate(zip(old, new, strict=True)):
            self._compare(left, right, f"{where}<{key}[{index}]>", direction, seen)
