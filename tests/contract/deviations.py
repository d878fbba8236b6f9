"""A harness of deviating Issuetrak sites: the mock behind an ASGI middleware that breaks one rule.

Each :class:`Deviation` is something real sites get wrong (a proxy that answers 401 with an HTML
or JSON page, a search that compares case-sensitively, a PUT that answers success and stores
nothing, ...), named, with the checks that must report it. ``deviate(name, app)`` wraps a mock app;
the tests serve it on loopback and run the live suite against it, and ``bench/bench_checks.py``
measures the share the suite catches, read-only and with writes.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]


@dataclass
class Exchange:
    """One request and (once the app answered) its response, as a deviation may change them."""

    method: str
    path: str  # below /api/v2
    query: dict[str, str]
    headers: Headers
    body: bytes
    status: int = 0
    response_headers: Headers = field(default_factory=list)
    response_body: bytes = b""

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None

    def response_json(self) -> Any:
        try:
            return json.loads(self.response_body or b"null")
        except ValueError:
            return None

    def set_json(self, data: Any) -> None:
        self.body = json.dumps(data).encode()

    def set_response_json(self, data: Any) -> None:
        self.response_body = json.dumps(data).encode()

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.decode("latin-1").lower() == name.lower():
                return value.decode("latin-1")
        return None


class Middleware:
    """Buffers each API request and response so ``before``/``after`` can rewrite them;
    ``before`` may answer by itself (an ``Exchange`` with a status)."""

    def __init__(
        self,
        app: App,
        *,
        before: Callable[[Exchange], None] | None = None,
        after: Callable[[Exchange], None] | None = None,
    ) -> None:
        self.app, self.before, self.after = app, before, after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        prefix = "/api/v2"
        if scope["type"] != "http" or not scope["path"].lower().startswith(prefix):
            return await self.app(scope, receive, send)
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        exchange = Exchange(
            method=scope["method"],
            path=scope["path"][len(prefix) :] or "/",
            query=dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"))),
            headers=list(scope.get("headers", [])),
            body=body,
        )
        if self.before is not None:
            self.before(exchange)
        if not exchange.status:
            await self._call_app(scope, exchange)
            if self.after is not None:
                self.after(exchange)
        headers = [(k, v) for k, v in exchange.response_headers if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(exchange.response_body)).encode()))
        await send({"type": "http.response.start", "status": exchange.status, "headers": headers})
        await send({"type": "http.response.body", "body": exchange.response_body})

    async def _call_app(self, scope: Scope, exchange: Exchange) -> None:
        headers = [(k, v) for k, v in exchange.headers if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(exchange.body)).encode()))
        inner = dict(
            scope,
            headers=headers,
            query_string=urlencode(exchange.query).encode("latin-1"),
            path=scope["path"][: len("/api/v2")] + exchange.path,
        )
        sent = False

        async def inner_receive() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": exchange.body, "more_body": False}

        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                exchange.status = message["status"]
                exchange.response_headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(inner, inner_receive, capture)
        exchange.response_body = b"".join(chunks)


# -- helpers -----------------------------------------------------------------------------------

PAGING_KEYS = {"pageNumber", "pageSize", "sortField", "sortDirection", "includeProperties"}
_ITEM = re.compile(r"^/[^/]+/\d+$")


def _is_search(ex: Exchange) -> bool:
    return ex.method == "POST" and ex.path.lower().endswith("/search")


def _records(data: Any) -> list[dict[str, Any]]:
    """The records of an answer: ``values`` (a list, or one record)."""
    values = data.get("values") if isinstance(data, dict) else None
    if isinstance(values, list):
        return [v for v in values if isinstance(v, dict)]
    return [values] if isinstance(values, dict) else []


def _edit_records(edit: Callable[[dict[str, Any]], None]) -> Callable[[Exchange], None]:
    def after(ex: Exchange) -> None:
        if ex.status not in (200, 201):
            return
        data = ex.response_json()
        records = _records(data)
        if not records:
            return
        for record in records:
            edit(record)
        ex.set_response_json(data)

    return after


def _criteria_scope(body: Any) -> dict[str, Any] | None:
    if not isinstance(body, dict):
        return None
    nested = body.get("filter")
    return nested if isinstance(nested, dict) else body


def _criteria(body: Any) -> dict[str, Any]:
    scope = _criteria_scope(body) or {}
    return {
        k: v
        for k, v in scope.items()
        if k not in PAGING_KEYS and isinstance(v, dict) and "type" in v
    }


def _json_answer(status: int, data: Any) -> tuple[int, Headers, bytes]:
    return (
        status,
        [(b"content-type", b"application/json; charset=utf-8")],
        json.dumps(data).encode(),
    )


def _dropping_criteria(drop: Callable[[dict[str, Any]], bool]) -> Callable[[Exchange], None]:
    """A ``before`` that removes the search criteria ``drop`` picks, before the site sees them."""

    def before(ex: Exchange) -> None:
        if _is_search(ex):
            body = ex.json()
            scope = _criteria_scope(body)
            if scope is not None:
                for key, criterion in _criteria(body).items():
                    if drop(criterion):
                        scope.pop(key, None)
                ex.set_json(body)

    return before


def _keep_results(ex: Exchange, keep: Callable[[dict[str, Any]], bool]) -> None:
    """Leave only the results ``keep`` accepts in a search answer, itemTotal adjusted."""
    data = ex.response_json()
    kept = [r for r in data.get("values", []) if keep(r)]
    paging = data.get("pagingInformation")
    if isinstance(paging, dict) and isinstance(paging.get("itemTotal"), int):
        paging["itemTotal"] -= len(data.get("values", [])) - len(kept)
    data["values"] = kept
    ex.set_response_json(data)


# -- the deviations ----------------------------------------------------------------------------


def status_202_for_get(app: App, ctx: Mapping[str, Any]) -> App:
    def after(ex: Exchange) -> None:
        if ex.method == "GET" and _ITEM.match(ex.path) and ex.status == 200:
            ex.status = 202

    return Middleware(app, after=after)


def missing_required_field(app: App, ctx: Mapping[str, Any]) -> App:
    return Middleware(app, after=_edit_records(lambda r: r.pop("name", None)))


def iid_as_string(app: App, ctx: Mapping[str, Any]) -> App:
    def edit(record: dict[str, Any]) -> None:
        if isinstance(record.get("iid"), int):
            record["iid"] = str(record["iid"])

    return Middleware(app, after=_edit_records(edit))


def undocumented_field(app: App, ctx: Mapping[str, Any]) -> App:
    return Middleware(app, after=_edit_records(lambda r: r.setdefault("legacyCode", "L-1")))


def date_time_not_iso(app: App, ctx: Mapping[str, Any]) -> App:
    def edit(record: dict[str, Any]) -> None:
        value = record.get("createdDate")
        if isinstance(value, str) and "T" in value:
            date, time = value.split("T", 1)
            year, month, day = date.split("-")
            record["createdDate"] = f"{month}/{day}/{year} {time[:8]}"

    return Middleware(app, after=_edit_records(edit))


def no_trace_id(app: App, ctx: Mapping[str, Any]) -> App:
    def after(ex: Exchange) -> None:
        data = ex.response_json()
        if isinstance(data, dict) and "traceId" in data and "values" in data:
            data.pop("traceId")
            ex.set_response_json(data)

    return Middleware(app, after=after)


def wrong_content_type(app: App, ctx: Mapping[str, Any]) -> App:
    def after(ex: Exchange) -> None:
        if ex.status == 200:
            ex.response_headers = [
                (k, b"text/plain; charset=utf-8" if k.lower() == b"content-type" else v)
                for k, v in ex.response_headers
            ]

    return Middleware(app, after=after)


def unauthorized_with_json_body(app: App, ctx: Mapping[str, Any]) -> App:
    def after(ex: Exchange) -> None:
        if ex.status == 401:
            ex.status, ex.response_headers, ex.response_body = _json_answer(
                401, {"message": "Authorization has been denied for this request."}
            )

    return Middleware(app, after=after)


def reads_without_token(app: App, ctx: Mapping[str, Any]) -> App:
    """GETs without a token are served (as the admin): an anonymous-access setting left on."""

    def before(ex: Exchange) -> None:
        if ex.method == "GET" and ex.header("x-api-key") is None:
            ex.headers.append((b"x-api-key", str(ctx["token"]).encode()))

    return Middleware(app, before=before)


def server_error_on_bad_input(app: App, ctx: Mapping[str, Any]) -> App:
    def after(ex: Exchange) -> None:
        if ex.status == 400:
            ex.status, ex.response_headers = 500, [(b"content-type", b"text/html")]
            ex.response_body = b"<html><body>Server Error</body></html>"

    return Middleware(app, after=after)


def error_body_not_api_response(app: App, ctx: Mapping[str, Any]) -> App:
    def after(ex: Exchange) -> None:
        if ex.status in (400, 404):
            data = ex.response_json()
            trace = data.get("traceId", "t") if isinstance(data, dict) else "t"
            ex.status, ex.response_headers, ex.response_body = _json_answer(
                ex.status, {"traceId": trace, "error": "Request failed"}
            )

    return Middleware(app, after=after)


def not_found_as_empty_200(app: App, ctx: Mapping[str, Any]) -> App:
    def after(ex: Exchange) -> None:
        if ex.method == "GET" and _ITEM.match(ex.path) and ex.status == 404:
            data = ex.response_json()
            trace = data.get("traceId", "t") if isinstance(data, dict) else "t"
            ex.status, ex.response_headers, ex.response_body = _json_answer(
                200, {"traceId": trace, "values": None}
            )

    return Middleware(app, after=after)


def _paged(
    edit: Callable[[Exchange, dict[str, Any], dict[str, Any]], None],
) -> Callable[[Exchange], None]:
    def after(ex: Exchange) -> None:
        if ex.status != 200:
            return
        data = ex.response_json()
        paging = data.get("pagingInformation") if isinstance(data, dict) else None
        if not isinstance(paging, dict) or not isinstance(data.get("values"), list):
            return
        edit(ex, data, paging)
        ex.set_response_json(data)

    return after


def paging_repeats_item(app: App, ctx: Mapping[str, Any]) -> App:
    """Page 2 onwards starts with the last item of the page before (an offset off by one)."""

    def edit(ex: Exchange, data: dict[str, Any], paging: dict[str, Any]) -> None:
        page, values = paging.get("page"), data["values"]
        if isinstance(page, int) and page > 1 and values:
            size = len(values)
            body = ex.json() if ex.method == "POST" else None
            asked = (
                (body or {}).get("pageSize") if isinstance(body, dict) else ex.query.get("PageSize")
            )
            size = int(asked) if str(asked or "").isdigit() else size
            previous = ctx["site_records"](ex, page - 1, size)
            if previous:
                data["values"] = [previous[-1], *values[:-1]] if len(values) > 1 else [previous[-1]]

    return Middleware(app, after=_paged(edit))


def page_count_off(app: App, ctx: Mapping[str, Any]) -> App:
    def edit(ex: Exchange, data: dict[str, Any], paging: dict[str, Any]) -> None:
        if isinstance(paging.get("pageCount"), int) and paging["pageCount"] > 0:
            paging["pageCount"] += 1

    return Middleware(app, after=_paged(edit))


def item_total_off_by_one(app: App, ctx: Mapping[str, Any]) -> App:
    """itemTotal counts one record more than the site serves (a soft-deleted one, say)."""

    def edit(ex: Exchange, data: dict[str, Any], paging: dict[str, Any]) -> None:
        total = paging.get("itemTotal")
        if isinstance(total, int) and total > 0:
            paging["itemTotal"] = total + 1
            size = len(data["values"]) or 1
            asked = (
                ex.query.get("PageSize") or (ex.json() or {}).get("pageSize")
                if ex.method in ("GET", "POST")
                else None
            )
            size = int(asked) if str(asked or "").isdigit() else size
            paging["pageCount"] = -(-(total + 1) // size)

    return Middleware(app, after=_paged(edit))


def page_size_floor(app: App, ctx: Mapping[str, Any]) -> App:
    """Page sizes below 5 are raised to 5 (a server-side minimum the document does not state)."""

    def before(ex: Exchange) -> None:
        if (
            ex.method == "GET"
            and ex.query.get("PageSize", "").isdigit()
            and int(ex.query["PageSize"]) < 5
        ):
            ex.query["PageSize"] = "5"
        elif _is_search(ex):
            body = ex.json()
            if (
                isinstance(body, dict)
                and isinstance(body.get("pageSize"), int)
                and body["pageSize"] < 5
            ):
                body["pageSize"] = 5
                ex.set_json(body)

    return Middleware(app, before=before)


def page_number_ignored_past_one(app: App, ctx: Mapping[str, Any]) -> App:
    """Every page serves page 1's records (while saying the page number that was asked)."""

    def before(ex: Exchange) -> None:
        ex.query.setdefault("__page", ex.query.get("PageNumber", "1"))
        if ex.method == "GET" and "PageNumber" in ex.query:
            ex.query["PageNumber"] = "1"
        elif _is_search(ex):
            body = ex.json()
            if isinstance(body, dict) and isinstance(body.get("pageNumber"), int):
                ex.query["__page"] = str(body["pageNumber"])
                body["pageNumber"] = 1
                ex.set_json(body)

    def edit(ex: Exchange, data: dict[str, Any], paging: dict[str, Any]) -> None:
        asked = ex.query.get("__page", "1")
        if asked.isdigit():
            paging["page"] = int(asked)

    return Middleware(app, before=before, after=_paged(edit))


