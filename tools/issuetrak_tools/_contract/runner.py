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
from urllib.parse import urlsplit

import httpx
import requests
import schemathesis
from issuetrak import RetryPolicy
from issuetrak.config import resolve_base_url
from issuetrak.conventions import is_loopback
from issuetrak.errors import ConfigurationError
from issuetrak.ratelimit import RateLimits
from issuetrak_mock.transport import SyncASGITransport
from issuetrak_tools._contract.checks import ISSUETRAK_CHECKS, applies
from issuetrak_tools._contract.classify import WritePolicy, classify
from issuetrak_tools._contract.credentials import (
    CredentialHeaders,
    Secret,
    Secrets,
    credential_headers,
    redact,
)
from issuetrak_tools._contract.guard import SiteGuard
from issuetrak_tools._contract.policy import PoliteTransport, make_limiter
from issuetrak_tools._contract.report import FailureRecord, Recorder, trace_id_of
from issuetrak_tools._contract.transport import (
    CountingTransport,
    RequestBudget,
    RequestBudgetExhausted,
    RunStats,
    make_session,
)
from issuetrak_tools.spec import HTTP_METHODS
from schemathesis import Case, CheckFunction, GenerationMode, HookContext, Response
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.parameters import ParameterLocation

__all__ = [
    "BUILTIN_CHECKS",
    "RateLimited",
    "RequestBudgetExhausted",
    "RunSettings",
    "Target",
    "build_schema",
    "check_case",
    "collect_failures",
    "credentials_for",
    "filter_document",
    "open_target",
    "send_case",
    "state_machine",
    "validate_case",
]

AnyCase = Case[Any]
API_PREFIX = "/api/v2"
IN_PROCESS_URL = "http://issuetrak-mock.invalid" + API_PREFIX

# Built-in schemathesis checks that fit Issuetrak, enabled through the configuration. Left out:
# ``object_level_authorization`` (needs a second identity per object), ``max_response_time`` (a
# site's speed is not part of the contract) and ``ignored_auth``, which re-sends every successful
# request twice and reads a 429 to those copies as "authentication ignored": the run's own
# ``auth_required`` probe sends a sample of operations without the token instead.
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


class RateLimited(Exception):
    """The site kept answering 429 after the retry loop waited out its ``Retry-After``.

    Not a contract failure (the document allows 429): the case is left unchecked and the report
    says what to do.
    """

    def __init__(self, operation: str, retry_after: str | None, windows: str) -> None:
        self.operation = operation
        wait = f"Retry-After {retry_after} s" if retry_after else "no Retry-After"
        super().__init__(
            f"rate limited: {operation} still answered 429 ({wait}) after the retries. The site's "
            f"windows are lower than the ones this run paces itself by ({windows}), or another "
            f"client uses the same token: pass the site's windows with --rate-limits, or run "
            f"when the token is idle"
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
    def secrets(self) -> Secrets:
        return Secrets((self.secret.reveal(),))

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
    )


def filter_document(
    document: Mapping[str, Any],
    policy: WritePolicy,
    base_url: str,
    selected: set[str] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """A copy of ``document`` with only the operations ``policy`` allows (and ``selected``
    names, when given), served at ``base_url``.

    Returns the document and ``{"METHOD /path": why}`` for every operation the policy left out.
    Removing them from the document (rather than skipping at call time) means schemathesis cannot
    reach them by any route: not by generation, not by a link, not by a check's probe.
    """
    from issuetrak_tools._contract.document import drop_dangling_links

    result = copy.deepcopy(dict(document))
    result["servers"] = [{"url": base_url}]
    skipped: dict[str, str] = {}
    for path, item in list(result.get("paths", {}).items()):
        for method in list(item):
            if method not in HTTP_METHODS:
                continue
            label = f"{method.upper()} {path}"
            if not policy.allows(method, path):
                skipped[label] = (
                    f"{classify(method, path).value} operation; not allowed by this run"
                )
                del item[method]
            elif selected is not None and label not in selected:
                del item[method]
        if not any(m in HTTP_METHODS for m in item):
            del result["paths"][path]
    # links pointing at removed operations would make the stateful phase fail to load
    drop_dangling_links(result)
    return result, skipped


def _paths_missing_methods(full: Mapping[str, Any], reduced: Mapping[str, Any]) -> list[str]:
    """Paths of ``reduced`` that lost a method ``full`` documents there."""
    missing = []
    for path, item in reduced.get("paths", {}).items():
        documented = {m for m in full.get("paths", {}).get(path, {}) if m in HTTP_METHODS}
        if documented - {m for m in item if m in HTTP_METHODS}:
            missing.append(path)
    return missing


# Header names whose values never appear in reproductions. schemathesis would also hide every
# field whose name merely contains "auth" or "key" ("[Filtered]"), which hides the very body a
# reproduction must show; the token itself is redacted by value wherever it appears.
SENSITIVE_HEADERS = ["x-api-key", "authorization", "proxy-authorization", "cookie", "set-cookie"]


def schemathesis_config(
    settings: RunSettings,
    *,
    live: bool,
    base_url: str,
    partial_paths: Sequence[str] = (),
) -> schemathesis.Config:
    """The schemathesis configuration of a run.

    ``partial_paths`` are paths some of whose documented methods this run does not send (left out
    by the write policy or ``--operations``): ``unsupported_method`` and
    ``allow_header_conformance`` are off there, since a method the document declares is neither
    "unexpected" nor "undocumented in Allow" just because the run skips it.
    """
    checks: dict[str, Any] = {name: {"enabled": True} for name in BUILTIN_CHECKS}
    checks["object_level_authorization"] = {"enabled": False}
    checks["ignored_auth"] = {"enabled": False}  # see BUILTIN_CHECKS
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
            # the token is sent by the run (credentials_for), never generated: a case with a
            # made-up key would be a probe of auth, which the run's own auth_required does
            "with-security-parameters": False,
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
    ] + [
        {
            "include-path": path,
            "checks": {
                "unsupported_method": {"enabled": False},
                "allow_header_conformance": {"enabled": False},
            },
        }
        for path in partial_paths
    ]
    data["output"] = {
        "sanitization": {"keys-to-sanitize": SENSITIVE_HEADERS, "sensitive-markers": ["x-api-key"]}
    }
    if settings.seed is not None:
        data["seed"] = settings.seed
    return schemathesis.Config.from_dict(data)


