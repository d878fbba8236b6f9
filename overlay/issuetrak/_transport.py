"""The one retry loop: an httpx transport that authenticates, rate-limits and retries.

:class:`RetryTransport` (and :class:`AsyncRetryTransport`) wrap the transport that really talks
to the network (the user's ``transport=`` or httpx's default). For each request they

1. start the call's deadline, which covers everything below;
2. per attempt: wait for a client-side rate-limit slot (a slot that cannot come before the
   deadline fails the call at once, naming the window), copy the request, cap its timeouts by
   what is left of the deadline, run the auth flow on the copy (so HMAC signatures are fresh per
   attempt and the caller's request object never holds a credential), send, and read the body
   (errors and JSON: a body cut short is a failed attempt like any other transport error);
3. decide from the outcome (see :mod:`issuetrak._retry`) whether to retry and how long to wait
   (Retry-After or full-jitter backoff, bounded by the deadline), and repeat.

The final response is returned with ``response.extensions["issuetrak"] = {"attempts": n,
"elapsed": seconds, ...}``; turning a non-2xx final response into an exception is the client's
response hook's job. A transport error on the final attempt becomes
:class:`~issuetrak.APITimeoutError` or :class:`~issuetrak.APIConnectionError`; a write that may
have reached the site says so (``may_have_been_applied``).

Per-call options: ``request.extensions["issuetrak"] = {"max_retries": 0, "deadline": 10.0}`` (any
field of :class:`~issuetrak._retry.RetryPolicy`) overrides the client's policy for that request.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx

from ._auth import ApiTokenAuth
from ._exceptions import (
    MAY_HAVE_BEEN_APPLIED,
    APIConnectionError,
    APITimeoutError,
    redact_headers,
    relative_path,
)
from ._facade_errors import UndecodableResponseError
from ._limiting import TransportLimiter
from ._logging import logger
from ._ratelimit import SlotUnavailable, forget_last, last_grant, last_refusal
from ._retry import (
    MAX_ATTEMPTS,
    RETRYABLE_STATUSES,
    RequestKind,
    RetryPolicy,
    backoff_delay,
    is_write,
    never_sent,
    parse_retry_after,
    rate_limited_delay,
    request_kind,
)
from .conventions.bodies import is_json_content_type

__all__ = ["EXTENSION", "AsyncRetryTransport", "RetryTransport", "Runtime"]

EXTENSION = "issuetrak"
LONG_LIMITER_WAIT = 30.0
"""Seconds; a client-side rate-limit wait at least this long is logged as a WARNING."""


async def _anyio_sleep(seconds: float) -> None:
    import anyio

    await anyio.sleep(seconds)


@dataclass(frozen=True, slots=True)
class Runtime:
    """Where time comes from; tests replace all of it so nothing really sleeps."""

    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    async_sleep: Callable[[float], Awaitable[None]] = _anyio_sleep
    random: Callable[[], float] = random.random
    wall_clock: Callable[[], float] = time.time  # for Retry-After HTTP dates


@dataclass(slots=True)
class _Call:
    """State of one logical request across its attempts."""

    request: httpx.Request
    policy: RetryPolicy
    kind: RequestKind
    write: bool
    api_base_path: str
    decode_json: bool = False
    started: float = 0.0
    deadline_at: float = math.inf
    attempt: int = 0
    counted_failures: int = 0  # failures that count against max_retries (429s included)
    grant: float | None = None  # the rate-limit slot of the current attempt
    longest_timeout: float = math.inf  # of the request's timeouts (None: no timeout: inf)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> str:
        """The URL path relative to the API base (for log lines and errors only: not computed
        on the hot path)."""
        return relative_path(self.request.url, self.api_base_path)


_WHAT_UNSAFE = "a create, PATCH or upload"


class _Core:
    """What the sync and async transports share: everything except the I/O."""

    def __init__(
        self,
        *,
        auth: httpx.Auth | None,
        policy: RetryPolicy,
        limiter: TransportLimiter | None,
        runtime: Runtime,
        api_base_path: str,
    ) -> None:
        self.auth = auth
        self.policy = policy
        if limiter is not None and not isinstance(limiter, TransportLimiter):
            missing = [
                name for name in _LIMITER_METHODS if not callable(getattr(limiter, name, None))
            ]
            raise TypeError(
                f"limiter must be a RateLimiter or have the methods of TransportLimiter; "
                f"{type(limiter).__name__} lacks {', '.join(missing)}"
            )
        self.limiter = limiter
        self.runtime = runtime
        self.api_base_path = api_base_path

    _last_timeouts: tuple[tuple[float | None, ...], float] = ((), math.inf)

    def grant_at_once(self, call: _Call, limiter: TransportLimiter) -> bool:
        """Take a rate-limit slot for this attempt if the limiter has one free now (its no-wait
        path); ``False``: nothing taken, the caller waits through ``acquire`` (what an earlier
        wait left in :func:`last_grant` and :func:`last_refusal` is cleared first)."""
        call.grant = limiter.try_grant(call.write)
        if call.grant is not None:
            return True
        forget_last()  # a limiter that records no grant must not leave an older one's
        return False

    def answered(self, call: _Call, response: httpx.Response) -> None:
        """The site answered this attempt: it counted the request by now, so the limiter's
        entry for it settles here (see :meth:`RateLimiter.settle`), and what the site says of
        its own count (``X-Rate-Limit-*`` headers) lowers the limiter's view."""
        limiter = self.limiter
        if limiter is None:
            return
        sent = call.grant
        if sent is not None:
            call.grant = limiter.settle(call.write, sent, self.runtime.clock())
        if "x-rate-limit-remaining" in response.headers:
            runtime = self.runtime
            window = limiter.observe_headers(
                response.headers, runtime.clock(), runtime.wall_clock(), call.write, sent=sent
            )
            if window is not None:
                logger.debug(
                    "%s %s: the site has %s request(s) left in its %s window",
                    call.request.method,
                    call.path,
                    response.headers.get("x-rate-limit-remaining"),
                    response.headers.get("x-rate-limit-limit"),
                )

    def start(self, request: httpx.Request) -> _Call:
        overrides = request.extensions.get(EXTENSION)
        decode_json = False
        policy = self.policy
        if overrides:
            overrides = dict(overrides)
            decode_json = bool(overrides.pop("decode_json", False))
            if overrides:
                policy = policy.updated(overrides)
        method = request.method
        if method == "GET":  # the common case, decided without looking at headers or path
            kind, write = RequestKind.READ, False
        else:
            kind, write = request_kind(request), is_write(method, request.url.path)
        # (positional: half the cost of keywords, on every request)
        call = _Call(request, policy, kind, write, self.api_base_path, decode_json)
        # the deadline covers everything from here: rate-limit waits, attempts, backoff
        call.started = self.runtime.clock()
        if policy.deadline is not None:
            call.deadline_at = call.started + policy.deadline
            timeouts = request.extensions.get("timeout")
            if timeouts:
                call.longest_timeout = self._longest(timeouts)
        return call

    def _longest(self, timeouts: dict[str, float | None]) -> float:
        """The longest of a request's four timeouts (``inf`` if one is ``None``: no limit).
        Requests mostly carry the client's timeouts, so the last answer is kept."""
        values = tuple(timeouts.values())
        cached = self._last_timeouts
        if values == cached[0]:
            return cached[1]
        longest = math.inf
        if len(values) == 4:
            known = [value for value in values if value is not None]
            if len(known) == 4:
                longest = max(known)
        self._last_timeouts = (values, longest)
        return longest

    def prepare(self, call: _Call) -> httpx.Request:
        """A copy of the request for one attempt, its timeouts capped by the deadline."""
        call.attempt += 1
        original = call.request
        extensions = dict(original.extensions)
        deadline_at = call.deadline_at
        if deadline_at != math.inf:
            remaining = deadline_at - self.runtime.clock()
            if remaining < call.longest_timeout:  # else no timeout can outlast the deadline
                remaining = max(remaining, _MIN_ATTEMPT_TIMEOUT)
                capped = dict(extensions.get("timeout") or {})
                for key in ("connect", "read", "write", "pool"):
                    value = capped.get(key)
                    capped[key] = remaining if value is None else min(value, remaining)
                extensions["timeout"] = capped
        # A shallow copy (URL, stream and body are shared and never mutated); its own headers
        # and extensions, so the auth flow's headers stay off the caller's request object.
        # (copy.copy would go through Request.__getstate__, which detaches the stream)
        clone = httpx.Request.__new__(httpx.Request)
        clone.__dict__.update(original.__dict__)
        clone.headers = httpx.Headers(original.headers)  # (Headers.copy() re-detects the encoding)
        clone.extensions = extensions
        return clone

    def note_limiter_wait(self, call: _Call, wait: float) -> None:
        """Log a client-side rate-limit wait before it is slept."""
        if wait >= LONG_LIMITER_WAIT:
            # a wait this long surprises people (a full 1 h or 12 h window, or a server-asked
            # pause): say so even when nobody configured logging (WARNING reaches stderr)
            assert self.limiter is not None
            logger.warning(
                "rate limit: %s %s waits %.0f s for a free slot in %r; pass rate_limits=... "
                "if your site's limits are higher",
                call.request.method,
                call.path,
                wait,
                self.limiter,
            )
            return
        logger.debug(
            "rate limit: %s %s waits %.3f s for a free slot (%s)",
            call.request.method,
            call.path,
            wait,
            "write" if call.write else "read",
        )

    def remaining(self, call: _Call) -> float:
        return call.deadline_at - self.runtime.clock()

    def must_read(self, call: _Call, response: httpx.Response) -> bool:
        """Whether this transport reads the body (so that a body cut short is an attempt that
        failed, retried like any transport error): errors and JSON always; another success only
        for the facade, which parses it anyway (a download stays streamable)."""
        if call.decode_json or not 200 <= response.status_code < 300:
            return True
        return is_json_content_type(response.headers.get("content-type"))

    def retry_wait_for_error(self, call: _Call, exc: Exception) -> float | None:
        """Seconds to wait before retrying after ``exc``, or ``None`` to give up."""
        name = type(exc).__name__
        if call.kind is RequestKind.UNSAFE and not never_sent(exc):
            call.extra["may_have_been_applied"] = True
            logger.debug(
                "not retrying %s %s after %s: it may have reached the site, and sending %s "
                "twice could apply it twice",
                call.request.method,
                call.path,
                name,
                _WHAT_UNSAFE,
            )
            return None
        call.counted_failures += 1
        return self._backoff_or_none(call, None, name)

    def check_body(self, call: _Call, response: httpx.Response) -> Exception | None:
        """Decode a 2xx body for the facade (once; kept in the response's extensions): every
        operation of the document answers JSON, so anything else (an HTML login or proxy page,
        plain text, JSON cut short) is the error returned here."""
        if not call.decode_json or not 200 <= response.status_code < 300:
            return None
        content = response.content
        if not content.strip():
            return None
        try:
            call.extra["json"] = json.loads(content)
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
            return exc
        return None

    def retry_wait_for_response(self, call: _Call, response: httpx.Response) -> float | None:
        """Seconds to wait before retrying after ``response``, or ``None`` to keep it."""
        status = response.status_code
        if 200 <= status < 300 and not call.decode_json:
            return None  # the common case: a success nobody asked this transport to decode
        if status == 429:
            return self._after_429(call, response)
        undecodable = self.check_body(call, response)
        if undecodable is not None:
            if call.kind is RequestKind.UNSAFE:  # the site did the work: never send it again
                raise self.undecodable(call, response, undecodable)
            call.counted_failures += 1
            wait = self._backoff_or_none(call, None, "an undecodable body")
            if wait is None:
                raise self.undecodable(call, response, undecodable)
            return wait
        if status >= 500 and call.kind is RequestKind.UNSAFE:
            call.extra["may_have_been_applied"] = True
        if status not in RETRYABLE_STATUSES:
            return None
        if call.kind is RequestKind.UNSAFE:
            logger.debug(
                "not retrying %s %s after %d: %s may have been processed",
                call.request.method,
                call.path,
                status,
                _WHAT_UNSAFE,
            )
            return None
        retry_after = None
        if status in (503, 504):
            retry_after = parse_retry_after(
                response.headers.get("retry-after"), now=self.runtime.wall_clock()
            )
            if retry_after is not None and retry_after > call.policy.max_retry_after:
                return self._too_long(call, retry_after)
        call.counted_failures += 1
        return self._backoff_or_none(call, retry_after, str(status))

    def _after_429(self, call: _Call, response: httpx.Response) -> float | None:
        """A 429 means the site refused the request before doing anything, so every method is
        retried, creates included, as the site says (Retry-After) but never at once (see
        :func:`~issuetrak._retry.rate_limited_delay`); it counts against ``max_retries`` (and
        :data:`~issuetrak._retry.MAX_ATTEMPTS`) like any failure. The limiter slot the refused request used stays used: whatever the site
        says it counted, a storm of 429s must not turn into a storm of requests."""
        retry_after = parse_retry_after(
            response.headers.get("retry-after"), now=self.runtime.wall_clock()
        )
        call.extra["retry_after"] = retry_after  # for RateLimitError, if this is the last
        if self.limiter is not None:
            self.limiter.on_rate_limited(retry_after, self.runtime.clock())
            quota = self.limiter.observe_quota(
                response.text, retry_after, self.runtime.clock(), call.write, sent=call.grant
            )
            logger.debug(
                "429 on %s %s: every request on this budget pauses %s s%s",
                call.request.method,
                call.path,
                "the default" if not retry_after else f"{retry_after:g}",
                f" ({quota} is full, the site says)" if quota else "",
            )
        if retry_after is not None and retry_after > call.policy.max_retry_after:
            return self._too_long(call, retry_after)
        call.counted_failures += 1
        if self._exhausted(call, "429"):
            return None
        wait = rate_limited_delay(
            call.counted_failures, retry_after, call.policy, self.runtime.random()
        )
        return self._wait_or_none(call, wait, "429", "Retry-After or backoff")

    def _too_long(self, call: _Call, retry_after: float) -> float | None:
        """Give up: the site asks for a longer pause than ``max_retry_after``."""
        logger.debug(
            "not retrying %s %s: Retry-After %g s exceeds the %g s cap",
            call.request.method,
            call.path,
            retry_after,
            call.policy.max_retry_after,
        )
        return None

    def _backoff_or_none(self, call: _Call, retry_after: float | None, cause: str) -> float | None:
        if self._exhausted(call, cause):
            return None
        if retry_after is not None:
            wait, why = retry_after, "Retry-After"
        else:
            number = max(call.counted_failures, 1)
            wait, why = backoff_delay(number, call.policy, self.runtime.random()), "backoff"
        return self._wait_or_none(call, wait, cause, why)

    def _exhausted(self, call: _Call, cause: str) -> bool:
        """Whether ``call`` has used up ``max_retries`` (or :data:`MAX_ATTEMPTS`)."""
        if call.counted_failures <= call.policy.max_retries and call.attempt < MAX_ATTEMPTS:
            return False
        logger.debug(
            "giving up on %s %s after %s: %d attempt(s), max_retries=%d",
            call.request.method,
            call.path,
            cause,
            call.attempt,
            call.policy.max_retries,
        )
        return True

    def _wait_or_none(self, call: _Call, wait: float, cause: str, why: str) -> float | None:
        """``wait``, or ``None`` when waiting it would pass the deadline."""
        if self.runtime.clock() + wait >= call.deadline_at:
            logger.debug(
                "giving up on %s %s after %s: waiting %.3f s would pass the %g s deadline",
                call.request.method,
                call.path,
                cause,
                wait,
                call.policy.deadline,
            )
            return None
        logger.debug(
            "retrying %s %s after %s: attempt %d failed, waiting %.3f s (%s)",
            call.request.method,
            call.path,
            cause,
            call.attempt,
            wait,
            why,
        )
        return wait

    def finish(self, call: _Call, sent: httpx.Request, response: httpx.Response) -> httpx.Response:
        meta: dict[str, Any] = {
            "attempts": call.attempt,
            "elapsed": self.runtime.clock() - call.started,
        }
        if call.extra:
            meta.update(call.extra)
        if not 200 <= response.status_code < 300:
            # what really went out on the last attempt, for the error; redacted here because
            # response.extensions is in the caller's hands
            meta["sent_headers"] = redact_headers(sent.headers)
        response.extensions[EXTENSION] = meta
        return response

    def fail(self, call: _Call, exc: Exception) -> APIConnectionError:
        if isinstance(exc, httpx.RequestError):
            # The chained httpx error would otherwise point at the signed attempt copy.
            exc.request = call.request
        elapsed = self.runtime.clock() - call.started
        method = call.request.method
        logger.info(
            "%s %s -> %s after %.1f ms (attempt %d)",
            method,
            call.path,
            type(exc).__name__,
            elapsed * 1000,
            call.attempt,
        )
        deadline_hit = self.remaining(call) <= 0
        applied = bool(call.extra.get("may_have_been_applied"))
        if isinstance(exc, httpx.TimeoutException) or deadline_hit:
            detail = (
                f"deadline of {call.policy.deadline:g} s exceeded"
                if deadline_hit
                else f"timed out ({type(exc).__name__})"
            )
            cls: type[APIConnectionError] = APITimeoutError
        elif never_sent(exc):
            detail = f"connection failed ({type(exc).__name__}: {exc})"
            cls = APIConnectionError
        else:
            detail = f"connection lost ({type(exc).__name__}: {exc or 'no detail'})"
            cls = APIConnectionError
        message = f"{method} {call.path}: {detail} after {call.attempt} attempt(s)"
        if applied:
            message += f"; {MAY_HAVE_BEEN_APPLIED}"
        return cls(
            message,
            method=method,
            url=str(call.request.url),
            attempts=call.attempt,
            may_have_been_applied=applied,
            request=call.request,
        )

    def undecodable(
        self, call: _Call, response: httpx.Response, exc: Exception
    ) -> UndecodableResponseError:
        applied = call.write  # a 2xx: the site did it (a PUT or DELETE may have been retried)
        self.finish(call, call.request, response)
        kind = response.headers.get("content-type", "").partition(";")[0].strip() or "no type"
        message = (
            f"the reply's body ({kind}) is not the JSON the document says "
            f"({type(exc).__name__}: {exc}) after {call.attempt} attempt(s)"
        )
        if applied:
            message += f"; the site answered {response.status_code}, so it applied the request"
            # (the error adds the advice to check before sending it again)
        return UndecodableResponseError(
            message,
            status_code=response.status_code,
            operation=f"{call.request.method} {call.path}",
            response=response,
            may_have_been_applied=applied,
        )

    def limiter_timeout(self, call: _Call, refusal: SlotUnavailable | None) -> APITimeoutError:
        why = f": {refusal.reason} needs {refusal.needed:.1f} s more" if refusal is not None else ""
        message = (
            f"{call.request.method} {call.path}: no client-side rate-limit slot within the "
            f"{call.policy.deadline:g} s deadline{why} (after {call.attempt} attempt(s))"
        )
        return APITimeoutError(
            message,
            method=call.request.method,
            url=str(call.request.url),
            attempts=call.attempt,
            request=call.request,
        )