def search_ignores_criteria(app: App, ctx: Mapping[str, Any]) -> App:
    return Middleware(app, before=_dropping_criteria(lambda criterion: True))


def search_case_sensitive(app: App, ctx: Mapping[str, Any]) -> App:
    """String criteria compare case-sensitively (a binary collation on the site's database)."""

    def after(ex: Exchange) -> None:
        if not _is_search(ex) or ex.status != 200:
            return
        strings = {
            name: c.get("values") or []
            for name, c in _criteria(ex.json()).items()
            if c.get("type") == "MatchAny"
            and all(isinstance(v, str) for v in c.get("values") or [])
            and c.get("values")
        }
        if not strings:
            return
        _keep_results(
            ex,
            lambda r: all(
                not isinstance(r.get(n), str) or r.get(n) in vals for n, vals in strings.items()
            ),
        )

    return Middleware(app, after=after)


def search_first_criterion_only(app: App, ctx: Mapping[str, Any]) -> App:
    def before(ex: Exchange) -> None:
        if _is_search(ex):
            body = ex.json()
            scope = _criteria_scope(body)
            names = list(_criteria(body))
            if scope is not None and len(names) > 1:
                for key in names[1:]:
                    scope.pop(key, None)
                ex.set_json(body)

    return Middleware(app, before=before)


def search_drops_a_result(app: App, ctx: Mapping[str, Any]) -> App:
    """A search with several criteria loses its first result (a join that drops a row)."""

    def after(ex: Exchange) -> None:
        if _is_search(ex) and ex.status == 200 and len(_criteria(ex.json())) > 1:
            data = ex.response_json()
            if isinstance(data, dict) and data.get("values"):
                data["values"] = data["values"][1:]
                ex.set_response_json(data)

    return Middleware(app, after=after)


def sort_reversed(app: App, ctx: Mapping[str, Any]) -> App:
    swap = {"asc": "Desc", "desc": "Asc"}

    def before(ex: Exchange) -> None:
        if ex.method == "GET" and ex.query.get("SortDirection", "").lower() in swap:
            ex.query["SortDirection"] = swap[ex.query["SortDirection"].lower()]
        elif _is_search(ex):
            body = ex.json()
            if isinstance(body, dict) and str(body.get("sortDirection", "")).lower() in swap:
                body["sortDirection"] = swap[str(body["sortDirection"]).lower()]
                ex.set_json(body)

    return Middleware(app, before=before)


def sort_ignored(app: App, ctx: Mapping[str, Any]) -> App:
    def before(ex: Exchange) -> None:
        if ex.method == "GET":
            ex.query.pop("SortField", None)
            ex.query.pop("SortDirection", None)
        elif _is_search(ex):
            body = ex.json()
            if isinstance(body, dict) and ("sortField" in body or "sortDirection" in body):
                body.pop("sortField", None)
                body.pop("sortDirection", None)
                ex.set_json(body)

    return Middleware(app, before=before)


def retry_after_missing(app: App, ctx: Mapping[str, Any]) -> App:
    """Every 5th request is answered 429 without Retry-After (a gateway's own throttle)."""
    counter = {"n": 0}

    def before(ex: Exchange) -> None:
        counter["n"] += 1
        if counter["n"] % 5 == 0:
            ex.status, ex.response_headers, ex.response_body = 429, [], b""

    return Middleware(app, before=before)


def cross_origin_redirect(app: App, ctx: Mapping[str, Any]) -> App:
    """Reads of a collection answer 302 to another host (a login page behind a proxy)."""

    def before(ex: Exchange) -> None:
        if ex.method == "GET" and ex.path.lower().startswith("/causes"):
            ex.status = 302
            ex.response_headers = [
                (b"location", b"http://127.0.0.2:9/login?next=/api/v2" + ex.path.encode())
            ]
            ex.response_body = b""

    return Middleware(app, before=before)


def put_not_stored(app: App, ctx: Mapping[str, Any]) -> App:
    """PUT answers success with the changed record, and keeps the old one."""

    def before(ex: Exchange) -> None:
        if ex.method == "PUT" and _ITEM.match(ex.path):
            ex.query["__snapshot"] = "1"
            ctx["snapshots"][ex.path.lower()] = ctx["record_of"](ex.path)

    def after(ex: Exchange) -> None:
        if ex.method == "PUT" and _ITEM.match(ex.path) and ex.status in (200, 201):
            ctx["restore"](ex.path, ctx["snapshots"].pop(ex.path.lower(), None))

    return Middleware(app, before=before, after=after)


def create_drops_a_field(app: App, ctx: Mapping[str, Any]) -> App:
    """Creates store every field but ``displayOrder``/``description`` (a column never mapped)."""

    def before(ex: Exchange) -> None:
        if ex.method == "POST" and not _is_search(ex):
            body = ex.json()
            if isinstance(body, dict):
                ex.query["__sent"] = json.dumps(
                    {k: body[k] for k in ("displayOrder", "description") if k in body}
                )
                for key in ("displayOrder", "description"):
                    body.pop(key, None)
                ex.set_json(body)

    def after(ex: Exchange) -> None:
        sent = json.loads(ex.query.get("__sent", "{}"))
        if sent and ex.status in (200, 201):
            data = ex.response_json()
            record = data.get("values") if isinstance(data, dict) else None
            if isinstance(record, dict):
                record.update(sent)  # the answer echoes what was sent; the store does not have it
                ex.set_response_json(data)

    return Middleware(app, before=before, after=after)


def create_answers_200(app: App, ctx: Mapping[str, Any]) -> App:
    def after(ex: Exchange) -> None:
        if ex.method == "POST" and not _is_search(ex) and ex.status == 201:
            ex.status = 200

    return Middleware(app, after=after)


