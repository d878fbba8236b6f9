"""One contract run, from options to reports: what the pytest suite wires up, usable without pytest.

:func:`prepare` reads the contract, opens the target, sends the one preflight and plans the run;
:func:`execute` carries the plan out step by step (what ``contract_tests`` does as one pytest item
per step); :func:`finish` writes ``report.md`` and ``summary.json``. The suite's ``conftest.py``
calls :func:`prepare` and :func:`finish`; the project's tests and benchmarks call all three to run
the live path in process against a site served on loopback.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from issuetrak.ratelimit import RateLimits
from issuetrak.usage import load_usage
from issuetrak_tools._contract.cases import state_machine
from issuetrak_tools._contract.classify import WritePolicy
from issuetrak_tools._contract.credentials import redact
from issuetrak_tools._contract.datetimes import tolerated_count
from issuetrak_tools._contract.document import contract_document, selected_operations
from issuetrak_tools._contract.entities import Conventions
from issuetrak_tools._contract.links import LinkReport
from issuetrak_tools._contract.plan import Plan, Step, Tier, build_plan
from issuetrak_tools._contract.preflight import preflight
from issuetrak_tools._contract.ratelimits import describe_windows, parse_rate_limits
from issuetrak_tools._contract.report import Recorder, render_markdown
from issuetrak_tools._contract.schema import RunSettings, build_schema, not_allowed
from issuetrak_tools._contract.steps import Engine, StepFailed, Unchecked
from issuetrak_tools._contract.target import CoverageBudget, RateLimited, Target, open_target
from issuetrak_tools._contract.transport import RequestBudgetExhausted
from issuetrak_tools._contract.usage import focus_document

__all__ = [
    "LIVE_DEPTH_ROUNDS",
    "LIVE_MAX_REQUESTS",
    "TOLERANCES",
    "Options",
    "Run",
    "execute",
    "finish",
    "prepare",
]

# A live run spends at most this many requests: 40% of the 1000 per 12 hours Issuetrak grants a
# token, so the nightly check leaves room for the integrations that use the same token.
LIVE_MAX_REQUESTS = 400
LIVE_DEPTH_ROUNDS = 2

# what each tolerance allows, for the report (``document:`` ones change the contract itself)
TOLERANCES = {
    "date_time_without_offset": "date-times without a UTC offset (2024-03-15T08:30:00, the form "
    "Issuetrak's document uses) pass the date-time format",
    "problem_json_400": "a 400 may be application/problem+json holding an ASP.NET "
    "ValidationProblemDetails (the framework's answer to malformed input)",
    "unsupported_media_type_415": "a request sent without a JSON body may be answered 415 "
    "with an ASP.NET ProblemDetails (the framework's answer before binding)",
    "empty_nullable_query": "an empty value for an optional nullable query parameter "
    "(PageNumber=) accepted: ASP.NET binds it as null and the document promises no 400 for it",
    "paging_list_changed": "a list whose itemTotal changed during a paging walk (a site in use) "
    "was walked again before anything was reported",
    "document:open_request_bodies": "request bodies may carry members their schema does not "
    "declare (ASP.NET ignores them); response schemas stay closed",
    "document:page_number_minimum": "PageNumber/pageNumber get the minimum of 1 their "
    "description states",
}


@dataclass
class Options:
    """What ``issuetrak contract`` (or ``pytest contract_tests``) was asked to do."""

    token: str = ""
    site: str | None = None
    app: Any = None  # an ASGI app to check in process instead of a site
    # or a factory of (app, token), called once the label's document is known to load
    app_factory: Callable[[], tuple[Any, str]] | None = None
    label: str | None = None
    document: Mapping[str, Any] | None = None  # a document instead of the label's
    allow_writes: bool = False
    allow_destructive: bool = False
    operations: list[str] = field(default_factory=list)
    max_requests: int | None = None  # None: 400 live, no limit in process
    rate_limits: str | None = None  # the --rate-limits text; None: Issuetrak's defaults
    no_rate_limit: bool = False
    seed: int = 0
    max_examples: int | None = None
    # linked sequences (None: live 3, in process 4 per max_examples; 0: none)
    stateful_examples: int | None = None
    coverage_budget: int | None = None
    usage: str | None = None  # a usage file: answers checked for the properties it reads
    # a second token, of a user with fewer permissions (the restricted family); against the
    # embedded mock, its seeded end user's
    restricted_token: str = ""

    def __repr__(self) -> str:  # the token is never shown
        return f"Options(site={self.site!r}, label={self.label!r}, writes={self.allow_writes})"


@dataclass
class Run:
    target: Target
    label: str
    document: dict[str, Any]
    links: LinkReport
    conventions: Conventions
    recorder: Recorder
    settings: RunSettings
    schema: Any
    plan: Plan
    engine: Engine
    limits: RateLimits | None
    max_requests: int
    started: float = field(default_factory=time.monotonic)

    def __repr__(self) -> str:
        return f"Run({self.target!r}, {self.label})"

    def describe_plan(self) -> list[str]:
        return self.plan.describe(
            target=self.target.description,
            label=self.label,
            allowed=self.target.policy.describe(),
            budget=self.max_requests,
            spent=self.target.stats.requests_sent,
            windows=describe_windows(self.limits),
            limits=self.limits,
        )


def settings_for(options: Options, live: bool) -> RunSettings:
    examples, budget = options.max_examples, options.coverage_budget
    if live:
        # Issuetrak allows 100 requests per 10 minutes: a live run samples, it does not sweep
        return RunSettings(
            max_examples=LIVE_DEPTH_ROUNDS if examples is None else examples,
            seed=options.seed,
            coverage=bool(budget),
            coverage_budget=budget or 0,
            mode="all",
            stateful_steps=4,
            stateful_examples=3 if options.stateful_examples is None else options.stateful_examples,
        )
    return RunSettings(
        max_examples=10 if examples is None else examples,
        seed=options.seed,
        coverage=budget is None or budget > 0,
        coverage_budget=RunSettings.coverage_budget if budget is None else budget,
        # the linked sequences scale with the depth asked for (40 at the default 10), so that
        # --max-examples bounds every phase, as its help says
        stateful_examples=(
            options.stateful_examples
            if options.stateful_examples is not None
            else RunSettings.stateful_examples * (10 if examples is None else examples) // 10 or 1
        ),
    )


def open_run_target(options: Options, label: str) -> tuple[Target, RateLimits | None, int]:
    """The target of ``options`` (raises ``ValueError`` for bad options, one line each)."""
    live = options.site is not None
    policy = WritePolicy.for_target(
        live=live, allow_writes=options.allow_writes, allow_destructive=options.allow_destructive
    )
    limits = None if options.no_rate_limit or not live else parse_rate_limits(options.rate_limits)
    max_requests = options.max_requests
    if max_requests is None:
        max_requests = LIVE_MAX_REQUESTS if live else 0
    if max_requests < 0:
        raise ValueError(f"--max-requests {max_requests}: must be 0 (no limit) or more")
    if live and not options.token:
        raise ValueError("a live site needs a token: ISSUETRAK_TOKEN (or --token)")
    target = open_target(
        site=options.site,  # None unless live
        app=None if live else options.app,
        token=options.token,
        policy=policy,
        rate_limits=limits,  # None unless live
        max_requests=max_requests,
        restricted_token=options.restricted_token
        or _seeded_restricted(None if live else options.app),
    )
    return target, limits, max_requests


def _seeded_restricted(app: Any) -> str:
    """The seeded end user's token of an embedded mock (``app.state.tokens``), or ``""``."""
    tokens = getattr(getattr(app, "state", None), "tokens", None)
    token = tokens.get("end_user") if isinstance(tokens, dict) else None
    return str(token) if token else ""