_MIN_ATTEMPT_TIMEOUT = 0.001
_LIMITER_METHODS = (
    "try_grant",
    "acquire",
    "acquire_async",
    "settle",
    "on_rate_limited",
    "observe_headers",
    "observe_quota",
)
_DEADLINE_PASSED = "the call's deadline passed while the body was arriving"


def _streaming(response: httpx.Response) -> bool:
    """Whether the body still has to arrive (not one held in memory, as a mock's is)."""
    return not response.is_stream_consumed and type(response.stream) is not httpx.ByteStream


class _DeadlineStream(httpx.SyncByteStream):
    """A body that stops at the call's deadline by the clock, however slowly it trickles in
    (httpx's read timeout bounds each read, not the body)."""

    def __init__(self, inner: Any, deadline_at: float, clock: Callable[[], float], request: Any):
        self.inner, self.deadline_at, self.clock, self.request = inner, deadline_at, clock, request

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.inner:
            if self.clock() > self.deadline_at:
                raise httpx.ReadTimeout(_DEADLINE_PASSED, request=self.request)
            yield chunk

    def close(self) -> None:
        self.inner.close()


class _AsyncDeadlineStream(httpx.AsyncByteStream):
    """The async twin of :class:`_DeadlineStream`."""

    def __init__(self, inner: Any, deadline_at: float, clock: Callable[[], float], request: Any):
        self.inner, self.deadline_at, self.clock, self.request = inner, deadline_at, clock, request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.inner:
            if self.clock() > self.deadline_at:
                raise httpx.ReadTimeout(_DEADLINE_PASSED, request=self.request)
            yield chunk

    async def aclose(self) -> None:
        await self.inner.aclose()


