"""Where a contract run sends its requests, and what it may send.

:class:`Target` - the in-process ASGI app or a live site, the client and ``requests`` session
that reach it (the SDK's retry loop and rate limiter, the request budget, the site guard), the
token and the write policy; :func:`open_target` builds one. :class:`RateLimited` is a final 429;
:func:`credentials_for` the headers a case goes with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import requests
from issuetrak import RetryPolicy
from issuetrak.config import resolve_base_url
from issuetrak.conventions import is_loopback
from issuetrak.errors import ConfigurationError
from issuetrak.ratelimit import RateLimits
from issuetrak_mock.transport import SyncASGITransport
from issuetrak_tools._contract.checks import ISSUETRAK_CHECKS
from issuetrak_tools._contract.classify import WritePolicy
from issuetrak_tools._contract.credentials import (
    CredentialHeaders,
    Secret,
    Secrets,
    credential_headers,
)
from issuetrak_tools._contract.guard import SiteGuard
from issuetrak_tools._contract.policy import PoliteTransport, make_limiter
from issuetrak_tools._contract.transport import (
    CountingTransport,
    RequestBudget,
    RunStats,
    make_session,
)
from schemathesis import Case, CheckFunction
from schemathesis.core.parameters import ParameterLocation

__all__ = [
    "API_PREFIX",
    "IN_PROCESS_URL",
    "CoverageBudget",
    "RateLimited",
    "Target",
    "credentials_for",
    "open_target",
    "site_base_url",
    "windows_of",
]

AnyCase = Case[Any]


API_PREFIX = "/api/v2"


IN_PROCESS_URL = "http://issuetrak-mock.invalid" + API_PREFIX


class RateLimited(Exception):
    """The site kept answering 429 after the retry loop waited out its ``Retry-After``.

    Not a contract failure (the document allows 429): the case is left unchecked and the report
    says what to do.
    """

    def __init__(
        self, operation: str, retry_after: str | None, windows: str, *, sent: bool = True
    ) -> None:
        self.operation = operation
        self.sent = sent  # False: not sent at all, the site kept answering 429 (see Target)
        wait = f"Retry-After {retry_after} s" if retry_after else "no Retry-After"
        what = (
            f"{operation} still answered 429 ({wait}) after the retries"
            if sent
            else f"{operation} not sent: {RATE_LIMITED_STOP} calls in a row were still answered "
            f"429 after their retries, so the run stopped sending"
        )
        super().__init__(
            f"rate limited: {what}. The site's windows are lower than the ones this run paces "
            f"itself by ({windows}), or another client uses the same token: pass the site's "
            f"windows with --rate-limits, or run when the token is idle"
        )


# Calls in a row answered 429 after their retries, after which a run sends nothing more: the site
# is not answering this client, and every further call would only wait out its retries (a nightly
# job against a throttled site would take hours and add to the site's load).
RATE_LIMITED_STOP = 3


class CoverageBudget:
    """Send at most ``limit`` coverage-phase cases per operation and generation mode.

    schemathesis's coverage phase enumerates every boundary and violation of every parameter and
    body field: about 39,000 cases for Issuetrak's 127 operations (8,700 for ``POST /Issues/Search``
    alone). Sending them all takes far longer than a CI job should, so the run sends the first
    ``limit`` of each operation and mode, in schemathesis's own deterministic order (content-type
    probes first), and counts the rest as skipped. ``limit=0`` means no limit here; the run turns
    the whole phase off instead (:attr:`RunSettings.coverage` false), which also saves generating it.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.sent: dict[tuple[str, str], int] = {}
        self.skipped = 0

    def admit(self, case: AnyCase) -> bool:
        meta = case.meta
        if (
            self.limit <= 0
            or meta is None
            or str(getattr(meta.phase.name, "value", meta.phase.name)) != "coverage"
        ):
            return True
        key = (case.operation.label, str(meta.generation.mode.value))
        count = self.sent.get(key, 0)
        if count >= self.limit:
            self.skipped += 1
            return False
        self.sent[key] = count + 1
        return True


def site_base_url(site: str) -> str:
    """``https://host`` or ``https://host/api/v2`` -> ``https://host/api/v2``.

    Raises ``ValueError`` for anything but an http(s) URL, and for plain ``http://`` to a host
    other than loopback: the token would cross the network in clear text (Issuetrak sites are
    HTTPS only).
    """
    parts = urlsplit(site.strip())
    if parts.scheme.lower() == "http" and parts.hostname and not is_loopback(parts.hostname):
        # the SDK's error names its Python switch; the command has none, on purpose
        raise ValueError(
            f"--site {site!r}: plain http:// would send the API token unencrypted; use the "
            "site's https:// URL (plain http is accepted only for a loopback address such as "
            "127.0.0.1)"
        )
    try:  # the SDK's own rules for a site URL
        url = resolve_base_url(site)
    except ConfigurationError as exc:
        raise ValueError(f"--site {site!r}: {exc}") from None
    return str(url).rstrip("/")


