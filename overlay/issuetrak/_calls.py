"""Binding facade arguments to a generated operation, and turning its reply into a result.

Shared by the sync and async namespaces so both accept exactly the same arguments:

* positional arguments fill the path parameters (``iid``), then the body;
* ``body=`` may be a generated model, a mapping in wire names, a :class:`issuetrak.filters.Where`,
  or (for list bodies) a list of those;
* other keywords are query parameters (enum values may be given as strings) or fields of the
  body model in snake_case (``client.users.create(first_name="Ada", ...)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from ._catalog import OpSpec
from ._exceptions import IssuetrakError
from ._facade_errors import UnexpectedResponseError, UnknownFieldError, UsageError
from ._models import (
    check_field_value,
    coerce_enum,
    field_names,
    from_wire,
    is_model,
    strip_extras,
    to_wire,
    wire_name,
)
from ._options import CallOptions
from ._paging import DEFAULT_PAGE_SIZE
from ._raw import remember_trace
from ._reading import reading
from ._transport import EXTENSION
from ._usage import note_call
from .conventions.bodies import trace_id, trace_id_in

__all__ = [
    "Bound",
    "Reply",
    "bind",
    "decode",
    "model_from_fields",
    "request_for",
    "result",
    "stamp",
    "trace_id_of_reply",
    "unwrap",
]

_MISSING: Any = object()


@dataclass
class Bound:
    """Keyword arguments for ``sync_detailed``/``asyncio_detailed`` plus the paging plan."""

    spec: OpSpec
    kwargs: dict[str, Any] = field(default_factory=dict)
    paged: bool = False
    page_size: int = DEFAULT_PAGE_SIZE
    first_page: int = 1

    def for_page(self, number: int, size: int) -> dict[str, Any]:
        """The call's keyword arguments with the page number and size set."""
        import attrs

        kwargs = dict(self.kwargs)
        if self.spec.paged_by_query:
            kwargs["page_number"], kwargs["page_size"] = number, size
        else:
            kwargs["body"] = attrs.evolve(kwargs["body"], page_number=number, page_size=size)
        return kwargs


def model_from_fields(cls: type, fields: Mapping[str, Any], where: str, base: Any = None) -> Any:
    """Build a generated model from snake_case fields (optionally on top of ``base``).

    Values go through the model's own ``from_dict`` so enums may be strings, dates may be
    ``date``/``datetime`` or ISO strings and nested models may be dicts.
    """
    valid = field_names(cls)
    for name, value in fields.items():
        if name not in valid:
            raise UnknownFieldError(name, valid, where)
        check_field_value(cls, name, value, where)
    wire = dict(base.to_dict()) if base is not None else {}
    wire.update({wire_name(cls, k): to_wire(v) for k, v in fields.items()})
    return from_wire(cls, wire, where)


def _coerce_item(cls: type, value: Any, where: str) -> Any:
    if isinstance(value, cls):
        return value
    build = getattr(value, "build", None)
    if callable(build):  # a filters.Where
        return build(cls)
    if isinstance(value, Mapping):
        return from_wire(cls, to_wire(value), where)
    if is_model(value):
        raise UsageError(f"{where}: expected {cls.__name__}, got {type(value).__name__}")
    raise UsageError(f"{where}: cannot send {type(value).__name__} as {cls.__name__}")


def _is_filter_part(value: Any) -> bool:
    from .filters import Criterion, Entity, Where

    if isinstance(value, list | tuple):
        return any(_is_filter_part(v) for v in value)
    return isinstance(value, Criterion | Entity | Where)


def _names_criteria(cls: type, fields: dict[str, Any]) -> bool:
    """Whether search keywords hold criteria: a filter value, or a criteria field given a plain
    value (``search(first_name="Ada")``) or an option given by its snake_case value."""
    from ._filter_rules import criteria_fields, field_model

    if any(_is_filter_part(v) for v in fields.values()):
        return True
    inner = field_model(cls, "filter_") if "filter_" in field_names(cls) else cls
    return bool(set(fields) & {*criteria_fields(inner), "sort_field"})


def _criteria_keywords(cls: type, fields: dict[str, Any]) -> Any:
    """``search(first_name=contains("a"), sort_field="LastName")``: the criteria go through
    :func:`issuetrak.filters.where`, the rest (sorting, include options) onto the body."""
    from ._filter_rules import criteria_fields, field_model
    from .filters import where

    inner = field_model(cls, "filter_") if "filter_" in field_names(cls) else cls
    names = set(criteria_fields(inner))
    criteria = {k: v for k, v in fields.items() if k in names}
    options = {k: v for k, v in fields.items() if k not in names}
    return where(**criteria).build(cls, **options)


