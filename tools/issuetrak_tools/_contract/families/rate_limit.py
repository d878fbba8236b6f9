"""Limits: a site that limits a client says how long to wait (``429`` with ``Retry-After``).

Every ``429`` any request of the run meets is checked as it arrives (the run's
:class:`~issuetrak_tools._contract.guard.SiteGuard`). Whether a run meets one depends on where the
site's limiter lands, so this family provokes it on purpose: one burst of a cheap read (page 1,
one record), one request more than the site's smallest per-second window (Issuetrak's default:
20 per second, so 21 requests), sent past the client-side limiter within that second. The burst
stops at the first ``429``. The requests are booked with the client-side limiter afterwards, so the
run's later pacing counts them in every longer window; a ``Retry-After`` pauses it as asked.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import httpx
from issuetrak.ratelimit import RateLimits
from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.guard import RETRY_AFTER_CHECK
from issuetrak_tools._contract.probe import Unchecked, concrete
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

DEFAULT_BURST = 21  # Issuetrak's (AspNetCoreRateLimit's) default 20 per second, and one more


def burst_size(limits: RateLimits | None) -> int:
    """One request more than the smallest window of a second or less (all requests counted)."""
    windows = [] if limits is None else [w for w in limits.windows if not w.writes_only]
    short = [w.limit for w in windows if w.period <= 1.0]
    return min(short) + 1 if short else DEFAULT_BURST


@family(
    "rate_limit",
    tier=Tier.ERRORS,
    priority=40,
    checks=(RETRY_AFTER_CHECK,),
    invariant="a 429 carries Retry-After (ASP.NET sites limit with AspNetCoreRateLimit, which "
    "sends it); a burst one request past the per-second window provokes the limiter",
)
def rate_limit(ctx: PlanContext) -> list[Step]:
    if not ctx.live:
        return []  # the in-process mock runs without limits: nothing to provoke
    lists = [r for r in ctx.chosen if r.kind == "list" and not r.params and r.method == "GET"]
    if not lists:
        return []
    return [ctx.step(rate_limit, "burst", lists[0].label, DEFAULT_BURST)]


@rate_limit.handles("burst")
def burst(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    target = engine.target
    if target.guard is None:
        raise Unchecked("no guarded transport to send a burst through")
    url = target.base_url.rstrip("/") + concrete(ref.path, {})
    query, _ = engine.paging_pins(ref, 1)
    size = burst_size(target.rate_limits)
    before = target.guard.rate_limited
    sent = 0
    records: list[FailureRecord] = []
    engine.recorder.sink = records  # the guard reports a 429 without Retry-After as it arrives
    try:
        sent = _send_burst(engine, url, query, size)
    finally:
        engine.recorder.sink = None
    if target.guard.rate_limited == before:
        raise Unchecked(
            f"{ref.label}: {sent} requests in a burst met no 429 (the site's limits are higher)"
        )
    engine.recorder.ran_check(RETRY_AFTER_CHECK)
    return records


def _send_burst(engine: Engine, url: str, query: dict[str, Any] | None, size: int) -> int:
    """Send up to ``size`` requests at once; stop at the first 429. Returns how many were sent."""
    target = engine.target
    assert target.guard is not None
    sent = 0
    for _ in range(size):
        request = httpx.Request("GET", url, params=query, headers=dict(target.headers))
        try:  # past the limiter and the retry loop
            response = target.guard.handle_request(request)
        except httpx.TransportError:
            break  # the site dropped a connection: what was sent so far is what it says
        response.read()
        response.close()
        sent += 1
        if response.status_code == 429:
            _book(engine, sent, response.headers.get("retry-after"))
            break
    else:
        _book(engine, sent, None)
    return sent


def _book(engine: Engine, sent: int, retry_after: str | None) -> None:
    """Count the burst in the client-side limiter's windows, and pause as the site asked."""
    limiter = engine.target.limiter
    if limiter is None:
        return
    now = time.monotonic()
    for _ in range(sent):
        limiter.inner.reserve(False, now)
    if retry_after is not None and retry_after.strip().isdigit():
        limiter.on_rate_limited(float(retry_after), now)
