"""Client-side rate limiting against Issuetrak's sliding windows.

Issuetrak answers 429 when any of its windows is full (by default 20 requests/1 s, 5 writes/1 s,
100/1 min, 100/10 min, 1000/1 h, 1000/12 h, per token). :class:`RateLimiter` keeps a log of the
times it granted, one sorted list for all requests and one for writes, and grants each new
request the earliest time at which no window would hold more than its limit - so a client that
goes through it never causes a 429 in steady state.

The core is computable: :meth:`RateLimiter.reserve` takes ``now`` and returns how long to wait,
recording the grant; :meth:`RateLimiter.acquire` and :meth:`RateLimiter.acquire_async` wrap it
with a clock and a sleep that tests replace. The lock is a ``threading.Lock`` held only for the
arithmetic (never while sleeping), so the same limiter is safe from threads and from coroutines
and is shared by sync and async clients.

Adaptive behaviour. A 429 despite the limiter means our picture of the budget is wrong: the
same token is used elsewhere (another process, a script, an integration) or an administrator
lowered the limits. :meth:`RateLimiter.on_rate_limited` then (1) pauses every request until the
server's Retry-After (or ``RateLimits.default_pause``), because the server has said nothing will
succeed before that; and (2) scales every window's limit by ``penalty_factor`` (down to
``min_scale``), doubling back every ``recovery`` seconds without a new 429, so the share this
client takes shrinks while somebody else is using the budget. Pausing alone would hit the same
wall again as soon as the pause ends; scaling alone would not respect the server's explicit hint.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import threading
import time
from bisect import bisect_right, insort
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = [
    "DEFAULT_WINDOWS",
    "RateLimiter",
    "RateLimits",
    "Window",
    "shared_limiter",
]


@dataclass(frozen=True, slots=True)
class Window:
    """At most ``limit`` requests in any ``period`` seconds; ``writes_only`` counts only writes."""

    limit: int
    period: float
    writes_only: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.limit, int) or self.limit < 1:
            raise ValueError(f"Window.limit must be an int >= 1, got {self.limit!r}")
        if not (isinstance(self.period, int | float) and 0 < self.period < math.inf):
            raise ValueError(f"Window.period must be > 0 seconds, got {self.period!r}")


DEFAULT_WINDOWS: tuple[Window, ...] = (
    Window(20, 1.0),
    Window(5, 1.0, writes_only=True),
    Window(100, 60.0),
    Window(100, 600.0),
    Window(1000, 3600.0),
    Window(1000, 43200.0),
)
"""Issuetrak's default server limits."""


@dataclass(frozen=True, slots=True)
class RateLimits:
    """The windows to stay under, and how to react to a 429 anyway.

    ``RateLimits()`` is Issuetrak's default configuration. ``margin`` (seconds) widens every
    window, a guard against network jitter reordering requests near a window's edge; it costs
    throughput (``margin / period`` on the 1 s windows), so it is 0 by default and the 429 fallback
    (pause and slow down) handles the rare edge case. An administrator who raised the limits
    can pass their own windows, e.g. ``RateLimits([Window(50, 1), Window(10, 1, writes_only=True),
    Window(5000, 3600)])``.
    """

    windows: Sequence[Window] = DEFAULT_WINDOWS
    adaptive: bool = True
    penalty_factor: float = 0.5
    min_scale: float = 0.25
    recovery: float = 60.0
    default_pause: float = 1.0
    margin: float = 0.0

    def __post_init__(self) -> None:
        windows = tuple(self.windows)
        if not windows or not all(isinstance(w, Window) for w in windows):
            raise ValueError("RateLimits.windows must be a non-empty sequence of Window")
        object.__setattr__(self, "windows", windows)  # a tuple keeps the config hashable
        if not 0 < self.penalty_factor <= 1:
            raise ValueError(f"penalty_factor must be in (0, 1], got {self.penalty_factor!r}")
        if not 0 < self.min_scale <= 1:
            raise ValueError(f"min_scale must be in (0, 1], got {self.min_scale!r}")
        if self.recovery <= 0 or self.default_pause < 0 or self.margin < 0:
            raise ValueError("recovery must be > 0, default_pause and margin >= 0 seconds")


