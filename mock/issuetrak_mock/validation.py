"""Request validation the way an Issuetrak (ASP.NET) site answers it.

Two outcomes, as the document's troubleshooting guide describes:

* the body cannot be bound (malformed JSON, a wrong JSON type, an unknown enum value, a bad date):
  ``400`` ValidationProblemDetails with ``errors{"$.path": [message]}``;
* it binds but breaks a rule (a required field missing, a string too long, a number out of range):
  ``400`` ApiResponse with ``information[{type: "Validation", message}]``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import jsonschema  # type: ignore[import-untyped]

from .responses import ApiError
from .schemas import SchemaIndex

__all__ = ["MAX_DEPTH", "json_charset", "parse_json", "validate_body"]

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


#: System.Text.Json's default ``MaxDepth``: a body nested deeper cannot be bound.
MAX_DEPTH = 64
# longer integers are read as numbers (Double), as .NET binds them; beyond 1e308 they are
# infinite and refused (Python's int() also refuses strings over 4300 digits)
_MAX_INT_DIGITS = 18
_JSON_MEDIA = re.compile(r"^(application/json|text/json|application/[\w.+-]+\+json)$")
_CHARSETS = {"utf-8": "utf-8-sig", "utf8": "utf-8-sig", "utf-16": "utf-16", "unicode": "utf-16"}


def _position(text: str, index: int) -> str:
    line = text.count("\n", 0, index)
    column = index - (text.rfind("\n", 0, index) + 1)
    return f"LineNumber: {line} | BytePositionInLine: {column}"


def _malformed(message: str) -> ApiError:
    return ApiError(400, problems={"$": [message], "body": ["The body field is required."]})


class _Literal(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _refuse_literal(name: str) -> Any:
    raise _Literal(name)


def _integer(digits: str) -> int | float:
    return int(digits) if len(digits) <= _MAX_INT_DIGITS else float(digits)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # a Python call per object: the C decoder otherwise holds the interpreter lock from the first
    # byte to the last (half a second for 4 MB), and a worker thread parsing a large body would
    # stall the event loop all that time; here other threads may run at every object
    return dict(pairs)


_DECODER = json.JSONDecoder(parse_constant=_refuse_literal, parse_int=_integer)
_SHARING_DECODER = json.JSONDecoder(
    parse_constant=_refuse_literal, parse_int=_integer, object_pairs_hook=_object
)


def json_charset(content_type: str) -> str:
    """The codec of a JSON request body, or :class:`ApiError` 415 for a media type or charset
    ASP.NET's JSON input formatter does not read (it reads JSON in UTF-8 and UTF-16)."""
    media, _, params = content_type.partition(";")
    if not _JSON_MEDIA.match(media.strip().lower()):
        shown = content_type.strip() or "none"
        raise ApiError(415, f"The request content type ({shown}) is not JSON.")
    charset = "utf-8"
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    codec = _CHARSETS.get(charset)
    if codec is None:
        raise ApiError(415, f"The request charset ({charset}) is not supported; send UTF-8.")
    return codec


def parse_json(
    raw: bytes,
    *,
    required: bool,
    codec: str = "utf-8-sig",
    share_lock: bool = False,
    screen: Callable[[str], None] | None = None,
) -> Any:
    """Decode a JSON body or raise the ProblemDetails an ASP.NET site gives for it.

    ``share_lock``: let other threads run while it is decoded (a large body, decoded in a
    worker thread, a little slower). ``screen``: called with the body's text before it is
    parsed (to refuse, by raising, a body whose objects are not worth building).

    What System.Text.Json refuses is refused, so that nothing the mock could not send back
    is ever stored: ``NaN`` and ``Infinity`` (not JSON), nesting deeper than :data:`MAX_DEPTH`,
    strings or names holding a lone UTF-16 surrogate (``"\\ud800"``), numbers beyond a Double.
    """
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as exc:
        raise _malformed(
            f"'0x{raw[exc.start]:02X}' is invalid within a JSON string; the body is not valid "
            f"{codec.removesuffix('-sig').upper()}. Path: $ | LineNumber: 0 | "
            f"BytePositionInLine: {exc.start}."
        ) from None
    if not text.strip():
        if required:
            raise ApiError(400, problems={"": [_BODY_REQUIRED]})
        return None
    if screen is not None:
        screen(text)
    try:
        body = (_SHARING_DECODER if share_lock else _DECODER).decode(text)
    except json.JSONDecodeError as exc:
        found = repr(text[exc.pos : exc.pos + 1]) if exc.pos < len(text) else "end of input"
        raise _malformed(
            f"{found} is an invalid JSON value ({exc.msg}). Path: $ | {_position(text, exc.pos)}."
        ) from None
    except _Literal as exc:
        raise _malformed(
            f"'{exc.name[0]}' is an invalid start of a value. Path: $ | "
            f"{_position(text, max(0, text.find(exc.name)))}."
        ) from None
    except RecursionError:
        raise _malformed(_too_deep("$")) from None
    if body is None and required:
        # ASP.NET's JSON input formatter treats the literal ``null`` as no value, so a
        # [FromBody] parameter refuses it exactly like an empty body
        raise ApiError(400, problems={"": [_BODY_REQUIRED]})
    _check_servable(body)
    return body


def _too_deep(path: str) -> str:
    return (
        f"The maximum configured depth of {MAX_DEPTH} has been exceeded. Cannot read next "
        f"JSON object. Path: {path} | LineNumber: 0 | BytePositionInLine: 0."
    )


def _path_text(path: tuple[str | int, ...]) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def _bad_text(value: str) -> str | None:
    """The first lone surrogate of ``value`` as System.Text.Json names it, or ``None``."""
    if value.isascii():
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"0x{ord(value[exc.start]):X}"
    return None


def _check_servable(body: Any) -> None:
    # iterative: a body nested 60 deep is fine, but recursion is not where bad input belongs
    problems: dict[str, list[str]] = {}
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(body, ())]
    while stack and len(problems) < 5:
        value, path = stack.pop()
        if isinstance(value, dict):
            if len(path) >= MAX_DEPTH:
                raise _malformed(_too_deep(_path_text(path)))
            for key, item in value.items():
                bad = _bad_text(key)
                if bad is not None:
                    problems[_path_text(path)] = [_surrogate(bad, _path_text(path))]
                    continue
                stack.append((item, (*path, key)))
        elif isinstance(value, list):
            if len(path) >= MAX_DEPTH:
                raise _malformed(_too_deep(_path_text(path)))
            stack.extend((item, (*path, n)) for n, item in enumerate(value))
        elif isinstance(value, str):
            bad = _bad_text(value)
            if bad is not None:
                problems[_path_text(path)] = [_surrogate(bad, _path_text(path))]
        elif isinstance(value, float) and not math.isfinite(value):
            where = _path_text(path)
            problems[where] = [
                f"The JSON value could not be converted to System.Double. Path: {where} | "
                "LineNumber: 0 | BytePositionInLine: 0."
            ]
    if problems:
        raise ApiError(400, problems=problems)


def _surrogate(value: str, path: str) -> str:
    return (
        f"Cannot read invalid UTF-16 JSON text as valid UTF-8. Invalid surrogate value: "
        f"'{value}'. Path: {path} | LineNumber: 0 | BytePositionInLine: 0."
    )


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
