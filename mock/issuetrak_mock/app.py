"""The ASGI application: routing, auth, rate limits, body validation, then the handlers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .body import MAX_BODY_BYTES, BodyTooLarge, read_body
from .clock import Clock, FrozenClock, window_clock
from .handlers import Call, dispatch, permission_problem
from .ratelimit import DEFAULT_RATE_LIMITS, RateLimit, SlidingWindowLimiter
from .responses import ApiError, api_response, empty, json_response, problem, problem_details
from .routing import Route
from .seed import seed_site
from .served_document import DOCUMENT_PATHS, document_response
from .site import Actor, MockSite
from .validation import json_charset, parse_json, validate_body

__all__ = ["API_PREFIX", "MAX_BODY_BYTES", "create_app"]

API_PREFIX = "/api/v2"

logger = logging.getLogger("issuetrak_mock")


@dataclass(frozen=True)
class _Admitted:
    route: Route
    actor: Actor
    params: dict[str, str]
    trace: str


def _unexpected(request: Request, trace: str) -> Response:
    # a bug, not bad input: logged, and answered as ASP.NET answers an unhandled exception
    # (a JSON body, like every other answer)
    logger.exception("unhandled error in %s %s", request.method, request.url.path)
    return problem(trace, 500)


class _Default:
    pass


_DEFAULT = _Default()


def create_app(
    spec_label: str | None = None,
    *,
    document: Mapping[str, Any] | None = None,
    seed: int = 0,
    clock: Clock | None = None,
    rate_limits: Iterable[RateLimit] | _Default | None = _DEFAULT,
    latency_ms: float = 0,
    issues: int = 300,
    users: int = 20,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> Starlette:
    """A Starlette app simulating one Issuetrak site at ``/api/v2``.

    Args:
        spec_label: the pinned Issuetrak version to serve (default: the label the generated
            client was built for, ``issuetrak_client.DEFAULT_LABEL``).
        document: an already loaded document instead (e.g. one derived in a test).
        seed: the demo data seed; the same seed gives the same records and tokens.
        clock: where "now" comes from (default: a :class:`FrozenClock` at 2024-03-15 08:30:00
            so that the site is reproducible; pass :class:`SystemClock` for wall time). Rate
            limit windows follow the clock's ``monotonic()`` (sub-second), or the machine's
            monotonic time when no clock is given.
        rate_limits: the per-token windows; the default is Issuetrak's, ``None`` turns limits off.
        latency_ms: added delay per request, for clients that must cope with slow sites.
        issues: how many issues the seeded data set has.
        users: how many users it has besides the four role users.
        max_body_bytes: the largest request body read (default 4 MiB, as classic ASP.NET's
            ``maxRequestLength``); a larger one is answered ``413`` as soon as its
            ``Content-Length`` or the bytes received so far exceed it, before any parsing.

    The app's ``state`` has ``site`` (the :class:`MockSite`), ``tokens`` (role -> token for
    ``"admin"``, ``"agent"``, ``"end_user"``, ``"no_api"``) and ``expired_token``.

    In process, without a network::

        import httpx
        app = create_app(seed=1)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://mock/api/v2",
                                     headers={"X-Api-Key": app.state.tokens["admin"]}) as client:
            issue = (await client.get("/Issues/1")).json()["values"]
    """
    if max_body_bytes < 0:
        raise ValueError(f"max_body_bytes must not be negative, got {max_body_bytes}")
    if document is None:
        # the document the generated package of that label was built from (a build product)
        from issuetrak.versions import resolve

        document = resolve(spec_label).document()
    doc = document
    site = MockSite(doc, clock=clock or FrozenClock(), seed=seed)
    seed_site(site, issues=issues, users=users)
    site.touch()
    limits = DEFAULT_RATE_LIMITS if isinstance(rate_limits, _Default) else rate_limits
    limiter = SlidingWindowLimiter(limits) if limits is not None else None
    limit_time = window_clock(clock)
    delay = max(0.0, latency_ms) / 1000.0
    prefix = API_PREFIX.lower()

    def admit(request: Request) -> Response | _Admitted:
        """Routing, auth, rate limits and permissions: everything decided before the body."""
        path = request.url.path
        if not path.lower().startswith(prefix):
            return empty(404)
        path = path[len(prefix) :] or "/"
        if request.method == "GET" and path.lower() in DOCUMENT_PATHS:
            return document_response(doc)  # where the site serves its own document
        found = site.routes.match(request.method, path)
        route, params = found.route, found.params
        if route is None:
            if not found.allowed:
                return empty(404)
            # ASP.NET answers a method the path lacks with 405 and the path's methods (RFC 9110)
            return empty(405, {"Allow": ", ".join(found.allowed)})
        actor = site.actor_for(request.headers.get("x-api-key"))
        if actor is None:
            return empty(401)
        if limiter is not None:
            wait = limiter.check(actor.token, request.method, request.url.path, limit_time())
            if wait is not None:
                return empty(429, {"Retry-After": limiter.retry_after(wait)})
        trace = site.trace_id()
        problem_text = permission_problem(site, route, actor)
        if problem_text is not None:
            return api_response(trace, 403, "Authorization", problem_text)
        return _Admitted(route, actor, params, trace)

    def respond(request: Request, admitted: _Admitted, raw: bytes) -> Response:
        route, trace = admitted.route, admitted.trace
        content_type = request.headers.get("content-type", "")
        try:
            body: Any = None
            if route.content_type == "application/json" or (
                route.request_schema and not route.content_type
            ):
                # ASP.NET binds [FromBody] parameters as required: an empty body is refused
                body = parse_json(raw, required=True, codec=json_charset(content_type))
                if route.request_schema:
                    validate_body(site.index, route.request_schema, body)
                elif route.request_inline is not None:
                    validate_body(
                        site.index, f"{route.operation_id}#body", body, route.request_inline
                    )
            call = Call(
                route,
                admitted.actor,
                admitted.params,
                request.query_params,
                body,
                raw,
                content_type,
            )
            status, payload = dispatch(site, call)
        except ApiError as err:
            if err.problems is not None:
                return problem_details(trace, err.problems)
            if err.status in (413, 415):
                return problem(trace, err.status, err.message)
            return api_response(trace, err.status, err.kind, err.message)
        if payload is None:
            return empty(status)
        return json_response({"traceId": trace, **payload}, status)

    async def endpoint(request: Request) -> Response:
        if delay:
            await asyncio.sleep(delay)
        with site.lock:
            try:
                admitted = admit(request)
            except Exception:
                return _unexpected(request, site.trace_id())
        if isinstance(admitted, Response):
            return admitted
        raw = b""
        if admitted.route.content_type or admitted.route.request_schema:
            try:
                raw = await read_body(request, max_body_bytes)
            except BodyTooLarge as exc:
                return problem(admitted.trace, 413, str(exc))
            except ClientDisconnect:
                return empty(400)  # nobody is listening any more
        with site.lock:
            try:
                return respond(request, admitted, raw)
            except Exception:
                return _unexpected(request, admitted.trace)

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        response = await endpoint(Request(scope, receive))
        await response(scope, receive, send)

    # every path goes to the endpoint: the route table above does the matching (a Starlette
    # route pattern would not match paths with encoded newlines, which fuzzers like to send)
    app = Starlette()
    app.router.default = asgi
    app.state.site = site
    app.state.tokens = dict(site.tokens)
    app.state.expired_token = site.expired_token
    app.state.limiter = limiter
    return app
