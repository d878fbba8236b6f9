"""The retrying, rate-limited httpx transports the clients send through, for use on their own.

:class:`Runtime` holds where time comes from (clock, sleep, randomness); pass a fake one to run
retries and rate-limit waits without really waiting. ``limiter=`` takes a
:class:`~issuetrak.ratelimit.RateLimiter`, or anything with the methods of
:class:`~issuetrak.ratelimit.TransportLimiter` (the only ones the transports call).
"""

from __future__ import annotations

from ._limiting import TransportLimiter
from ._transport import AsyncRetryTransport, RetryTransport, Runtime

__all__ = ["AsyncRetryTransport", "RetryTransport", "Runtime", "TransportLimiter"]
