"""A tiny, document-driven ASGI stand-in for an Issuetrak site, for testing the suite itself.

It knows nothing but the routes of the document and Issuetrak's envelope rules: 401 without a
body for a bad token, every list and search an empty page, every iid unknown (404), every write
refused with a validation ``ApiResponse``, malformed JSON a ``ValidationProblemDetails``. That is
a small but *conforming* site; the real behaviour lives in ``issuetrak_mock``.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from issuetrak.spec import iter_operations

TOKEN = "toy-token-0123456789"
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
_counter = itertools.count(1)


def _route_table(document: Mapping[str, Any]) -> list[tuple[re.Pattern[str], str, str]]:
    table = []
    for op in iter_operations(document):
        pattern = re.sub(r"\\\{[^}]+\\\}", r"(?P<p>[^/]+)", re.escape(op.path))
        table.append((re.compile(f"^/api/v2{pattern}/?$", re.IGNORECASE), op.method, op.path))
    # literal segments win over parameters (/Issues/Search before /Issues/{iid})
    table.sort(key=lambda row: row[2].count("{"))
    return table


def make_app(document: Mapping[str, Any]) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    from issuetrak._contract.paging import paged_operations

    routes = _route_table(document)
    paged = {op.path for op in paged_operations(document)}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break

        async def answer(status: int, payload: Any = None) -> None:
            content = b"" if payload is None else json.dumps(payload).encode()
            headers = (
                [(b"content-type", b"application/json; charset=utf-8")]
                if payload is not None
                else []
            )
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": content})

        trace = f"0HTOY{next(_counter):08d}:00000001"
        path, method = scope["path"], scope["method"]
        matched = [r for r in routes if r[0].match(path)]
        if not matched:
            return await answer(
                404,
                {
                    "traceId": trace,
                    "information": [{"type": "NotFound", "message": "no such route"}],
                },
            )
        route = next((r for r in matched if r[1] == method), None)
        if route is None:
            return await answer(
                405,
                {
                    "traceId": trace,
                    "information": [{"type": "Validation", "message": "method not allowed"}],
                },
            )
        headers = {k.decode().lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if headers.get("x-api-key") != TOKEN:
            return await answer(401)
        if method in ("POST", "PUT", "PATCH", "DELETE") and body:
            try:
                json.loads(body)
            except ValueError:
                return await answer(
                    400,
                    {
                        "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
                        "title": "One or more validation errors occurred.",
                        "status": 400,
                        "errors": {"$": ["malformed JSON"]},
                        "traceId": trace,
                    },
                )
        if route[2] == "/Authenticate/test":
            return await answer(200)
        if route[2] in paged:
            empty = {
                "traceId": trace,
                "values": [],
                "pagingInformation": {"page": 1, "itemTotal": 0, "pageCount": 0},
            }
            return await answer(200, empty)
        if (method == "GET" and "{" not in route[2]) or (
            route[2].lower().endswith("/search") and method == "POST"
        ):
            return await answer(
                400,
                {
                    "traceId": trace,
                    "information": [{"type": "Validation", "message": "toy: no data"}],
                },
            )
        if "{" in route[2]:
            return await answer(
                404,
                {"traceId": trace, "information": [{"type": "NotFound", "message": "not found"}]},
            )
        return await answer(
            400,
            {
                "traceId": trace,
                "information": [{"type": "Validation", "message": "toy: writes are refused"}],
            },
        )

    return app


def create_app(label: str | None = None) -> tuple[Any, str]:
    """``(app, token)`` for the document of ``label``; the form ``--app`` expects."""
    from issuetrak.spec import load_document

    return make_app(load_document(label)), TOKEN