@dataclass
class Target:
    """Where a run sends requests, and what it may send.

    The token is a :class:`~.credentials.Secret`: a ``Target`` can be printed (pytest shows
    fixture values of failing tests, hypothesis its falsifying examples) without showing it.
    """

    base_url: str
    secret: Secret
    live: bool
    policy: WritePolicy
    client: httpx.Client
    session: requests.Session
    stats: RunStats = field(default_factory=RunStats)
    description: str = ""
    budget: CoverageBudget = field(default_factory=lambda: CoverageBudget(0))
    requests: RequestBudget = field(default_factory=RequestBudget)
    guard: SiteGuard | None = None
    rate_limits: RateLimits | None = None
    limiter: Any = None  # the MeasuredLimiter of the run (None: no client-side limiting)
    restricted: Secret | None = None  # a second token, of a user with fewer permissions
    rate_limited_in_a_row: int = 0  # calls answered 429 after their retries, since the last answer

    def before_call(self, operation: str) -> None:
        """Raise :class:`RateLimited` (nothing sent) once ``RATE_LIMITED_STOP`` calls in a row
        were answered 429 after their retries."""
        if self.rate_limited_in_a_row >= RATE_LIMITED_STOP:
            raise RateLimited(operation, None, windows_of(self), sent=False)

    def after_call(self, operation: str, status: int, retry_after: str | None) -> None:
        """Count a call's final answer; a 429 raises :class:`RateLimited` (the case stays unchecked)."""
        if status != 429:
            self.rate_limited_in_a_row = 0
            return
        self.rate_limited_in_a_row += 1
        raise RateLimited(operation, retry_after, windows_of(self))

    def __repr__(self) -> str:
        return f"Target({self.description or self.base_url!r}, {self.policy.describe()})"

    @property
    def checks(self) -> list[CheckFunction]:
        """The checks run on every response besides the configured built-ins."""
        return list(ISSUETRAK_CHECKS)

    @property
    def headers(self) -> CredentialHeaders:
        """The credentials, as an explicit header schemathesis can see (and leave out on purpose)."""
        return credential_headers(self.secret)

    @property
    def restricted_headers(self) -> CredentialHeaders | None:
        """The restricted user's credentials (``None``: the run has no second token)."""
        return None if self.restricted is None else credential_headers(self.restricted)

    @property
    def secrets(self) -> Secrets:
        second = () if self.restricted is None else (self.restricted.reveal(),)
        return Secrets((self.secret.reveal(), *second))

    @property
    def max_requests(self) -> int:
        return self.requests.limit

    def close(self) -> None:
        self.session.close()
        self.client.close()


def _auth_header(token: str) -> str:
    """The header value the overlay's ``ApiTokenAuth`` would send (so a format change follows it)."""
    from issuetrak.auth import ApiTokenAuth

    flow = ApiTokenAuth(token).auth_flow(httpx.Request("GET", "http://localhost/"))
    value: str = next(flow).headers.get("X-Api-Key", token)
    return value


def open_target(
    *,
    site: str | None = None,
    token: str,
    app: Any = None,
    policy: WritePolicy | None = None,
    rate_limits: RateLimits | None = None,
    retry: RetryPolicy | None = None,
    timeout: float = 30.0,
    sleep: Callable[[float], None] | None = None,
    max_requests: int = 0,
    restricted_token: str = "",
) -> Target:
    """A target: ``app`` (an ASGI app, in-process) or ``site`` (a live Issuetrak site).

    ``rate_limits`` configures the client-side limiter (``None``: off, right for the in-process
    mock whose own limits are off too). ``max_requests`` (0: no limit) is counted at the
    transport, retries and checks' own probes included, and never exceeded.
    """
    if (site is None) == (app is None):
        raise ValueError("give exactly one of site= (a live Issuetrak site) or app= (an ASGI app)")
    if not token:
        raise ValueError("a token is needed (--token or ISSUETRAK_TOKEN)")
    stats = RunStats()
    live = site is not None
    if live:
        assert site is not None
        base_url = site_base_url(site)
        inner: httpx.BaseTransport = httpx.HTTPTransport(retries=0)
        description = base_url
    else:
        base_url = IN_PROCESS_URL
        # an exception in the app answers 500, as a server would
        inner = SyncASGITransport(app, raise_app_exceptions=False)
        description = "in-process mock"
    policy = policy or WritePolicy.for_target(
        live=live, allow_writes=False, allow_destructive=False
    )
    limiter = make_limiter(base_url, token, rate_limits)
    extra: dict[str, Any] = {} if sleep is None else {"sleep": sleep}
    budget = RequestBudget(max(0, max_requests))
    guard = SiteGuard(CountingTransport(inner, stats, budget), base_url, api_prefix=API_PREFIX)
    transport = PoliteTransport(guard, stats=stats, limiter=limiter, retry=retry, **extra)
    client = httpx.Client(
        transport=transport, timeout=timeout, follow_redirects=False, trust_env=False
    )
    session = make_session(client)
    return Target(
        base_url=base_url,
        secret=Secret(_auth_header(token)),
        live=live,
        policy=policy,
        client=client,
        session=session,
        stats=stats,
        description=description,
        requests=budget,
        guard=guard,
        rate_limits=rate_limits,
        limiter=transport.limiter,
        restricted=Secret(_auth_header(restricted_token)) if restricted_token else None,
    )


def windows_of(target: Target) -> str:
    from issuetrak_tools._contract.ratelimits import describe_windows

    return describe_windows(target.rate_limits).split(" (")[0]


def credentials_for(case: AnyCase, credentials: Mapping[str, str]) -> dict[str, str]:
    """The credential headers to send with ``case``: all of them, unless its headers are negated.

    A negative case may negate the headers on purpose - for Issuetrak the only required header is
    the ``X-Api-Key`` of its security scheme, so that means leaving it out or garbling it - and
    ``negative_data_rejection`` then expects a rejection. Sending the token anyway would turn the
    case into a valid request and report the site for accepting it, so such a case goes with the
    headers it was generated with.
    """
    meta = case.meta
    if meta is not None and meta.is_negative_at(ParameterLocation.HEADER):
        return {}
    return dict(credentials)
