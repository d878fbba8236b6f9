"""Issuetrak's response shapes: ApiResponse, ASP.NET ValidationProblemDetails, envelopes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

__all__ = ["ApiError", "api_response", "empty", "json_response", "problem_details"]

PROBLEM_TYPE = "https://tools.ietf.org/html/rfc9110#section-15.5.1"


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
        json.dumps(body, separators=(",", ":"), ensure_ascii=False),
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
        json.dumps(body, separators=(",", ":")),
        status_code=400,
        media_type="application/problem+json; charset=utf-8",
    )


def empty(status: int, headers: Mapping[str, str] | None = None) -> Response:
    return Response(b"", status_code=status, headers=dict(headers or {}))
