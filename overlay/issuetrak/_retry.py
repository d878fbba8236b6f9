"""Retry policy: which requests may be retried, on what, and how long to wait.

Pure functions and a frozen :class:`RetryPolicy`; the loop that uses them lives in
:mod:`issuetrak._transport`.

Classification (see :func:`request_kind`):

* **read** - GET/HEAD/OPTIONS, and POST to a path ending in ``/Search`` (Issuetrak's searches are
  POSTs that change nothing);
* **idempotent** - PUT and DELETE: sending them twice leaves the same state;
* **unsafe** - every other POST (creates), PATCH, and multipart uploads: a second copy could
  duplicate an issue or a note.

Reads and idempotent writes are retried on 429, 502, 503, 504, timeouts and connection errors.
Unsafe requests are retried only when the request provably never reached the server: the
connection could not be opened (``httpx.ConnectError``/``ConnectTimeout``) or no pooled connection
was free (``httpx.PoolTimeout``).
"""

from __future__ import annotations

import email.utils
import enum
import math
import time
from dataclasses import dataclass, replace
from typing import Any

import httpx

from .conventions.requests import is_search, is_write

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "INITIAL_RETRY_DELAY",
    "MAX_ATTEMPTS",
    "MAX_RETRY_AFTER",
    "MAX_RETRY_DELAY",
    "RETRYABLE_STATUSES",
    "RequestKind",
    "RetryPolicy",
    "backoff_delay",
    "is_search",
    "is_write",
    "never_sent",
    "parse_retry_after",
    "rate_limited_delay",
    "request_kind",
]

DEFAULT_MAX_RETRIES = 3
"""Retries after the first attempt (so up to 4 sends)."""
INITIAL_RETRY_DELAY = 0.5
"""Seconds; the backoff ceiling before the first retry, doubled for each further one."""
MAX_RETRY_DELAY = 8.0
"""Seconds; the backoff ceiling never grows beyond this."""
MAX_RETRY_AFTER = 60.0
"""Seconds; a server asking for a longer pause gets the error instead of a blocked caller."""
DEFAULT_DEADLINE = 120.0
"""Seconds for all attempts and the waits between them together."""
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
"""Per attempt; each attempt's timeouts are further capped by what is left of the deadline."""
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
MAX_ATTEMPTS = 10
"""Requests one call sends at most, whatever ``max_retries`` says: every 429 counts against
``max_retries`` like any failure, and this cap holds even for a larger ``max_retries``, so a storm
of 429s never becomes a storm of requests."""


class RequestKind(enum.Enum):
    READ = "read"
    IDEMPOTENT = "idempotent"
    UNSAFE = "unsafe"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Per-client retry settings; a per-call override replaces individual fields.

    ``deadline`` (seconds, or ``None`` for none) bounds the whole call: attempts, backoff and
    rate-limit waits between attempts. ``max_retry_after`` caps how long a server's Retry-After
    is honoured; a longer request raises instead of blocking.
    """

    max_retries: int = DEFAULT_MAX_RETRIES
    initial_delay: float = INITIAL_RETRY_DELAY
    max_delay: float = MAX_RETRY_DELAY
    max_retry_after: float = MAX_RETRY_AFTER
    deadline: float | None = DEFAULT_DEADLINE

    def __post_init__(self) -> None:
        if (
            not isinstance(self.max_retries, int)
            or isinstance(self.max_retries, bool)
            or self.max_retries < 0
        ):
            raise ValueError(f"max_retries must be an int >= 0, got {self.max_retries!r}")
        for name in ("initial_delay", "max_delay", "max_retry_after"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and value >= 0 and math.isfinite(value)):
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
        if self.deadline is not None and not (
            isinstance(self.deadline, int | float) and self.deadline > 0
        ):
            raise ValueError(f"deadline must be > 0 seconds or None, got {self.deadline!r}")

    def updated(self, changes: dict[str, Any]) -> RetryPolicy:
        """A copy with the given fields replaced (unknown names are a clear error)."""
        unknown = set(changes) - set(self.__dataclass_fields__)
        if unknown:
            raise TypeError(f"unknown retry option(s): {', '.join(sorted(unknown))}")
        return replace(self, **changes) if changes else self


def request_kind(request: httpx.Request) -> RequestKind:
    """How safe it is to send ``request`` again (see the module docstring)."""
    method = request.method.upper()
    if method in ("GET", "HEAD", "OPTIONS"):
        return RequestKind.READ
    if request.headers.get("content-type", "").lower().startswith("multipart/"):
        return RequestKind.UNSAFE  # uploads, whatever the method
    if method == "POST" and is_search(request.url.path):
        return RequestKind.READ
    if method in ("PUT", "DELETE"):
        return RequestKind.IDEMPOTENT
    return RequestKind.UNSAFE


def never_sent(exc: BaseException) -> bool:
    """Whether a transport error proves the request never reached the server."""
    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def backoff_delay(retry_number: int, policy: RetryPolicy, random: float) -> float:
    """Full-jitter exponential backoff: uniform in [0, min(max_delay, initial * 2**(n-1))).

    ``retry_number`` is 1 for the first retry; ``random`` is a number in [0, 1).
    """
    ceiling = min(policy.max_delay, policy.initial_delay * 2.0 ** (retry_number - 1))
    return float(ceiling * random)


def rate_limited_delay(
    retry_number: int, retry_after: float | None, policy: RetryPolicy, random: float
) -> float:
    """Seconds to wait before retry ``retry_number`` (1 for the first) after a 429.

    A positive ``Retry-After`` is what the site asked for. One of 0, absent, negative, unparsable
    or in the past (``retry_after`` ``None`` or 0) never means "at once": exponential backoff
    with *equal* jitter, uniform in [c/2, c) for the ceiling c of :func:`backoff_delay`, so
    never less than half of ``initial_delay``.
    """
    if retry_after:
        return retry_after
    ceiling = min(policy.max_delay, policy.initial_delay * 2.0 ** (retry_number - 1))
    return float(ceiling * (0.5 + 0.5 * random))


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delta-seconds or an HTTP date.

    ``now`` is the wall-clock time (epoch seconds) an HTTP date is measured from. Returns
    ``None`` when the header is absent or unparsable; never negative.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)
