"""The ASGI application: routing, auth, rate limits, body validation, then the handlers."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .body import MAX_BODY_BYTES, READ_TIMEOUT, BodyTooLarge, read_body
from .bounds import DEFAULT_LIMITS, Limits, OverLimit, check_limits
from .clock import Clock, FrozenClock, utc_clock, window_clock
from .handlers import Call, dispatch, permission_problem
from .large import collector_paused, give_back_memory
from .ratelimit import DEFAULT_RATE_LIMITS, FixedWindowLimiter, RateLimit
from .responses import (
    ApiError,
    api_response,
    empty,
    json_response,
    problem,
    problem_details,
    text,
)
from .routing import Route
from .seed import seed_site
from .served_document import DOCUMENT_PATHS, document_response, require_servable
from .site import Actor, MockSite
from .validation import json_charset, parse_json, validate_body

__all__ = ["API_PREFIX", "INLINE_BODY_BYTES", "MAX_BODY_BYTES", "create_app"]

API_PREFIX = "/api/v2"

logger = logging.getLogger("issuetrak_mock")


#: Bodies up to this size are parsed on the event loop; larger ones in a worker thread, so that
#: parsing and validating them never holds up other requests. Small ones stay on the loop: a
#: thread hop would cost more than their parse. Validating a PATCH costs about 8 us a byte, so
#: 4 KiB keeps the loop's share under 40 ms (at 64 KiB, a 1,000-operation PATCH of 49 KB held
#: every other request up for 0.6 s).
INLINE_BODY_BYTES = 4 * 1024

_REPEATED_KEY = "The X-Api-Key header must be sent once; this request has it more than once."
_CLOSE = {
    "Connection": "close"
}  # the body was not read to its end: the connection cannot be reused
_T = TypeVar("_T")


@dataclass(frozen=True)
class _Admitted:
    route: Route
    actor: Actor
    params: dict[str, str]
    trace: str
    headers: dict[str, str]  # the rate limit headers its answer carries


def _with(response: Response, headers: Mapping[str, str]) -> Response:
    response.headers.update(headers)
    return response


@dataclass(frozen=True)
class _Gate:
    """The site's rate limiter as the client sees it: a 429 with the quota message, or the
    ``X-Rate-Limit-*`` headers an admitted answer carries (unless turned off)."""

    limiter: FixedWindowLimiter | None
    monotonic: Callable[[], float]
    utcnow: Callable[[], dt.datetime]
    send_headers: bool

    def count(self, token: str, method: str, path: str) -> Response | dict[str, str]:
        if self.limiter is None:
            return {}
        verdict = self.limiter.check(token, method, path, self.monotonic())
        if verdict is None:
            return {}
        if not verdict.admitted:
            return text(429, verdict.quota_message(), {"Retry-After": verdict.retry_after()})
        return verdict.headers(self.utcnow()) if self.send_headers else {}


def _body_key(route: Route) -> str | None:
    """The key a route's request body is validated under (``None``: nothing to validate)."""
    if route.request_schema:
        return route.request_schema
    if route.request_inline is not None:
        return f"{route.operation_id}#body"
    return None


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
    rate_limit_headers: bool = True,
    body_timeout: float = READ_TIMEOUT,
    limits: Limits = DEFAULT_LIMITS,
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
            A refused request is ``429`` with ``Retry-After`` and AspNetCoreRateLimit's text body
            (``API calls quota exceeded! maximum admitted 100 per 1m.``).
        rate_limit_headers: send ``X-Rate-Limit-Limit``, ``-Remaining`` and ``-Reset`` on every
            answer a window counted (the one with the longest period), as an AspNetCoreRateLimit
            site does unless its ``DisableRateLimitHeaders`` is set; ``False`` leaves them out.
        latency_ms: added delay per request, for clients that must cope with slow sites.
        issues: how many issues the seeded data set has.
        users: how many users it has besides the four role users.
        max_body_bytes: the largest request body read (default 4 MiB, as classic ASP.NET's
            ``maxRequestLength``); a larger one is answered ``413`` as soon as its
            ``Content-Length`` or the bytes received so far exceed it, before any parsing.
        body_timeout: seconds a request body may take to arrive in full (default 30); a body
            that never ends is answered ``408`` and its connection closed.
        limits: what one request may ask for (:class:`~issuetrak_mock.bounds.Limits`: PATCH
            operations, values per criteria, criteria per search); a body over a limit is
            answered ``400`` from a scan of its text, before it is parsed.

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
    if not 0 < body_timeout < math.inf:
        raise ValueError(f"body_timeout must be a finite number above 0, got {body_timeout}")
    if not latency_ms < math.inf:  # a negative latency is none; an endless one a hang
        raise ValueError(f"latency_ms must be finite, got {latency_ms}")
    if document is None:
        # the document the generated package of that label was built from (a build product)
        from issuetrak.versions import resolve

        document = resolve(spec_label).document()
    doc = document
    site = MockSite(doc, clock=clock or FrozenClock(), seed=seed)
    require_servable(doc, site=site)  # another vendor's document: one line, not a seeding crash
    seed_site(site, issues=issues, users=users)
    site.touch()
    windows = DEFAULT_RATE_LIMITS if isinstance(rate_limits, _Default) else rate_limits
    limiter = FixedWindowLimiter(windows) if windows is not None else None
    # the reset a client reads is on the clock the windows follow: the machine's when no clock
    # is given (the site's pinned "today" would put every reset in the past)
    gate = _Gate(limiter, window_clock(clock), utc_clock(clock), rate_limit_headers)
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
        keys = request.headers.getlist("x-api-key")
        if len(keys) > 1:  # which one would be "the" token? Refused rather than guessed
            return api_response(site.trace_id(), 400, "Validation", _REPEATED_KEY)
        actor = site.actor_for(keys[0] if keys else None)
        if actor is None:
            return empty(401)
        counted = gate.count(actor.token, request.method, request.url.path)
        if isinstance(counted, Response):
            return counted
        trace = site.trace_id()
        problem_text = permission_problem(site, route, actor)
        if problem_text is not None:
            return _with(api_response(trace, 403, "Authorization", problem_text), counted)
        return _Admitted(route, actor, params, trace, counted)

    def prepare(request: Request, admitted: _Admitted, raw: bytes) -> Call:
        """Parse and validate the body: reads nothing the site changes, so needs no lock."""
        route = admitted.route
        content_type = request.headers.get("content-type", "")
        body: Any = None
        if route.content_type == "application/json" or (
            route.request_schema and not route.content_type
        ):
            # ASP.NET binds [FromBody] parameters as required: an empty body is refused
            try:
                body = parse_json(
                    raw,
                    required=True,
                    codec=json_charset(content_type),
                    share_lock=len(raw) > INLINE_BODY_BYTES,
                    screen=lambda text: check_limits(text, route.kind, limits),
                )
            except OverLimit as exc:
                raise ApiError(400, str(exc)) from None
            key = _body_key(route)
            if key is not None:
                inline = None if route.request_schema else route.request_inline
                validate_body(site.index, key, body, inline)
        return Call(
            route, admitted.actor, admitted.params, request.query_params, body, raw, content_type
        )

    def answer(admitted: _Admitted, work: Callable[[], tuple[int, Any]]) -> Response:
        trace = admitted.trace
        try:
            status, payload = work()
        except ApiError as err:
            if err.problems is not None:
                return _with(problem_details(trace, err.problems), admitted.headers)
            if err.status in (413, 415):
                return _with(problem(trace, err.status, err.message), admitted.headers)
            return _with(api_response(trace, err.status, err.kind, err.message), admitted.headers)
        if payload is None:
            return _with(empty(status), admitted.headers)
        return _with(json_response({"traceId": trace, **payload}, status), admitted.headers)

    def respond(request: Request, admitted: _Admitted, raw: bytes) -> Response:
        """Parse and validate without the lock, then read or change the site holding it."""

        large = len(raw) > INLINE_BODY_BYTES

        def work() -> tuple[int, Any]:
            with collector_paused() if large else contextlib.nullcontext():
                call = prepare(request, admitted, raw)
            with site.lock:
                return dispatch(site, call)

        try:
            return answer(admitted, work)
        except Exception:
            return _unexpected(request, admitted.trace)
        finally:
            if large:  # the parsed body is freed by now
                give_back_memory()

    def admit_locked(request: Request) -> Response | _Admitted:
        with site.lock:
            try:
                return admit(request)
            except Exception:
                return _unexpected(request, site.trace_id())

    async def off_the_loop(work: Callable[[], _T], *, large: bool = False) -> _T:
        """Run ``work`` where it cannot hold up other requests: on the loop when it is small and
        the site is free, else in a worker thread (which may wait for the lock, or parse a large
        body, while the loop goes on serving)."""
        if not large and site.lock.acquire(blocking=False):
            try:
                return work()
            finally:
                site.lock.release()
        # asyncio's own worker threads and timeout (the app runs on asyncio: see endpoint's
        # sleep): anyio's would import its event-loop backend on the first body or the first
        # busy lock, a 0.15 s stall of every request in flight at that moment
        return await asyncio.to_thread(work)

    async def endpoint(request: Request) -> Response:
        if delay:
            await asyncio.sleep(delay)
        admitted = await off_the_loop(lambda: admit_locked(request))
        if isinstance(admitted, Response):
            return admitted
        raw = b""
        if admitted.route.content_type or admitted.route.request_schema:
            try:
                async with asyncio.timeout(body_timeout):
                    raw = await read_body(request, max_body_bytes)
            except BodyTooLarge as exc:  # the rest is never read: the connection is not reused
                return _with(problem(admitted.trace, 413, str(exc), _CLOSE), admitted.headers)
            except TimeoutError:
                detail = f"The request body did not arrive within {body_timeout:g} seconds."
                return _with(problem(admitted.trace, 408, detail, _CLOSE), admitted.headers)
            except ClientDisconnect:
                return empty(400)  # nobody is listening any more
        # a large body, or the first of its kind (its validator is built meanwhile), is worked
        # in a thread: either would hold up every other request, and their rate limit counts
        key = _body_key(admitted.route)
        cold = key is not None and not site.index.has_validator(key)
        return await off_the_loop(
            lambda: respond(request, admitted, raw), large=cold or len(raw) > INLINE_BODY_BYTES
        )

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
