"""The pieces a contract run is made of, shared by the pytest suite, its tests and the bench.

* :class:`Target` - where requests go (in-process ASGI app or a live site), through which session,
  with which token, and what the run may send (:class:`~.classify.WritePolicy`);
* :func:`build_schema` - the schemathesis schema of the contract document, reduced to the allowed
  operations, configured with phases, checks and example counts (:class:`RunSettings`);
* :func:`check_case` - send one case and validate its response with the built-in and Issuetrak checks,
  recording results in a :class:`~.report.Recorder`;
* :func:`state_machine` - the stateful (links) test bound to a target;
* :func:`collect_failures` - drive one operation with hypothesis and return the failures instead of
  raising (used to prove that each check catches the deviation it is for).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import requests
import schemathesis
from issuetrak._config import resolve_base_url
from issuetrak._exceptions import ConfigurationError
from issuetrak._ratelimit import RateLimits
from issuetrak._retry import RetryPolicy
from issuetrak_mock.transport import SyncASGITransport
from issuetrak_tools._contract.checks import ISSUETRAK_CHECKS, ignored_auth_once_per_operation
from issuetrak_tools._contract.classify import WritePolicy, classify
from issuetrak_tools._contract.policy import PoliteTransport, make_limiter
from issuetrak_tools._contract.report import FailureRecord, Recorder, redact, trace_id_of
from issuetrak_tools._contract.transport import (
    CountingTransport,
    RunStats,
    make_session,
)
from issuetrak_tools.spec import HTTP_METHODS
from schemathesis import Case, CheckFunction, GenerationMode, HookContext, Response
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.parameters import ParameterLocation

__all__ = [
    "BUILTIN_CHECKS",
    "RequestBudgetExhausted",
    "RunSettings",
    "Target",
    "build_schema",
    "check_case",
    "collect_failures",
    "credentials_for",
    "filter_document",
    "open_target",
    "state_machine",
]

AnyCase = Case[Any]
API_PREFIX = "/api/v2"
IN_PROCESS_URL = "http://issuetrak-mock.invalid" + API_PREFIX

# Built-in schemathesis checks that fit Issuetrak, enabled through the configuration.
# ``ignored_auth`` runs too, as an additional check that confirms each operation once
# (:func:`~issuetrak_tools._contract.checks.ignored_auth_once_per_operation`). Left out:
# ``object_level_authorization`` (needs a second identity per object) and ``max_response_time``
# (a site's speed is not part of the contract).
BUILTIN_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header",
    "unsupported_method",
    "use_after_free",
    "ensure_resource_availability",
)


class RequestBudgetExhausted(Exception):
    """The run has sent as many requests as it was allowed to (``--max-requests``)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(
            f"request budget of {limit} reached; Issuetrak allows a token 1000 requests per 12 hours, "
            f"so the run stops here (raise --max-requests to check more)"
        )


@dataclass(frozen=True)
class RunSettings:
    """How hard a run tries. The defaults keep the in-process run of all 127 operations short."""

    max_examples: int = 10
    examples: bool = True
    coverage: bool = True
    fuzzing: bool = True
    stateful_steps: int = 6
    stateful_examples: int = 40
    seed: int | None = 0
    mode: str = "all"  # positive, negative or all
    coverage_budget: int = 20  # coverage-phase cases sent per operation and mode (0: phase off)


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
    try:  # the SDK's own rules for a site URL (loopback-only plain http among them)
        url = resolve_base_url(site)
    except ConfigurationError as exc:
        raise ValueError(f"--site {site!r}: {exc}") from None
    return str(url).rstrip("/")


