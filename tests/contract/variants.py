"""Deliberately broken Issuetrak sites: the mock, wrapped so that one rule is broken.

Each wrapper is an ASGI middleware around ``issuetrak_mock.create_app``; the suite must report
the deviation by the check that owns the rule (see test_variants.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]
# (scope, request body, status, headers, body) -> (status, headers, body)
ResponseRewrite = Callable[
    [Scope, bytes, int, list[tuple[bytes, bytes]], bytes],
    tuple[int, list[tuple[bytes, bytes]], bytes],
]
# (scope, headers, body) -> (headers, body)
RequestRewrite = Callable[
    [Scope, list[tuple[bytes, bytes]], bytes], tuple[list[tuple[bytes, bytes]], bytes]
]


class Rewriter:
    """Buffers one request and its response and lets callables change them for matching routes."""

    def __init__(
        self,
        app: App,
        method: str,
        path: str,
        *,
        request: RequestRewrite | None = None,
        response: ResponseRewrite | None = None,
    ) -> None:
        self.app, self.method = app, method.upper()
        self.path = re.compile(path, re.IGNORECASE)
        self.rewrite_request, self.rewrite_response = request, response

    def matches(self, scope: Scope) -> bool:
        return (
            scope["type"] == "http"
            and scope["method"] == self.method
            and bool(self.path.fullmatch(scope["path"]))
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.matches(scope):
            return await self.app(scope, receive, send)
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = list(scope.get("headers", []))
        if self.rewrite_request is not None:
            headers, body = self.rewrite_request(scope, headers, body)
            headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
        inner_scope = dict(scope, headers=headers)
        sent = False

        async def inner_receive() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(inner_scope, inner_receive, capture)
        status, out_headers, content = (
            start["status"],
            list(start.get("headers", [])),
            b"".join(chunks),
        )
        if self.rewrite_response is not None:
            status, out_headers, content = self.rewrite_response(
                scope, body, status, out_headers, content
            )
        out_headers = [(k, v) for k, v in out_headers if k.lower() != b"content-length"]
        out_headers.append((b"content-length", str(len(content)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": out_headers})
        await send({"type": "http.response.body", "body": content})


def json_edit(edit: Callable[[Any], None], *, only_status: int | None = 200) -> ResponseRewrite:
    """A response rewrite that edits the JSON body in place (on ``only_status`` answers)."""

    def rewrite(
        scope: Scope, request: bytes, status: int, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        if (only_status is not None and status != only_status) or not body:
            return status, headers, body
        data = json.loads(body)
        edit(data)
        return status, headers, json.dumps(data).encode()

    return rewrite


def wrong_status(app: App) -> App:
    """GET /Priorities/{iid} answers 202 instead of the documented 200."""

    def rewrite(
        scope: Scope, request: bytes, status: int, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        return (202 if status == 200 else status), headers, body

    return Rewriter(app, "GET", r"/api/v2/Priorities/[^/]+", response=rewrite)


def missing_required_field(app: App) -> App:
    """GET /Priorities/{iid} leaves out the required ``name``."""
    return Rewriter(
        app,
        "GET",
        r"/api/v2/Priorities/[^/]+",
        response=json_edit(lambda d: d["values"].pop("name", None)),
    )


def wrong_field_type(app: App) -> App:
    """GET /Priorities/{iid} sends ``iid`` as a string."""

    def edit(data: Any) -> None:
        data["values"]["iid"] = str(data["values"]["iid"])

    return Rewriter(app, "GET", r"/api/v2/Priorities/[^/]+", response=json_edit(edit))


def no_trace_id(app: App) -> App:
    """GET /Causes (whose schema does not require it) answers without ``traceId``."""
    return Rewriter(
        app, "GET", r"/api/v2/Causes", response=json_edit(lambda d: d.pop("traceId", None))
    )


def ignores_auth(app: App, token: str) -> App:
    """GET /Priorities/{iid} serves whoever asks: a missing or wrong token is replaced by a valid one."""

    def rewrite(
        scope: Scope, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> tuple[list[tuple[bytes, bytes]], bytes]:
        kept = [(k, v) for k, v in headers if k.lower() != b"x-api-key"]
        return [*kept, (b"x-api-key", token.encode())], body

    return Rewriter(app, "GET", r"/api/v2/Priorities/[^/]+", request=rewrite)


def server_error_on_bad_input(app: App) -> App:
    """POST /Causes crashes (500, plain text) on input it should reject with 400."""

    def rewrite(
        scope: Scope, request: bytes, status: int, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        if status == 400:
            return 500, [(b"content-type", b"text/plain")], b"Internal Server Error"
        return status, headers, body

    return Rewriter(app, "POST", r"/api/v2/Causes", response=rewrite)


def repeats_an_item(app: App) -> App:
    """GET /Users repeats the first item of page 1 at the top of every later page."""
    first: dict[str, Any] = {}

    def edit_page(
        scope: Scope, request: bytes, status: int, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        if status != 200:
            return status, headers, body
        data = json.loads(body)
        page = data.get("pagingInformation", {}).get("page")
        if page == 1 and data["values"]:
            first["item"] = data["values"][0]
        elif "item" in first and data["values"]:
            data["values"][0] = first["item"]
        return status, headers, json.dumps(data).encode()

    return Rewriter(app, "GET", r"/api/v2/Users", response=edit_page)


def items_past_page_count(app: App) -> App:
    """GET /Causes says every page it serves lies past the last (``pageCount`` = page - 1)."""

    def edit_page(
        scope: Scope, request: bytes, status: int, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        if status != 200:
            return status, headers, body
        data = json.loads(body)
        paging = data.get("pagingInformation", {})
        if isinstance(paging.get("page"), int):
            paging["pageCount"] = paging["page"] - 1
        return status, headers, json.dumps(data).encode()

    return Rewriter(app, "GET", r"/api/v2/Causes", response=edit_page)


def ignores_a_criterion(app: App) -> App:
    """POST /Causes/Search drops every criterion and pages through everything."""

    def rewrite(
        scope: Scope, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> tuple[list[tuple[bytes, bytes]], bytes]:
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return headers, body
        if isinstance(data, dict):
            data = {
                k: v
                for k, v in data.items()
                if k in ("pageNumber", "pageSize", "sortField", "sortDirection")
            }
        return headers, json.dumps(data).encode()

    return Rewriter(app, "POST", r"/api/v2/Causes/Search", request=rewrite)


def no_trace_id_site(label: str | None = None) -> tuple[App, str]:
    """``--app`` factory: the mock with GET /Causes answering without a traceId."""
    import issuetrak_mock

    app = issuetrak_mock.create_app(label, seed=0, rate_limits=None)
    return no_trace_id(app), app.state.tokens["admin"]