def prepare(options: Options) -> Run:
    """Everything before the first step: contract, target, preflight, schema, plan.

    Raises ``ValueError``/``SpecError`` for bad options (a usage error), and
    :class:`~.preflight.PreflightError` or :class:`RequestBudgetExhausted` when the preflight
    fails (the target is closed then).
    """
    from issuetrak_tools.spec import default_label

    label = options.label or default_label()
    document, links = contract_document(label, document=options.document)
    if options.usage:
        document = focus_document(document, load_usage(options.usage))
    selected = selected_operations(document, options.operations)
    if options.site is None and options.app is None and options.app_factory is not None:
        app, app_token = options.app_factory()
        options = replace(options, app=app, token=options.token or app_token)
    target, limits, max_requests = open_run_target(options, label)
    conventions = Conventions(document)
    recorder = Recorder(secrets=target.secrets)
    recorder.notes += links.notes
    if target.guard is not None:
        target.guard.observe = recorder.add_failure
        target.guard.label = conventions.label_of
    try:
        preflight(target.client, target.base_url, target.secret.reveal(), document)
    except BaseException:
        target.close()
        raise
    live = target.live
    settings = settings_for(options, live)
    target.budget = CoverageBudget(settings.coverage_budget)
    schema = build_schema(document, target, settings, recorder, selected)
    schema.hook(_problem_json_counter(recorder))
    plan = build_plan(
        document,
        conventions,
        selected,
        target.policy,
        live=live,
        seed=options.seed,
        depth_rounds=settings.max_examples if live else 0,
        stateful_estimate=settings.stateful_examples * settings.stateful_steps,
        restricted=target.restricted is not None,
    )
    recorder.notes += plan.notes
    engine = Engine(
        target=target,
        document=document,
        schema=schema,
        recorder=recorder,
        conventions=conventions,
        seed=options.seed,
    )
    return Run(
        target=target,
        label=label,
        document=document,
        links=links,
        conventions=conventions,
        recorder=recorder,
        settings=settings,
        schema=schema,
        plan=plan,
        engine=engine,
        limits=limits,
        max_requests=max_requests,
    )


