"""``Issuetrak`` and ``AsyncIssuetrak``: configuration plus the HTTP layer under the facade.

Each client owns an ``httpx`` client whose transport is :class:`~issuetrak._transport.RetryTransport`
(auth, rate limiting, retries) and whose response hook raises the typed error for every non-2xx
final response. ``client._api`` is the ``AuthenticatedClient`` of the generated package of the client's
Issuetrak version (``version=``, default: the label the build used) using that ``httpx`` client, so any generated call either returns a 2xx response or raises an
:class:`~issuetrak.IssuetrakError`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Literal, Self

import httpx

from ._auth import ApiTokenAuth
from ._config import resolve_base_url, resolve_timeout, resolve_token
from ._exceptions import ConfigurationError, connection_error, make_status_error, relative_path
from ._logging import logger, setup_logging
from ._missing_route import status_error
from ._ratelimit import RateLimiter, RateLimits, shared_limiter
from ._reading import ReadPolicy, tolerant_policy
from ._resources import AsyncResources, SyncResources
from ._retry import DEFAULT_DEADLINE, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, RetryPolicy
from ._site_version import AsyncSiteVersion, SyncSiteVersion
from ._transport import EXTENSION, AsyncRetryTransport, RetryTransport, Runtime
from ._usage import note_raw, recorder_for
from ._version import __version__
from ._versions import Version, resolve
from .conventions.bodies import is_json_content_type, trace_id_in

__all__ = ["AsyncIssuetrak", "Issuetrak"]

RateLimitsArg = RateLimits | RateLimiter | Literal[False] | None
_DEFAULT_LIMITS = RateLimits()
_TRACE_SCAN = 2048  # Issuetrak writes traceId first; never scan a whole large page for it
_PLACEHOLDER_TOKEN = "[sent by issuetrak.auth.ApiTokenAuth]"  # the generated client never sees it
_USER_AGENT = f"issuetrak-python/{__version__}"
_OPTION_NAMES = frozenset(
    {
        "base_url",
        "token",
        "max_retries",
        "timeout",
        "deadline",
        "rate_limits",
        "transport",
        "allow_insecure_http",
        "headers",
        "version",
        "strict",
        "record_usage",
    }
)


def _trace_id(response: httpx.Response) -> str | None:
    # only JSON bodies carry a traceId, and a successful non-JSON body is left unread for the
    # caller (it may be streaming a download), so it is not read here just for a log line
    if not _is_json(response):
        return None
    try:
        content = response.content
    except httpx.ResponseNotRead:
        return None
    return trace_id_in(content, prefix=_TRACE_SCAN)


def _is_json(response: httpx.Response) -> bool:
    return is_json_content_type(response.headers.get("content-type"))


class _BaseClient:
    """Configuration shared by the sync and async clients."""

    # the generated package's AuthenticatedClient, of the client's version (its type varies by label)
    _api: Any
    _inner: Any

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        max_retries: int = DEFAULT_MAX_RETRIES,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        deadline: float | None = DEFAULT_DEADLINE,
        rate_limits: RateLimitsArg = _DEFAULT_LIMITS,
        transport: Any = None,
        allow_insecure_http: bool = False,
        headers: Mapping[str, str] | None = None,
        version: str | Version | None = None,
        strict: bool = False,
        record_usage: str | os.PathLike[str] | None = None,
        _runtime: Runtime | None = None,
    ) -> None:
        setup_logging()
        self._version = resolve(version)
        url = resolve_base_url(base_url, allow_insecure_http=allow_insecure_http)
        self._token = resolve_token(token)
        self._base_url = url
        self._policy = RetryPolicy(max_retries=max_retries, deadline=deadline)
        self._timeout = resolve_timeout(timeout)
        self._runtime = _runtime or Runtime()
        self._rate_limits = rate_limits
        self._limiter = self._make_limiter(rate_limits)
        self._transport_arg = transport
        self._allow_insecure_http = allow_insecure_http
        self._headers = dict(headers or {})
        if not isinstance(strict, bool):
            raise ConfigurationError(f"strict must be True or False, got {strict!r}")
        self._strict = strict
        self._record_usage = record_usage
        self._usage = recorder_for(record_usage, self._version.label)  # None: not recording

    def _make_limiter(self, rate_limits: RateLimitsArg) -> RateLimiter | None:
        if rate_limits is None or rate_limits is False:
            return None
        if isinstance(rate_limits, RateLimiter):
            return rate_limits
        if not isinstance(rate_limits, RateLimits):
            raise TypeError(
                "rate_limits must be RateLimits(...), a RateLimiter, or None/False to disable, "
                f"got {type(rate_limits).__name__}"
            )
        site = str(self._base_url.copy_with(path="/"))
        return shared_limiter(site, self._token, rate_limits, clock=self._runtime.clock)

    def _options(self) -> dict[str, Any]:
        return {
            "base_url": str(self._base_url),
            "token": self._token,
            "max_retries": self._policy.max_retries,
            "timeout": self._timeout,
            "deadline": self._policy.deadline,
            "rate_limits": self._rate_limits,
            "transport": self._transport_arg,
            "allow_insecure_http": self._allow_insecure_http,
            "headers": self._headers,
            "version": self._version,
            "strict": self._strict,
            "record_usage": self._record_usage,
        }

    def _changed_options(self, changes: dict[str, Any]) -> dict[str, Any]:
        unknown = set(changes) - _OPTION_NAMES
        if unknown:
            raise TypeError(
                f"with_options() got unknown option(s): {', '.join(sorted(unknown))}; "
                f"known: {', '.join(sorted(_OPTION_NAMES))}"
            )
        options = self._options()
        options.update(changes)
        # The copy keeps drawing from this client's budget unless it changes what the budget is.
        if not {"base_url", "token", "rate_limits"} & set(changes) and self._limiter is not None:
            options["rate_limits"] = self._limiter
        return options

    def with_options(self, **changes: Any) -> Self:
        """A copy with some options changed (same names as the constructor).

        The copy shares this client's connection pool and rate-limit budget; close the original
        when done (closing a copy leaves the pool open). Example::

            client.with_options(max_retries=0, timeout=5).request("GET", "/Users/1")
        """
        options = self._changed_options(changes)
        shares_pool = "transport" not in changes
        make: Any = type(self)  # subclasses (the facade) get a copy of their own type
        copy: Self = make(
            **options,
            _runtime=self._runtime,
            _inner=self._inner if shares_pool else None,
        )
        return copy

    def _authenticated_client(self) -> Any:
        """The generated package's ``AuthenticatedClient`` for this client's version; the token
        is a placeholder because :class:`~issuetrak.auth.ApiTokenAuth` in the transport sends it."""
        client_module = self._version.module("client")
        return client_module.AuthenticatedClient(
            base_url=str(self._base_url), token=_PLACEHOLDER_TOKEN
        )

    @property
    def version(self) -> Version:
        """The Issuetrak version (pinned label) whose generated package this client calls."""
        return self._version

    @property
    def base_url(self) -> httpx.URL:
        """The API v2 base URL, e.g. ``https://example.issuetrak.com/api/v2``."""
        return self._base_url

    @property
    def max_retries(self) -> int:
        """Retries after the first attempt, for calls without a per-call override."""
        return self._policy.max_retries

    @property
    def timeout(self) -> httpx.Timeout:
        """The per-attempt httpx timeout (each attempt is further capped by the deadline)."""
        return self._timeout

    @property
    def deadline(self) -> float | None:
        """Seconds for all attempts of one call and the waits between them; ``None``: no limit."""
        return self._policy.deadline

    @property
    def strict(self) -> bool:
        """Whether replies are parsed strictly (see :mod:`issuetrak._reading`)."""
        return self._strict

    def _read_policy(self, package: str) -> ReadPolicy | None:
        """How the facade reads a reply of ``package``: ``None`` (strict) or the tolerant policy."""
        if self._strict:
            return None
        return tolerant_policy(package, self._version.label)

    @property
    def rate_limiter(self) -> RateLimiter | None:
        """The shared client-side rate limiter, or ``None`` when disabled."""
        return self._limiter

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={str(self._base_url)!r}, "
            f"version={self._version.label!r})"
        )

    def _request_extensions(
        self, max_retries: int | None, deadline: float | Literal[False] | None
    ) -> dict[str, Any]:
        overrides: dict[str, Any] = {}
        if max_retries is not None:
            overrides["max_retries"] = max_retries
        if deadline is not False:
            overrides["deadline"] = deadline
        return {EXTENSION: overrides} if overrides else {}

    def _retry_options(self, owns_inner: bool) -> dict[str, Any]:
        """What the sync and async retry transports are built with."""
        return {
            "auth": ApiTokenAuth(self._token),
            "policy": self._policy,
            "limiter": self._limiter,
            "runtime": self._runtime,
            "api_base_path": self._base_url.path,
            "owns_inner": owns_inner,
        }

    def _http_options(self) -> dict[str, Any]:
        """What the sync and async httpx clients are built with (less the transport)."""
        return {
            "base_url": self._base_url,
            "timeout": self._timeout,
            "headers": {"User-Agent": _USER_AGENT, **self._headers},
            "follow_redirects": False,
        }

    @staticmethod
    def _must_read(response: httpx.Response) -> bool:
        """Whether the response hook reads the body: errors always, successes only to log JSON
        (a success with nothing to log is the hot path: :meth:`_quiet_success`)."""
        return not 200 <= response.status_code < 300 or _is_json(response)

    @staticmethod
    def _quiet_success(response: httpx.Response) -> bool:
        """A 2xx reply and no INFO logging: the response hook has nothing to do."""
        return 200 <= response.status_code < 300 and not logger.isEnabledFor(logging.INFO)

    def _check_response(self, response: httpx.Response) -> None:
        """Log the response and raise the typed error of a non-2xx one (body already read)."""
        if logger.isEnabledFor(logging.INFO):
            self._log_response(response)
        if not 200 <= response.status_code < 300:
            error = make_status_error(response, api_base_path=self._base_url.path)
            raise status_error(self, response, error)  # a route the site lacks says so

    def _log_response(self, response: httpx.Response) -> None:
        meta = response.extensions.get(EXTENSION) or {}
        logger.info(
            "%s %s -> %d %s in %.1f ms (attempt %d, trace %s)",
            response.request.method,
            relative_path(response.request.url, self._base_url.path),
            response.status_code,
            response.reason_phrase,
            float(meta.get("elapsed", 0.0)) * 1000,
            int(meta.get("attempts", 1)),
            _trace_id(response) or "-",
        )