@dataclass
class Target:
    """Where a run sends requests, and what it may send."""

    base_url: str
    token: str
    live: bool
    policy: WritePolicy
    client: httpx.Client
    session: requests.Session
    stats: RunStats = field(default_factory=RunStats)
    description: str = ""
    budget: CoverageBudget = field(default_factory=lambda: CoverageBudget(0))
    auth_enforced: set[str] = field(default_factory=set)
    max_requests: int = 0  # 0: no limit

    def ensure_budget(self) -> None:
        """Raise :class:`RequestBudgetExhausted` once the run has sent ``max_requests``."""
        if self.max_requests and self.stats.requests_sent >= self.max_requests:
            raise RequestBudgetExhausted(self.max_requests)

    @property
    def checks(self) -> list[CheckFunction]:
        """The checks run on every response besides the configured built-ins."""
        return [*ISSUETRAK_CHECKS, ignored_auth_once_per_operation(self.auth_enforced)]

    @property
    def headers(self) -> dict[str, str]:
        """The credentials, as an explicit header schemathesis can see (and strip for ``ignored_auth``)."""
        return {"X-Api-Key": self.token}

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.token,)

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
) -> Target:
    """A target: ``app`` (an ASGI app, in-process) or ``site`` (a live Issuetrak site).

    ``rate_limits`` configures the client-side limiter (``None``: off, right for the in-process
    mock whose own limits are off too); a live site defaults to Issuetrak's default windows.
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
    transport = PoliteTransport(
        CountingTransport(inner, stats), stats=stats, limiter=limiter, retry=retry, **extra
    )
    client = httpx.Client(
        transport=transport, timeout=timeout, follow_redirects=False, trust_env=False
    )
    session = make_session(client)
    return Target(
        base_url=base_url,
        token=_auth_header(token),
        live=live,
        policy=policy,
        client=client,
        session=session,
        stats=stats,
        description=description,
    )


def filter_document(
    document: Mapping[str, Any], policy: WritePolicy, base_url: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """A copy of ``document`` with only the operations ``policy`` allows, served at ``base_url``.

    Returns the document and ``{"METHOD /path": why}`` for every operation left out. Removing them
    from the document (rather than skipping at call time) means schemathesis cannot reach them by
    any route: not by generation, not by a link, not by a check's probe.
    """
    result = copy.deepcopy(dict(document))
    result["servers"] = [{"url": base_url}]
    skipped: dict[str, str] = {}
    for path, item in list(result.get("paths", {}).items()):
        for method in list(item):
            if method in HTTP_METHODS and not policy.allows(method, path):
                skipped[f"{method.upper()} {path}"] = (
                    f"{classify(method, path).value} operation; not allowed by this run"
                )
                del item[method]
        if not any(m in HTTP_METHODS for m in item):
            del result["paths"][path]
    # links pointing at removed operations would make the stateful phase fail to load
    remaining = {
        op.get("operationId")
        for item in result.get("paths", {}).values()
        for m, op in item.items()
        if m in HTTP_METHODS
    }
    for item in result.get("paths", {}).values():
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            for response in op.get("responses", {}).values():
                links = response.get("links") if isinstance(response, dict) else None
                if isinstance(links, dict):
                    for name in [
                        n for n, link in links.items() if link.get("operationId") not in remaining
                    ]:
                        del links[name]
    return result, skipped


def schemathesis_config(settings: RunSettings, *, live: bool, base_url: str) -> schemathesis.Config:
    checks: dict[str, Any] = {name: {"enabled": True} for name in BUILTIN_CHECKS}
    checks["object_level_authorization"] = {"enabled": False}
    checks["ignored_auth"] = {"enabled": False}  # added per target, see BUILTIN_CHECKS
    # undeclared methods are only tried against the disposable mock: a live site might implement them
    unexpected: list[str] = (
        [] if live else ["DELETE", "PATCH", "PUT", "POST", "GET", "OPTIONS", "TRACE"]
    )
    data: dict[str, Any] = {
        "base-url": base_url,
        "generation": {
            "max-examples": settings.max_examples,
            "mode": settings.mode,
            "database": "none",
            "no-shrink": True,
        },
        "phases": {
            "examples": {"enabled": settings.examples, "fill-missing": True},
            "coverage": {"enabled": settings.coverage, "unexpected-methods": unexpected},
            "fuzzing": {"enabled": settings.fuzzing},
            "stateful": {"enabled": True, "max-steps": max(2, settings.stateful_steps)},
        },
        "checks": checks,
        "suppress-health-check": [
            "too_slow",
            "filter_too_much",
            "data_too_large",
            "large_base_example",
        ],
    }
    # Issuetrak validates bodies beyond their schema (e.g. ``IsBlank`` needs no values, a create
    # needs existing iids) and answers 400 ApiResponse, as documented; so "schema-valid data is
    # accepted" is only a rule for query parameters, i.e. for GET.
    checks["positive_data_acceptance"] = {"enabled": False}
    data["operations"] = [
        {"include-method": "GET", "checks": {"positive_data_acceptance": {"enabled": True}}}
    ]
    if settings.seed is not None:
        data["seed"] = settings.seed
    return schemathesis.Config.from_dict(data)


def _route_all_traffic(schema: Any, target: Target) -> None:
    """Make every request schemathesis sends for ``schema`` go through ``target``'s client.

    Cases get ``session=target.session`` explicitly, but some checks send probes of their own
    (``ignored_auth`` re-sends a case without credentials) and deliberately drop the session to
    shed its credentials; schemathesis would then open a plain ``requests`` session - past the
    rate limiter, and to whatever host the URL names. The schema's transport is replaced by one
    that hands such calls a fresh, credential-free session over the same client.
    """
    from schemathesis.transport.requests import REQUESTS_TRANSPORT, RequestsTransport

    class RoutedTransport(RequestsTransport):
        def send(
            self, case: AnyCase, *, session: requests.Session | None = None, **kwargs: Any
        ) -> Response:
            kwargs.pop("app", None)
            if session is None:
                session = make_session(target.client, owns_client=False)
            return super().send(case, session=session, **kwargs)

    routed = RoutedTransport()
    routed._copy_serializers_from(REQUESTS_TRANSPORT)
    base = type(schema)

    class RoutedSchema(base):  # type: ignore[misc, valid-type]
        @property
        def transport(self) -> Any:
            return routed

    RoutedSchema.__name__ = base.__name__
    schema.__class__ = RoutedSchema


def build_schema(
    document: Mapping[str, Any], target: Target, settings: RunSettings, recorder: Recorder
) -> Any:
    """The schemathesis schema of ``document`` for ``target``, restricted to what the target allows."""
    allowed, _ = filter_document(document, target.policy, target.base_url)
    schema = schemathesis.openapi.from_dict(
        allowed, config=schemathesis_config(settings, live=target.live, base_url=target.base_url)
    )
    schema.hook(make_after_validate(recorder, target))
    _route_all_traffic(schema, target)
    return schema


def make_after_validate(recorder: Recorder, target: Target) -> Callable[..., None]:
    """A schemathesis ``after_validate`` hook that records every check's outcome by name."""

    def after_validate(
        context: HookContext, case: AnyCase, response: Response, results: list[Any]
    ) -> None:
        for result in results:
            recorder.ran_check(result.name)
            failure = result.failure
            if failure is None:
                continue
            recorder.add_failure(_record(case, response, result.name, failure, target))

    return after_validate


