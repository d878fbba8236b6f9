"""What the retry transports ask of a rate limiter: :class:`TransportLimiter`.

:class:`~issuetrak.ratelimit.RateLimiter` is the limiter the clients use. Anything with these
methods can stand in for it in :class:`~issuetrak.transport.RetryTransport` and
:class:`~issuetrak.transport.AsyncRetryTransport`: a wrapper that measures or logs the waits of
a limiter it holds, a limiter shared through another store, or a test double. The transports call
nothing else (mypy checks it over the transport's code, and a test runs both transports through
every path with an object that has exactly these methods).

One side channel: after :meth:`TransportLimiter.acquire` the transport reads the slot it took
from :func:`issuetrak.ratelimit.last_grant` (the SDK's limiter records it there; a limiter that
does not leaves it ``None``, and then nothing is settled), and after a refusal the reason from
:func:`issuetrak.ratelimit.last_refusal`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol, runtime_checkable

from ._ratelimit import Window

__all__ = ["TransportLimiter"]


@runtime_checkable
class TransportLimiter(Protocol):
    """The rate limiter a retry transport sends every attempt through.

    Per attempt the transport calls :meth:`try_grant`, and :meth:`acquire` (or
    :meth:`acquire_async`) when that granted nothing; once the site answered, :meth:`settle` and,
    when the answer carries ``X-Rate-Limit-*`` headers, :meth:`observe_headers`; after a 429,
    :meth:`on_rate_limited` and :meth:`observe_quota`. Times are the transport's clock
    (``Runtime.clock``), except ``wall_now`` (epoch seconds, for the headers' dates).
    """

    def try_grant(self, is_write: bool) -> float | None:
        """Take a slot now if one is surely free, without waiting: its time, or ``None``."""
        ...

    def acquire(
        self,
        is_write: bool,
        *,
        sleep: Callable[[float], None],
        max_wait: float,
        on_wait: Callable[[float], None] | None,
    ) -> float | None:
        """Wait (by ``sleep``) for a slot: the seconds waited, or ``None`` when none comes
        within ``max_wait`` (nothing is then taken). ``on_wait(seconds)`` hears a wait before
        it is slept."""
        ...

    async def acquire_async(
        self,
        is_write: bool,
        *,
        sleep: Callable[[float], Awaitable[None]] | None,
        max_wait: float,
        on_wait: Callable[[float], None] | None,
    ) -> float | None:
        """The async form of :meth:`acquire`."""
        ...

    def settle(self, is_write: bool, grant: float, done: float) -> float:
        """The site answered the attempt granted at ``grant`` by ``done``: the slot's time now."""
        ...

    def on_rate_limited(self, retry_after: float | None, now: float) -> None:
        """The site answered 429, asking for ``retry_after`` seconds (``None``: it did not say)."""
        ...

    def observe_headers(
        self,
        headers: Mapping[str, str],
        now: float,
        wall_now: float,
        is_write: bool,
        *,
        sent: float | None,
    ) -> Window | None:
        """The site's own count, from an answer's ``X-Rate-Limit-*`` headers, for the attempt
        granted at ``sent``: the window it binds, or ``None`` (unread, or no configured one)."""
        ...

    def observe_quota(
        self,
        body: str,
        retry_after: float | None,
        now: float,
        is_write: bool,
        *,
        sent: float | None,
    ) -> str | None:
        """A 429's body naming a spent window (``... maximum admitted 100 per 1m.``): the
        window's description, or ``None`` when the body names none."""
        ...
