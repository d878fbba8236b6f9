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

After a 429 anyway. A 429 despite the limiter means the site counts more than this process
sent: the same token is used elsewhere (another process, a script, an integration), or an
administrator lowered the limits. :meth:`RateLimiter.on_rate_limited` then pauses every request
on the budget until the site's Retry-After (or ``RateLimits.default_pause``): that is what the
site said, and it is re-read by every waiter when it wakes (a grant that falls inside a pause set
after it was made is given up and reserved again after the pause). The configured limits are
never lowered: a transiently reduced limit is what once turned one 429 into a ten-minute stall.

The site's own count. A site that sends AspNetCoreRateLimit's ``X-Rate-Limit-*`` headers (or a
quota 429 body) says how much of one window is left until its reset, counting every process and
machine on the token: :meth:`RateLimiter.observe` grants at most that many more requests in that
window until the reset (never more than the configured windows allow), binding only that window.
Requests granted after the one whose answer said so use that count first; a waiter past it is
reserved again after the reset, like a waiter inside a pause.

No stalls. Every wait is exactly what the windows (and a pause the site asked for) require, and
no more: :meth:`RateLimiter.reserve` returns the earliest time at which every window has room.
A caller that cannot get a slot within its deadline is refused at once (nothing is reserved) with
the window that binds (:class:`SlotUnavailable`), so the call fails with a clear error instead of
sleeping past its deadline. A reserved slot that is not used (the caller was cancelled) is
released.

