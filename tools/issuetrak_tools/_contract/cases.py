"""Sending and checking schemathesis cases: one case (:func:`check_case`), the link-driven state
machine (:func:`state_machine`), and :func:`collect_failures`, which drives operations with
generated cases and returns the failing checks instead of raising (how the suite's own tests
prove each check catches the deviation it is for).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from issuetrak_tools._contract.report import Recorder
from issuetrak_tools._contract.target import (
    AnyCase,
    Target,
    credentials_for,
)
from schemathesis import CheckFunction, GenerationMode, Response
from schemathesis.core.failures import Failure, FailureGroup

__all__ = ["check_case", "collect_failures", "send_case", "state_machine", "validate_case"]


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
    target.before_call(case.operation.label)
    recorder.saw_case(case.operation.label)
    sent = credentials_for(case, target.headers) if headers is None else dict(headers)
    response: Response = case.call(base_url=target.base_url, session=target.session, headers=sent)
    target.after_call(
        case.operation.label,
        response.status_code,
        (response.headers.get("retry-after") or [None])[0],
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