def accepts_invalid_query(app: App, ctx: Mapping[str, Any]) -> App:
    """A GET with invalid query values is answered 200 with an empty page (values ignored)."""

    def after(ex: Exchange) -> None:
        if ex.method == "GET" and ex.status == 400 and ex.query:
            data = ex.response_json()
            trace = data.get("traceId", "t") if isinstance(data, dict) else "t"
            ex.status, ex.response_headers, ex.response_body = _json_answer(
                200,
                {
                    "traceId": trace,
                    "values": [],
                    "pagingInformation": {"page": 1, "itemTotal": 0, "pageCount": 0},
                },
            )

    return Middleware(app, after=after)


def json_refused_as_unsupported(app: App, ctx: Mapping[str, Any]) -> App:
    """A proxy that refuses JSON searches with 415, as if JSON were not a media type it takes."""

    def before(ex: Exchange) -> None:
        if _is_search(ex) and "json" in (ex.header("content-type") or ""):
            ex.status = 415
            ex.response_headers = [(b"content-type", b"application/problem+json")]
            ex.response_body = json.dumps(
                {"title": "Unsupported Media Type", "status": 415, "traceId": "t"}
            ).encode()

    return Middleware(app, before=before)


# -- deviations derived from the invariants of each family -------------------------------------


def get_returns_another_record(app: App, ctx: Mapping[str, Any]) -> App:
    """Get by iid answers the next record, not the one asked for (an index off by one)."""

    def before(ex: Exchange) -> None:
        if ex.method == "GET" and _ITEM.match(ex.path):
            segment, iid = ex.path.strip("/").split("/")
            iids = sorted(ctx["iids_of"](ex.path))
            if int(iid) in iids and len(iids) > 1:
                ex.path = f"/{segment}/{iids[(iids.index(int(iid)) + 1) % len(iids)]}"

    return Middleware(app, before=before)


def number_as_string_by_id(app: App, ctx: Mapping[str, Any]) -> App:
    """Get by iid serves whole-number fields as strings (lists serve them as numbers)."""

    def edit(record: dict[str, Any]) -> None:
        for name, value in list(record.items()):
            if name != "iid" and isinstance(value, int) and not isinstance(value, bool):
                record[name] = str(value)

    after = _edit_records(edit)
    return Middleware(
        app, after=lambda ex: after(ex) if ex.method == "GET" and _ITEM.match(ex.path) else None
    )


def list_ignores_page_size(app: App, ctx: Mapping[str, Any]) -> App:
    """GET lists serve the site's default page size whatever PageSize asks."""

    def before(ex: Exchange) -> None:
        if ex.method == "GET" and "PageSize" in ex.query:
            ex.query.pop("PageSize")

    return Middleware(app, before=before)


def search_ignores_ends_with(app: App, ctx: Mapping[str, Any]) -> App:
    """Search criteria of type EndsWith are dropped (one operator never implemented)."""
    return Middleware(
        app, before=_dropping_criteria(lambda criterion: criterion.get("type") == "EndsWith")
    )


def search_range_exclusive(app: App, ctx: Mapping[str, Any]) -> App:
    """RangeInclusive excludes its bounds (a < where <= was meant)."""

    def after(ex: Exchange) -> None:
        if not _is_search(ex) or ex.status != 200:
            return
        ranges = {
            name: c.get("values") or []
            for name, c in _criteria(ex.json()).items()
            if c.get("type") == "RangeInclusive" and len(c.get("values") or []) == 2
        }
        if not ranges:
            return
        _keep_results(
            ex, lambda r: all(r.get(n) not in (low, high) for n, (low, high) in ranges.items())
        )

    return Middleware(app, after=after)


def accepts_any_token(app: App, ctx: Mapping[str, Any]) -> App:
    """Any non-empty X-Api-Key is taken as the admin's (the key is never looked up)."""

    def before(ex: Exchange) -> None:
        if ex.header("x-api-key"):
            ex.headers = [(k, v) for k, v in ex.headers if k.lower() != b"x-api-key"]
            ex.headers.append((b"x-api-key", str(ctx["token"]).encode()))

    return Middleware(app, before=before)


def limiter_without_retry_after(app: App, ctx: Mapping[str, Any]) -> App:
    """The site's limiter (20 requests per second) answers 429 without Retry-After."""
    import time

    sent: list[float] = []

    def before(ex: Exchange) -> None:
        now = time.monotonic()
        sent[:] = [t for t in sent if now - t < 1.0]
        if len(sent) >= 20:
            ex.status, ex.response_headers, ex.response_body = 429, [], b""
            return
        sent.append(now)

    return Middleware(app, before=before)


def no_trace_id_on_404(app: App, ctx: Mapping[str, Any]) -> App:
    """404 answers carry no traceId (the not-found filter builds its own body)."""

    def after(ex: Exchange) -> None:
        data = ex.response_json()
        if ex.status == 404 and isinstance(data, dict) and "traceId" in data:
            data.pop("traceId")
            ex.set_response_json(data)

    return Middleware(app, after=after)


def put_drops_display_order(app: App, ctx: Mapping[str, Any]) -> App:
    """PUT stores every field but ``displayOrder`` (and answers as if it had)."""

    def before(ex: Exchange) -> None:
        body = ex.json()
        if (
            ex.method == "PUT"
            and _ITEM.match(ex.path)
            and isinstance(body, dict)
            and ("displayOrder" in body)
        ):
            ex.query["__sent"] = json.dumps(body["displayOrder"])
            body.pop("displayOrder")
            ex.set_json(body)

    def after(ex: Exchange) -> None:
        if "__sent" in ex.query and ex.status in (200, 201):
            data = ex.response_json()
            if isinstance(data, dict) and isinstance(data.get("values"), dict):
                data["values"]["displayOrder"] = json.loads(ex.query["__sent"])
                ex.set_response_json(data)

    return Middleware(app, before=before, after=after)


_MEMBERSHIPS = re.compile(r"^/[^/]+/\d+/memberships/[^/]+$", re.IGNORECASE)


def search_is_true_matches_nothing(app: App, ctx: Mapping[str, Any]) -> App:
    """A boolean criterion IsTrue finds nothing (compared as a number above true)."""

    def after(ex: Exchange) -> None:
        flags = [c for c in _criteria(ex.json()).values() if c.get("type") == "IsTrue"]
        if _is_search(ex) and ex.status == 200 and flags:
            _keep_results(ex, lambda r: False)

    return Middleware(app, after=after)


def listed_type_form_not_found(app: App, ctx: Mapping[str, Any]) -> App:
    """GET /IssueForms/IssueType/{iid} answers 404 for every issue type (a lookup inverted)."""

    def before(ex: Exchange) -> None:
        if ex.method == "GET" and ex.path.lower().startswith("/issueforms/issuetype/"):
            ex.status, ex.response_headers, ex.response_body = _json_answer(
                404, {"traceId": "t", "message": "Not found"}
            )

    return Middleware(app, before=before)


def page_size_needs_page_number(app: App, ctx: Mapping[str, Any]) -> App:
    """A GET list reads PageSize only when PageNumber is sent too (binding stops at a gap)."""

    def before(ex: Exchange) -> None:
        if ex.method == "GET" and "PageNumber" not in ex.query:
            ex.query.pop("PageSize", None)

    return Middleware(app, before=before)


def search_or_as_and(app: App, ctx: Mapping[str, Any]) -> App:
    """A filter's queryOperator Or is applied as And (the operator is never read)."""

    def before(ex: Exchange) -> None:
        body = ex.json()
        scope = _criteria_scope(body)
        if _is_search(ex) and scope is not None and scope.get("queryOperator") == "Or":
            scope["queryOperator"] = "And"
            ex.set_json(body)

    return Middleware(app, before=before)


def relative_last_as_this(app: App, ctx: Mapping[str, Any]) -> App:
    """Relative date types LastWeek/LastMonth/LastYear are applied as ThisWeek/... (off by one)."""

    def before(ex: Exchange) -> None:
        body = ex.json()
        criteria = _criteria(body) if _is_search(ex) else {}
        relative = [c for c in criteria.values() if str(c.get("type", "")).startswith("Last")]
        for criterion in relative:
            criterion["type"] = "This" + criterion["type"][4:]
        if relative:
            ex.set_json(body)

    return Middleware(app, before=before)


def iid_bound_as_int64(app: App, ctx: Mapping[str, Any]) -> App:
    """An iid past Int32 is looked up (404) instead of refused (the route binds an Int64)."""

    def before(ex: Exchange) -> None:
        last = ex.path.rstrip("/").rsplit("/", 1)[-1]
        if ex.method == "GET" and _ITEM.match(ex.path) and abs(int(last)) >= 2**31:
            ex.status, ex.response_headers, ex.response_body = _json_answer(
                404, {"traceId": "t", "message": "Not found"}
            )

    return Middleware(app, before=before)


def nested_criteria_ignored(app: App, ctx: Mapping[str, Any]) -> App:
    """Criteria on a nested object's field (priority: {name: ...}) are dropped unread."""

    def before(ex: Exchange) -> None:
        body = ex.json()
        scope = _criteria_scope(body)
        if not _is_search(ex) or scope is None:
            return
        nested = [k for k, v in scope.items() if isinstance(v, dict) and v and "type" not in v]
        for key in nested:
            scope.pop(key)
        if nested:
            ex.set_json(body)

    return Middleware(app, before=before)