def _problem_json_counter(recorder: Recorder) -> Callable[..., None]:
    def after_call(context: Any, case: Any, response: Any) -> None:
        kinds = ",".join(response.headers.get("content-type", []))
        if response.status_code == 400 and "problem+json" in kinds:
            recorder.tolerated("problem_json_400")
        elif response.status_code == 415:
            recorder.tolerated("unsupported_media_type_415")

    return after_call


SKIPS = (RequestBudgetExhausted, RateLimited, Unchecked)


def record_skip(run: Run, tier: str, step_id: str, error: BaseException, family: str = "") -> None:
    """What a skipped step (of the check ``family``, if a planned step) means for the report."""
    if isinstance(error, RequestBudgetExhausted):
        run.recorder.left_unchecked(tier, step_id, family)
    elif isinstance(error, RateLimited):
        run.recorder.was_rate_limited(str(error), sent=error.sent)


def run_stateful(run: Run) -> None:
    """The link-driven sequences (writes only); raises on deviations, like the pytest test."""
    import hypothesis
    from schemathesis.core.errors import NoLinksFound

    if not run.target.policy.allow_writes:
        raise Unchecked("stateful sequences start with creates; run with --allow-writes")
    if run.settings.stateful_examples < 1:
        raise Unchecked("no linked sequences asked for (--stateful-examples 0)")
    if '"links"' not in json.dumps(run.schema.raw_schema.get("paths", {})):
        raise Unchecked("no linked operations among the selected ones")
    try:
        machine = state_machine(run.schema, run.target, run.recorder)
        machine.run(
            settings=hypothesis.settings(
                max_examples=run.settings.stateful_examples,
                stateful_step_count=run.settings.stateful_steps,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(hypothesis.HealthCheck),
            )
        )
    except NoLinksFound as exc:
        raise Unchecked("no linked operations among the selected ones") from exc