Margin. ``RateLimits.margin`` (seconds) widens every window, so that requests granted exactly at
a window's edge do not reach the site closer together than they left: network and scheduling
jitter at the edge would otherwise cost a 429, and a 429 costs the whole budget the site's
Retry-After (a second or more). The site counted a request before it answered, so once the answer
is in, :meth:`RateLimiter.settle` moves the request's entry to ``answer - margin``, where its window
ends when the site's does at the latest: a fast site costs its round trip at a window's edge
instead of the whole margin, and an answer that came later than the margin (a cold connection, a
loaded site) pushes the entry later, and the grants already planned from it are checked again
before they are used. The default,
0.1 s, is chosen by measurement (bench/bench_limiter.py, section 3, before entries settled: 8
requests in flight against the mock's default windows met 11-13 429s without a margin, 1-6 with
0.02 s, none with 0.05 s or 0.1 s; the larger one leaves room for real networks' jitter).

Across processes. :class:`ProcessSharedRateLimiter` (``RateLimits(across_processes=True)``) keeps
the log in a file under a POSIX lock, so that processes sharing a token share one budget.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import re
import struct
import tempfile
import threading
import time
from array import array
from bisect import bisect_left, bisect_right, insort
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .conventions.urls import origin

__all__ = [
    "DEFAULT_MARGIN",
    "DEFAULT_WINDOWS",
    "ProcessSharedRateLimiter",
    "RateLimiter",
    "RateLimits",
    "SlotUnavailable",
    "Window",
    "forget_last",
    "last_grant",
    "last_refusal",
    "parse_period",
    "parse_quota",
    "parse_reset",
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


DEFAULT_MARGIN = 0.1
"""Seconds every window is widened by default (see the module docstring)."""


@dataclass(frozen=True, slots=True)
class RateLimits:
    """The windows to stay under, and how to react to a 429 anyway.

    ``RateLimits()`` is Issuetrak's default configuration. ``margin`` (seconds) widens every
    window against network jitter at a window's edge (see the module docstring).
    ``default_pause`` is how long everything on the budget pauses after a 429 without a
    ``Retry-After``. An administrator who raised the limits can pass their own windows, e.g.
    ``RateLimits([Window(50, 1), Window(10, 1, writes_only=True), Window(5000, 3600)])``.
    """

    windows: Sequence[Window] = DEFAULT_WINDOWS
    default_pause: float = 1.0
    margin: float = DEFAULT_MARGIN
    adaptive: bool = False
    """Accepted for compatibility and ignored: limits are no longer lowered after a 429 (a
    reduced limit once turned one 429 into a ten-minute stall); the pause is what adapts."""
    across_processes: bool = False
    """Share the budget with every process of this machine that uses the same site and token
    (and also sets it): the grants live in a small file under a lock (POSIX ``flock``), in
    ``$ISSUETRAK_RATE_LIMIT_DIR`` or the temporary directory. See :class:`ProcessSharedRateLimiter`."""

    def __post_init__(self) -> None:
        windows = tuple(self.windows)
        if not windows or not all(isinstance(w, Window) for w in windows):
            raise ValueError("RateLimits.windows must be a non-empty sequence of Window")
        object.__setattr__(self, "windows", windows)  # a tuple keeps the config hashable
        for name in ("default_pause", "margin"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and 0 <= value < math.inf):
                raise ValueError(f"{name} must be a finite number of seconds >= 0, got {value!r}")


SETTLE_GUARD = 1e-5
"""Seconds a settled entry's window outlasts the answer it settled at. A request answered at
``done`` moves to ``done - margin``, and the next grant its window allows,
``(done - margin) + (period + margin)``, can round to an ulp *before* ``done + period``: a site
counting exactly would still see the request in its window (a fake-clock benchmark that answers
at once met two 429s in 3,000 requests that way). 10 us is far above float rounding at any
clock's magnitude (a few ulps: 1e-6 s at Unix time) and far below any round trip."""

QUOTA_ROUNDING = 0.5
"""Seconds a quota 429's ``Retry-After`` may fall short of its window's end: AspNetCoreRateLimit
writes the wait rounded to the nearest second (``{seconds:F0}``)."""

_REFUSAL: ContextVar[SlotUnavailable | None] = ContextVar("issuetrak_limiter_refusal", default=None)
_GRANT: ContextVar[float | None] = ContextVar("issuetrak_limiter_grant", default=None)


def last_grant() -> float | None:
    """The time of the slot the last grant of this thread or task took (for :meth:`release`)."""
    return _GRANT.get()


def forget_last() -> None:
    """Clear :func:`last_grant` and :func:`last_refusal` of this thread or task (before a wait,
    so that what they say afterwards is that wait's)."""
    _GRANT.set(None)
    _REFUSAL.set(None)


def last_refusal() -> SlotUnavailable | None:
    """Why the last :meth:`RateLimiter.acquire` of this thread or task returned ``None``."""
    return _REFUSAL.get()


class SlotUnavailable(Exception):
    """No slot within the caller's ``max_wait``: ``needed`` seconds, because of ``reason``
    (``"the 100/600s window"``, ``"a pause the site asked for (Retry-After)"``)."""

    def __init__(self, needed: float, reason: str) -> None:
        super().__init__(f"a slot needs {needed:.3f} s ({reason})")
        self.needed = needed
        self.reason = reason


@dataclass(slots=True)
class _Log:
    """Sorted grant times of one request class, and the windows reading it."""

    windows: list[Window]
    times: list[float] = field(default_factory=list)
    horizon: float = 0.0  # the longest period: older entries can no longer matter
    room: float = math.inf  # the smallest limit: fewer grants than this fit any window

    def __post_init__(self) -> None:
        self.room = min((w.limit for w in self.windows), default=math.inf)

    def prune(self, now: float) -> None:
        cut = bisect_right(self.times, now - self.horizon)
        if cut:
            del self.times[:cut]

    def find(self, at: float) -> int:
        """The index of an entry at time ``at``, or -1."""
        times = self.times
        index = bisect_left(times, at)
        return index if index < len(times) and times[index] == at else -1


@dataclass(slots=True)
class _SiteBudget:
    """What the site said is left of one of its windows, until its reset (clock time)."""

    window: Window
    left: int
    until: float
    basis: float | None = None  # the slot of the request whose answer said so (None: unknown)
    cutoff: float = math.inf  # slots already granted later than this get no room before `until`

    def counts(self, is_write: bool) -> bool:
        return is_write or not self.window.writes_only

    def refuses(self, is_write: bool, grant: float) -> bool:
        """Whether a slot granted before the site said so falls where it has no room."""
        return self.cutoff < grant < self.until and self.counts(is_write)


def _count(times: list[float], low: float, high: float) -> int:
    """Entries in the half-open interval (low, high]."""
    return bisect_right(times, high) - bisect_right(times, low)


def _describe(window: Window) -> str:
    return f"the {window.limit}/{window.period:g}s{' writes' if window.writes_only else ''} window"


_PAUSE = "a pause the site asked for (Retry-After)"

_PERIOD = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhd])\s*", re.IGNORECASE)
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_QUOTA = re.compile(r"maximum admitted\s+(\d+)\s+per\s+(\d+(?:\.\d+)?\s*[smhd])\b", re.I)


def parse_period(text: str | None) -> float | None:
    """``"1m"`` -> 60.0 (AspNetCoreRateLimit's periods: s, m, h, d); ``None`` if unreadable."""
    match = _PERIOD.fullmatch(text or "")
    if match is None:
        return None
    seconds = float(match.group(1)) * _UNITS[match.group(2).lower()]
    return seconds if 0 < seconds < math.inf else None