def criteria_type_errors_swallowed(app: App, ctx: Mapping[str, Any]) -> App:
    """A search whose criteria values do not bind answers an empty 200 instead of 400."""

    def after(ex: Exchange) -> None:
        data = ex.response_json()
        errors = data.get("errors") if isinstance(data, dict) else None
        bad_values = isinstance(errors, dict) and any(".values" in str(k) for k in errors)
        if _is_search(ex) and ex.status == 400 and bad_values:
            paging = {"page": 1, "itemTotal": 0, "pageCount": 0}
            ex.status, ex.response_headers, ex.response_body = _json_answer(
                200, {"traceId": "t", "values": [], "pagingInformation": paging}
            )

    return Middleware(app, after=after)


def _answer_without_acting(method: str, status: int, token: str) -> Callable[[Exchange], None]:
    """Answer a valid membership change with success, without making it (the rest: the site)."""

    def valid(ex: Exchange) -> bool:
        body = ex.json()
        return (
            ex.header("x-api-key") == token
            and isinstance(body, list)
            and bool(body)
            and all(
                isinstance(item, dict)
                and all(isinstance(v, int) and not isinstance(v, bool) for v in item.values())
                for item in body
            )
        )

    def before(ex: Exchange) -> None:
        if ex.method == method and _MEMBERSHIPS.match(ex.path) and valid(ex):
            ex.status, ex.response_headers, ex.response_body = _json_answer(
                status, {"traceId": "0HMGDP8E63BDF:00000001"}
            )

    return before


def membership_add_ignored(app: App, ctx: Mapping[str, Any]) -> App:
    """Adding a membership answers 201 and adds nothing."""
    return Middleware(app, before=_answer_without_acting("POST", 201, str(ctx["token"])))


def membership_remove_ignored(app: App, ctx: Mapping[str, Any]) -> App:
    """Removing a membership answers 200 and keeps it."""
    return Middleware(app, before=_answer_without_acting("DELETE", 200, str(ctx["token"])))


def list_sort_ignored(app: App, ctx: Mapping[str, Any]) -> App:
    """GET lists ignore SortField and SortDirection (searches sort)."""

    def before(ex: Exchange) -> None:
        if ex.method == "GET":
            ex.query.pop("SortField", None)
            ex.query.pop("SortDirection", None)

    return Middleware(app, before=before)


def put_resets_created_date(app: App, ctx: Mapping[str, Any]) -> App:
    """PUT maps the body onto a fresh entity: createdDate becomes .NET's DateTime.MinValue."""

    def after(ex: Exchange) -> None:
        if ex.method == "PUT" and _ITEM.match(ex.path) and ex.status in (200, 201):
            record = ctx["record_of"](ex.path)
            if isinstance(record, dict) and "createdDate" in record:
                record["createdDate"] = "0001-01-01T00:00:00"
                ctx["restore"](ex.path, record)

    return Middleware(app, after=after)


def patch_clears_description(app: App, ctx: Mapping[str, Any]) -> App:
    """PATCH /Issues/{iid} saves the issue through a model without description (cleared)."""

    def after(ex: Exchange) -> None:
        body = ex.json()
        named = isinstance(body, list) and any(
            isinstance(op, dict) and str(op.get("path", "")).lower() == "/description"
            for op in body
        )
        if ex.method == "PATCH" and ex.path.lower().startswith("/issues/") and ex.status == 200:
            record = ctx["record_of"](ex.path)
            if isinstance(record, dict) and not named:
                record["description"] = ""
                ctx["restore"](ex.path, record)

    return Middleware(app, after=after)


def create_requires_display_order(app: App, ctx: Mapping[str, Any]) -> App:
    """POST /Causes refuses a body without displayOrder (an optional field validated as required)."""

    def before(ex: Exchange) -> None:
        body = ex.json()
        mine = ex.header("x-api-key") == ctx["token"] and isinstance(body, dict)
        without = mine and body.get("displayOrder") is None
        if without and ex.method == "POST" and ex.path.lower() == "/causes":
            problem = {
                "title": "One or more validation errors occurred.",
                "status": 400,
                "errors": {"displayOrder": ["The DisplayOrder field is required."]},
                "traceId": "0HMGDP8E63BDF:00000002",
            }
            ex.status, ex.response_headers, ex.response_body = _json_answer(400, problem)

    return Middleware(app, before=before)


def issue_create_leaves_class_empty(app: App, ctx: Mapping[str, Any]) -> App:
    """An issue created without classIid gets no class (the site's default is never filled in)."""

    def after(ex: Exchange) -> None:
        body = ex.json()
        if not (ex.method == "POST" and ex.path.lower() == "/issues/create" and ex.status < 300):
            return
        values = (ex.response_json() or {}).get("values")
        iid = values.get("iid") if isinstance(values, dict) else None
        if isinstance(body, dict) and body.get("classIid") is None and iid is not None:
            record = ctx["record_of"](f"/issues/{iid}")
            if isinstance(record, dict):
                record["class"] = {"name": None, "id": 0, "iid": None}
                ctx["restore"](f"/issues/{iid}", record)

    return Middleware(app, after=after)


def create_truncates_long_name(app: App, ctx: Mapping[str, Any]) -> App:
    """POST /Causes stores a name past its maxLength cut to the column's width (no 400)."""
    from issuetrak_tools.spec import load_document

    schema = load_document()["components"]["schemas"]["CreateCause"]["properties"]["name"]
    width = int(schema["maxLength"])

    def before(ex: Exchange) -> None:
        body = ex.json()
        name = body.get("name") if isinstance(body, dict) else None
        long_name = isinstance(name, str) and len(name) > width
        if ex.method == "POST" and ex.path.lower() == "/causes" and long_name:
            body["name"] = name[:width]
            ex.set_json(body)

    return Middleware(app, before=before)


def search_unknown_sort_direction_ascending(app: App, ctx: Mapping[str, Any]) -> App:
    """A search's sortDirection outside its enum is read as ascending instead of refused."""

    def before(ex: Exchange) -> None:
        body = ex.json()
        direction = body.get("sortDirection") if isinstance(body, dict) else None
        if _is_search(ex) and direction not in (None, "Asc", "Desc"):
            body["sortDirection"] = "Asc"
            ex.set_json(body)

    return Middleware(app, before=before)


def _as_admin(ctx: Mapping[str, Any], ex: Exchange) -> None:
    """Let the end user's request through as the administrator's (a permission check missing)."""
    if ex.header("x-api-key") == ctx["end_user_token"]:
        ex.headers = [(k, v) for k, v in ex.headers if k.lower() != b"x-api-key"]
        ex.headers.append((b"x-api-key", str(ctx["token"]).encode()))


def departments_listed_to_end_users(app: App, ctx: Mapping[str, Any]) -> App:
    """GET /Departments skips its permission check: an end user gets every department."""

    def before(ex: Exchange) -> None:
        if ex.method == "GET" and ex.path.lower() == "/departments":
            _as_admin(ctx, ex)

    return Middleware(app, before=before)


def hidden_issue_readable_by_iid(app: App, ctx: Mapping[str, Any]) -> App:
    """GET /Issues/{iid} skips the visibility filter the search applies: an end user reads any
    issue by its iid."""

    def before(ex: Exchange) -> None:
        if ex.method == "GET" and re.fullmatch(r"/issues/\d+", ex.path.lower()):
            _as_admin(ctx, ex)

    return Middleware(app, before=before)


def forbidden_as_401(app: App, ctx: Mapping[str, Any]) -> App:
    """A request the user has no permission for answers 401 with an empty body (the default
    challenge), not 403 with its ApiResponse."""

    def after(ex: Exchange) -> None:
        if ex.status == 403:
            ex.status, ex.response_headers, ex.response_body = 401, [], b""

    return Middleware(app, after=after)


def _edit_created_udfs(edit: Callable[[dict[str, Any]], None]) -> Callable[[Exchange], None]:
    """A ``before`` that rewrites the UDFs of an issue create before the site sees them."""

    def before(ex: Exchange) -> None:
        body = ex.json()
        udfs = body.get("udfs") if isinstance(body, dict) else None
        if ex.method == "POST" and ex.path.lower() == "/issues/create" and isinstance(udfs, dict):
            edit(udfs)
            ex.set_json(body)

    return before


def create_drops_date_udfs(app: App, ctx: Mapping[str, Any]) -> App:
    """An issue create ignores its date UDFs (the binder reads them as another type)."""
    return Middleware(app, before=_edit_created_udfs(lambda udfs: udfs.pop("date", None)))


def multi_select_keeps_first(app: App, ctx: Mapping[str, Any]) -> App:
    """A multi-select UDF sent with several options stores only the first."""

    def edit(udfs: dict[str, Any]) -> None:
        for item in udfs.get("multiSelectList") or []:
            if isinstance(item, dict) and isinstance(item.get("values"), list):
                item["values"] = item["values"][:1]

    return Middleware(app, before=_edit_created_udfs(edit))


def _patch_ops(ex: Exchange, prefix: str) -> list[dict[str, Any]]:
    """The ops of a PATCH to ``prefix``/{iid} (none for any other request)."""
    body = ex.json()
    if ex.method != "PATCH" or not re.fullmatch(prefix + r"/\d+", ex.path.lower()):
        return []
    return [op for op in body if isinstance(op, dict)] if isinstance(body, list) else []


def patch_udf_remove_as_add(app: App, ctx: Mapping[str, Any]) -> App:
    """PATCH Remove on a multi-value user-defined field adds the value instead (the op's verb is
    compared loosely)."""

    def before(ex: Exchange) -> None:
        ops = _patch_ops(ex, "/issues")
        for op in ops:
            if op.get("op") == "Remove" and str(op.get("path", "")).startswith("/UserDefined/"):
                op["op"] = "Add"
        if ops:
            ex.set_json(ops)

    return Middleware(app, before=before)


