"""The contract suite: the in-process mock (default) or a live site, checked against the pinned document.

    pytest contract_tests                                            # the in-process mock
    ISSUETRAK_TOKEN=... pytest contract_tests --site https://x.issuetrak.com   # a live site, read-only
    ISSUETRAK_SITE=... ISSUETRAK_TOKEN=... pytest contract_tests --allow-writes   # a sandbox site

The contract is ``issuetrak_tools.spec.load_document()`` (the pinned document after its overrides)
plus OpenAPI links derived from the document's conventions (exceptions per label in
``contract_tests/links/<label>.json``; see ``issuetrak_tools._contract.links``).

Everything reusable lives in ``issuetrak_tools._contract``; this file only wires pytest to it:
options, the session's target, plan and engine, the one preflight (exit code 3 when the site cannot
be reached or refuses the token), the order of the tests (the plan's, breadth first), progress
lines, and the reports written to ``--report-dir``. Every report pytest produces passes through
:func:`~issuetrak_tools._contract.credentials.redact_test_report` before the terminal or the
JUnit writer sees it, so no output of a run carries the token.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest
from issuetrak.versions import UnknownVersionError
from issuetrak_tools._contract import active_run as session_registry
from issuetrak_tools._contract.credentials import Secrets, redact_test_report
from issuetrak_tools._contract.lifecycle import (
    Options,
    Run,
    finish,
    prepare,
    record_skip,
    unwrap_skip,
)
from issuetrak_tools._contract.plan import Step, Tier
from issuetrak_tools._contract.preflight import (
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    PREFLIGHT_MARKER,
    PreflightError,
)
from issuetrak_tools._contract.report import Recorder
from issuetrak_tools._contract.schema import RunSettings
from issuetrak_tools._contract.steps import Engine
from issuetrak_tools._contract.target import Target
from issuetrak_tools._contract.transport import RequestBudgetExhausted
from issuetrak_tools.spec import SpecError, default_label

HERE = Path(__file__).resolve().parent
STATE: pytest.StashKey[dict[str, Any]] = pytest.StashKey()
PROGRESS_EVERY = 30.0  # seconds between progress lines of a live run


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("issuetrak-contract", "Issuetrak contract suite")
    group.addoption(
        "--site",
        default=None,
        help="live Issuetrak site URL (default: $ISSUETRAK_SITE, else the in-process mock)",
    )
    group.addoption(
        "--token",
        default=None,
        help="API v2 token (default: $ISSUETRAK_TOKEN; prefer the variable: a command line is visible to other users)",
    )
    group.addoption(
        "--spec-label", default=None, help="pinned document label (default: spec/default)"
    )
    group.addoption(
        "--allow-writes",
        action="store_true",
        help="live site: also send creates and updates (sandbox sites only)",
    )
    group.addoption(
        "--allow-destructive",
        action="store_true",
        help="live site: also send DELETE (needs --allow-writes)",
    )
    group.addoption(
        "--report-dir",
        default="reports",
        help="where report.md and summary.json go (default: reports/)",
    )
    group.addoption(
        "--max-examples",
        type=int,
        default=None,
        help="generated cases per operation: live, the depth tier's rounds (default 2); "
        "in-process, per operation and phase (default 10)",
    )
    group.addoption(
        "--stateful-examples",
        type=int,
        default=None,
        help="linked sequences the stateful phase runs, 0 for none (default: live 3; in-process "
        "4 per --max-examples, 40 at its default)",
    )
    group.addoption(
        "--max-requests",
        type=int,
        default=None,
        help="requests the run may send, the preflight included (live default 400: Issuetrak allows 1000 per 12 h; 0 = no limit)",
    )
    group.addoption(
        "--operations",
        action="append",
        default=[],
        metavar="REGEX",
        help="only operations whose 'METHOD /path' matches (repeatable), e.g. '^GET /Users'",
    )
    group.addoption(
        "--restricted-token-env",
        default=None,
        metavar="NAME",
        help="the environment variable holding a second token, of a user with fewer "
        "permissions (the restricted family; the embedded mock has its own)",
    )
    group.addoption(
        "--usage",
        default=None,
        metavar="FILE",
        help="a usage file (issuetrak usage): answers are checked for the properties it reads",
    )
    group.addoption(
        "--contract-seed",
        type=int,
        default=0,
        help="seed of generated cases, of the error-path sample and of the depth tier's order",
    )
    group.addoption(
        "--coverage-budget",
        type=int,
        default=None,
        help="coverage-phase cases per operation and mode, in-process (default 20; 0 turns the phase off)",
    )
    group.addoption(
        "--rate-limits",
        default=None,
        metavar="WINDOWS",
        help="the site's request windows, e.g. 20/1s,5/1s:writes,100/10m,1000/12h "
        "(default: Issuetrak's defaults; 'off' disables the client-side limiter)",
    )
    group.addoption(
        "--no-rate-limit",
        action="store_true",
        help="live site: disable the client-side limiter (same as --rate-limits off; not advised)",
    )
    group.addoption(
        "--app",
        default=None,
        help="module:factory returning an ASGI app (or (app, token)) to test in-process",
    )


def _mock_app(label: str) -> tuple[Any, str]:
    """The default target: the bundled mock with its rate limits off, used as the seeded admin."""
    import issuetrak_mock

    app = issuetrak_mock.create_app(label, seed=0, rate_limits=None)
    return app, str(app.state.tokens["admin"])


def _custom_app(spec: str, label: str) -> tuple[Any, str]:
    module_name, _, attr = spec.partition(":")
    made = getattr(importlib.import_module(module_name), attr or "create_app")(label)
    if isinstance(made, tuple):
        return made[0], str(made[1])
    return made, os.environ.get("ISSUETRAK_TOKEN", "")


def pytest_configure(config: pytest.Config) -> None:
    config.stash[STATE] = {"started": time.monotonic(), "secrets": Secrets()}


def _abort(config: pytest.Config, message: str, code: int) -> None:
    """End the run before any test: ``message`` once, on one line, and ``code`` as the exit status.

    This is the one place a run that cannot start says why (``issuetrak contract`` adds nothing):
    ``pytest.exit`` from here would print it twice more ("Exit: ..." and "! ... !").
    """
    sys.stderr.write(f"issuetrak contract: {message}\n")
    sys.stderr.flush()
    _state(config)["abort"] = code


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session: pytest.Session) -> bool | None:
    return True if "abort" in _state(session.config) else None  # True: nothing to collect


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> bool | None:
    return True if "abort" in _state(session.config) else None


def _write(config: pytest.Config, line: str) -> None:
    """A line on the terminal, also while a test runs (past pytest's output capture)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    capture = config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture is not None else nullcontext():
        writer = getattr(reporter, "_tw", None)  # mid-line after the progress dots?
        if writer is not None and getattr(writer, "width_of_current_line", 0):
            reporter.write("\n")
        reporter.write_line(line)
        reporter.flush()


def _options(config: pytest.Config, label: str) -> Options:
    site = config.getoption("--site") or os.environ.get("ISSUETRAK_SITE") or None
    token = config.getoption("--token") or os.environ.get("ISSUETRAK_TOKEN") or ""
    app_spec = config.getoption("--app")

    def app_factory() -> tuple[Any, str]:
        return _custom_app(app_spec, label) if app_spec else _mock_app(label)

    return Options(
        token=token,
        site=site,
        app_factory=app_factory,
        label=label,
        allow_writes=config.getoption("--allow-writes"),
        allow_destructive=config.getoption("--allow-destructive"),
        operations=list(config.getoption("--operations")),
        max_requests=config.getoption("--max-requests"),
        rate_limits=config.getoption("--rate-limits"),
        no_rate_limit=config.getoption("--no-rate-limit"),
        seed=config.getoption("--contract-seed"),
        max_examples=config.getoption("--max-examples"),
        stateful_examples=config.getoption("--stateful-examples"),
        coverage_budget=config.getoption("--coverage-budget"),
        usage=config.getoption("--usage"),
        restricted_token=_restricted_token(config),
    )


def _restricted_token(config: pytest.Config) -> str:
    name = config.getoption("--restricted-token-env")
    return os.environ.get(name, "") if name else ""


def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    state = config.stash[STATE]
    token = config.getoption("--token") or os.environ.get("ISSUETRAK_TOKEN") or ""
    state["secrets"] = Secrets((token,) if token else ())
    try:  # bad options, a bad label, a missing document: usage errors, before anything is sent
        label = config.getoption("--spec-label") or default_label()
        options = _options(config, label)
        state["secrets"] = Secrets(
            {*state["secrets"], options.token, options.restricted_token} - {""}
        )
        run = prepare(options)
    except (SpecError, UnknownVersionError, ValueError) as exc:
        _abort(config, str(exc), EXIT_USAGE)
        return
    except (PreflightError, RequestBudgetExhausted) as exc:
        message = (
            f"--max-requests {options.max_requests} leaves nothing after the preflight"
            if isinstance(exc, RequestBudgetExhausted)
            else str(exc)
        )
        report_dir = Path(config.getoption("--report-dir"))
        report_dir.mkdir(parents=True, exist_ok=True)
        (report_dir / PREFLIGHT_MARKER).write_text(f"{message}\n", encoding="utf-8")
        _abort(config, message, EXIT_UNREACHABLE)
        return
    state["secrets"] = Secrets({*state["secrets"], *run.target.secrets} - {""})
    run.recorder.secrets = state["secrets"]
    state.update(
        run=run,
        target=run.target,
        label=run.label,
        recorder=run.recorder,
        document=run.document,
        settings=run.settings,
        schema=run.schema,
        plan=run.plan,
        engine=run.engine,
        expected=len(run.plan.selected),
        progress={"last": time.monotonic(), "tier": None, "done": 0},
    )
    session_registry.publish(state)
    if run.target.live:
        for line in run.describe_plan():
            _write(config, line)
    if run.target.limiter is not None:
        run.target.limiter.announce = lambda seconds: _announce_wait(config, seconds)
    for note in run.links.notes:
        _write(config, f"links: {note}")


def _state(config: pytest.Config) -> dict[str, Any]:
    return config.stash[STATE]


@pytest.fixture(scope="session")
def contract_state(pytestconfig: pytest.Config) -> dict[str, Any]:
    return _state(pytestconfig)


@pytest.fixture(scope="session")
def contract_target(contract_state: dict[str, Any]) -> Target:
    target: Target = contract_state["target"]
    return target


@pytest.fixture(scope="session")
def contract_recorder(contract_state: dict[str, Any]) -> Recorder:
    recorder: Recorder = contract_state["recorder"]
    return recorder


@pytest.fixture(scope="session")
def contract_engine(contract_state: dict[str, Any]) -> Engine:
    engine: Engine = contract_state["engine"]
    return engine


@pytest.fixture(scope="session")
def contract_document(contract_state: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = contract_state["document"]
    return document


@pytest.fixture(scope="session")
def contract_settings(contract_state: dict[str, Any]) -> RunSettings:
    settings: RunSettings = contract_state["settings"]
    return settings


@pytest.fixture(scope="session")
def contract_schema(contract_state: dict[str, Any]) -> Any:
    return contract_state["schema"]


# -- order, progress and skips ------------------------------------------------------------------


def _step_of(item: pytest.Item) -> Step | None:
    callspec = getattr(item, "callspec", None)
    step = callspec.params.get("step") if callspec is not None else None
    return step if isinstance(step, Step) else None


def _tier_of(item: pytest.Item) -> str:
    step = _step_of(item)
    if step is not None:
        return step.tier.title
    if item.name.startswith("test_linked_operations_conform"):
        return Tier.STATEFUL.title
    return "depth (schemathesis sweep)"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """A live run goes deep through the plan's depth tier, within its budget: the in-process
    schemathesis sweep (``test_operations.py``) is not even collected (collecting it generates
    every operation's examples)."""
    run: Run | None = _state(config).get("run")
    if run is not None and run.target.live and collection_path.name == "test_operations.py":
        return True
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The plan's order, breadth first: each tier before the next; the sweep last.

    Also gives each schemathesis test the node id ``...::test_operation_conforms[GET /Users]``:
    schemathesis 4.32 names its per-operation items correctly but, under pytest 9, they all share
    the function's bare node id; JUnit XML and ``-k``/node-id selection need them distinct.
    """
    for item in items:
        label = getattr(item, "operation_label", None)
        node_id = getattr(item, "_id", None)
        parent_id = getattr(item.parent, "_id", None)
        if label and node_id is not None and parent_id is not None and "[" not in str(node_id):
            item._id = parent_id.child(item.name)
    state = _state(config)
    target: Target | None = state.get("target")
    if target is None:
        return
    order = {id(step): index for index, step in enumerate(state["plan"].steps)}

    def key(item: pytest.Item) -> tuple[int, int]:
        step = _step_of(item)
        if step is not None:
            return (int(step.tier), order.get(id(step), 0))
        if item.name.startswith("test_linked_operations_conform"):
            return (int(Tier.STATEFUL), 0)
        return (int(Tier.DEPTH) + 1, 0)

    items.sort(key=key)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Progress of a live run: a line when a tier starts, and every 30 seconds."""
    state = _state(item.config)
    target: Target | None = state.get("target")
    if target is None or not target.live:
        return
    progress = state["progress"]
    progress["done"] += 1
    if target.requests.exhausted:
        return  # what is left is skipped; the summary says how much
    tier = _tier_of(item)
    now = time.monotonic()
    if tier == progress["tier"] and now - progress["last"] < PROGRESS_EVERY:
        return
    progress.update(tier=tier, last=now)
    total = len(item.session.items)
    step = _step_of(item)
    what = step.id if step is not None else item.name
    stats = target.stats
    budget = f" of {target.max_requests}" if target.max_requests else ""
    _write(
        item.config,
        f"progress: {tier}, test {progress['done']} of {total} ({what}): "
        f"{stats.requests_sent}{budget} requests sent, {stats.limiter_wait_seconds:.0f} s waited "
        f"for the rate limiter, {now - state['started']:.0f} s elapsed",
    )


def _announce_wait(config: pytest.Config, seconds: float) -> None:
    """Say why a live run goes quiet: the limiter is about to hold the next request back."""
    state = _state(config)
    target: Target = state["target"]
    stats = target.stats
    budget = f" of {target.max_requests}" if target.max_requests else ""
    _write(
        config,
        f"progress: waiting {seconds:.0f} s for the site's rate-limit windows; "
        f"{stats.requests_sent}{budget} requests sent, "
        f"{stats.limiter_wait_seconds:.0f} s waited so far",
    )


@pytest.fixture(autouse=True)
def _request_budget(request: pytest.FixtureRequest) -> Iterator[None]:
    """Skip (rather than fail) whatever the run's request budget no longer covers."""
    state = _state(request.config)
    run: Run | None = state.get("run")
    if run is not None and run.target.requests.exhausted:
        exhausted = RequestBudgetExhausted(run.target.requests.limit)
        step = _step_of(request.node)
        record_skip(
            run,
            _tier_of(request.node),
            step.id if step else request.node.name,
            exhausted,
            step.family if step else "",
        )
        pytest.skip(str(exhausted))
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Budget, rate limiting and nothing-to-send become skips; every report is redacted."""
    outcome = yield
    report = outcome.get_result()
    state = _state(item.config)
    excinfo = call.excinfo
    if excinfo is not None and report.outcome != "skipped":
        found = unwrap_skip(excinfo.value)
        if found is not None:
            report.outcome = "skipped"
            report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {found}")
            run: Run | None = state.get("run")
            if run is not None:
                step = _step_of(item)
                record_skip(
                    run,
                    _tier_of(item),
                    step.id if step else item.name,
                    found,
                    step.family if step else "",
                )
    redact_test_report(report, state.get("secrets", ()))


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    outcome = yield
    redact_test_report(outcome.get_result(), _state(collector.config).get("secrets", ()))


# -- the end of the run --------------------------------------------------------------------------


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = _state(session.config)
    if "abort" in state:
        session.exitstatus = state["abort"]  # what pytest returns, read after this hook
        return
    run: Run | None = state.get("run")
    if run is None or "report_dir" in state:
        return
    report_dir = Path(session.config.getoption("--report-dir"))
    finish(run, report_dir)
    state["report_dir"] = report_dir


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = _state(config)
    target: Target | None = state.get("target")
    if target is None or "report_dir" not in state:
        return
    stats = target.stats
    recorder: Recorder = state["recorder"]
    terminalreporter.write_sep("-", "issuetrak contract")
    terminalreporter.write_line(
        f"target {target.description}; operations tested {len(recorder.operations)}/{state['expected']} "
        f"({len(recorder.positive)} with a success answer checked); requests sent "
        f"{stats.requests_sent} ({stats.writes_sent} writes); retries {stats.retries}; "
        f"rate-limiter wait {stats.limiter_wait_seconds:.2f} s"
    )
    unchecked = sum(len(v) for v in recorder.unchecked.values())
    if unchecked:
        terminalreporter.write_line(
            f"request budget of {target.max_requests} spent: {unchecked} planned step(s) left unchecked (listed in the report)"
        )
    if recorder.rate_limited:
        not_sent = recorder.rate_limited_not_sent
        more = f", then {not_sent} step(s) not sent" if not_sent else ""
        terminalreporter.write_line(
            f"rate limited {len(recorder.rate_limited)} time(s){more}; see the report for what to do"
        )
    if recorder.failures:
        terminalreporter.write_line(f"{len(recorder.failures)} distinct deviation(s):")
        for record in sorted(recorder.failures.values(), key=lambda r: (r.operation, r.check)):
            terminalreporter.write_line(f"  {record.operation}: {record.check}: {record.title}")
    report_dir: Path = state["report_dir"]
    xml = getattr(config.option, "xmlpath", None)
    terminalreporter.write_line(
        f"report: {report_dir / 'report.md'}; summary: {report_dir / 'summary.json'}"
        + (f"; JUnit: {xml}" if xml else "")
    )