def execute(run: Run, *, on_step: Callable[[Step | None, str], None] | None = None) -> None:
    """Carry out the plan (and, with writes, the stateful tier) in order; never raises for
    deviations (they are in ``run.recorder``). ``on_step(step, outcome)`` hears each outcome:
    ``passed``, ``failed`` or ``skipped``; the stateful tier comes with ``step=None``."""
    steps = list(run.plan.steps)
    stateful_at = next((i for i, s in enumerate(steps) if s.tier > Tier.STATEFUL), len(steps))
    for index in range(len(steps) + 1):
        if index == stateful_at and run.plan.stateful:
            outcome = _attempt(
                run, None, Tier.STATEFUL.title, "linked sequences", lambda: run_stateful(run)
            )
            if on_step:
                on_step(None, outcome)
        if index == len(steps):
            break
        step = steps[index]
        outcome = _attempt(
            run, step, step.tier.title, step.id, lambda s=step: run.engine.execute(s)
        )
        if on_step:
            on_step(step, outcome)


def _attempt(run: Run, step: Step | None, tier: str, name: str, action: Callable[[], None]) -> str:
    family = step.family if step is not None else ""
    if run.target.requests.exhausted:
        record_skip(run, tier, name, RequestBudgetExhausted(run.target.requests.limit), family)
        return "skipped"
    try:
        action()
    except SKIPS as error:
        record_skip(run, tier, name, error, family)
        return "skipped"
    except (StepFailed, AssertionError):
        return "failed"
    except (Exception, BaseExceptionGroup) as error:  # a state machine's failures come wrapped
        found = unwrap_skip(error)
        if found is not None:
            record_skip(run, tier, name, found, family)
            return "skipped"
        if _is_failure_group(error):
            return "failed"
        raise
    return "passed"


def _is_failure_group(error: BaseException) -> bool:
    from schemathesis.core.failures import Failure, FailureGroup

    return _find(error, (FailureGroup, Failure, AssertionError)) is not None


def _find(error: BaseException, kinds: tuple[type[BaseException], ...]) -> BaseException | None:
    seen = 0
    stack: list[BaseException] = [error]
    while stack and seen < 50:
        current = stack.pop()
        seen += 1
        if isinstance(current, kinds):
            return current
        stack += list(getattr(current, "exceptions", ()) or ())
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                stack.append(linked)
    return None


def unwrap_skip(error: BaseException) -> BaseException | None:
    """The budget/rate-limit/nothing-to-send exception behind ``error`` (hypothesis and
    schemathesis may wrap it), or ``None``."""
    return _find(error, SKIPS)


def finish(run: Run, report_dir: Path) -> tuple[Path, Path]:
    """Write ``report.md`` and ``summary.json`` into ``report_dir``; close the target."""
    target, recorder = run.target, run.recorder
    if target.guard is not None:
        for name in target.guard.checks_run:
            recorder.ran_check(name)
    if tolerated_count():
        recorder.tolerated("date_time_without_offset", tolerated_count())
    skipped = not_allowed(run.document, target.policy)
    report_dir.mkdir(parents=True, exist_ok=True)
    stats = target.stats.as_dict() | {
        "retries": target.stats.retries,
        "coverage_skipped": target.budget.skipped,
        "max_requests": target.max_requests,
        "rate_limited_answers": target.guard.rate_limited if target.guard else 0,
    }
    duration = time.monotonic() - run.started
    markdown = render_markdown(
        recorder,
        target=target.description,
        label=run.label,
        allowed=target.policy.describe(),
        stats=stats,
        expected_operations=len(run.plan.selected),
        duration=duration,
        skipped=skipped,
        tolerances=TOLERANCES,
    )
    report = report_dir / "report.md"
    report.write_text(markdown, encoding="utf-8")
    summary = {
        "target": target.description,
        "label": run.label,
        "allowed": target.policy.describe(),
        "selected_operations": len(run.plan.selected),
        "duration_seconds": round(duration, 1),
        "stats": stats,
        "links": {
            "derived": run.links.derived,
            "added": run.links.added,
            "dropped": run.links.dropped,
        },
    } | recorder.to_json()
    text = json.dumps(summary, indent=2, default=str) + "\n"
    summary_path = report_dir / "summary.json"
    summary_path.write_text(redact(text, recorder.secrets), encoding="utf-8")
    target.close()
    return report, summary_path