def patch_clear_refused(app: App, ctx: Mapping[str, Any]) -> App:
    """PATCH Replace with null is refused on every path, the clearable ones included."""

    def before(ex: Exchange) -> None:
        ops = _patch_ops(ex, "/issues")
        if any(op.get("op") == "Replace" and op.get("value") is None for op in ops):
            ex.status, ex.response_headers, ex.response_body = _json_answer(
                400, {"errors": {"": ["A value is required."]}}
            )

    return Middleware(app, before=before)


def patch_text_path_refused(app: App, ctx: Mapping[str, Any]) -> App:
    """PATCH /Issues/{iid} refuses its text paths (/Subject, /Solution, ...: a table out of
    date), 400 for documented paths."""

    def before(ex: Exchange) -> None:
        ops = _patch_ops(ex, "/issues")
        for op in ops:
            if isinstance(op.get("value"), str) and "/" not in str(op.get("path", ""))[1:]:
                op["path"] = f"{op.get('path')}Text"
        if ops:
            ex.set_json(ops)

    return Middleware(app, before=before)


def organization_remove_required_accepted(app: App, ctx: Mapping[str, Any]) -> App:
    """PATCH Remove on an organization's required name answers 200 and keeps the name."""

    def before(ex: Exchange) -> None:
        ops = _patch_ops(ex, "/organizations")
        if any(op.get("op") == "Remove" and op.get("path") == "/name" for op in ops):
            record = {"values": ctx["record_of"](ex.path)}
            ex.status, ex.response_headers, ex.response_body = _json_answer(200, record)

    return Middleware(app, before=before)


def assignments_not_recorded(app: App, ctx: Mapping[str, Any]) -> App:
    """An assignment made by PATCH leaves no IssueAssignmentHistory entry (the search finds none)."""

    def after(ex: Exchange) -> None:
        if ex.path.lower() == "/issueassignmenthistory/search" and ex.status == 200:
            data = ex.response_json()
            if isinstance(data, dict):
                data["values"] = []
                data.setdefault("pagingInformation", {})["itemTotal"] = 0
                ex.set_response_json(data)

    return Middleware(app, after=after)


def upload_size_zero(app: App, ctx: Mapping[str, Any]) -> App:
    """An attachment upload answers its attachment with fileSize 0 (the stream read after it
    was consumed)."""

    def after(ex: Exchange) -> None:
        if ex.path.lower().endswith("/attachments/upload") and ex.status == 200:
            data = ex.response_json()
            for record in _records(data):
                record["fileSize"] = 0
            ex.set_response_json(data)

    return Middleware(app, after=after)


def null_body_as_empty_object(app: App, ctx: Mapping[str, Any]) -> App:
    """A JSON body of null is read as an empty object instead of refused."""

    def before(ex: Exchange) -> None:
        if ex.method in ("POST", "PUT") and ex.body.strip() == b"null":
            ex.body = b"{}"

    return Middleware(app, before=before)


def primary_membership_missing(app: App, ctx: Mapping[str, Any]) -> App:
    """A user's organization memberships leave out the primary organization."""

    def after(ex: Exchange) -> None:
        if ex.path.lower().endswith("/memberships/organizations") and ex.status == 200:
            data = ex.response_json()
            if isinstance(data, dict) and isinstance(data.get("values"), list):
                data["values"] = [v for v in data["values"] if not v.get("isPrimary")]
                ex.set_response_json(data)

    return Middleware(app, after=after)


def deactivation_ignored(app: App, ctx: Mapping[str, Any]) -> App:
    """PUT /Users/{iid} ignores isActive false (the flag is bound only when true)."""

    def before(ex: Exchange) -> None:
        body = ex.json()
        user = ex.method == "PUT" and re.fullmatch(r"/users/\d+", ex.path.lower())
        if user and isinstance(body, dict) and body.get("isActive") is False:
            body["isActive"] = True
            ex.set_json(body)

    return Middleware(app, before=before)


def duplicates_left_open(app: App, ctx: Mapping[str, Any]) -> App:
    """POST /Issues/Close/Duplicate answers success and closes nothing."""

    def before(ex: Exchange) -> None:
        body = ex.json()
        if ex.path.lower() == "/issues/close/duplicate" and isinstance(body, dict):
            known = body.get("duplicateIssueNumbers")
            if isinstance(known, list) and all(n < 10**6 for n in known if isinstance(n, int)):
                body["duplicateIssueNumbers"] = []
                ex.set_json(body)

    return Middleware(app, before=before)


def criterion_without_type_accepted(app: App, ctx: Mapping[str, Any]) -> App:
    """A search criterion missing its required type is taken as matching nothing (200, empty)
    instead of refused."""

    def before(ex: Exchange) -> None:
        body = ex.json()
        if not _is_search(ex) or not isinstance(body, dict):
            return
        if any(isinstance(v, dict) and "type" not in v for v in body.values()):
            page = {"pageNumber": 1, "pageSize": 10, "pageCount": 0, "itemTotal": 0}
            answer = {"values": [], "pagingInformation": page}
            ex.status, ex.response_headers, ex.response_body = _json_answer(200, answer)

    return Middleware(app, before=before)


@dataclass(frozen=True)
class Deviation:
    name: str
    description: str
    checks: frozenset[str]  # any of them reporting it counts as caught
    wrap: Callable[[App, Mapping[str, Any]], App]
    writes: bool = False  # only a run with --allow-writes can see it
    operations: tuple[str, ...] = ()  # --operations of a focused run that shows it
    depth: int = 0  # depth rounds the focused run needs (generated cases)
    destructive: bool = False  # only a run with --allow-destructive as well can see it


def _d(
    wrap: Callable[[App, Mapping[str, Any]], App],
    checks: set[str],
    operations: tuple[str, ...],
    *,
    writes: bool = False,
    depth: int = 0,
    destructive: bool = False,
) -> Deviation:
    doc = (wrap.__doc__ or wrap.__name__.replace("_", " ")).strip().splitlines()[0]
    return Deviation(
        wrap.__name__,
        doc,
        frozenset(checks),
        wrap,
        writes or destructive,
        operations,
        depth,
        destructive,
    )


CAUSES = ("^(GET|POST|PUT) /Causes",)
LIST = ("^GET /Causes$",)
ITEM = (r"^GET /Causes/\{iid\}$",)
SEARCH = ("^POST /Causes/Search$",)
CREATE = ("^POST /Causes$",)
MEMBERSHIPS = (
    "^GET /Groups$",
    "^(GET|POST|DELETE) /Users",
)


def search_after_includes_its_day(app: App, ctx: Mapping[str, Any]) -> App:
    """A date criterion After a day also returns that day's records (>= where > was meant)."""

    def before(ex: Exchange) -> None:
        body = ex.json()
        after = [c for c in _criteria(body).values() if c.get("type") == "After"]
        if not _is_search(ex) or not after:
            return
        for criterion in after:
            values = criterion.get("values") or []
            if values and isinstance(values[0], str) and len(values[0]) >= 10:
                day = dt.date.fromisoformat(values[0][:10]) - dt.timedelta(days=1)
                criterion["values"] = [day.isoformat() + values[0][10:]]
        ex.set_json(body)

    return Middleware(app, before=before)


def _enum_criteria_fields() -> set[str]:
    """The search body fields whose criteria take an enum's names (``EnumMatchType``)."""
    from issuetrak_tools._contract.document import load_document

    schemas = load_document()["components"]["schemas"]
    enum_criteria = {
        name
        for name, schema in schemas.items()
        if schema.get("properties", {}).get("type", {}).get("$ref", "").endswith("/EnumMatchType")
    }
    return {
        prop
        for schema in schemas.values()
        for prop, value in schema.get("properties", {}).items()
        if isinstance(value, dict) and value.get("$ref", "").rsplit("/", 1)[-1] in enum_criteria
    }


def search_enum_names_refused(app: App, ctx: Mapping[str, Any]) -> App:
    """Criteria on enum fields given by name are refused with 400 (the binder reads numbers only)."""
    fields = _enum_criteria_fields()

    def before(ex: Exchange) -> None:
        if _is_search(ex) and fields & set(_criteria(ex.json())):
            problems = {"filter": ["The JSON value could not be converted to the enum."]}
            ex.status, ex.response_headers, ex.response_body = _json_answer(
                400, {"title": "One or more validation errors occurred.", "errors": problems}
            )

    return Middleware(app, before=before)


def udf_all_as_at_least_one(app: App, ctx: Mapping[str, Any]) -> App:
    """A UDF collection criterion CollectionContainsAllMatchingEntities is read as AtLeastOne."""
    return _udf_all_read_as(app, "CollectionContainsAtLeastOneMatchingEntity")


def narrow_search_later_pages_empty(app: App, ctx: Mapping[str, Any]) -> App:
    """A search with criteria serves nothing past page 1 (a slice of the matches miscomputed)."""

    def after(ex: Exchange) -> None:
        body = ex.json()
        page = body.get("pageNumber") if isinstance(body, dict) else None
        later = isinstance(page, int) and page > 1
        if _is_search(ex) and ex.status == 200 and _criteria(body) and later:
            data = ex.response_json()
            data["values"] = []
            ex.set_response_json(data)

    return Middleware(app, after=after)


def search_range_low_end_only(app: App, ctx: Mapping[str, Any]) -> App:
    """RangeInclusive returns only records equal to its low end (== where <= was meant)."""

    def after(ex: Exchange) -> None:
        if not _is_search(ex) or ex.status != 200:
            return
        ranges = {
            name: min(c["values"])
            for name, c in _criteria(ex.json()).items()
            if c.get("type") == "RangeInclusive" and len(c.get("values") or []) == 2
        }
        if ranges:
            _keep_results(ex, lambda r: all(r.get(n) == low for n, low in ranges.items()))

    return Middleware(app, after=after)


