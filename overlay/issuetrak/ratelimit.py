"""Client-side rate limiting: the windows Issuetrak enforces, and the limiter that keeps to them.

Every client of a process shares one limiter per site and token (:func:`shared_limiter`), so
several clients together stay inside the site's budget; :class:`ProcessSharedRateLimiter` shares
it between processes too. :class:`TransportLimiter` is what the retry transports ask of a
limiter: a wrapper or another limiter with its methods can stand in for :class:`RateLimiter`::

    from issuetrak import Issuetrak
    from issuetrak.ratelimit import RateLimits, Window

    # an administrator raised the site's limits
    limits = RateLimits([Window(50, 1), Window(10, 1, writes_only=True), Window(5000, 3600)])
    client = Issuetrak("https://example.issuetrak.com", rate_limits=limits)
"""

from __future__ import annotations

from ._limiting import TransportLimiter
from ._ratelimit import (
    DEFAULT_MARGIN,
    DEFAULT_WINDOWS,
    ProcessSharedRateLimiter,
    RateLimiter,
    RateLimits,
    Window,
    last_grant,
    last_refusal,
    shared_limiter,
)

__all__ = [
    "DEFAULT_MARGIN",
    "DEFAULT_WINDOWS",
    "ProcessSharedRateLimiter",
    "RateLimiter",
    "RateLimits",
    "TransportLimiter",
    "Window",
    "last_grant",
    "last_refusal",
    "shared_limiter",
]
