"""The rule table: which change breaks a client.

Two kinds of rules. Schema rules depend on the direction the schema travels: a client *sends*
request schemas (parameters, request bodies) and *reads* response schemas, so the same edit can
be harmless one way and breaking the other (an enum value added to a request only widens what
the client may send; added to a response it reaches code that switches on the value, and the
generated ``Enum`` classes raise ``ValueError`` on a value they do not know). A schema used in
both directions is breaking if either direction says so; a component schema no operation uses
is judged as if used both ways. Fixed rules do not depend on direction.

:func:`rules_markdown` renders this table for the README, so the documentation is the code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "BOTH",
    "FIXED_RULES",
    "REQUEST",
    "RESPONSE",
    "SCHEMA_RULES",
    "FixedRule",
    "SchemaRule",
    "direction_label",
    "fixed_breaking",
    "rules_markdown",
    "schema_breaking",
]

REQUEST = "request"
RESPONSE = "response"
BOTH: frozenset[str] = frozenset({REQUEST, RESPONSE})


@dataclass(frozen=True)
class SchemaRule:
    request: bool  # breaking when the client sends this schema
    response: bool  # breaking when the client receives this schema
    why: str


@dataclass(frozen=True)
class FixedRule:
    breaking: bool
    why: str


SCHEMA_RULES: dict[str, SchemaRule] = {
    "property-added": SchemaRule(
        False, False, "optional in requests; clients ignore or keep unknown fields"
    ),
    "required-property-added": SchemaRule(
        True, False, "existing requests lack it and are rejected"
    ),
    "property-removed": SchemaRule(
        True, True, "sent values are dropped or rejected; code reading it breaks"
    ),
    "property-became-required": SchemaRule(
        True, False, "requests without it are rejected; responses only promise more"
    ),
    "property-became-optional": SchemaRule(
        False, True, "code that relied on its presence meets Unset"
    ),
    "type-changed": SchemaRule(True, True, "values no longer parse or validate"),
    "format-changed": SchemaRule(
        True, True, "values parse to a different Python type (date vs date-time, str vs UUID)"
    ),
    "format-widened": SchemaRule(
        False, True, "the client may receive values larger than before (int32 -> int64)"
    ),
    "format-narrowed": SchemaRule(True, False, "values the client sends may now be out of range"),
    "became-nullable": SchemaRule(False, True, "code reading it may now meet None"),
    "became-non-nullable": SchemaRule(True, False, "clients sending null are rejected"),
    "enum-value-added": SchemaRule(
        False,
        True,
        "code switching on the value (and generated Enum classes) meet an unknown value",
    ),
    "enum-value-removed": SchemaRule(True, False, "clients sending that value are rejected"),
    "additional-properties-closed": SchemaRule(
        True, False, "requests with extra keys are rejected"
    ),
    "additional-properties-opened": SchemaRule(
        False, False, "extra keys are accepted or kept in additional_properties"
    ),
    "composition-changed": SchemaRule(
        True, True, "oneOf/anyOf alternatives differ; parsing picks other types"
    ),
    "reference-changed": SchemaRule(
        False, False, "informational: the structural changes are listed separately"
    ),
}

FIXED_RULES: dict[str, FixedRule] = {
    "operation-added": FixedRule(False, "new capability"),
    "operation-removed": FixedRule(True, "calls answer 404/405; the generated function disappears"),
    "parameter-added": FixedRule(False, "optional; existing calls still valid"),
    "required-parameter-added": FixedRule(True, "existing calls lack it"),
    "parameter-removed": FixedRule(
        True, "sent values are ignored or rejected; keyword argument disappears"
    ),
    "parameter-became-required": FixedRule(True, "calls without it are rejected"),
    "parameter-became-optional": FixedRule(False, "existing calls still valid"),
    "request-body-added": FixedRule(False, "optional body; existing calls still valid"),
    "required-request-body-added": FixedRule(True, "existing calls send no body"),
    "request-body-removed": FixedRule(True, "the body the client sends is ignored or rejected"),
    "request-body-became-required": FixedRule(True, "calls without a body are rejected"),
    "request-body-became-optional": FixedRule(False, "existing calls still valid"),
    "request-media-type-added": FixedRule(False, "one more way to send"),
    "request-media-type-removed": FixedRule(True, "clients using it are rejected (415)"),
    "response-added": FixedRule(False, "clients treat undeclared statuses generically already"),
    "success-response-removed": FixedRule(
        True, "code expecting that success status and its body breaks"
    ),
    "response-removed": FixedRule(False, "one error status fewer"),
    "response-media-type-added": FixedRule(False, "one more representation"),
    "response-media-type-removed": FixedRule(True, "clients asking for it get something else"),
    "security-requirement-added": FixedRule(True, "anonymous calls are now refused (401)"),
    "security-requirement-removed": FixedRule(
        False, "authentication no longer required; credentials are ignored"
    ),
    "security-alternative-added": FixedRule(False, "one more accepted way to authenticate"),
    "security-alternative-removed": FixedRule(
        True, "clients authenticating only that way are refused (401/403)"
    ),
    "security-scheme-added": FixedRule(False, "new scheme; nothing existing changes"),
    "security-scheme-removed": FixedRule(True, "clients using it cannot authenticate"),
    "security-scheme-changed": FixedRule(
        True, "credentials go elsewhere (other header, type or flow)"
    ),
    "function-added": FixedRule(False, "new import"),
    "function-removed": FixedRule(True, "imports of that module fail"),
    "argument-added": FixedRule(False, "new optional keyword argument"),
    "required-argument-added": FixedRule(True, "existing calls miss a required argument"),
    "argument-removed": FixedRule(True, "calls passing it raise TypeError"),
    "argument-became-required": FixedRule(True, "calls without it raise TypeError"),
    "argument-became-optional": FixedRule(False, "existing calls still valid"),
    "argument-type-changed": FixedRule(
        True, "values of the old type are refused or sent wrongly; type checkers flag the calls"
    ),
    "argument-format-changed": FixedRule(
        False, "same Python type; only the range or form the server takes changed (int32 -> int64)"
    ),
    "argument-became-nullable": FixedRule(False, "None is accepted as well"),
    "argument-became-non-nullable": FixedRule(True, "calls passing None are refused"),
    "model-added": FixedRule(False, "new import"),
    "model-removed": FixedRule(True, "imports of that class fail"),
    "field-added": FixedRule(False, "new optional attribute"),
    "required-field-added": FixedRule(True, "constructor calls miss a required argument"),
    "field-removed": FixedRule(True, "attribute access and constructor keywords fail"),
    "field-became-required": FixedRule(
        True, "constructor calls without it raise TypeError (e.g. CreatePriority(name=...))"
    ),
    "field-became-optional": FixedRule(
        True, "reading it may now give UNSET; its type gains Unset, so type checkers flag readers"
    ),
    "field-type-changed": FixedRule(
        True, "code passing or reading the old Python type breaks (str -> int, date -> datetime)"
    ),
    "field-format-changed": FixedRule(
        False, "same Python type; only the range or form of the values changed (int32 -> int64)"
    ),
    "field-became-nullable": FixedRule(True, "code reading it may now meet None"),
    "field-became-non-nullable": FixedRule(
        False, "None is no longer sent or received; code handling it still works"
    ),
    "enum-member-added": FixedRule(
        True, "code handling every member (match, if chains, assert_never) misses the new one"
    ),
    "enum-member-removed": FixedRule(True, "code naming that member raises AttributeError"),
}


def schema_breaking(kind: str, direction: Iterable[str]) -> bool:
    """Whether a schema change of ``kind`` breaks a client, given where the schema travels."""
    rule = SCHEMA_RULES[kind]
    where = frozenset(direction) or BOTH
    return (REQUEST in where and rule.request) or (RESPONSE in where and rule.response)


def fixed_breaking(kind: str) -> bool:
    return FIXED_RULES[kind].breaking


def direction_label(direction: Iterable[str]) -> str:
    where = frozenset(direction) or BOTH
    return "+".join(sorted(where))


def _yes(flag: bool) -> str:
    return "**breaking**" if flag else "non-breaking"


def rules_markdown() -> str:
    """The rule table as Markdown."""
    lines = [
        "| schema change | in a request | in a response | why |",
        "| --- | --- | --- | --- |",
    ]
    for kind, srule in SCHEMA_RULES.items():
        lines.append(f"| `{kind}` | {_yes(srule.request)} | {_yes(srule.response)} | {srule.why} |")
    lines += ["", "| change | classification | why |", "| --- | --- | --- |"]
    for kind, frule in FIXED_RULES.items():
        lines.append(f"| `{kind}` | {_yes(frule.breaking)} | {frule.why} |")
    return "\n".join(lines) + "\n"
