"""Issuetrak's response shapes: ApiResponse, ASP.NET ValidationProblemDetails, envelopes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response

__all__ = [
    "ApiError",
    "api_response",
    "dumps",
    "empty",
    "json_response",
    "problem",
    "problem_details",
    "text",
]

PROBLEM_TYPE = "https://tools.ietf.org/html/rfc9110#section-15.5.1"
_STATUS_TYPES = {
    408: "https://tools.ietf.org/html/rfc9110#section-15.5.9",
    413: "https://tools.ietf.org/html/rfc9110#section-15.5.14",
    415: "https://tools.ietf.org/html/rfc9110#section-15.5.16",
    500: "https://tools.ietf.org/html/rfc9110#section-15.6.1",
}
_STATUS_TITLES = {
    408: "Request Timeout",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    500: "An error occurred while processing your request.",
}


def dumps(body: Any) -> bytes:
    """A JSON document as the mock sends it (UTF-8, compact).

    orjson: a page of 25 issues is most of what a search costs, and orjson writes it seven
    times faster than json. It refuses what is not JSON (a lone surrogate, an integer beyond
    64 bits) rather than writing it; validation keeps such values out of the site's state.
    """
    return orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS)


class ApiError(Exception):
    """Raised by handlers: answered as ``ApiResponse`` (or ProblemDetails when ``problems``)."""

    def __init__(
        self,
        status: int,
        message: str = "",
        kind: str = "Validation",
        *,
        problems: Mapping[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind
        self.problems = dict(problems) if problems else None


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(
        dumps(body),
        status_code=status,
        media_type="application/json; charset=utf-8",
        headers=dict(headers or {}),
    )


def api_response(trace_id: str, status: int, kind: str, message: str) -> Response:
    return json_response(
        {"traceId": trace_id, "information": [{"type": kind, "message": message}]}, status
    )


def problem_details(trace_id: str, errors: Mapping[str, list[str]]) -> Response:
    body = {
        "type": PROBLEM_TYPE,
        "title": "One or more validation errors occurred.",
        "status": 400,
        "errors": dict(errors),
        "traceId": trace_id,
    }
    return Response(
        dumps(body), status_code=400, media_type="application/problem+json; charset=utf-8"
    )


def problem(
    trace_id: str, status: int, detail: str | None = None, headers: Mapping[str, str] | None = None
) -> Response:
    """The RFC 9457 ProblemDetails ASP.NET answers a status with (408, 413, 415, 500)."""
    body: dict[str, Any] = {
        "type": _STATUS_TYPES.get(status, PROBLEM_TYPE),
        "title": _STATUS_TITLES.get(status, "Bad Request"),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body["traceId"] = trace_id
    return Response(
        dumps(body),
        status_code=status,
        media_type="application/problem+json; charset=utf-8",
        headers=dict(headers or {}),
    )


def text(status: int, body: str, headers: Mapping[str, str] | None = None) -> Response:
    """A ``text/plain`` answer (a rate limiter's quota message)."""
    return Response(
        body.encode(),
        status_code=status,
        media_type="text/plain; charset=utf-8",
        headers=dict(headers or {}),
    )


def empty(status: int, headers: Mapping[str, str] | None = None) -> Response:
    return Response(b"", status_code=status, headers=dict(headers or {}))