_READ_ERRORS = (httpx.TransportError, httpx.DecodingError)


class RetryTransport(httpx.BaseTransport):
    """Sync transport with auth, client-side rate limiting and retries (see the module doc).

    ``limiter`` is a :class:`~issuetrak.ratelimit.RateLimiter`, or anything with the methods of
    :class:`~issuetrak.ratelimit.TransportLimiter` (the only ones called); ``None``: no
    client-side limiting. An object that lacks one is refused here, naming what it lacks.
    """

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        auth: httpx.Auth | None = None,
        policy: RetryPolicy | None = None,
        limiter: TransportLimiter | None = None,
        runtime: Runtime | None = None,
        api_base_path: str = "",
        owns_inner: bool = True,
    ) -> None:
        self.inner = inner
        self.owns_inner = owns_inner
        self.core = _Core(
            auth=auth,
            policy=policy or RetryPolicy(),
            limiter=limiter,
            runtime=runtime or Runtime(),
            api_base_path=api_base_path,
        )

    def _send(self, request: httpx.Request) -> httpx.Response:
        auth = self.core.auth
        if auth is None:
            return self.inner.handle_request(request)
        if type(auth) is ApiTokenAuth:  # one header: no auth-flow generator per attempt
            auth.apply(request)
            return self.inner.handle_request(request)
        flow = auth.sync_auth_flow(request)
        request = next(flow)
        while True:
            response = self.inner.handle_request(request)
            try:
                request = flow.send(response)
            except StopIteration:
                return response
            response.read()
            response.close()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        core = self.core
        call = core.start(request)
        sleep = core.runtime.sleep
        limiter = core.limiter
        while True:
            if limiter is not None and not core.grant_at_once(call, limiter):
                waited = limiter.acquire(
                    call.write,
                    sleep=sleep,
                    max_wait=core.remaining(call),
                    on_wait=partial(core.note_limiter_wait, call),
                )
                if waited is None:
                    raise core.limiter_timeout(call, last_refusal())
                call.grant = last_grant()
            attempt_request = core.prepare(call)
            try:
                response = self._send(attempt_request)
                if call.deadline_at != math.inf and _streaming(response):
                    response.stream = _DeadlineStream(
                        response.stream, call.deadline_at, core.runtime.clock, attempt_request
                    )
                core.answered(call, response)
                if not response.is_stream_consumed and core.must_read(call, response):
                    try:
                        response.read()
                    except BaseException:
                        response.close()
                        raise
            except _READ_ERRORS as exc:
                wait = core.retry_wait_for_error(call, exc)
                if wait is None:
                    raise core.fail(call, exc) from exc
            else:
                wait = core.retry_wait_for_response(call, response)
                if wait is None:
                    return core.finish(call, attempt_request, response)
                response.close()
            if wait > 0:
                sleep(wait)

    def close(self) -> None:
        if self.owns_inner:
            self.inner.close()