@dataclass(slots=True)
class _Log:
    """Sorted grant times of one request class, and the windows reading it."""

    windows: list[Window]
    times: list[float] = field(default_factory=list)
    horizon: float = 0.0  # the longest period: older entries can no longer matter

    def prune(self, now: float) -> None:
        cut = bisect_right(self.times, now - self.horizon)
        if cut:
            del self.times[:cut]


def _count(times: list[float], low: float, high: float) -> int:
    """Entries in the half-open interval (low, high]."""
    return bisect_right(times, high) - bisect_right(times, low)


class RateLimiter:
    """Grants request times that keep every window under its limit (see the module docstring)."""

    def __init__(
        self, limits: RateLimits | None = None, *, clock: Callable[[], float] | None = None
    ):
        self.limits = limits if limits is not None else RateLimits()
        self._clock = clock if clock is not None else time.monotonic
        self._lock = threading.Lock()
        all_windows = [w for w in self.limits.windows if not w.writes_only]
        write_windows = [w for w in self.limits.windows if w.writes_only]
        margin = self.limits.margin
        self._all = _Log(
            all_windows, horizon=max((w.period for w in all_windows), default=0.0) + margin
        )
        self._writes = _Log(
            write_windows, horizon=max((w.period for w in write_windows), default=0.0) + margin
        )
        self._paused_until = -math.inf
        self._scale = 1.0
        self._penalized_at = -math.inf

    def __repr__(self) -> str:
        windows = ", ".join(
            f"{w.limit}/{w.period:g}s{' writes' if w.writes_only else ''}"
            for w in self.limits.windows
        )
        return f"RateLimiter({windows})"

    # -- the computable core -------------------------------------------------------------------

    def scale(self, now: float) -> float:
        """The current fraction of each limit in use (1.0 unless a 429 was seen recently)."""
        if self._scale >= 1.0:
            return 1.0
        steps = math.floor((now - self._penalized_at) / self.limits.recovery)
        return min(1.0, self._scale * (2.0 ** max(0, steps)))

    def _limit(self, window: Window, scale: float) -> int:
        return window.limit if scale >= 1.0 else max(1, math.floor(window.limit * scale))

    def _fits(self, log: _Log, t: float, scale: float) -> bool:
        """Whether one more grant at ``t`` keeps every window of ``log`` within its limit,
        including windows that end at grants already made for later times."""
        times = log.times
        margin = self.limits.margin
        for window in log.windows:
            limit = self._limit(window, scale)
            period = window.period + margin
            if _count(times, t - period, t) >= limit:
                return False
            # grants later than t whose window would now also contain t
            start = bisect_right(times, t)
            for index in range(start, len(times)):
                u = times[index]
                if u - period >= t:  # same arithmetic as _count: t not in (u-P, u]
                    break
                if index + 1 - bisect_right(times, u - period) >= limit:
                    return False
        return True

    def _tail(self, log: _Log, t: float, scale: float) -> float:
        """Earliest time >= t after every existing grant at which ``log``'s windows have room."""
        times = log.times
        if times:
            t = max(t, times[-1])
        for window in log.windows:
            limit = self._limit(window, scale)
            period = window.period + self.limits.margin
            if len(times) >= limit:
                oldest = times[-limit]
                t = max(t, oldest + period)
                while t - period < oldest:  # float rounding must not leave it inside
                    t = math.nextafter(t, math.inf)
        return t

    def reserve(self, is_write: bool, now: float, *, max_wait: float = math.inf) -> float | None:
        """Grant one request and return the seconds to wait before sending it (0.0: send now).

        A request is granted ``now`` whenever every window it counts in has room at ``now``
        (grants already promised for later times included); otherwise the earliest time after
        all existing grants at which every window has room. If that wait would exceed
        ``max_wait`` nothing is recorded and ``None`` is returned.
        """
        with self._lock:
            self._all.prune(now)
            self._writes.prune(now)
            scale = self.scale(now)
            start = max(now, self._paused_until)
            logs = (self._all, self._writes) if is_write else (self._all,)
            if all(self._fits(log, start, scale) for log in logs):
                granted = start
            else:
                # After every grant, each window's count only falls as t grows, so the tails
                # of the two logs taken in turn fit both.
                granted = start
                for log in logs:
                    granted = self._tail(log, granted, scale)
            wait = granted - now
            while now + wait < granted:  # so that a sleeper's now + wait lands on the grant
                wait = math.nextafter(wait, math.inf)
            if wait > max_wait:
                return None
            # Record the moment the caller will send, now + wait, which float rounding can put
            # an ulp past `granted`: later grants must be spaced from when it really went out.
            sent = now + wait
            insort(self._all.times, sent)
            if is_write:
                insort(self._writes.times, sent)
            return wait

    def on_rate_limited(self, retry_after: float | None, now: float) -> None:
        """Record a 429: pause everything until Retry-After and shrink the limits (adaptive)."""
        with self._lock:
            pause = self.limits.default_pause if retry_after is None else retry_after
            self._paused_until = max(self._paused_until, now + pause)
            if self.limits.adaptive:
                current = self.scale(now)
                self._scale = max(self.limits.min_scale, current * self.limits.penalty_factor)
                self._penalized_at = now

    # -- blocking wrappers ---------------------------------------------------------------------

    def acquire(
        self,
        is_write: bool,
        *,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = math.inf,
        on_wait: Callable[[float], None] | None = None,
    ) -> float | None:
        """Reserve and sleep until the grant; returns the wait, or ``None`` (nothing reserved)
        when it would exceed ``max_wait``. ``on_wait(seconds)`` is called before a sleep."""
        wait = self.reserve(is_write, self._clock(), max_wait=max_wait)
        if wait:
            if on_wait is not None:
                on_wait(wait)
            sleep(wait)
        return wait

    async def acquire_async(
        self,
        is_write: bool,
        *,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        max_wait: float = math.inf,
        on_wait: Callable[[float], None] | None = None,
    ) -> float | None:
        """The async form of :meth:`acquire` (default sleep: ``anyio.sleep``)."""
        wait = self.reserve(is_write, self._clock(), max_wait=max_wait)
        if wait:
            if on_wait is not None:
                on_wait(wait)
            if sleep is None:
                import anyio

                await anyio.sleep(wait)
            else:
                await sleep(wait)
        return wait


