"""The schemathesis schema of a run: the contract document reduced to what the run may send,
configured with phases, checks and example counts (:class:`RunSettings`), and the hook that
records every check's outcome in a :class:`~.report.Recorder`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests
import schemathesis
from issuetrak_tools._contract.checks import applies, empty_nullable_query
from issuetrak_tools._contract.classify import WritePolicy, classify
from issuetrak_tools._contract.credentials import (
    redact,
)
from issuetrak_tools._contract.report import FailureRecord, Recorder, trace_id_of
from issuetrak_tools._contract.target import AnyCase, Target
from issuetrak_tools._contract.transport import (
    make_session,
)
from issuetrak_tools.spec import HTTP_METHODS
from schemathesis import HookContext, Response
from schemathesis.core.failures import Failure

__all__ = [
    "BUILTIN_CHECKS",
    "SENSITIVE_HEADERS",
    "RunSettings",
    "build_schema",
    "filter_document",
    "make_after_validate",
    "not_allowed",
    "schemathesis_config",
]

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
    skipped = not_allowed(document, policy)
    for path, item in list(result.get("paths", {}).items()):
        for method in list(item):
            if method not in HTTP_METHODS:
                continue
            label = f"{method.upper()} {path}"
            if label in skipped or (selected is not None and label not in selected):
                del item[method]
        if not any(m in HTTP_METHODS for m in item):
            del result["paths"][path]
    # links pointing at removed operations would make the stateful phase fail to load
    drop_dangling_links(result)
    return result, skipped


def not_allowed(document: Mapping[str, Any], policy: WritePolicy) -> dict[str, str]:
    """``{"METHOD /path": why}`` for every operation of ``document`` that ``policy`` leaves out."""
    return {
        f"{method.upper()} {path}": (
            f"{classify(method, path).value} operation; not allowed by this run"
        )
        for path, item in document.get("paths", {}).items()
        for method in item
        if method in HTTP_METHODS and not policy.allows(method, path)
    }


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
            if result.name == "negative_data_rejection" and empty_nullable_query(case):
                recorder.tolerated("empty_nullable_query")  # see empty_nullable_query
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