def _build_body(spec: OpSpec, body: Any, fields: dict[str, Any]) -> Any:
    cls = spec.body_cls
    assert cls is not None
    where = f"{spec.qualname} body ({cls.__name__})"
    if spec.body_is_list:
        if fields:
            raise UnknownFieldError(next(iter(fields)), ("body",), spec.qualname)
        if body is _MISSING:
            raise UsageError(f"{spec.qualname}: needs body=[...] of {cls.__name__}")
        items = body if isinstance(body, list | tuple) else [body]
        return [_coerce_item(cls, item, where) for item in items]
    if body is _MISSING:
        if not fields and spec.body_required and not spec.paged_by_body:
            raise UsageError(
                f"{spec.qualname}: needs a body ({cls.__name__}) or its fields as keywords"
            )
        if not fields and not spec.body_required and not spec.paged_by_body:
            return _MISSING
        if spec.paged_by_body and _names_criteria(cls, fields):
            return _criteria_keywords(cls, fields)  # search(first_name=contains("a"), ...)
        return model_from_fields(cls, fields, where)
    build = getattr(body, "build", None)
    if callable(build):
        return build(cls, **fields)
    model = _coerce_item(cls, body, where)
    return model_from_fields(cls, fields, where, base=model) if fields else model


def _whole(value: Any, name: str, spec: OpSpec) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise UsageError(f"{spec.qualname}: {name} must be an int, got {value!r}")
    return value