# -- one budget per (site, token) --------------------------------------------------------------

_SALT = os.urandom(16)  # keys are HMACs of the token, never the token itself
# Strong references on purpose: the server keeps counting after a client is gone, so a client
# made later in the same process (a script that builds one per task) must see what earlier
# ones spent. A limiter holds at most the grants of its longest window, so this stays small.
_registry: dict[tuple[str, str, RateLimits], RateLimiter] = {}
_registry_lock = threading.Lock()


def token_fingerprint(token: str) -> str:
    """A per-process keyed hash of ``token``: equal tokens match, the token cannot be read back."""
    return hmac.new(_SALT, token.encode(), hashlib.sha256).hexdigest()


def _origin(site: str) -> str:
    """``https://Example.com:443/api/v2`` -> ``https://example.com``: a budget is per site, so
    callers may pass the site, the API base or any URL under it."""
    parts = urlsplit(site.strip())
    if not parts.scheme or not parts.hostname:
        return site.strip().rstrip("/").lower()
    default_port = {"http": 80, "https": 443}.get(parts.scheme.lower())
    port = "" if parts.port in (None, default_port) else f":{parts.port}"
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme.lower()}://{host}{port}"


def shared_limiter(
    site: str, token: str, limits: RateLimits, *, clock: Callable[[], float] | None = None
) -> RateLimiter:
    """The limiter shared by every client of this process for ``site`` + ``token`` + ``limits``.

    ``site`` is reduced to its origin (scheme, host, port), so the site URL and its API base
    name the same budget.

    Issuetrak counts per token, so clients made with ``with_options`` and sync/async clients for
    the same site draw from one budget. It lives as long as the process: a client created after
    another one was closed still waits for what that one spent.
    """
    key = (_origin(site), token_fingerprint(token), limits)
    with _registry_lock:
        limiter = _registry.get(key)
        if limiter is None:
            limiter = RateLimiter(limits, clock=clock)
            _registry[key] = limiter
        return limiter
