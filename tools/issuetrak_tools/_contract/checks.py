"""Issuetrak's own response rules, as schemathesis checks.

Each check is a plain function ``(ctx, response, case)`` passed to schemathesis as an additional
check (not registered globally, so other schemathesis users in the process are unaffected);
the check's name is what reports show, so a deviation is named by the rule it breaks:

* ``trace_id_present`` - every JSON response carries a non-empty string ``traceId``;
* ``unauthorized_without_body`` - a 401 answer has an empty body;
* ``unsupported_media_type_for_json`` - a 415 answers only a request that sent no JSON body (the
  contract document tolerates 415 for those, as ASP.NET Core answers them);
* ``error_body_shape`` - 400/403/404 bodies are ``ApiResponse`` or ASP.NET
  ``ValidationProblemDetails``;
* ``paging_envelope`` - one page on its own: ``len(values) <= pageSize``, and a page numbered past
  ``pageCount`` holds no values (see :func:`page_past_count_has_items`; the invariants that need several pages live in :mod:`issuetrak_tools._contract.paging`);
* ``search_matches_filter`` - every item a search returns satisfies every criterion that was sent,
  for criteria kinds that compare with a field of the returned items (:mod:`.search`).

A check returns ``True`` ("skipped", in schemathesis's terms) when the response gives it nothing
to judge, so the report lists only checks that really ran (:func:`applies` does the same for
schemathesis's own checks).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import jsonschema_rs
from issuetrak.conventions import is_json_content_type
from issuetrak_tools._contract.datetimes import install_date_time_tolerance
from issuetrak_tools._contract.search import unmatched_items
from schemathesis import Case, CheckContext, Response
from schemathesis.core.parameters import ParameterLocation

__all__ = [
    "ISSUETRAK_CHECKS",
    "api_response_is_valid",
    "applies",
    "error_body_shape",
    "page_past_count_has_items",
    "paging_envelope",
    "search_matches_filter",
    "trace_id_present",
    "unauthorized_without_body",
    "unsupported_media_type_for_json",
]

install_date_time_tolerance()

AnyCase = Case[Any]

# ASP.NET Core's ValidationProblemDetails as Issuetrak sends it for malformed input; it is not
# declared in the document, so the shape is stated here (RFC 7807 plus ``errors`` and ``traceId``).
VALIDATION_PROBLEM_DETAILS: dict[str, Any] = {
    "type": "object",
    "required": ["title", "status", "errors", "traceId"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "traceId": {"type": "string", "minLength": 1},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}
_VPD = jsonschema_rs.Draft4Validator(VALIDATION_PROBLEM_DETAILS)


def _is_json(response: Response) -> bool:
    return is_json_content_type(",".join(response.headers.get("content-type", [])))


def _json_body(response: Response) -> Any:
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None


def trace_id_present(ctx: CheckContext, response: Response, case: AnyCase) -> bool | None:
    """Every JSON response carries a ``traceId`` so a support ticket can quote it."""
    if not response.content or not _is_json(response):
        return True
    body = _json_body(response)
    if not isinstance(body, Mapping):
        raise AssertionError(
            f"{response.status_code} JSON response is not an object, so it has no traceId"
        )
    trace = body.get("traceId")
    if not isinstance(trace, str) or not trace.strip():
        raise AssertionError(f"{response.status_code} JSON response has no traceId (got {trace!r})")
    return None


def unauthorized_without_body(ctx: CheckContext, response: Response, case: AnyCase) -> bool | None:
    """Issuetrak answers a missing, unknown or expired token with 401 and no body at all."""
    if response.status_code != 401:
        return True
    if response.content:
        raise AssertionError(
            f"401 response has a body of {len(response.content)} bytes; Issuetrak sends none"
        )
    return None


def unsupported_media_type_for_json(
    ctx: CheckContext, response: Response, case: AnyCase
) -> bool | None:
    """A 415 is ASP.NET's answer to a body that is not JSON; to a JSON body it is a deviation."""
    if response.status_code != 415:
        return True
    request = getattr(response, "request", None)
    sent = str(getattr(request, "headers", {}).get("Content-Type", "") or "").lower()
    media = sent.split(";", 1)[0].strip()
    if media == "application/json" or media.endswith("+json"):
        raise AssertionError(f"415 Unsupported Media Type for a request sent as {media}")
    return None