def _parse_count(text: str | None) -> int | None:
    try:
        return int((text or "").strip())
    except ValueError:
        return None


def parse_reset(text: str | None, wall_now: float) -> float | None:
    """Seconds from ``wall_now`` (epoch seconds) to an ISO 8601 time such as
    ``2026-12-07T14:31:00.0000000Z`` (no zone: UTC); ``None`` if unreadable."""
    if not text:
        return None
    value = text.strip()
    head, dot, fraction = value.partition(".")
    if dot:  # .NET writes 7 fractional digits; Python reads at most 6
        digits = len(fraction) - len(fraction.lstrip("0123456789"))
        value = f"{head}.{fraction[: min(digits, 6)]}{fraction[digits:]}"
    try:
        when = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp() - wall_now


def parse_quota(body: str | None) -> tuple[int, float] | None:
    """(limit, period) from a quota 429 body such as ``API calls quota exceeded! maximum
    admitted 100 per 1m.``; ``None`` when it names no quota."""
    match = _QUOTA.search(body or "")
    if match is None:
        return None
    period = parse_period(match.group(2))
    return None if period is None else (int(match.group(1)), period)


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
        self._reach = SETTLE_GUARD - margin  # a settled entry moves to its answer plus this
        self._all = _Log(
            all_windows, horizon=max((w.period for w in all_windows), default=0.0) + margin
        )
        self._writes = _Log(
            write_windows, horizon=max((w.period for w in write_windows), default=0.0) + margin
        )
        # a read needs a closer look (_has_room_now) only once its log holds this many entries
        # (the smallest limit, or enough that pruning may be due)
        self._crowded = min(self._all.room, 4097)
        self._paused_until = -math.inf
        self._budgets: list[_SiteBudget] = []  # what the site said is left (observe())
        # settled moves not yet made (appended without the lock: deque's append is atomic)
        self._pending: deque[tuple[bool, float, float]] = deque()
        self.granted = 0
        """Slots granted and not given back (each request, and each retry, takes one)."""
        self.waited = 0
        """Grants that had to wait (for a window or a pause)."""

    def __repr__(self) -> str:
        windows = ", ".join(
            f"{w.limit}/{w.period:g}s{' writes' if w.writes_only else ''}"
            for w in self.limits.windows
        )
        return f"RateLimiter({windows})"

    @property
    def paused_until(self) -> float:
        """Clock time until which the site asked for a pause (``-inf``: none)."""
        return self._paused_until

    # -- the computable core -------------------------------------------------------------------

    def _fits(self, log: _Log, t: float) -> bool:
        """Whether one more grant at ``t`` keeps every window of ``log`` within its limit,
        including windows that end at grants already made for later times."""
        times = log.times
        margin = self.limits.margin
        for window in log.windows:
            limit = window.limit
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

    def _tail(self, log: _Log, t: float) -> tuple[float, Window | None]:
        """Earliest time >= t after every existing grant at which ``log``'s windows have room,
        and the window that set it (``None``: none had to)."""
        times = log.times
        if times:
            t = max(t, times[-1])
        binding: Window | None = None
        for window in log.windows:
            limit = window.limit
            period = window.period + self.limits.margin
            if len(times) >= limit:
                oldest = times[-limit]
                if oldest + period > t:
                    t, binding = oldest + period, window
                while t - period < oldest:  # float rounding must not leave it inside
                    t = math.nextafter(t, math.inf)
        return t, binding

    def grant_now(self, is_write: bool) -> bool:
        """Grant a slot at once if every window surely has room, without waiting or planning
        (the common case); ``False``: nothing was granted, use :meth:`acquire`."""
        granted = self.try_grant(is_write)
        if granted is None:
            return False
        _GRANT.set(granted)
        return True

    def try_grant(self, is_write: bool) -> float | None:
        """:meth:`grant_now` returning the slot's time (``None``: nothing was granted), and
        leaving :func:`last_grant` alone: the retry transport's hot path."""
        now = self._clock()
        with self._lock:
            if self._pending:
                self._apply_settled()
            if self._paused_until > now:
                return None
            if self._budgets and self._site_wait(is_write, now)[1] is not None:
                return None
            times = self._all.times
            if (is_write or (times and (times[-1] > now or len(times) >= self._crowded))) and (
                not self._has_room_now(is_write, now)
            ):
                return None
            times.append(now)
            if is_write:
                self._writes.times.append(now)
            self.granted += 1
            if self._budgets:
                self._spend_site(is_write, now)
        return now

    def _has_room_now(self, is_write: bool, now: float) -> bool:
        """Whether a grant at ``now`` fits for certain without counting: every log it counts
        in holds fewer grants than its smallest limit, and none later than ``now``."""
        for log in (self._all, self._writes) if is_write else (self._all,):
            times = log.times
            if times:
                if times[-1] > now:
                    return False
                # stale entries only make the count larger (never wrong): prune when it matters,
                # or, to bound memory, once half the log is stale (each prune then drops at
                # least half: one list shift per call would cost more than the call)
                if len(times) >= log.room or (
                    len(times) > 4096 and times[len(times) >> 1] <= now - log.horizon
                ):
                    log.prune(now)
                    if len(times) >= log.room:
                        return False
        return True

    def _plan(self, is_write: bool, now: float) -> tuple[float, str]:
        """(grant time, what it waits for) for one request at ``now``; nothing is recorded."""
        if self._pending:
            self._apply_settled()
        self._all.prune(now)
        self._writes.prune(now)
        start = max(now, self._paused_until)
        reason = _PAUSE if start > now else ""
        if self._budgets:
            start, spent = self._site_wait(is_write, start)
            if spent is not None:
                reason = f"{_describe(spent)} (spent until its reset, the site says)"
        logs = (self._all, self._writes) if is_write else (self._all,)
        if all(self._fits(log, start) for log in logs):
            return start, reason
        # After every grant, each window's count only falls as t grows, so the tails of the
        # two logs taken in turn fit both (a budget the site reported only ends, never starts).
        granted = start
        for log in logs:
            granted, window = self._tail(log, granted)
            if window is not None:
                reason = _describe(window)
        return granted, reason

    def reserve(self, is_write: bool, now: float, *, max_wait: float = math.inf) -> float | None:
        """Grant one request and return the seconds to wait before sending it (0.0: send now).

        A request is granted ``now`` whenever every window it counts in has room at ``now``
        (grants already promised for later times included) and the site asked for no pause;
        otherwise the earliest time after all existing grants at which every window has room.
        If that wait would exceed ``max_wait`` nothing is recorded and ``None`` is returned.
        """
        try:
            return self.reserve_or_raise(is_write, now, max_wait=max_wait)
        except SlotUnavailable:
            return None

    def reserve_or_raise(self, is_write: bool, now: float, *, max_wait: float = math.inf) -> float:
        """:meth:`reserve`, raising :class:`SlotUnavailable` (naming the window) instead of
        returning ``None``."""
        with self._lock:
            if (
                self._paused_until <= now
                and (not self._budgets or self._site_wait(is_write, now)[1] is None)
                and self._has_room_now(is_write, now)
            ):
                # the common case: fewer grants logged than the smallest limit, none later
                self._all.times.append(now)
                if is_write:
                    self._writes.times.append(now)
                self.granted += 1
                if self._budgets:
                    self._spend_site(is_write, now)
                return 0.0
            granted, reason = self._plan(is_write, now)
            wait = granted - now
            while now + wait < granted:  # so that a sleeper's now + wait lands on the grant
                wait = math.nextafter(wait, math.inf)
            if wait > max_wait:
                raise SlotUnavailable(wait, reason or "the windows")
            # Record the moment the caller will send, now + wait, which float rounding can put
            # an ulp past `granted`: later grants must be spaced from when it really went out.
            sent = now + wait
            insort(self._all.times, sent)
            if is_write:
                insort(self._writes.times, sent)
            self.granted += 1
            if self._budgets:
                self._spend_site(is_write, sent)
            if wait > 0:
                self.waited += 1
            return wait

    def settle(self, is_write: bool, grant: float, done: float) -> float:
        """The site answered the request granted at ``grant`` by clock time ``done``, so it
        counted the request no later than ``done``. The margin assumed it counted it by
        ``grant + margin`` at the latest; the entry moves to ``done - margin`` (its window then
        ends where the site's does at the latest; :data:`SETTLE_GUARD` after it, so that float
        rounding cannot end it before). A fast answer moves it earlier, so a fast site does not
        pay the whole margin at every window's edge; a slow one (a cold connection, a loaded
        site) moves it later, so a grant planned from where it was is checked again before it is
        used (:meth:`_still_good`). Returns the entry's time now (for :meth:`release`).

        The move is queued (an atomic append, no lock) and made, under the lock, before the
        next decision that reads entries' times: the next grant, a wait to plan, a slot given
        back, or a waiter's check."""
        moved = self._settled_time(grant, done)
        if moved == grant:
            return grant
        pending = self._pending
        pending.append((is_write, grant, moved))
        if len(pending) >= 256:  # callers that never wait: keep the queue short
            with self._lock:
                self._apply_settled()
        return moved

    def _settled_time(self, grant: float, done: float) -> float:
        """Where :meth:`settle` puts an entry granted at ``grant`` and answered at ``done``: the
        entry stays where it is when the answer came within the margin but not sooner than the
        guard allows (its window already covers the answer)."""
        moved = (done if done > grant else grant) + self._reach
        if moved > grant and done - self.limits.margin <= grant:
            return grant
        return moved

    def _apply_settled(self) -> None:
        """Make the queued moves of :meth:`settle` (the caller holds the lock)."""
        pending = self._pending
        while pending:
            is_write, grant, moved = pending.popleft()
            for log in (self._all, self._writes) if is_write else (self._all,):
                times = log.times
                # the newest entry (one caller at a time) needs no search
                index = len(times) - 1 if times and times[-1] == grant else log.find(grant)
                if index >= 0:
                    if (index == 0 or times[index - 1] <= moved) and (
                        index + 1 == len(times) or moved <= times[index + 1]
                    ):
                        times[index] = moved  # still sorted: the common case, no shift
                    else:
                        del times[index]
                        insort(times, moved)

    def release(self, is_write: bool, at: float) -> None:
        """Give back a slot granted for time ``at`` that will not be used."""
        with self._lock:
            if self._pending:
                self._apply_settled()
            for log in (self._all, self._writes) if is_write else (self._all,):
                index = log.find(at)
                if index >= 0:
                    del log.times[index]
            self.granted -= 1

    def on_rate_limited(self, retry_after: float | None, now: float) -> None:
        """Record a 429: pause everything on this budget until the site's Retry-After.

        A ``retry_after`` of 0 or ``None`` pauses ``RateLimits.default_pause``: never "at once".
        The refused request keeps its slot: a storm of 429s must not become a storm of
        requests."""
        with self._lock:
            # a Retry-After of 0 (or none) is no reason to hammer the site: the default pause
            pause = retry_after if retry_after else self.limits.default_pause
            self._paused_until = max(self._paused_until, now + pause)

    # -- what the site says about its own count ------------------------------------------------

    def observe(
        self,
        period: float,
        remaining: int,
        reset_in: float,
        now: float,
        is_write: bool,
        *,
        sent: float | None = None,
    ) -> Window | None:
        """The site says its window of ``period`` seconds has ``remaining`` requests left until
        it resets in ``reset_in`` seconds (``X-Rate-Limit-*`` headers, or a quota 429 body with
        ``remaining=0``): other processes or machines on the same token spent the rest.

        Until that reset, this limiter grants at most ``remaining`` more requests that count in
        that window (then none until the reset), on top of its own windows: the site's word can
        lower what the configured limits allow, never raise it, and it binds only that window
        until its reset (a longer window is not stalled by it). Returns the configured window of
        that period, or ``None`` when there is none (the site's word then binds all requests).

        ``sent`` is the slot (:meth:`reserve`'s grant time) of the request whose answer said so.
        The site counted that request, not those granted after it, which are still on their way
        (or waiting for their slot): they take their share of ``remaining`` first, and a waiter
        beyond that share is reserved again after the reset when it wakes (a site that counted a
        request later than it left has its window end later than this limiter's). An answer read
        after the answer to a later request never raises what that one said."""
        found = self._window_for(period, is_write, remaining)
        reset_in = min(reset_in, period)
        if reset_in <= 0:
            return None
        window = found if found is not None else Window(max(remaining, 1), period)
        with self._lock:
            left, cutoff = max(remaining, 0), math.inf
            if sent is not None:
                times = self._writes.times if window.writes_only else self._all.times
                first = bisect_right(times, sent)
                if len(times) - first > left:  # more granted since than the site has room for
                    cutoff = times[first + left - 1] if left else sent
                left = max(left - (len(times) - first), 0)
            budgets = [b for b in self._budgets if b.until > now]
            for budget in budgets:
                if budget.window == window:
                    if sent is not None and budget.basis is not None and sent < budget.basis:
                        budget.left = min(budget.left, left)  # older news: it may only lower
                        budget.cutoff = min(budget.cutoff, cutoff)
                        return found
                    budgets.remove(budget)
                    break
            budgets.append(_SiteBudget(window, left, now + reset_in, sent, cutoff))
            self._budgets = budgets
        return found

    def _site_wait(self, is_write: bool, t: float) -> tuple[float, Window | None]:
        """The earliest time >= ``t`` at which every budget the site reported that this request
        counts in has room, and the budget's window that set it (the caller holds the lock)."""
        binding = None
        moved = True
        while moved:
            moved = False
            for budget in self._budgets:
                if budget.counts(is_write) and budget.left <= 0 and t < budget.until:
                    t, binding, moved = budget.until, budget.window, True
        return t, binding

    def _spend_site(self, is_write: bool, t: float) -> None:
        """A grant at ``t`` uses one request of each reported budget it counts in."""
        for budget in self._budgets:
            if budget.counts(is_write) and t < budget.until:
                budget.left -= 1

    def _window_for(self, period: float, is_write: bool, remaining: int) -> Window | None:
        """The configured window of ``period`` seconds (a writes window for a write, when
        there is one of that period and it could have ``remaining`` requests left: one that
        holds fewer is the all-requests window of that period)."""
        candidates = [
            w
            for w in self.limits.windows
            if abs(w.period - period) < 1e-6
            and (is_write or not w.writes_only)
            and not (w.writes_only and remaining >= w.limit)
        ]
        candidates.sort(key=lambda w: not w.writes_only)  # a write's own window first
        return candidates[0] if candidates else None

    def observe_headers(
        self,
        headers: Mapping[str, str],
        now: float,
        wall_now: float,
        is_write: bool,
        *,
        sent: float | None = None,
    ) -> Window | None:
        """:meth:`observe` from a reply's AspNetCoreRateLimit headers (``X-Rate-Limit-Limit``:
        the period, e.g. ``1m``; ``-Remaining``: a count; ``-Reset``: an ISO 8601 UTC time);
        ``None`` when they are absent or unreadable."""
        period = parse_period(headers.get("x-rate-limit-limit"))
        remaining = _parse_count(headers.get("x-rate-limit-remaining"))
        if period is None or remaining is None:
            return None
        reset_in = parse_reset(headers.get("x-rate-limit-reset"), wall_now)
        return self.observe(
            period, remaining, period if reset_in is None else reset_in, now, is_write, sent=sent
        )

    def observe_quota(
        self,
        body: str,
        retry_after: float | None,
        now: float,
        is_write: bool,
        *,
        sent: float | None = None,
    ) -> str | None:
        """Read a quota 429 body (``... maximum admitted 100 per 1m.``): that window is full
        until the site's Retry-After (or its period). AspNetCoreRateLimit rounds Retry-After
        to the nearest second, so the window may end up to half a second later: it is held
        that much longer (never past its period). Returns the window's description, or
        ``None`` when the body names none."""
        quota = parse_quota(body)
        if quota is None:
            return None
        limit, period = quota
        reset_in = retry_after + QUOTA_ROUNDING if retry_after else period
        window = self.observe(period, 0, reset_in, now, is_write, sent=sent)
        if window is None:
            return f"the site's {limit}/{period:g}s window"
        return _describe(window)

    # -- blocking wrappers ---------------------------------------------------------------------

    def _still_good(self, grant: float, is_write: bool) -> bool:
        """A grant made before a pause that covers it must be reserved again after the pause,
        and so must one the site has since said it has no room for (see :meth:`observe`), and
        one that no longer fits because an earlier request's answer came late (its entry moved
        later meanwhile, see :meth:`settle`)."""
        if grant < self._paused_until:
            return False
        if any(budget.refuses(is_write, grant) for budget in self._budgets):
            return False
        with self._lock:
            if self._pending:
                self._apply_settled()
            return all(
                self._fits_own(log, grant)
                for log in ((self._all, self._writes) if is_write else (self._all,))
            )

    def _fits_own(self, log: _Log, t: float) -> bool:
        """Whether the grant already recorded at ``t`` still keeps ``log``'s windows within
        their limits (the caller holds the lock)."""
        index = log.find(t)
        if index < 0:
            return True  # not recorded here (given back): nothing to check
        del log.times[index]
        try:
            return self._fits(log, t)
        finally:
            log.times.insert(index, t)

    def acquire(
        self,
        is_write: bool,
        *,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = math.inf,
        on_wait: Callable[[float], None] | None = None,
    ) -> float | None:
        """Reserve and sleep until the grant; returns the total wait, or ``None`` (nothing
        reserved) when it would exceed ``max_wait``. ``on_wait(seconds)`` is called before a
        sleep. See :meth:`acquire_or_raise`."""
        if self.grant_now(is_write):  # the common case, without the general machinery
            return 0.0
        try:
            return self.acquire_or_raise(is_write, sleep=sleep, max_wait=max_wait, on_wait=on_wait)
        except SlotUnavailable as refusal:
            _REFUSAL.set(refusal)  # for the caller: last_refusal()
            return None

    def acquire_or_raise(
        self,
        is_write: bool,
        *,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = math.inf,
        on_wait: Callable[[float], None] | None = None,
    ) -> float:
        """Reserve a slot and sleep until it; a pause the site asks for meanwhile is honoured
        (the slot is given back and reserved again after it). Returns the seconds from the call
        to the slot used; raises :class:`SlotUnavailable` when no slot comes within ``max_wait``
        seconds from now."""
        began = now = self._clock()
        while True:
            wait = self.reserve_or_raise(is_write, now, max_wait=max_wait - (now - began))
            grant = now + wait
            if wait:
                if on_wait is not None:
                    on_wait(wait)
                try:
                    sleep(wait)
                except BaseException:
                    self.release(is_write, grant)
                    raise
            if self._still_good(grant, is_write):
                _GRANT.set(grant)
                return grant - began
            self.release(is_write, grant)
            now = self._clock()

    async def acquire_async(
        self,
        is_write: bool,
        *,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        max_wait: float = math.inf,
        on_wait: Callable[[float], None] | None = None,
    ) -> float | None:
        """The async form of :meth:`acquire` (default sleep: ``anyio.sleep``)."""
        if self.grant_now(is_write):  # the common case, without the general machinery
            return 0.0
        try:
            return await self.acquire_async_or_raise(
                is_write, sleep=sleep, max_wait=max_wait, on_wait=on_wait
            )
        except SlotUnavailable as refusal:
            _REFUSAL.set(refusal)  # for the caller: last_refusal()
            return None

    async def acquire_async_or_raise(
        self,
        is_write: bool,
        *,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        max_wait: float = math.inf,
        on_wait: Callable[[float], None] | None = None,
    ) -> float:
        """The async form of :meth:`acquire_or_raise`; a cancelled waiter gives its slot back."""
        if sleep is None:
            import anyio

            sleep = anyio.sleep
        began = now = self._clock()
        while True:
            wait = self.reserve_or_raise(is_write, now, max_wait=max_wait - (now - began))
            grant = now + wait
            if wait:
                if on_wait is not None:
                    on_wait(wait)
                try:
                    await sleep(wait)
                except BaseException:
                    self.release(is_write, grant)
                    raise
            if self._still_good(grant, is_write):
                _GRANT.set(grant)
                return grant - began
            self.release(is_write, grant)
            now = self._clock()


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
    key = (origin(site), token_fingerprint(token), limits)
    with _registry_lock:
        limiter = _registry.get(key)
        if limiter is None:
            if limits.across_processes:
                path = shared_budget_path(key[0], token)
                limiter = ProcessSharedRateLimiter(limits, path=path, clock=clock)
            else:
                limiter = RateLimiter(limits, clock=clock)
            _registry[key] = limiter
        return limiter


