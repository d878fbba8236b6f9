"""How the contract suite's requests reach the site: requests -> httpx -> policy -> target.

schemathesis sends every case (and the extra probes some checks make) with ``requests``. Mounting
:class:`HttpxAdapter` on a ``requests.Session`` hands each of those requests to an ``httpx.Client``
whose transport is the overlay's policy stack (client-side rate limiter and retry loop) over
either the network or the mock's ``SyncASGITransport`` (its ASGI app in process, no sockets). So a live
run is exactly as polite as the SDK, and the suite counts what it sent and how long the limiter
held it back (:class:`RunStats`).

The token is *not* added here: each case is sent with it as an explicit header (see
:func:`~issuetrak_tools._contract.target.credentials_for`), so that a probe can leave it out on
purpose. The ``requests`` session never follows a redirect (:class:`NoRedirectSession`), and
:class:`CountingTransport` holds the run's exact request budget.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import requests
import requests.adapters
import urllib3
from issuetrak.conventions import is_write
from issuetrak.errors import APIConnectionError, APITimeoutError
from requests.structures import CaseInsensitiveDict
from urllib3 import HTTPHeaderDict

__all__ = [
    "CountingTransport",
    "HttpxAdapter",
    "RequestBudget",
    "RequestBudgetExhausted",
    "RunStats",
    "make_session",
]


class RequestBudgetExhausted(Exception):
    """The run has sent as many requests as it was allowed to (``--max-requests``).

    Raised by the transport *instead of* sending the request that would exceed the budget, so the
    limit holds exactly, whatever sends: a test case, a check's own probe, a retry.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(
            f"request budget of {limit} reached; the run stops sending here (Issuetrak allows a "
            f"token 1000 requests per 12 hours; raise --max-requests to check more)"
        )


@dataclass
class RequestBudget:
    """At most ``limit`` requests (0: no limit); :meth:`take` is called before each one is sent."""

    limit: int = 0
    sent: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def take(self) -> None:
        with self._lock:
            if self.limit and self.sent >= self.limit:
                raise RequestBudgetExhausted(self.limit)
            self.sent += 1

    @property
    def exhausted(self) -> bool:
        return bool(self.limit) and self.sent >= self.limit

    @property
    def remaining(self) -> int | None:
        """Requests left, ``None`` when there is no limit."""
        return max(0, self.limit - self.sent) if self.limit else None


@dataclass
class RunStats:
    """What a run cost the site: requests sent (retries included) and time held by the limiter."""

    requests_sent: int = 0
    writes_sent: int = 0
    limiter_wait_seconds: float = 0.0
    limiter_waits: int = 0
    retries: int = 0
    by_method: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def record_request(self, method: str, is_write: bool) -> None:
        with self._lock:
            self.requests_sent += 1
            self.writes_sent += int(is_write)
            self.by_method[method] = self.by_method.get(method, 0) + 1

    def record_wait(self, seconds: float) -> None:
        if seconds > 0:
            with self._lock:
                self.limiter_wait_seconds += seconds
                self.limiter_waits += 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests_sent": self.requests_sent,
            "writes_sent": self.writes_sent,
            "limiter_wait_seconds": round(self.limiter_wait_seconds, 3),
            "limiter_waits": self.limiter_waits,
            "by_method": dict(sorted(self.by_method.items())),
        }


class CountingTransport(httpx.BaseTransport):
    """Counts every request that really leaves for the target (so retries count too).

    With a :class:`RequestBudget`, the request that would exceed it is not sent:
    :class:`RequestBudgetExhausted` is raised instead.
    """

    def __init__(
        self, inner: httpx.BaseTransport, stats: RunStats, budget: RequestBudget | None = None
    ) -> None:
        self._inner, self._stats = inner, stats
        self.budget = budget if budget is not None else RequestBudget()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.budget.take()
        self._stats.record_request(request.method, is_write(request.method, request.url.path))
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


class HttpxAdapter(requests.adapters.BaseAdapter):
    """A ``requests`` adapter that sends through an ``httpx.Client`` (and so through its transport)."""

    def __init__(self, client: httpx.Client, *, owns_client: bool = True) -> None:
        super().__init__()
        self.client = client
        self.owns_client = owns_client

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        body = request.body
        content = body.encode("utf-8") if isinstance(body, str) else body
        if content is not None and not isinstance(content, bytes):
            content = b"".join(content)
        extensions: dict[str, Any] = {}
        if timeout is not None:
            connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
            extensions["timeout"] = {
                "connect": connect,
                "read": read,
                "write": read,
                "pool": connect,
            }
        outgoing = self.client.build_request(
            str(request.method),
            str(request.url),
            headers=dict(request.headers),
            content=content,
            extensions=extensions,
        )
        started = time.perf_counter()
        try:
            answer = self.client.send(outgoing)
        except (httpx.TimeoutException, APITimeoutError) as exc:
            raise requests.exceptions.Timeout(str(exc), request=request) from exc
        except (httpx.TransportError, APIConnectionError) as exc:
            raise requests.exceptions.ConnectionError(str(exc), request=request) from exc
        return self._to_requests(request, answer, time.perf_counter() - started)

    @staticmethod
    def _to_requests(
        request: requests.PreparedRequest, answer: httpx.Response, elapsed: float
    ) -> requests.Response:
        import datetime as dt
        import io

        response = requests.Response()
        response.status_code = answer.status_code
        response.headers = CaseInsensitiveDict(answer.headers.multi_items())
        response._content = answer.content
        raw_headers = HTTPHeaderDict()
        for name, value in answer.headers.multi_items():
            raw_headers.add(name, value)
        # schemathesis reads the headers (all values of repeated ones) and the HTTP version from raw
        response.raw = urllib3.HTTPResponse(
            body=io.BytesIO(answer.content),
            headers=raw_headers,
            status=answer.status_code,
            version=11,
            preload_content=False,
            decode_content=False,
        )
        response.url = str(request.url)
        response.request = request
        response.reason = answer.reason_phrase
        response.encoding = answer.encoding
        response.elapsed = dt.timedelta(seconds=elapsed)
        return response

    def close(self) -> None:
        if self.owns_client:
            self.client.close()


class NoRedirectSession(requests.Session):
    """A session that never follows a redirect: the answer is returned as it came.

    ``requests`` follows a 3xx by itself and drops only ``Authorization`` on the way to another
    host; the ``X-Api-Key`` header would go along. The run reports a redirect instead (see
    :class:`~issuetrak_tools._contract.guard.SiteGuard`).
    """

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        kwargs["allow_redirects"] = False
        return super().send(request, **kwargs)


def make_session(
    client: httpx.Client, *, headers: Mapping[str, str] | None = None, owns_client: bool = True
) -> requests.Session:
    """A ``requests.Session`` whose every request goes through ``client`` and is never redirected."""
    session = NoRedirectSession()
    adapter = HttpxAdapter(client, owns_client=owns_client)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.trust_env = False
    if headers:
        session.headers.update(headers)
    return session