class AsyncRetryTransport(httpx.AsyncBaseTransport):
    """Async twin of :class:`RetryTransport`; the same decisions, awaited sleeps."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        auth: httpx.Auth | None = None,
        policy: RetryPolicy | None = None,
        limiter: TransportLimiter | None = None,
        runtime: Runtime | None = None,
        api_base_path: str = "",
        owns_inner: bool = True,
    ) -> None:
        self.inner = inner
        self.owns_inner = owns_inner
        self.core = _Core(
            auth=auth,
            policy=policy or RetryPolicy(),
            limiter=limiter,
            runtime=runtime or Runtime(),
            api_base_path=api_base_path,
        )

    async def _send(self, request: httpx.Request) -> httpx.Response:
        auth = self.core.auth
        if auth is None:
            return await self.inner.handle_async_request(request)
        if type(auth) is ApiTokenAuth:  # one header: no auth-flow generator per attempt
            auth.apply(request)
            return await self.inner.handle_async_request(request)
        flow = auth.async_auth_flow(request)
        request = await flow.__anext__()
        while True:
            response = await self.inner.handle_async_request(request)
            try:
                request = await flow.asend(response)
            except StopAsyncIteration:
                return response
            await response.aread()
            await response.aclose()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        core = self.core
        call = core.start(request)
        sleep = core.runtime.async_sleep
        limiter = core.limiter
        while True:
            if limiter is not None and not core.grant_at_once(call, limiter):
                waited = await limiter.acquire_async(
                    call.write,
                    sleep=sleep,
                    max_wait=core.remaining(call),
                    on_wait=partial(core.note_limiter_wait, call),
                )
                if waited is None:
                    raise core.limiter_timeout(call, last_refusal())
                call.grant = last_grant()
            attempt_request = core.prepare(call)
            try:
                response = await self._send(attempt_request)
                if call.deadline_at != math.inf and _streaming(response):
                    response.stream = _AsyncDeadlineStream(
                        response.stream, call.deadline_at, core.runtime.clock, attempt_request
                    )
                core.answered(call, response)
                if not response.is_stream_consumed and core.must_read(call, response):
                    try:
                        await response.aread()
                    except BaseException:
                        await response.aclose()
                        raise
            except _READ_ERRORS as exc:
                wait = core.retry_wait_for_error(call, exc)
                if wait is None:
                    raise core.fail(call, exc) from exc
            else:
                wait = core.retry_wait_for_response(call, response)
                if wait is None:
                    return core.finish(call, attempt_request, response)
                await response.aclose()
            if wait > 0:
                await sleep(wait)

    async def aclose(self) -> None:
        if self.owns_inner:
            await self.inner.aclose()
