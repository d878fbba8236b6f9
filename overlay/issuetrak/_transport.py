"""The one retry loop: an httpx transport that authenticates, rate-limits and retries.

:class:`RetryTransport` (and :class:`AsyncRetryTransport`) wrap the transport that really talks
to the network (the user's ``transport=`` or httpx's default). For each request they

1. wait for the client-side rate limiter (not counted in the deadline: bulk jobs queue);
2. per attempt: copy the request, cap its timeouts by what is left of the deadline, run the auth
   flow on the copy (so HMAC signatures are fresh per attempt and the caller's request object
   never holds a credential), send;
3. decide from the outcome (see :mod:`issuetrak._retry`) whether to retry, wait (Retry-After or
   full-jitter backoff, bounded by the deadline), wait for the rate limiter again, and repeat.

The final response is returned with ``response.extensions["issuetrak"] = {"attempts": n,
"elapsed": seconds}``; turning a non-2xx final response into an exception is the client's
response hook's job. A transport error on the final attempt becomes
:class:`~issuetrak.APITimeoutError` or :class:`~issuetrak.APIConnectionError`.

Per-call options: ``request.extensions["issuetrak"] = {"max_retries": 0, "deadline": 10.0}`` (any
field of :class:`~issuetrak._retry.RetryPolicy`) overrides the client's policy for that request.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx

from ._exceptions import APIConnectionError, APITimeoutError, redact_headers, relative_path
from ._logging import logger
from ._ratelimit import RateLimiter
from ._retry import (
    RETRYABLE_STATUSES,
    RequestKind,
    RetryPolicy,
    backoff_delay,
    is_write,
    never_sent,
    parse_retry_after,
    request_kind,
)

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
    path: str
    started: float = 0.0
    deadline_at: float = math.inf
    attempt: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class _Core:
    """What the sync and async transports share: everything except the I/O."""

    def __init__(
        self,
        *,
        auth: httpx.Auth | None,
        policy: RetryPolicy,
        limiter: RateLimiter | None,
        runtime: Runtime,
        api_base_path: str,
    ) -> None:
        self.auth = auth
        self.policy = policy
        self.limiter = limiter
        self.runtime = runtime
        self.api_base_path = api_base_path

    def start(self, request: httpx.Request) -> _Call:
        overrides = request.extensions.get(EXTENSION)
        policy = self.policy.updated(dict(overrides)) if overrides else self.policy
        return _Call(
            request=request,
            policy=policy,
            kind=request_kind(request),
            write=is_write(request.method, request.url.path),
            path=relative_path(request.url, self.api_base_path),
        )

    def begin_attempts(self, call: _Call) -> None:
        call.started = self.runtime.clock()
        if call.policy.deadline is not None:
            call.deadline_at = call.started + call.policy.deadline

    def prepare(self, call: _Call) -> httpx.Request:
        """A copy of the request for one attempt, its timeouts capped by the deadline."""
        call.attempt += 1
        original = call.request
        extensions = dict(original.extensions)
        remaining = call.deadline_at - self.runtime.clock()
        if math.isfinite(remaining):
            timeouts = dict(extensions.get("timeout") or {})
            for key in ("connect", "read", "write", "pool"):
                value = timeouts.get(key)
                timeouts[key] = remaining if value is None else min(value, remaining)
            extensions["timeout"] = timeouts
        # A shallow copy (URL, stream and body are shared and never mutated); its own headers
        # and extensions, so the auth flow's headers stay off the caller's request object.
        # (copy.copy would go through Request.__getstate__, which detaches the stream)
        clone = httpx.Request.__new__(httpx.Request)
        clone.__dict__.update(original.__dict__)
        clone.headers = original.headers.copy()
        clone.extensions = extensions
        return clone

    def note_limiter_wait(self, call: _Call, wait: float) -> None:
        """Log a client-side rate-limit wait before it is slept."""
        if wait >= LONG_LIMITER_WAIT:
            # a stall this long surprises people (a full 1 h or 12 h window, or a server-asked
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

    def retry_wait_for_error(self, call: _Call, exc: httpx.TransportError) -> float | None:
        """Seconds to wait before retrying after ``exc``, or ``None`` to give up."""
        name = type(exc).__name__
        if call.kind is RequestKind.UNSAFE and not never_sent(exc):
            logger.debug(
                "not retrying %s %s after %s: it may have reached the server, and sending a "
                "create, PATCH or upload twice could apply it twice",
                call.request.method,
                call.path,
                name,
            )
            return None
        return self._backoff_or_none(call, None, name)

    def retry_wait_for_response(self, call: _Call, response: httpx.Response) -> float | None:
        """Seconds to wait before retrying after ``response``, or ``None`` to keep it."""
        status = response.status_code
        retry_after = None
        if status == 429:
            retry_after = parse_retry_after(
                response.headers.get("retry-after"), now=self.runtime.wall_clock()
            )
            call.extra["retry_after"] = retry_after  # for RateLimitError, if this is the last
            if self.limiter is not None:
                self.limiter.on_rate_limited(retry_after, self.runtime.clock())
                logger.debug(
                    "429 on %s %s: rate limiter paused for %s s and slowed down",
                    call.request.method,
                    call.path,
                    "default" if retry_after is None else f"{retry_after:g}",
                )
        if status not in RETRYABLE_STATUSES:
            return None
        if call.kind is RequestKind.UNSAFE:
            logger.debug(
                "not retrying %s %s after %d: a create, PATCH or upload may have been processed",
                call.request.method,
                call.path,
                status,
            )
            return None
        if retry_after is None and status in (503, 504):
            retry_after = parse_retry_after(
                response.headers.get("retry-after"), now=self.runtime.wall_clock()
            )
        if retry_after is not None and retry_after > call.policy.max_retry_after:
            logger.debug(
                "not retrying %s %s: Retry-After %g s exceeds the %g s cap",
                call.request.method,
                call.path,
                retry_after,
                call.policy.max_retry_after,
            )
            return None
        return self._backoff_or_none(call, retry_after, str(status))

    def _backoff_or_none(self, call: _Call, retry_after: float | None, cause: str) -> float | None:
        method, path, attempt = call.request.method, call.path, call.attempt
        if attempt > call.policy.max_retries:
            logger.debug(
                "giving up on %s %s after %s: %d attempt(s), max_retries=%d",
                method,
                path,
                cause,
                attempt,
                call.policy.max_retries,
            )
            return None
        if retry_after is not None:
            wait, why = retry_after, "Retry-After"
        else:
            wait, why = backoff_delay(attempt, call.policy, self.runtime.random()), "backoff"
        if self.runtime.clock() + wait >= call.deadline_at:
            logger.debug(
                "giving up on %s %s after %s: waiting %.3f s would pass the %g s deadline",
                method,
                path,
                cause,
                wait,
                call.policy.deadline,
            )
            return None
        logger.debug(
            "retrying %s %s after %s: attempt %d failed, waiting %.3f s (%s)",
            method,
            path,
            cause,
            attempt,
            wait,
            why,
        )
        return wait

    def finish(self, call: _Call, sent: httpx.Request, response: httpx.Response) -> httpx.Response:
        meta: dict[str, Any] = {
            "attempts": call.attempt,
            "elapsed": self.runtime.clock() - call.started,
            "path": call.path,
            **call.extra,
        }
        if not response.is_success:
            # what really went out on the last attempt, for the error; redacted here because
            # response.extensions is in the caller's hands
            meta["sent_headers"] = redact_headers(sent.headers)
        response.extensions[EXTENSION] = meta
        return response

    def fail(self, call: _Call, exc: httpx.TransportError) -> APIConnectionError:
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
        if isinstance(exc, httpx.TimeoutException) or deadline_hit:
            detail = (
                f"deadline of {call.policy.deadline:g} s exceeded"
                if deadline_hit
                else f"timed out ({type(exc).__name__})"
            )
            cls: type[APIConnectionError] = APITimeoutError
        else:
            detail = f"connection failed ({type(exc).__name__}: {exc})"
            cls = APIConnectionError
        message = f"{method} {call.path}: {detail} after {call.attempt} attempt(s)"
        return cls(message, method=method, url=str(call.request.url), attempts=call.attempt)

    def limiter_timeout(self, call: _Call) -> APITimeoutError:
        message = (
            f"{call.request.method} {call.path}: the client-side rate limit would delay the "
            f"retry past the {call.policy.deadline:g} s deadline after {call.attempt} attempt(s)"
        )
        return APITimeoutError(
            message, method=call.request.method, url=str(call.request.url), attempts=call.attempt
        )


class RetryTransport(httpx.BaseTransport):
    """Sync transport with auth, client-side rate limiting and retries (see the module doc)."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        auth: httpx.Auth | None = None,
        policy: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
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
        if core.limiter is not None:
            core.limiter.acquire(
                call.write, sleep=sleep, on_wait=partial(core.note_limiter_wait, call)
            )
        core.begin_attempts(call)
        while True:
            attempt_request = core.prepare(call)
            try:
                response = self._send(attempt_request)
            except httpx.TransportError as exc:
                wait = core.retry_wait_for_error(call, exc)
                if wait is None:
                    raise core.fail(call, exc) from exc
            else:
                wait = core.retry_wait_for_response(call, response)
                if wait is None:
                    return core.finish(call, attempt_request, response)
                response.read()
                response.close()
            if wait > 0:
                sleep(wait)
            if core.limiter is not None and (
                core.limiter.acquire(
                    call.write,
                    sleep=sleep,
                    max_wait=core.remaining(call),
                    on_wait=partial(core.note_limiter_wait, call),
                )
                is None
            ):
                raise core.limiter_timeout(call)

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
        limiter: RateLimiter | None = None,
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
        if core.limiter is not None:
            await core.limiter.acquire_async(
                call.write, sleep=sleep, on_wait=partial(core.note_limiter_wait, call)
            )
        core.begin_attempts(call)
        while True:
            attempt_request = core.prepare(call)
            try:
                response = await self._send(attempt_request)
            except httpx.TransportError as exc:
                wait = core.retry_wait_for_error(call, exc)
                if wait is None:
                    raise core.fail(call, exc) from exc
            else:
                wait = core.retry_wait_for_response(call, response)
                if wait is None:
                    return core.finish(call, attempt_request, response)
                await response.aread()
                await response.aclose()
            if wait > 0:
                await sleep(wait)
            if core.limiter is not None and (
                await core.limiter.acquire_async(
                    call.write,
                    sleep=sleep,
                    max_wait=core.remaining(call),
                    on_wait=partial(core.note_limiter_wait, call),
                )
                is None
            ):
                raise core.limiter_timeout(call)

    async def aclose(self) -> None:
        if self.owns_inner:
            await self.inner.aclose()