def list_ignores_unknown_sort_names(app: App, ctx: Mapping[str, Any]) -> App:
    """SortField/SortDirection names no enum lists are ignored (the list served unsorted)."""
    from issuetrak_tools._contract.document import load_document

    names = {
        str(value)
        for schema in load_document()["components"]["schemas"].values()
        for value in schema.get("enum", [])
    }

    def before(ex: Exchange) -> None:
        if ex.method == "GET":
            for key in [k for k in ex.query if k.lower() in ("sortfield", "sortdirection")]:
                if ex.query[key] not in names:
                    ex.query.pop(key)

    return Middleware(app, before=before)


# PATCH /Issues/{iid} refusals and what a write leaves behind (issues, validation)
def _issue_patch_rules() -> tuple[Any, ...]:
    from issuetrak.conventions import document_patch_rules
    from issuetrak_tools._contract.document import load_document

    return tuple(document_patch_rules(load_document()))


def _named_by_table(path: str, rules: tuple[Any, ...]) -> bool:
    parts = path.strip("/").lower().split("/")
    for rule in rules:
        rparts = rule.path.strip("/").lower().split("/")
        if len(rparts) == len(parts) and all(
            r == "{index}" or r == p for r, p in zip(rparts, parts, strict=True)
        ):
            return True
    return False


def patch_bool_words_as_false(app: App, ctx: Mapping[str, Any]) -> App:
    """PATCH reads a word given for a true/false path as false instead of refusing it (a
    lenient converter)."""
    flags = {r.path.lower() for r in _issue_patch_rules() if r.value_type.rstrip("?") == "bool"}

    def before(ex: Exchange) -> None:
        ops = _patch_ops(ex, "/issues")
        for op in ops:
            if str(op.get("path", "")).lower() in flags and isinstance(op.get("value"), str):
                op["value"] = False
        if ops:
            ex.set_json(ops)

    return Middleware(app, before=before)


def patch_unknown_paths_ignored(app: App, ctx: Mapping[str, Any]) -> App:
    """PATCH skips the ops whose path the PATCH table does not name and answers success."""
    rules = _issue_patch_rules()

    def before(ex: Exchange) -> None:
        ops = _patch_ops(ex, "/issues")
        kept = [op for op in ops if _named_by_table(str(op.get("path", "")), rules)]
        if len(kept) == len(ops):
            return
        if kept:
            ex.set_json(kept)
        else:
            ex.status, ex.response_headers, ex.response_body = _json_answer(
                200, {"traceId": "deviation", "information": []}
            )

    return Middleware(app, before=before)


def binding_errors_as_api_response(app: App, ctx: Mapping[str, Any]) -> App:
    """A body that cannot be bound (a wrong JSON type, a value outside an enum) is answered with
    an ApiResponse's information instead of a ValidationProblemDetails (an exception filter that
    reshapes every 400)."""

    def after(ex: Exchange) -> None:
        body = ex.response_json() if ex.status == 400 else None
        if isinstance(body, dict) and isinstance(body.get("errors"), dict):
            messages = [m for ms in body["errors"].values() for m in ms]
            info = [{"type": "Validation", "message": str(m)} for m in messages]
            ex.set_response_json({"traceId": body.get("traceId"), "information": info})

    return Middleware(app, after=after)


def assignment_history_without_assignee(app: App, ctx: Mapping[str, Any]) -> App:
    """An issue's assignment history records each assignment without the user assigned to (an
    empty assignedToId)."""

    def after(ex: Exchange) -> None:
        body = ex.response_json() if ex.path.lower() == "/issueassignmenthistory/search" else None
        if isinstance(body, dict) and isinstance(body.get("values"), list):
            for entry in body["values"]:
                if isinstance(entry, dict):
                    entry["assignedToId"] = ""
            ex.set_response_json(body)

    return Middleware(app, after=after)


def create_defaults_over_named_priority(app: App, ctx: Mapping[str, Any]) -> App:
    """An issue create fills in the default priority, organization and class over the ones the
    body names (its binder drops them)."""

    def before(ex: Exchange) -> None:
        body = ex.json() if ex.method == "POST" and ex.path.lower() == "/issues/create" else None
        if isinstance(body, dict):
            for name in ("priorityIid", "organizationIid", "classIid"):
                body.pop(name, None)
            ex.set_json(body)

    return Middleware(app, before=before)


def body_numbers_clamped(app: App, ctx: Mapping[str, Any]) -> App:
    """A body number too large for its field is read as the largest Int32 instead of refused (a
    lenient converter that clamps)."""

    def before(ex: Exchange) -> None:
        if ex.method == "POST" and re.search(rb"\d{10,}", ex.body):
            ex.body = re.sub(rb"\d{10,}", b"2147483647", ex.body)

    return Middleware(app, before=before)


# what the restricted_permissions family reads to learn the restricted user's permissions
RESTRICTED_USER = (
    "^POST /Issues/(Search|Create)$",
    r"^GET /Users/\{iid\}(/Memberships/Groups)?$",
    r"^GET /Groups/\{iid\}$",
)


def _end_user_as_admin(method: str, path: str) -> Callable[[App, Mapping[str, Any]], App]:
    """A deviation whose ``method`` on paths matching ``path`` skips its permission check."""

    def wrap(app: App, ctx: Mapping[str, Any]) -> App:
        def before(ex: Exchange) -> None:
            if ex.method == method and re.fullmatch(path, ex.path.lower()):
                _as_admin(ctx, ex)

        return Middleware(app, before=before)

    return wrap


def issue_patch_skips_edit_permission(app: App, ctx: Mapping[str, Any]) -> App:
    """PATCH /Issues/{iid} checks visibility but not CanEditIssues: an end user edits its issues."""
    return _end_user_as_admin("PATCH", r"/issues/\d+")(app, ctx)


def task_added_without_task_permission(app: App, ctx: Mapping[str, Any]) -> App:
    """Adding a task to an issue skips CanEditTasksInIssues: an end user adds tasks."""
    return _end_user_as_admin("POST", r"/issues/\d+/tasks/create")(app, ctx)


def lookup_tables_writable_by_end_users(app: App, ctx: Mapping[str, Any]) -> App:
    """The lookup tables an end user may list (priorities, severities, issue types ...) also take
    its creates: the create action checks the list's permission instead of IsAdmin."""
    return _end_user_as_admin(
        "POST", r"/(priorities|severities|substatuses|issuetypes|subtypes\d|locations)"
    )(app, ctx)


def issue_search_skips_visibility(app: App, ctx: Mapping[str, Any]) -> App:
    """POST /Issues/Search forgets the end user's filter: it lists every issue, though the
    user's GET /Issues/{iid} of another's issue is 404."""
    return _end_user_as_admin("POST", r"/issues/search")(app, ctx)


def issue_tasks_listed_from_start_up(app: App, ctx: Mapping[str, Any]) -> App:
    """POST /Issues/{issueIid}/Tasks/Search answers from a cache filled at start-up: a task
    added to the issue since is not listed below it."""

    def after(ex: Exchange) -> None:
        data = ex.response_json()
        if (
            ex.method == "POST"
            and re.fullmatch(r"/issues/\d+/tasks/search", ex.path.lower())
            and isinstance(data, dict)
        ):
            data["values"] = []
            data["pagingInformation"] = {"page": 1, "itemTotal": 0, "pageCount": 0}
            ex.set_response_json(data)

    return Middleware(app, after=after)


def hidden_issue_tasks_listed(app: App, ctx: Mapping[str, Any]) -> App:
    """The tasks search below an issue skips the issue's visibility: an end user lists the tasks
    of an issue it may not see."""
    return _end_user_as_admin("POST", r"/issues/\d+/tasks/search")(app, ctx)


def list_page_size_clamped(app: App, ctx: Mapping[str, Any]) -> App:
    """A GET list clamps PageSize to 1..100 instead of refusing a value outside: PageSize=101
    answers a page of 100, PageSize=0 a page of 1."""

    def before(ex: Exchange) -> None:
        if ex.method == "GET":
            for key in [k for k in ex.query if k.lower() == "pagesize"]:
                if ex.query[key].lstrip("-").isdigit():
                    ex.query[key] = str(min(100, max(1, int(ex.query[key]))))

    return Middleware(app, before=before)


def upload_ignores_is_private(app: App, ctx: Mapping[str, Any]) -> App:
    """An upload binds its form's IsPrivate by another name: every attachment is stored public."""

    def after(ex: Exchange) -> None:
        data = ex.response_json()
        if (
            ex.method == "POST"
            and re.fullmatch(r"/issues/\d+/attachments/upload", ex.path.lower())
            and isinstance(data, dict)
            and isinstance(data.get("values"), list)
        ):
            for value in data["values"]:
                if isinstance(value, dict) and "isPrivate" in value:
                    value["isPrivate"] = False
            ex.set_response_json(data)

    return Middleware(app, after=after)


def org_membership_taken_for_primary(app: App, ctx: Mapping[str, Any]) -> App:
    """Adding an organization membership compares against the wrong field: every organization is
    refused as if it were the user's primary one."""

    def before(ex: Exchange) -> None:
        if ex.method == "POST" and re.fullmatch(
            r"/(users|groups)/\d+/memberships/organizations", ex.path.lower()
        ):
            message = "The organization is the primary organization; it cannot be changed here."
            ex.status, ex.response_headers, ex.response_body = _json_answer(
                400,
                {"traceId": "0", "information": [{"type": "Validation", "message": message}]},
            )

    return Middleware(app, before=before)


