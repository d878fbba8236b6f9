"""Request validation the way an Issuetrak (ASP.NET) site answers it.

Two outcomes, as the document's troubleshooting guide describes:

* the body cannot be bound (malformed JSON, a wrong JSON type, an unknown enum value, a bad date):
  ``400`` ValidationProblemDetails with ``errors{"$.path": [message]}``;
* it binds but breaks a rule (a required field missing, a string too long, a number out of range):
  ``400`` ApiResponse with ``information[{type: "Validation", message}]``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import jsonschema  # type: ignore[import-untyped]

from .responses import ApiError
from .schemas import SchemaIndex

__all__ = ["parse_json", "validate_body"]

_BODY_REQUIRED = "A non-empty request body is required."
_BINDING = frozenset({"type", "enum", "format", "const"})
_NET_TYPES = {
    "integer": "System.Int32",
    "number": "System.Double",
    "boolean": "System.Boolean",
    "string": "System.String",
    "array": "System.Collections.Generic.List",
    "object": "System.Object",
}


def _json_path(error: jsonschema.ValidationError) -> str:
    out = "$"
    for part in error.absolute_path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _is_binding(error: jsonschema.ValidationError) -> bool:
    if error.validator in _BINDING:
        return True
    if error.validator in ("anyOf", "oneOf") and error.context:
        # a nullable reference: judge by the errors of the non-null branch
        branch = [e for e in error.context if e.schema_path and e.schema_path[0] == 0]
        return any(_is_binding(e) for e in branch) if branch else True
    return False


def _binding_errors(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    if error.validator in ("anyOf", "oneOf") and error.context:
        branch = [e for e in error.context if e.schema_path and e.schema_path[0] == 0]
        found = [b for e in branch if _is_binding(e) for b in _binding_errors(e)]
        return found or [error]
    return [error]


def _binding_message(error: jsonschema.ValidationError) -> str:
    path = _json_path(error)
    if error.validator == "type":
        wanted = error.validator_value
        first = wanted[0] if isinstance(wanted, list) else wanted
        net = _NET_TYPES.get(str(first), str(first))
        return f"The JSON value could not be converted to {net}. Path: {path} | LineNumber: 0 | BytePositionInLine: 0."
    if error.validator == "enum":
        return f"The JSON value {json.dumps(error.instance)} is not a valid value. Allowed: {', '.join(str(v) for v in error.validator_value if v is not None)}. Path: {path}."
    if error.validator == "format":
        return f"The JSON value could not be converted to {error.validator_value}. Path: {path} | LineNumber: 0 | BytePositionInLine: 0."
    return f"{error.message}. Path: {path}."


def _rule_message(error: jsonschema.ValidationError) -> str:
    path = ".".join(str(p) for p in error.absolute_path)
    where = f" ('{path}')" if path else ""
    if error.validator == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else error.message
        field = (path + "." if path else "") + missing
        return f"The {field} field is required."
    if error.validator == "maxLength":
        return (
            f"The field {path} must be a string with a maximum length of {error.validator_value}."
        )
    if error.validator == "minLength":
        return (
            f"The field {path} must be a string with a minimum length of {error.validator_value}."
        )
    if error.validator in ("minimum", "maximum"):
        return f"The field {path} must be {'at least' if error.validator == 'minimum' else 'at most'} {error.validator_value}, got {error.instance}."
    if error.validator in ("minItems", "maxItems"):
        return f"The field {path} has {len(error.instance)} items; {error.message}."
    return f"{error.message}{where}."


def parse_json(raw: bytes, *, required: bool) -> Any:
    """Decode a JSON body or raise the ProblemDetails an ASP.NET site gives for it."""
    if not raw.strip():
        if required:
            raise ApiError(400, problems={"": [_BODY_REQUIRED]})
        return None
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", 1) - 1
        pos = getattr(exc, "colno", 1) - 1
        raise ApiError(
            400,
            problems={
                "$": [
                    f"'{raw[:1].decode('latin-1')}' is an invalid JSON value. Path: $ | LineNumber: {line} | BytePositionInLine: {pos}."
                ],
                "body": ["The body field is required."],
            },
        ) from None
    if body is None and required:
        # ASP.NET's JSON input formatter treats the literal ``null`` as no value, so a
        # [FromBody] parameter refuses it exactly like an empty body
        raise ApiError(400, problems={"": [_BODY_REQUIRED]})
    return body


def validate_body(
    index: SchemaIndex, key: str, body: Any, schema: Mapping[str, Any] | None = None
) -> None:
    """Raise :class:`ApiError` for the first kind of problem the site would report."""
    errors = list(index.errors(key, body, schema))
    if not errors:
        return
    binding = [b for e in errors if _is_binding(e) for b in _binding_errors(e)]
    if binding:
        problems: dict[str, list[str]] = {}
        for err in binding:
            problems.setdefault(_json_path(err), []).append(_binding_message(err))
        raise ApiError(400, problems=problems)
    raise ApiError(400, " ".join(_rule_message(e) for e in errors[:5]))