def bind(spec: OpSpec, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Bound:
    """Map facade arguments onto the generated function's parameters."""
    rest = list(args)
    kwargs = dict(kwargs)
    bound = Bound(spec=spec, paged=spec.paged_by_query or spec.paged_by_body)
    for name in spec.path_params:
        if rest:
            bound.kwargs[name] = rest.pop(0)
        elif name in kwargs:
            bound.kwargs[name] = kwargs.pop(name)
        else:
            raise TypeError(f"{spec.qualname}() missing required argument {name!r}")
    body = kwargs.pop("body", _MISSING)
    if rest and spec.body_cls is not None and body is _MISSING:
        body = rest.pop(0)
    if rest:
        raise TypeError(f"{spec.qualname}() got {len(args)} positional arguments; too many")
    if bound.paged:
        size, first = kwargs.pop("page_size", None), kwargs.pop("page_number", None)
        bound.page_size = DEFAULT_PAGE_SIZE if size is None else _whole(size, "page_size", spec)
        bound.first_page = 1 if first is None else _whole(first, "page_number", spec)
    for name in list(kwargs):
        if name in spec.query_params:
            value = kwargs.pop(name)
            enum_cls = spec.enum_for(name)
            if enum_cls is not None and value is not None:
                value = coerce_enum(enum_cls, value, f"{spec.qualname}({name}=...)")
            bound.kwargs[name] = value
    if spec.body_cls is not None:
        built = _build_body(spec, body, kwargs)
        if built is not _MISSING:
            bound.kwargs["body"] = built
    elif kwargs or body is not _MISSING:
        extra = next(iter(kwargs)) if kwargs else "body"
        raise UnknownFieldError(extra, (*spec.path_params, *spec.query_params), spec.qualname)
    return bound


def _status_error(spec: OpSpec, response: Any) -> Exception:
    """An error for a non-2xx reply that reached the facade (the policy layer normally raises)."""
    status = int(response.status_code)
    messages: list[str] = []
    info = getattr(response.parsed, "information", None)
    if isinstance(info, list):
        messages = [str(getattr(i, "message", "")) for i in info if getattr(i, "message", None)]
    text = "; ".join(messages) or "error reply"
    return UnexpectedResponseError(text, status_code=status, operation=spec.qualname)


# -- one exchange: the generated module builds the request and parses the reply -----------------
#
# ``_get_kwargs`` and ``_parse_response`` are the two halves of every generated operation module
# (openapi-python-client's endpoint template, pinned with the generator): the facade sends the
# request itself, through the client's httpx client, so that per-call options reach the request
# and the raw response stays in hand.


def request_for(client: Any, spec: OpSpec, kwargs: dict[str, Any], options: CallOptions) -> Any:
    """The ``httpx.Request`` of one call of ``spec`` (not sent)."""
    parts = spec.module._get_kwargs(**kwargs)
    if client._usage is not None:  # recording what the integration uses (off: this check only)
        note_call(client._usage, spec, kwargs, parts)
    extensions: dict[str, Any] = {EXTENSION: {**options.extensions, "decode_json": True}}
    headers = parts.get("headers")
    if options.headers:
        headers = {**(headers or {}), **options.headers}
    return client._http.build_request(
        parts["method"],
        parts["url"],
        params=parts.get("params"),
        json=parts.get("json"),
        files=parts.get("files"),
        headers=headers,
        timeout=options.timeout if options.timeout is not None else httpx.USE_CLIENT_DEFAULT,
        extensions=extensions,
    )


_NOT_DECODED: Any = object()


class Reply:
    """What a generated ``_parse_response`` reads, with the JSON the transport already decoded."""

    __slots__ = ("_json", "content", "headers", "status_code")

    def __init__(self, response: Any, body: Any) -> None:
        self.status_code = response.status_code
        self.content = response.content
        self.headers = response.headers
        self._json = body

    def json(self) -> Any:
        if self._json is _NOT_DECODED:
            import json

            self._json = json.loads(self.content)
        return self._json


def reply_body(response: Any) -> Any:
    """The decoded JSON body of a reply (decoded once, by the retry transport), or a marker."""
    meta = response.extensions.get(EXTENSION)
    return meta.get("json", _NOT_DECODED) if meta else _NOT_DECODED


def trace_id_of_reply(response: Any) -> str | None:
    """The ``traceId`` of a reply, from the body the transport decoded (or decoding it now)."""
    body = reply_body(response)
    if body is _NOT_DECODED:
        return trace_id_in(response.content)
    return trace_id(body)


def decode(client: Any, spec: OpSpec, response: Any) -> Any:
    """Parse a 2xx reply of ``spec`` with the client's read policy and check it (see :func:`result`).

    Anything the generated parser cannot make sense of (strict mode, or a body that is not the
    documented object at all) is an :class:`UnexpectedResponseError`.
    """
    policy = client._read_policy(spec.package)
    try:
        with reading(spec.package, policy):
            parsed = spec.module._parse_response(
                client=client._api, response=Reply(response, reply_body(response))
            )
    except IssuetrakError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UnexpectedResponseError(
            f"reply does not match the document ({type(exc).__name__}: {exc})",
            status_code=int(response.status_code),
            operation=spec.qualname,
            response=response,
        ) from exc
    return result(spec, _Parsed(response.status_code, parsed))


class _Parsed:
    __slots__ = ("parsed", "status_code")

    def __init__(self, status_code: int, parsed: Any) -> None:
        self.status_code = status_code
        self.parsed = parsed


def stamp(value: Any, trace_id: str | None) -> Any:
    """Record the reply's trace id for a returned model (see :func:`issuetrak.trace_id_of`)."""
    if trace_id is not None and is_model(value):
        remember_trace(value, trace_id)
    return value


def result(spec: OpSpec, response: Any) -> Any:
    """The parsed body of a 2xx reply, or an exception; never ``None`` for an error."""
    status = int(response.status_code)
    if not 200 <= status < 300:
        raise _status_error(spec, response)
    parsed = response.parsed
    if spec.success:
        if not isinstance(parsed, spec.success):
            expected = " or ".join(c.__name__ for c in spec.success)
            got = type(parsed).__name__ if parsed is not None else "no parsable body"
            raise UnexpectedResponseError(
                f"expected {expected}, got {got}", status_code=status, operation=spec.qualname
            )
        return parsed
    if spec.declares_api_response:
        if parsed is None:
            raise UnexpectedResponseError(
                "reply has no body", status_code=status, operation=spec.qualname
            )
        return parsed
    return None  # the document declares no body for this operation's success


def unwrap(spec: OpSpec, envelope: Any, status: int) -> Any:
    """``{traceId, values}`` envelopes -> ``values`` (the record); other replies unchanged."""
    if envelope is None or not is_model(envelope):
        return envelope
    envelope_cls: Any = type(envelope)
    names = field_names(envelope_cls)
    if "values" not in names or "paging_information" in names:
        return envelope
    values = envelope.values
    if values is None or type(values).__name__ == "Unset":
        raise UnexpectedResponseError(
            "reply has no 'values'", status_code=status, operation=spec.qualname
        )
    return values


def clean(model: Any) -> Any:
    """Strip undeclared properties from a model before sending it back."""
    return strip_extras(model)