def memberships_page_offset_wrong(app: App, ctx: Mapping[str, Any]) -> App:
    """Organization memberships skip PageNumber * PageSize records for page 2 and later: page 2
    of size 1 is empty though two memberships are listed."""

    def after(ex: Exchange) -> None:
        data = ex.response_json()
        page = next((v for k, v in ex.query.items() if k.lower() == "pagenumber"), "1")
        if (
            ex.method == "GET"
            and re.fullmatch(r"/(users|groups)/\d+/memberships/organizations", ex.path.lower())
            and page.isdigit()
            and int(page) > 1
            and isinstance(data, dict)
        ):
            data["values"] = []
            ex.set_response_json(data)

    return Middleware(app, after=after)


def patched_issues_missing_from_search(app: App, ctx: Mapping[str, Any]) -> App:
    """A PATCH of an issue leaves the search index as it was (only creates and PUTs refresh it):
    a search for the value just patched does not find the issue."""
    patched: set[int] = set()

    def after(ex: Exchange) -> None:
        found = re.fullmatch(r"/issues/(\d+)", ex.path.lower())
        if ex.method == "PATCH" and found and 200 <= ex.status < 300:
            patched.add(int(found.group(1)))
        data = ex.response_json()
        if ex.method == "POST" and ex.path.lower() == "/issues/search" and isinstance(data, dict):
            values = data.get("values")
            if isinstance(values, list):
                data["values"] = [
                    v for v in values if not (isinstance(v, dict) and v.get("iid") in patched)
                ]
                ex.set_response_json(data)

    return Middleware(app, after=after)


def _udf_all_read_as(app: App, reading: str) -> App:
    """``app`` reading a UDF collection criterion CollectionContainsAllMatchingEntities as
    ``reading``."""

    def before(ex: Exchange) -> None:
        body = ex.json()
        udfs = (_criteria_scope(body) or {}).get("udfs")
        if not _is_search(ex) or not isinstance(udfs, dict):
            return
        for items in udfs.values():
            for item in items if isinstance(items, list) else ():
                criteria = item.get("filter") if isinstance(item, dict) else None
                if isinstance(criteria, dict) and "AllMatching" in str(criteria.get("type")):
                    criteria["type"] = reading
        ex.set_json(body)

    return Middleware(app, before=before)


def udf_all_as_only(app: App, ctx: Mapping[str, Any]) -> App:
    """A UDF collection criterion CollectionContainsAllMatchingEntities is read as Only (every
    option the record holds must be listed, where every listed option must be held)."""
    return _udf_all_read_as(app, "CollectionContainsOnlyMatchingEntities")


def search_by_user_name_matches_nothing(app: App, ctx: Mapping[str, Any]) -> App:
    """A criterion on createdBy/modifiedBy (a user's name) matches no record.

    Records hold createdByUserIid: the site compares the name with a column that does not hold it."""

    def after(ex: Exchange) -> None:
        named = [k for k in _criteria(ex.json()) if k.endswith("By")]
        if _is_search(ex) and ex.status == 200 and named:
            _keep_results(ex, lambda r: False)

    return Middleware(app, after=after)


def null_boolean_criterion_fails(app: App, ctx: Mapping[str, Any]) -> App:
    """IsTrue/IsFalse on a boolean the records hold as null (or lack) answers 500 (null vs true).

    The site compares the records' null with true and throws."""

    def before(ex: Exchange) -> None:
        if not _is_search(ex):
            return
        records = ctx["site_records"](ex, 1, 100)
        flags = [
            k for k, c in _criteria(ex.json()).items() if c.get("type") in ("IsTrue", "IsFalse")
        ]
        if any(r.get(k) is None for r in records for k in flags):
            ex.status, ex.response_headers, ex.response_body = _json_answer(
                500, {"title": "An error occurred while processing your request.", "status": 500}
            )

    return Middleware(app, before=before)


def children_not_listed(app: App, ctx: Mapping[str, Any]) -> App:
    """A parent's own list or search of its children answers none of them.

    The site does not link a record created below a parent (an issue's task) to that parent."""
    below = re.compile(r"/[A-Za-z]+/\d+/[A-Za-z]+(/Search)?$")

    def after(ex: Exchange) -> None:
        if ex.status == 200 and below.search(ex.path) and (ex.method == "GET" or _is_search(ex)):
            _keep_results(ex, lambda r: False)

    return Middleware(app, after=after)


def this_year_rolling(app: App, ctx: Mapping[str, Any]) -> App:
    """ThisYear is the 365 days up to today (a rolling window), not the calendar year."""
    site = app.state.site

    def before(ex: Exchange) -> None:
        body = ex.json()
        chosen = [c for c in _criteria(body).values() if c.get("type") == "ThisYear"]
        if not _is_search(ex) or not chosen:
            return
        today = site.now().date()
        days = [today - dt.timedelta(days=364), today]
        for criterion in chosen:
            criterion.update(type="CustomRange", values=[d.isoformat() for d in days])
        ex.set_json(body)

    return Middleware(app, before=before)