# per loaded document (keyed by the id of its raw dict, which lives as long as the schema object)
_API_RESPONSE: dict[int, tuple[Any, jsonschema_rs.Validator]] = {}
_SHAPES: dict[tuple[int, str], Any] = {}


def _api_response_validator(case: AnyCase) -> jsonschema_rs.Validator:
    raw = case.operation.schema.raw_schema
    cached = _API_RESPONSE.get(id(raw))
    if cached is None or cached[0] is not raw:
        schemas = raw.get("components", {}).get("schemas", {})
        schema = {"$ref": "#/components/schemas/ApiResponse", "components": {"schemas": schemas}}
        cached = _API_RESPONSE[id(raw)] = (raw, jsonschema_rs.Draft4Validator(schema))
    return cached[1]


def api_response_is_valid(case: AnyCase, body: Any) -> bool:
    """Whether ``body`` is an ``ApiResponse`` of the case's document."""
    return bool(_api_response_validator(case).is_valid(body))


def _shape_for(case: AnyCase) -> Any:
    from issuetrak_tools._contract.semantics import search_shape

    raw = case.operation.schema.raw_schema
    key = (id(raw), case.operation.label)
    shape = _SHAPES.get(key)
    if shape is None:
        shape = _SHAPES[key] = search_shape(raw, case.operation.definition.raw)
    return shape


def error_body_shape(ctx: CheckContext, response: Response, case: AnyCase) -> bool | None:
    """A 400, 403 or 404 answer is an ``ApiResponse`` or a ``ValidationProblemDetails``.

    These are the error statuses Issuetrak documents with a body. Others are left alone: 401 has
    its own rule, 429 is the rate limiter's, and 405/415 come from the web framework's routing
    (with the ``Allow`` header schemathesis checks) before any Issuetrak code runs.
    """
    status = response.status_code
    if status not in (400, 403, 404):
        return True
    if case.method.upper() != case.operation.method.upper():
        # an undeclared method (coverage phase) is answered by routing, not by Issuetrak
        return True
    if (
        not response.content
        and status == 404
        and case.meta is not None
        and case.meta.is_negative_at(ParameterLocation.PATH)
    ):
        # a path value of the wrong type matches no route at all; ASP.NET answers that with an empty 404
        return True
    body = _json_body(response)
    if body is None:
        raise AssertionError(
            f"{status} response is not JSON; expected ApiResponse or ValidationProblemDetails"
        )
    if _api_response_validator(case).is_valid(body) or _VPD.is_valid(body):
        return None
    keys = sorted(body) if isinstance(body, Mapping) else type(body).__name__
    raise AssertionError(
        f"{status} body is neither ApiResponse {{traceId, information[{{type, message}}]}} nor "
        f"ValidationProblemDetails {{title, status, errors, traceId}}; it has {keys}"
    )


def _requested_page_size(case: AnyCase) -> int | None:
    candidates: list[Any] = []
    for key, value in (case.query or {}).items():
        if key.lower() == "pagesize":
            candidates.append(value)
    if isinstance(case.body, Mapping):
        candidates.append(case.body.get("pageSize"))
    for value in candidates:
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 100:
            return value
        if isinstance(value, str) and value.isdigit() and 1 <= int(value) <= 100:
            return int(value)
    return None


def page_past_count_has_items(page: Any, page_count: Any, values: list[Any]) -> bool:
    """True when a page numbered past ``pageCount`` carries values: the paging invariant.

    ``page <= pageCount`` is not the rule: asked for a page past the end, an Issuetrak site
    answers with the page number that was asked for and no values (``pageCount`` 5, page
    2147483646), and an empty result set is page 1 of ``pageCount`` 0. Neither misleads a client
    that stops at ``pageCount`` or at an empty page. What would mislead it is an item on a page it
    never reaches by counting to ``pageCount``, so that is what is reported.
    """
    if not isinstance(page, int) or not isinstance(page_count, int):
        return False
    return page > page_count and len(values) > 0