def _record(
    case: AnyCase, response: Response, check: str, failure: Failure, target: Target
) -> FailureRecord:
    try:
        curl = case.as_curl_command(
            headers=dict(response.request.headers), base_url=target.base_url
        )
    except Exception as exc:  # a reproduction that cannot be rendered must not hide the failure
        curl = f"(no curl reproduction: {exc})"
    return FailureRecord(
        operation=case.operation.label,
        check=check,
        title=failure.title,
        message=redact(failure.message or "", target.secrets),
        status_code=response.status_code,
        trace_id=trace_id_of(response.content),
        curl=redact(curl, target.secrets),
    )


def check_case(case: AnyCase, target: Target, recorder: Recorder) -> Response | None:
    """Send ``case`` to ``target`` and run every check; raises schemathesis's ``FailureGroup``.

    A coverage-phase case beyond the target's :class:`CoverageBudget` is not sent (``None``).
    """
    if not target.policy.allows(case.method, case.operation.path):
        # filter_document already removed such operations; this guards hand-made cases
        raise PermissionError(
            f"{case.method} {case.operation.path} is not allowed by this run ({target.policy.describe()})"
        )
    if not target.budget.admit(case):
        return None
    recorder.saw_case(case.operation.label)
    return case.call_and_validate(
        base_url=target.base_url,
        session=target.session,
        headers=credentials_for(case, target.headers),
        additional_checks=target.checks,
    )


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


def state_machine(schema: Any, target: Target, recorder: Recorder) -> type[Any]:
    """The schema's link-driven state machine, sending through ``target``."""
    base = schema.as_state_machine()

    class ContractStateMachine(base):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: AnyCase) -> dict[str, Any]:
            return {
                "base_url": target.base_url,
                "session": target.session,
                "headers": credentials_for(case, target.headers),
            }

        def before_call(self, case: AnyCase) -> None:
            recorder.saw_case(case.operation.label)

        def validate_response(
            self,
            response: Response,
            case: AnyCase,
            additional_checks: list[CheckFunction] | None = None,
            **kwargs: Any,
        ) -> None:
            extra = list(additional_checks or []) + target.checks
            super().validate_response(response, case, additional_checks=extra, **kwargs)

    return ContractStateMachine


def collect_failures(
    schema: Any,
    target: Target,
    recorder: Recorder,
    operations: Iterable[tuple[str, str]],
    *,
    max_examples: int = 10,
    modes: Sequence[GenerationMode] = (GenerationMode.POSITIVE,),
    path_parameters: Mapping[str, Any] | None = None,
    query: Mapping[str, Any] | None = None,
    seed: int = 0,
) -> dict[str, set[str]]:
    """Drive each ``(METHOD, path)`` with generated cases; return ``{operation: {failing check names}}``.

    Unlike the pytest suite this never raises on a failure: it is how the suite's own tests prove
    that a deliberately broken server is reported, and by which check. ``path_parameters`` pins
    path values (e.g. an iid that exists) so that success responses are reached; ``query`` pins
    query parameters the same way.
    """
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    found: dict[str, set[str]] = {}
    for method, path in operations:
        operation = schema[path][method]
        wanted = {
            name: value
            for name, value in (path_parameters or {}).items()
            if "{" + name + "}" in path
        }
        for mode in modes:
            strategy = operation.as_strategy(
                generation_mode=mode,
                path_parameters=wanted or None,
                query=dict(query) if query else None,
            )

            @hypothesis_seed(seed)
            @settings(
                max_examples=max_examples,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def drive(case: AnyCase) -> None:
                try:
                    check_case(case, target, recorder)
                except FailureGroup as group:
                    for failure in group.exceptions:
                        found.setdefault(case.operation.label, set()).update(_checks_of(failure))

            drive()
    # the hook saw every failure with its check name; prefer that record
    for record in recorder.failures.values():
        found.setdefault(record.operation, set()).add(record.check)
    return found


def _checks_of(failure: Failure) -> set[str]:
    names = set(getattr(type(failure), "checks", ()) or ())
    title = failure.title or ""
    if "`" in title:
        names.add(title.split("`")[1])
    return names
