"""``--rate-limits``: the site's own request windows, as its administrator configured them.

Issuetrak's defaults are 20 requests per second, 5 writes per second, 100 per minute, 100 per
10 minutes, 1000 per hour and 1000 per 12 hours, per token. Administrators raise them in the
site's ``appsettings.json``; a contract run that assumes the defaults on such a site waits far
longer than it needs to. The syntax is a comma-separated list of windows::

    20/1s,5/1s:writes,100/60s,100/10m,1000/1h,1000/12h

``LIMIT/PERIOD`` with the period a number followed by ``s``, ``m`` or ``h``; ``:writes`` makes a
window count writes only. ``default`` is Issuetrak's defaults and ``off`` turns the client-side
limiter off (not advised against a real site). Bad input raises :class:`ValueError` with one line
that names the part it could not read.
"""

from __future__ import annotations

import re

from issuetrak.ratelimit import DEFAULT_WINDOWS, RateLimits, Window

__all__ = ["EDGE_MARGIN", "describe_windows", "parse_rate_limits"]

# Seconds every window is widened by. The limiter times a request when it grants it, the site when
# it arrives; two requests a window apart can arrive less than a window apart (a slow first one), and
# one 429 makes the limiter pause and halve its pace for a minute. A quarter second costs the 1 s
# windows a fifth of their pace and the 10-minute window nothing, which is the one that bounds a run.
EDGE_MARGIN = 0.25

_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}
_WINDOW = re.compile(
    r"^(?P<limit>[^/]+)/(?P<number>\d+(?:\.\d+)?|\.\d+)?(?P<unit>[a-zA-Z]*)(?::(?P<scope>.*))?$"
)
EXAMPLE = "20/1s,5/1s:writes,100/10m,1000/12h"


def _window(part: str) -> Window:
    match = _WINDOW.match(part)
    if match is None:
        raise ValueError(f"--rate-limits: {part!r} is not LIMIT/PERIOD (e.g. {EXAMPLE})")
    limit_text, number, unit, scope = match["limit"], match["number"], match["unit"], match["scope"]
    if not limit_text.strip().isdigit() or int(limit_text) < 1:
        raise ValueError(f"--rate-limits: {part!r}: the limit must be a whole number of at least 1")
    if number is None:
        raise ValueError(f"--rate-limits: {part!r}: the period needs a number (e.g. 20/1s)")
    if unit.lower() not in _UNITS:
        raise ValueError(
            f"--rate-limits: {part!r}: the period needs a unit s, m or h (e.g. 20/1s, 100/10m)"
        )
    period = float(number) * _UNITS[unit.lower()]
    if period <= 0:
        raise ValueError(f"--rate-limits: {part!r}: the period must be longer than 0")
    if scope is not None and scope.strip().lower() != "writes":
        raise ValueError(
            f"--rate-limits: {part!r}: only ':writes' may follow a window (a window that counts writes only)"
        )
    return Window(int(limit_text), period, writes_only=scope is not None)


def parse_rate_limits(text: str | None) -> RateLimits | None:
    """``RateLimits`` for ``text``; ``None`` for ``off``; Issuetrak's defaults for ``default``/empty."""
    spec = (text or "").strip()
    if spec.lower() in ("", "default", "defaults"):
        return RateLimits(margin=EDGE_MARGIN)
    if spec.lower() in ("off", "none", "0"):
        return None
    parts = [part.strip() for part in spec.split(",")]
    if any(not part for part in parts):
        raise ValueError(f"--rate-limits: {spec!r} has an empty window (e.g. {EXAMPLE})")
    windows = [_window(part) for part in parts]
    if all(window.writes_only for window in windows):
        raise ValueError(
            f"--rate-limits: {spec!r} has only ':writes' windows; add one for all requests (e.g. 20/1s)"
        )
    return RateLimits(windows=tuple(windows), margin=EDGE_MARGIN)


def _period(seconds: float) -> str:
    for unit, size in (("h", 3600.0), ("m", 60.0)):
        if seconds >= size and (seconds / size).is_integer():
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def describe_windows(limits: RateLimits | None) -> str:
    """``20/1s, 5/1s writes, ...`` (and whether these are Issuetrak's defaults)."""
    if limits is None:
        return "off (no client-side limiter)"
    text = ", ".join(
        f"{w.limit}/{_period(w.period)}{' writes' if w.writes_only else ''}" for w in limits.windows
    )
    if tuple(limits.windows) == DEFAULT_WINDOWS:
        text += " (Issuetrak's defaults; --rate-limits if your site's are higher)"
    return text
