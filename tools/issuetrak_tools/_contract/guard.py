"""What every single request and answer of a run must respect, whoever sent it.

:class:`SiteGuard` sits between the retry loop and the network, so it sees each attempt - the
test cases, the probes checks send on their own, every retry:

* the token goes to the site's origin only: a request for another origin leaves without it
  (``X-Api-Key`` removed), and is reported;
* a redirect is never followed (the run's clients do not follow any); one to another origin is
  reported as ``redirect_to_other_origin``, since a client that followed it would hand the token
  to that host;
* every ``429`` carries ``Retry-After`` (``retry_after_on_429``): without it a client can only
  guess how long to wait. The retry loop above still waits such an answer out, so the run goes
  on, but the deviation is reported.

Findings go to ``observe`` as :class:`~.report.FailureRecord` (one per check and operation).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urljoin

import httpx
from issuetrak.conventions import origin
from issuetrak_tools._contract.credentials import REDACTED, TOKEN_HEADER
from issuetrak_tools._contract.report import FailureRecord, trace_id_of

__all__ = ["REDIRECT_CHECK", "RETRY_AFTER_CHECK", "SiteGuard"]

REDIRECT_CHECK = "redirect_to_other_origin"
RETRY_AFTER_CHECK = "retry_after_on_429"
TOKEN_ORIGIN_CHECK = "token_sent_to_site_only"

Observer = Callable[[FailureRecord], None]
Labeler = Callable[[str, str], str]


def _plain_label(method: str, path: str) -> str:
    return f"{method} {path}"


class SiteGuard(httpx.BaseTransport):
    """Keeps the token on the site's origin and reports redirects and 429s without Retry-After."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        site: str,
        *,
        observe: Observer | None = None,
        label: Labeler = _plain_label,
        api_prefix: str = "",
    ) -> None:
        self._inner = inner
        self.origin = origin(site)
        self.observe: Observer = observe or (lambda record: None)
        self.label = label
        self.api_prefix = api_prefix.rstrip("/")
        self.rate_limited = 0  # 429 answers seen (all attempts)
        self.checks_run: set[str] = set()

    def _operation(self, request: httpx.Request) -> str:
        path = request.url.path
        if self.api_prefix and path.lower().startswith(self.api_prefix.lower()):
            path = path[len(self.api_prefix) :] or "/"
        return self.label(request.method, path)

    def _curl(self, request: httpx.Request) -> str:
        return f"curl -X {request.method} '{request.url}' -H '{TOKEN_HEADER}: {REDACTED}'"

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.checks_run.add(TOKEN_ORIGIN_CHECK)
        if origin(str(request.url)) != self.origin and TOKEN_HEADER in request.headers:
            del request.headers[TOKEN_HEADER]
            self.observe(
                FailureRecord(
                    operation=self._operation(request),
                    check=TOKEN_ORIGIN_CHECK,
                    title="A request for another origin was sent without the token",
                    message=f"{request.method} {request.url} is not on {self.origin}; the token was withheld",
                    curl=self._curl(request),
                )
            )
        response = self._inner.handle_request(request)
        status = response.status_code
        if 300 <= status < 400:
            self._check_redirect(request, response)
        if status == 429:
            self.rate_limited += 1
            self._check_retry_after(request, response)
        return response

    def _check_redirect(self, request: httpx.Request, response: httpx.Response) -> None:
        location = response.headers.get("location")
        if not location:
            return
        self.checks_run.add(REDIRECT_CHECK)
        target = urljoin(str(request.url), location)
        if origin(target) == self.origin:
            return
        self.observe(
            FailureRecord(
                operation=self._operation(request),
                check=REDIRECT_CHECK,
                title="Redirect to another origin (not followed; the token was not sent there)",
                message=(
                    f"{request.method} {request.url.path} answered {response.status_code} with "
                    f"Location {target}; a client that follows it hands the API token to "
                    f"{origin(target)}. If the site moved, pass its new URL as --site."
                ),
                status_code=response.status_code,
                curl=self._curl(request),
            )
        )

    def _check_retry_after(self, request: httpx.Request, response: httpx.Response) -> None:
        self.checks_run.add(RETRY_AFTER_CHECK)
        value = response.headers.get("retry-after", "").strip()
        if value and (value.isdigit() or _is_http_date(value)):
            return
        response.read()
        self.observe(
            FailureRecord(
                operation=self._operation(request),
                check=RETRY_AFTER_CHECK,
                title="429 without a usable Retry-After",
                message=(
                    f"{request.method} {request.url.path} answered 429 with "
                    f"{'Retry-After ' + repr(value) if value else 'no Retry-After header'}; "
                    "clients cannot tell how long to wait (ASP.NET sites such as Issuetrak limit "
                    "requests with AspNetCoreRateLimit, which sends Retry-After with every 429)"
                ),
                status_code=429,
                trace_id=trace_id_of(response.content),
                curl=self._curl(request),
            )
        )

    def close(self) -> None:
        self._inner.close()


def _is_http_date(value: str) -> bool:
    import email.utils

    try:
        return email.utils.parsedate_to_datetime(value) is not None
    except (TypeError, ValueError):
        return False