DEVIATIONS: tuple[Deviation, ...] = (
    _d(status_202_for_get, {"status_code_conformance"}, ITEM),
    _d(missing_required_field, {"response_schema_conformance"}, LIST),
    _d(iid_as_string, {"response_schema_conformance"}, LIST),
    _d(undocumented_field, {"response_schema_conformance"}, LIST),
    _d(date_time_not_iso, {"response_schema_conformance"}, LIST),
    _d(no_trace_id, {"trace_id_present", "response_schema_conformance"}, LIST),
    _d(wrong_content_type, {"content_type_conformance"}, LIST),
    _d(unauthorized_with_json_body, {"unauthorized_without_body"}, LIST),
    _d(reads_without_token, {"auth_required"}, LIST),
    _d(server_error_on_bad_input, {"not_a_server_error"}, (*LIST, *SEARCH), depth=1),
    _d(error_body_not_api_response, {"error_body_shape", "not_found_status"}, ITEM),
    _d(not_found_as_empty_200, {"not_found_status"}, ITEM),
    _d(paging_repeats_item, {"paging_no_repeats"}, LIST),
    _d(page_count_off, {"paging_page_count"}, LIST),
    _d(item_total_off_by_one, {"paging_item_total_matches"}, LIST),
    _d(page_size_floor, {"paging_page_size", "paging_envelope"}, LIST),
    _d(page_number_ignored_past_one, {"paging_no_repeats", "paging_item_total_matches"}, LIST),
    _d(search_ignores_criteria, {"search_matches_filter", "search_all_criteria"}, SEARCH),
    _d(search_case_sensitive, {"search_case_insensitive"}, SEARCH),
    _d(search_first_criterion_only, {"search_all_criteria"}, SEARCH),
    _d(search_drops_a_result, {"search_no_missing_results"}, SEARCH),
    _d(sort_reversed, {"sort_order"}, SEARCH),
    _d(sort_ignored, {"sort_order"}, SEARCH),
    _d(retry_after_missing, {"retry_after_on_429"}, (*LIST, *ITEM)),
    _d(cross_origin_redirect, {"redirect_to_other_origin"}, LIST),
    _d(accepts_invalid_query, {"negative_data_rejection"}, LIST, depth=1),
    _d(json_refused_as_unsupported, {"unsupported_media_type_for_json"}, SEARCH),
    _d(put_not_stored, {"write_persisted"}, (*CREATE, "^PUT /Causes/"), writes=True),
    _d(create_drops_a_field, {"write_persisted"}, CREATE, writes=True),
    _d(create_answers_200, {"status_code_conformance"}, CREATE, writes=True),
    # derived from the families' invariants
    _d(get_returns_another_record, {"get_matches_list"}, (*LIST, *ITEM)),
    _d(
        number_as_string_by_id,
        {"get_matches_list", "response_schema_conformance"},
        (*LIST, *ITEM),
    ),
    _d(list_ignores_page_size, {"paging_envelope", "paging_page_size"}, LIST),
    _d(search_ignores_ends_with, {"search_matches_filter"}, SEARCH),
    _d(search_range_exclusive, {"search_no_missing_results"}, SEARCH),
    _d(accepts_any_token, {"invalid_token_refused"}, LIST),
    _d(limiter_without_retry_after, {"retry_after_on_429"}, LIST),
    _d(no_trace_id_on_404, {"trace_id_present", "not_found_status", "error_body_shape"}, ITEM),
    _d(put_drops_display_order, {"write_persisted"}, (*CREATE, "^PUT /Causes/"), writes=True),
    _d(list_sort_ignored, {"sort_order"}, LIST),
    _d(membership_add_ignored, {"membership_persisted"}, MEMBERSHIPS, writes=True),
    _d(membership_remove_ignored, {"membership_persisted"}, MEMBERSHIPS, destructive=True),
    _d(page_size_needs_page_number, {"paging_parameter_alone"}, LIST),
    _d(search_or_as_and, {"search_filter_composition"}, ("^POST /Issues/Search$",)),
    _d(relative_last_as_this, {"search_relative_dates"}, SEARCH),
    _d(iid_bound_as_int64, {"int32_bounds"}, ITEM),
    _d(nested_criteria_ignored, {"search_nested_field"}, ("^POST /Issues/Search$",)),
    _d(criteria_type_errors_swallowed, {"criteria_value_type_refused"}, SEARCH),
    _d(search_is_true_matches_nothing, {"search_no_missing_results"}, ("^POST /Classes/Search$",)),
    _d(
        put_resets_created_date,
        {"write_changes_only_its_fields"},
        (*CREATE, "^PUT /Causes/"),
        writes=True,
    ),
    _d(create_requires_display_order, {"create_with_required_fields_only"}, CREATE, writes=True),
    _d(
        issue_create_leaves_class_empty,
        {"create_with_required_fields_only"},
        ("^POST /Issues/Create$", r"^GET /Issues/\{iid\}$", "^GET /IssueTypes$"),
        writes=True,
    ),
    _d(create_truncates_long_name, {"invalid_body_refused"}, CREATE, writes=True),
    _d(search_unknown_sort_direction_ascending, {"invalid_body_refused"}, SEARCH),
    _d(
        departments_listed_to_end_users,
        {"restricted_user_refused_or_hidden"},
        ("^GET /Departments$",),
    ),
    _d(
        hidden_issue_readable_by_iid,
        {"restricted_user_refused_or_hidden"},
        ("^POST /Issues/Search$", r"^GET /Issues/\{iid\}$"),
    ),
    _d(forbidden_as_401, {"restricted_user_refused_or_hidden"}, LIST),
    _d(create_drops_date_udfs, {"udf_persisted"}, ("^(GET|POST) /Issues",), writes=True),
    _d(multi_select_keeps_first, {"udf_persisted"}, ("^(GET|POST) /Issues",), writes=True),
    _d(
        patch_clears_description,
        {"write_changes_only_its_fields"},
        ("^(GET|POST|PATCH) /Issues", "^GET /(Users|Locations|Projects|Severities)$"),
        writes=True,
    ),
    _d(
        listed_type_form_not_found,
        {"listed_iid_found"},
        ("^GET /IssueTypes$", r"^GET /IssueForms/IssueType/\{issueTypeIid\}$"),
    ),
    _d(
        patch_udf_remove_as_add,
        {"udf_patch_persisted"},
        ("^(GET|POST|PATCH) /Issues",),
        writes=True,
    ),
    _d(patch_clear_refused, {"patch_clear_persisted"}, ("^(GET|POST|PATCH) /Issues",), writes=True),
    _d(
        patch_text_path_refused,
        {"write_changes_only_its_fields"},
        ("^(GET|POST|PATCH) /Issues", "^GET /(Users|Locations|Projects|Severities)$"),
        writes=True,
    ),
    _d(
        organization_remove_required_accepted,
        {"patch_clear_persisted"},
        ("^(GET|POST|PATCH) /Organizations",),
        writes=True,
    ),
    _d(
        assignments_not_recorded,
        {"write_leaves_history"},
        ("^(GET|POST|PATCH) /Issues", "^GET /Users$", "^POST /IssueAssignmentHistory/Search$"),
        writes=True,
    ),
    _d(upload_size_zero, {"attachment_persisted"}, ("^(GET|POST) /Issues",), writes=True),
    _d(null_body_as_empty_object, {"json_body_required"}, SEARCH),
    _d(
        primary_membership_missing,
        {"primary_membership_listed"},
        ("^GET /Users$", r"^GET /Users/\{iid\}/Memberships/Organizations$"),
    ),
    _d(
        deactivation_ignored,
        {"put_flag_persisted"},
        (r"^(GET|POST|PUT) /Users(/\{iid\})?$",),
        writes=True,
    ),
    _d(criterion_without_type_accepted, {"invalid_body_refused"}, SEARCH, depth=1),
    _d(duplicates_left_open, {"duplicates_closed"}, ("^(GET|POST) /Issues",), writes=True),
    _d(search_after_includes_its_day, {"search_field_value"}, ("^POST /Issues/Search$",)),
    _d(search_enum_names_refused, {"search_field_value"}, ("^POST /Users/Search$",)),
    _d(udf_all_as_at_least_one, {"search_udf_value"}, ("^POST /Issues/Search$",)),
    _d(narrow_search_later_pages_empty, {"paging_narrow_search"}, SEARCH),
    _d(search_range_low_end_only, {"search_no_missing_results"}, SEARCH),
    _d(list_ignores_unknown_sort_names, {"query_enum_refused"}, LIST),
    _d(
        patch_bool_words_as_false,
        {"patch_invalid_refused"},
        ("^(GET|POST|PATCH) /Issues",),
        writes=True,
    ),
    _d(
        patch_unknown_paths_ignored,
        {"patch_invalid_refused"},
        ("^(GET|POST|PATCH) /Issues",),
        writes=True,
    ),
    _d(binding_errors_as_api_response, {"invalid_body_refused"}, SEARCH),
    _d(
        assignment_history_without_assignee,
        {"write_leaves_history"},
        ("^(GET|POST|PATCH) /Issues", "^GET /Users$", "^POST /IssueAssignmentHistory/Search$"),
        writes=True,
    ),
    _d(
        create_defaults_over_named_priority,
        {"create_stores_references"},
        ("^(GET|POST) /Issues", "^GET /(Priorities|Organizations|Classes)$"),
        writes=True,
    ),
    _d(body_numbers_clamped, {"body_number_bounds"}, SEARCH),
    _d(
        issue_patch_skips_edit_permission,
        {"restricted_permission_refused"},
        (*RESTRICTED_USER, r"^PATCH /Issues/\{iid\}$"),
        writes=True,
    ),
    _d(
        task_added_without_task_permission,
        {"restricted_permission_refused"},
        (*RESTRICTED_USER, r"^POST /Issues/\{issueIid\}/Tasks/Create$"),
        writes=True,
    ),
    _d(
        lookup_tables_writable_by_end_users,
        {"restricted_permission_refused"},
        (*RESTRICTED_USER, "^(GET|POST) /Priorities$"),
        writes=True,
    ),
    _d(
        issue_search_skips_visibility,
        {"restricted_user_refused_or_hidden"},
        ("^POST /Issues/Search$", r"^GET /Issues/\{iid\}$"),
    ),
    _d(
        issue_tasks_listed_from_start_up,
        {"child_listed_below_parent"},
        (r"^(GET|POST) /Issues/(Create|\{iid\})$", r"^POST /Issues/\{issueIid\}/Tasks"),
        writes=True,
    ),
    _d(
        hidden_issue_tasks_listed,
        {"child_listed_below_parent"},
        (r"^(GET|POST) /Issues/(Create|\{iid\})$", r"^POST /Issues/\{issueIid\}/Tasks"),
        writes=True,
    ),
    _d(list_page_size_clamped, {"query_bound_refused"}, LIST),
    _d(
        upload_ignores_is_private,
        {"attachment_persisted"},
        (r"^POST /Issues/(Create|\{iid\}/Attachments/Upload)$", r"^GET /Issues/\{iid\}$"),
        writes=True,
    ),
    _d(
        org_membership_taken_for_primary,
        {"membership_persisted"},
        ("^GET /Organizations$", "^(GET|POST) /Users/\\{iid\\}/Memberships/Organizations$"),
        writes=True,
    ),
    _d(
        memberships_page_offset_wrong,
        {"membership_persisted"},
        ("^GET /Organizations$", "^(GET|POST) /Users/\\{iid\\}/Memberships/Organizations$"),
        writes=True,
    ),
    _d(
        patched_issues_missing_from_search,
        {"write_changes_only_its_fields"},
        ("^(GET|POST|PATCH) /Issues", "^GET /(Users|Locations|Projects|Severities)$"),
        writes=True,
    ),
    _d(udf_all_as_only, {"search_udf_value"}, ("^POST /Issues/Search$",)),
    _d(search_by_user_name_matches_nothing, {"search_field_presence"}, ("^POST /Causes/Search$",)),
    _d(null_boolean_criterion_fails, {"search_field_presence"}, ("^POST /Projects/Search$",)),
    _d(children_not_listed, {"child_listed_below_parent"}, ("^(GET|POST) /Issues",), writes=True),
    _d(this_year_rolling, {"search_relative_dates"}, ("^POST /Issues/Search$",)),
)
BY_NAME = {deviation.name: deviation for deviation in DEVIATIONS}


def site_context(app: Any) -> dict[str, Any]:
    """What deviations need to know about the mock they wrap (its admin token and its stores)."""
    site = app.state.site
    token = app.state.tokens["admin"]

    def store_of(path: str) -> Any:
        segment = path.strip("/").split("/")[0].lower()
        for key, store in site.stores.items():
            if key.split(":")[0] == segment and key.endswith(":" + singular(segment)):
                return store
        return next((s for k, s in site.stores.items() if k.split(":")[0] == segment), None)

    def record_of(path: str) -> Any:
        store = store_of(path)
        iid = int(path.rstrip("/").rsplit("/", 1)[-1])
        record = store.records.get(iid) if store is not None else None
        return copy.deepcopy(record)

    def restore(path: str, record: Any) -> None:
        store = store_of(path)
        if store is not None and record is not None:
            store.records[int(path.rstrip("/").rsplit("/", 1)[-1])] = record

    def site_records(ex: Exchange, page: int, size: int) -> list[Any]:
        store = store_of(ex.path)
        if store is None:
            return []
        records = list(store.records.values())
        return records[(page - 1) * size : page * size]

    def iids_of(path: str) -> list[int]:
        store = store_of(path)
        return [k for k in store.records if isinstance(k, int)] if store is not None else []

    return {
        "token": token,
        "end_user_token": app.state.tokens["end_user"],
        "iids_of": iids_of,
        "record_of": record_of,
        "restore": restore,
        "site_records": site_records,
        "snapshots": {},
    }


def singular(segment: str) -> str:
    from issuetrak_mock.site import singular as mock_singular

    return mock_singular(segment)


def deviate(name: str, app: Any) -> App:
    """``app`` (a mock made by ``issuetrak_mock.create_app``) behind the deviation ``name``."""
    return BY_NAME[name].wrap(app, site_context(app))


def no_trace_id_site(label: str | None = None) -> tuple[App, str]:
    """``--app`` factory: the in-process mock whose answers carry no traceId."""
    import issuetrak_mock

    app = issuetrak_mock.create_app(label, seed=0, rate_limits=None)
    return deviate("no_trace_id", app), str(app.state.tokens["admin"])
