"""The ASGI application: routing, auth, rate limits, body validation, then the handlers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .clock import Clock, FrozenClock
from .handlers import Call, dispatch, permission_problem
from .ratelimit import DEFAULT_RATE_LIMITS, RateLimit, SlidingWindowLimiter
from .responses import ApiError, api_response, empty, json_response, problem_details
from .seed import seed_site
from .served_document import DOCUMENT_PATHS, document_response
from .site import MockSite
from .validation import parse_json, validate_body

__all__ = ["API_PREFIX", "create_app"]

API_PREFIX = "/api/v2"


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
) -> Starlette:
    """A Starlette app simulating one Issuetrak site at ``/api/v2``.

    Args:
        spec_label: the pinned Issuetrak version to serve (default: the label the generated
            client was built for, ``issuetrak_client.DEFAULT_LABEL``).
        document: an already loaded document instead (e.g. one derived in a test).
        seed: the demo data seed; the same seed gives the same records and tokens.
        clock: where "now" comes from (default: a :class:`FrozenClock` at 2024-03-15 08:30:00
            so that the site is reproducible; pass :class:`SystemClock` for wall time). Rate
            limit windows follow this clock when one is given, else the machine's monotonic time.
        rate_limits: the per-token windows; the default is Issuetrak's, ``None`` turns limits off.
        latency_ms: added delay per request, for clients that must cope with slow sites.
        issues, users: the size of the seeded data set.

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
    if document is None:
        # the document the generated package of that label was built from (a build product)
        from issuetrak._versions import resolve

        document = resolve(spec_label).document()
    doc = document
    site = MockSite(doc, clock=clock or FrozenClock(), seed=seed)
    limit_time: Callable[[], float] = (
        (lambda: site.now().timestamp()) if clock is not None else time.monotonic
    )
    seed_site(site, issues=issues, users=users)
    limits = DEFAULT_RATE_LIMITS if isinstance(rate_limits, _Default) else rate_limits
    limiter = SlidingWindowLimiter(limits) if limits is not None else None
    delay = max(0.0, latency_ms) / 1000.0
    prefix = API_PREFIX.lower()

    async def endpoint(request: Request) -> Response:
        if delay:
            await asyncio.sleep(delay)
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
        problem = permission_problem(site, route, actor)
        if problem is not None:
            return api_response(trace, 403, "Authorization", problem)
        raw = await request.body()
        content_type = request.headers.get("content-type", "")
        try:
            body: Any = None
            if route.content_type == "application/json" or (
                route.request_schema and not route.content_type
            ):
                # ASP.NET binds [FromBody] parameters as required: an empty body is refused
                body = parse_json(raw, required=True)
                if body is not None:
                    if route.request_schema:
                        validate_body(site.index, route.request_schema, body)
                    elif route.request_inline is not None:
                        validate_body(
                            site.index, f"{route.operation_id}#body", body, route.request_inline
                        )
            call = Call(route, actor, params, request.query_params, body, raw, content_type)
            status, payload = dispatch(site, call)
        except ApiError as err:
            if err.problems is not None:
                return problem_details(trace, err.problems)
            return api_response(trace, err.status, err.kind, err.message)
        if payload is None:
            return empty(status)
        payload = {"traceId": trace, **payload}
        return json_response(payload, status)

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