class Issuetrak(SyncResources, SyncSiteVersion, _BaseClient):
    """Synchronous Issuetrak API v2 client.

    Args:
        base_url: the site (``https://example.issuetrak.com``) or API base (``.../api/v2``);
            default ``$ISSUETRAK_BASE_URL``.
        token: the API token; default ``$ISSUETRAK_TOKEN``.
        max_retries: retries after the first attempt (see "Retries" in the README).
        timeout: per-attempt httpx timeout (seconds or ``httpx.Timeout``).
        deadline: seconds for all attempts and waits of one call together; ``None``: no deadline.
        rate_limits: ``RateLimits(...)`` (default: Issuetrak's defaults), a ``RateLimiter`` to share,
            or ``None``/``False`` to disable client-side limiting.
        transport: an ``httpx.BaseTransport`` to send through (e.g. ``httpx.MockTransport``).
        allow_insecure_http: allow ``http://`` to a non-loopback host.
        headers: extra headers for every request.
        version: the Issuetrak version (pinned label) whose generated package to call; default:
            the label the build used (``issuetrak_client.DEFAULT_LABEL``).
        strict: parse replies strictly: an enum value the document does not list, a required
            property left out or a value of the wrong type raises ``UnexpectedResponseError``
            instead of being kept and logged (see "Tolerant reading" in the docs).
        record_usage: record what this code uses of the API (operations, parameter and filter
            names, fields sent and read; never values) into this usage file; default
            ``$ISSUETRAK_USAGE``, else off (see "Contracts of your integration" in the docs).

    Example::

        with Issuetrak("https://example.issuetrak.com", token="...") as client:
            response = client.request("GET", "/Users/1")
    """

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        max_retries: int = DEFAULT_MAX_RETRIES,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        deadline: float | None = DEFAULT_DEADLINE,
        rate_limits: RateLimitsArg = _DEFAULT_LIMITS,
        transport: httpx.BaseTransport | None = None,
        allow_insecure_http: bool = False,
        headers: Mapping[str, str] | None = None,
        version: str | Version | None = None,
        strict: bool = False,
        record_usage: str | os.PathLike[str] | None = None,
        _runtime: Runtime | None = None,
        _inner: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(
            base_url,
            token,
            max_retries=max_retries,
            timeout=timeout,
            deadline=deadline,
            rate_limits=rate_limits,
            transport=transport,
            allow_insecure_http=allow_insecure_http,
            headers=headers,
            version=version,
            strict=strict,
            record_usage=record_usage,
            _runtime=_runtime,
        )
        owns = _inner is None
        inner = _inner or transport or httpx.HTTPTransport()
        self._inner = inner
        self._retry_transport = RetryTransport(inner, **self._retry_options(owns))
        self._http = httpx.Client(
            transport=self._retry_transport,
            event_hooks={"response": [self._on_response]},
            **self._http_options(),
        )
        self._api = self._authenticated_client().set_httpx_client(self._http)

    def _on_response(self, response: httpx.Response) -> None:
        if self._quiet_success(response):
            return
        if self._must_read(response):
            response.read()
        self._check_response(response)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        data: Mapping[str, Any] | None = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | Literal[False] | None = False,
        max_retries: int | None = None,
        deadline: float | Literal[False] | None = False,
    ) -> httpx.Response:
        """Send one request to ``path`` (relative to the API base, e.g. ``/Users/1``).

        Returns the 2xx response (body read) or raises the typed error. ``timeout``,
        ``max_retries`` and ``deadline`` override the client's settings for this call.
        """
        request = self._http.build_request(
            method,
            path,
            params=params,
            json=json,
            content=content,
            data=data,
            files=files,
            headers=headers,
            timeout=httpx.USE_CLIENT_DEFAULT if timeout is False else resolve_timeout(timeout),
            extensions=self._request_extensions(max_retries, deadline),
        )
        if self._usage is not None:
            note_raw(self._usage, self._version.package, request, self._base_url.path)
        try:
            return self._http.send(request)
        except httpx.HTTPError as exc:  # a success body the transport left unread, cut short
            raise connection_error(exc) from exc

    def close(self) -> None:
        """Close the connection pool (when this client owns it); write the usage file if recording."""
        self._http.close()
        if self._usage is not None:
            self._usage.flush()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncIssuetrak(AsyncResources, AsyncSiteVersion, _BaseClient):
    """Asynchronous Issuetrak API v2 client; the same arguments as :class:`Issuetrak`.

    A sync and an async client for the same site and token share one rate-limit budget.
    """

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        max_retries: int = DEFAULT_MAX_RETRIES,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        deadline: float | None = DEFAULT_DEADLINE,
        rate_limits: RateLimitsArg = _DEFAULT_LIMITS,
        transport: httpx.AsyncBaseTransport | None = None,
        allow_insecure_http: bool = False,
        headers: Mapping[str, str] | None = None,
        version: str | Version | None = None,
        strict: bool = False,
        record_usage: str | os.PathLike[str] | None = None,
        _runtime: Runtime | None = None,
        _inner: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(
            base_url,
            token,
            max_retries=max_retries,
            timeout=timeout,
            deadline=deadline,
            rate_limits=rate_limits,
            transport=transport,
            allow_insecure_http=allow_insecure_http,
            headers=headers,
            version=version,
            strict=strict,
            record_usage=record_usage,
            _runtime=_runtime,
        )
        owns = _inner is None
        inner = _inner or transport or httpx.AsyncHTTPTransport()
        self._inner = inner
        self._retry_transport = AsyncRetryTransport(inner, **self._retry_options(owns))
        self._http = httpx.AsyncClient(
            transport=self._retry_transport,
            event_hooks={"response": [self._on_response]},
            **self._http_options(),
        )
        self._api = self._authenticated_client().set_async_httpx_client(self._http)

    async def _on_response(self, response: httpx.Response) -> None:
        if self._quiet_success(response):
            return
        if self._must_read(response):
            await response.aread()
        self._check_response(response)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        data: Mapping[str, Any] | None = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | Literal[False] | None = False,
        max_retries: int | None = None,
        deadline: float | Literal[False] | None = False,
    ) -> httpx.Response:
        """Async form of :meth:`Issuetrak.request`."""
        request = self._http.build_request(
            method,
            path,
            params=params,
            json=json,
            content=content,
            data=data,
            files=files,
            headers=headers,
            timeout=httpx.USE_CLIENT_DEFAULT if timeout is False else resolve_timeout(timeout),
            extensions=self._request_extensions(max_retries, deadline),
        )
        if self._usage is not None:
            note_raw(self._usage, self._version.package, request, self._base_url.path)
        try:
            return await self._http.send(request)
        except httpx.HTTPError as exc:  # a success body the transport left unread, cut short
            raise connection_error(exc) from exc

    async def aclose(self) -> None:
        """Close the connection pool (when this client owns it)."""
        await self._http.aclose()
        if self._usage is not None:
            self._usage.flush()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