def paging_envelope(ctx: CheckContext, response: Response, case: AnyCase) -> bool | None:
    """One page is consistent with itself: at most ``pageSize`` values, none past ``pageCount``."""
    if response.status_code != 200 or not _is_json(response):
        return True
    body = _json_body(response)
    if not isinstance(body, Mapping) or not isinstance(body.get("pagingInformation"), Mapping):
        return True
    values, paging = body.get("values"), body["pagingInformation"]
    if not isinstance(values, list):
        return True
    page, count, total = paging.get("page"), paging.get("pageCount"), paging.get("itemTotal")
    size = _requested_page_size(case)
    problems: list[str] = []
    if size is not None and len(values) > size:
        problems.append(f"{len(values)} values on a page of pageSize {size}")
    if len(values) > 100:
        problems.append(f"{len(values)} values on one page; Issuetrak pages hold at most 100")
    if page_past_count_has_items(page, count, values):
        problems.append(f"page {page} > pageCount {count} yet holds {len(values)} value(s)")
    if isinstance(total, int) and len(values) > total:
        problems.append(f"{len(values)} values but itemTotal {total}")
    if problems:
        raise AssertionError("paging envelope is inconsistent: " + "; ".join(problems))
    return None


def search_matches_filter(ctx: CheckContext, response: Response, case: AnyCase) -> bool | None:
    """Every item a ``POST .../Search`` returns satisfies every judged criterion of the request."""
    if case.method.upper() != "POST" or not case.path.lower().endswith("/search"):
        return True
    if response.status_code != 200 or not isinstance(case.body, Mapping):
        return True
    body = _json_body(response)
    if not isinstance(body, Mapping) or not isinstance(body.get("values"), list):
        return True
    shape = _shape_for(case)
    problems = unmatched_items(shape.criteria_in(case.body), body["values"], shape.kinds)
    if problems:
        criterion, item = problems[0]
        ident = item.get("iid", item.get("id", "?")) if isinstance(item, Mapping) else "?"
        raise AssertionError(
            f"search returned {len({id(i) for _, i in problems})} item(s) that do not match the filter sent; "
            f"first: item iid={ident} has {criterion.field}={item.get(criterion.field)!r}, "
            f"criterion {criterion.describe()}"
        )
    return None


def _mode(case: AnyCase) -> str | None:
    meta = case.meta
    if meta is None:
        return "positive"
    return str(getattr(meta.generation.mode, "value", meta.generation.mode))


def applies(name: str, case: AnyCase, response: Response) -> bool:
    """Whether a check that passed on ``response`` could have failed there.

    A run's report lists only checks that could fire in its mode. schemathesis reports every
    check it called as passed, also where the check has nothing to judge: ``use_after_free``
    outside a link-driven sequence, ``negative_data_rejection`` on a valid case, and so on.
    The suite's own checks answer "skipped" themselves when they do not apply.
    """
    if name in ("use_after_free", "ensure_resource_availability"):
        return ctx_is_stateful(case)
    if name == "negative_data_rejection":
        return _mode(case) == "negative"
    if name == "positive_data_acceptance":
        return _mode(case) == "positive" and case.method.upper() == "GET"
    if name == "missing_required_header":
        meta = case.meta
        return meta is not None and meta.is_negative_at(ParameterLocation.HEADER)
    if name == "unsupported_method":
        return case.method.upper() != case.operation.method.upper()
    if name == "allow_header_conformance":
        return response.status_code == 405
    return True


def empty_nullable_query(case: AnyCase) -> str | None:
    """The name of an optional, nullable query parameter ``case`` sends with an empty value.

    ASP.NET binds ``PageNumber=`` for an ``int?`` as null (the parameter left out), and the
    document promises no 400 for it: a negative case whose only fault may be such a value proves
    nothing when it is accepted, so ``negative_data_rejection`` does not judge it. An empty
    object counts: schemathesis sends it as ``PageSize=`` too (its "became object" case).
    """
    query = case.query or {}
    for parameter in case.operation.query:
        value = query.get(parameter.name)
        values = value if isinstance(value, list) else [value]
        if parameter.name not in query or any(v not in ("", None, {}) for v in values):
            continue
        schema = parameter.definition.get("schema", parameter.definition)
        if not parameter.is_required and isinstance(schema, Mapping) and schema.get("nullable"):
            return str(parameter.name)
    return None


def ctx_is_stateful(case: AnyCase) -> bool:
    meta = case.meta
    phase = getattr(getattr(meta, "phase", None), "name", None)
    return str(getattr(phase, "value", phase)) == "stateful"


ISSUETRAK_CHECKS = (
    trace_id_present,
    unauthorized_without_body,
    unsupported_media_type_for_json,
    error_body_shape,
    paging_envelope,
    search_matches_filter,
)