# -- one budget per (site, token) across processes ---------------------------------------------


def shared_budget_path(site: str, token: str) -> Path:
    """The file that holds the cross-process budget of ``site`` + ``token``: named by a hash of
    both (the token cannot be read back), in ``$ISSUETRAK_RATE_LIMIT_DIR`` or a per-user folder
    of the temporary directory."""
    name = hashlib.sha256(f"issuetrak-rate-limit\0{origin(site)}\0{token}".encode()).hexdigest()
    folder = os.environ.get("ISSUETRAK_RATE_LIMIT_DIR")
    if not folder:
        user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
        folder = str(Path(tempfile.gettempdir()) / f"issuetrak-rate-limits-{user}")
    return Path(folder) / f"{name[:32]}.budget"


_HEADER = struct.Struct("<8sddII")  # magic, clock base, paused until, grants, write grants
_MAGIC = b"ITRLv1\0\0"
_CLOCK_SLACK = 5.0  # seconds the wall clock may step before the file's times are distrusted


class ProcessSharedRateLimiter(RateLimiter):
    """A :class:`RateLimiter` whose grants and pauses are shared by every process that opens
    the same ``path``: two workers with one token then stay under the site's windows together,
    instead of learning of each other from 429s.

    Every operation reads the log from the file, decides as :class:`RateLimiter` does, and
    writes it back, under an exclusive ``flock`` (and a thread lock): a few microseconds per
    request. Times are the clock's (``time.monotonic``, system-wide); a file written before a
    reboot or a clock step of more than a few seconds is ignored, as is a damaged one. A forked
    child opens the file anew, so that its lock excludes the parent's.
    """

    def __init__(
        self,
        limits: RateLimits | None = None,
        *,
        path: str | os.PathLike[str],
        clock: Callable[[], float] | None = None,
    ) -> None:
        try:
            import fcntl
        except ImportError as exc:  # pragma: no cover - Windows
            raise RuntimeError(
                "RateLimits(across_processes=True) needs POSIX file locks (fcntl), "
                "which this platform lacks"
            ) from exc
        self._flock = fcntl.flock
        self._lock_ex, self._lock_un = fcntl.LOCK_EX, fcntl.LOCK_UN
        super().__init__(limits, clock=clock)
        self.path = Path(path)
        self._real_clock = clock is None
        self._outer = threading.RLock()
        self._fd: int | None = None
        self._pid = 0

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + ", across processes)"

    def _file(self) -> int:
        if self._fd is None or self._pid != os.getpid():
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    def _clock_base(self) -> float:
        """Wall time at clock zero: equal in every process until a reboot or a clock step."""
        return time.time() - self._clock() if self._real_clock else 0.0

    def _load(self, fd: int) -> None:
        data = os.pread(fd, os.fstat(fd).st_size, 0)
        self._all.times, self._writes.times, self._paused_until = [], [], -math.inf
        if len(data) < _HEADER.size:
            return
        magic, base, paused, n_all, n_writes = _HEADER.unpack_from(data)
        if magic != _MAGIC or len(data) != _HEADER.size + 8 * (n_all + n_writes):
            return  # damaged or another format: start afresh rather than fail requests
        if abs(base - self._clock_base()) > _CLOCK_SLACK:
            return  # written before a reboot (or a clock step): its times mean nothing now
        times = array("d")
        times.frombytes(data[_HEADER.size :])
        values = times.tolist()
        self._all.times, self._writes.times = values[:n_all], values[n_all:]
        self._paused_until = paused

    def _save(self, fd: int) -> None:
        with self._lock:  # moves queued by settle() go into the file, not into a lost list
            self._apply_settled()
        now = self._clock()
        self._all.prune(now)
        self._writes.prune(now)
        header = _HEADER.pack(
            _MAGIC,
            self._clock_base(),
            self._paused_until,
            len(self._all.times),
            len(self._writes.times),
        )
        data = header + array("d", self._all.times + self._writes.times).tobytes()
        os.pwrite(fd, data, 0)
        os.ftruncate(fd, len(data))

    @contextmanager
    def _shared(self) -> Iterator[None]:
        with self._outer:
            fd = self._file()
            self._flock(fd, self._lock_ex)
            try:
                self._load(fd)
                yield
                self._save(fd)
            finally:
                self._flock(fd, self._lock_un)

    @property
    def paused_until(self) -> float:
        with self._shared():
            return self._paused_until

    def try_grant(self, is_write: bool) -> float | None:
        with self._shared():
            return super().try_grant(is_write)

    def reserve_or_raise(self, is_write: bool, now: float, *, max_wait: float = math.inf) -> float:
        with self._shared():
            return super().reserve_or_raise(is_write, now, max_wait=max_wait)

    def release(self, is_write: bool, at: float) -> None:
        with self._shared():
            super().release(is_write, at)

    def settle(self, is_write: bool, grant: float, done: float) -> float:
        if self._settled_time(grant, done) == grant:
            return grant  # nothing moves: no need to touch the file
        with self._shared():
            return super().settle(is_write, grant, done)

    def on_rate_limited(self, retry_after: float | None, now: float) -> None:
        with self._shared():
            super().on_rate_limited(retry_after, now)

    def _still_good(self, grant: float, is_write: bool) -> bool:
        with self._shared():
            return super()._still_good(grant, is_write)

    def observe(
        self,
        period: float,
        remaining: int,
        reset_in: float,
        now: float,
        is_write: bool,
        *,
        sent: float | None = None,
    ) -> Window | None:
        with self._shared():  # grants of every process after `sent` take their share first
            return super().observe(period, remaining, reset_in, now, is_write, sent=sent)

    def close(self) -> None:
        """Close the file (it is opened again when needed)."""
        with self._outer:
            if self._fd is not None and self._pid == os.getpid():
                os.close(self._fd)
            self._fd = None