def _route_all_traffic(schema: Any, target: Target) -> None:
    """Make every request schemathesis sends for ``schema`` go through ``target``'s client.

    Cases get ``session=target.session`` explicitly, but some checks send probes of their own
    (``use_after_free`` re-sends a request after a delete) and may drop the session to
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
    document: Mapping[str, Any],
    target: Target,
    settings: RunSettings,
    recorder: Recorder,
    selected: set[str] | None = None,
) -> Any:
    """The schemathesis schema of ``document`` for ``target``, restricted to what the target
    allows (and to ``selected`` operations, when given)."""
    allowed, _ = filter_document(document, target.policy, target.base_url, selected)
    config = schemathesis_config(
        settings,
        live=target.live,
        base_url=target.base_url,
        partial_paths=_paths_missing_methods(document, allowed),
    )
    schema = schemathesis.openapi.from_dict(allowed, config=config)
    schema.hook(make_after_validate(recorder, target))
    _route_all_traffic(schema, target)
    return schema


def make_after_validate(recorder: Recorder, target: Target) -> Callable[..., None]:
    """A schemathesis ``after_validate`` hook that records every check's outcome by name."""

    def after_validate(
        context: HookContext, case: AnyCase, response: Response, results: list[Any]
    ) -> None:
        for result in results:
            failure = result.failure
            if failure is None:
                if applies(result.name, case, response):
                    recorder.ran_check(result.name)
                continue
            recorder.ran_check(result.name)
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


def send_case(
    case: AnyCase,
    target: Target,
    recorder: Recorder,
    *,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Send ``case`` (without judging it); ``headers`` replaces the credentials (``{}``: no token).

    A final 429 (the retry loop already waited out what ``Retry-After`` asked) raises
    :class:`RateLimited`: the case stays unchecked rather than being judged by checks that would
    read the 429 as their own failure. The request budget raises
    :class:`~.transport.RequestBudgetExhausted` instead of sending.
    """
    if not target.policy.allows(case.method, case.operation.path):
        # filter_document already removed such operations; this guards hand-made cases
        raise PermissionError(
            f"{case.method} {case.operation.path} is not allowed by this run ({target.policy.describe()})"
        )
    recorder.saw_case(case.operation.label)
    sent = credentials_for(case, target.headers) if headers is None else dict(headers)
    response: Response = case.call(base_url=target.base_url, session=target.session, headers=sent)
    if response.status_code == 429:
        raise RateLimited(
            case.operation.label,
            (response.headers.get("retry-after") or [None])[0],
            _windows(target),
        )
    return response


def validate_case(
    case: AnyCase,
    response: Response,
    target: Target,
    *,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Run every check on ``response``; raises schemathesis's ``FailureGroup`` on deviations."""
    sent = credentials_for(case, target.headers) if headers is None else dict(headers)
    case.validate_response(
        response,
        headers=sent,
        additional_checks=target.checks,
        transport_kwargs={"base_url": target.base_url, "session": target.session, "headers": sent},
    )


def check_case(
    case: AnyCase,
    target: Target,
    recorder: Recorder,
    *,
    headers: Mapping[str, str] | None = None,
) -> Response | None:
    """Send ``case`` to ``target`` and run every check; raises schemathesis's ``FailureGroup``.

    A coverage-phase case beyond the target's :class:`CoverageBudget` is not sent (``None``).
    See :func:`send_case` for ``headers``, rate limiting and the request budget.
    """
    if not target.budget.admit(case):
        return None
    response = send_case(case, target, recorder, headers=headers)
    if 200 <= response.status_code < 300:
        recorder.saw_success(case.operation.label)
    validate_case(case, response, target, headers=headers)
    return response


def _windows(target: Target) -> str:
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
    from hypothesis.errors import Unsatisfiable

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

            try:
                drive()
            except Unsatisfiable:
                # nothing of this operation can be negated once its path values are pinned
                # (the token is never generated, so it is not there to negate either)
                continue
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
