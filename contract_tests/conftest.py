"""The contract suite: the in-process mock (default) or a live site, checked against the pinned document.

    pytest contract_tests                                    # the in-process mock
    pytest contract_tests --site https://x.issuetrak.com --token T   # a live site, read-only
    ISSUETRAK_SITE=... ISSUETRAK_TOKEN=... pytest contract_tests --allow-writes   # a sandbox site

The contract is ``issuetrak_tools.spec.load_document()`` (the pinned document after its overrides)
plus ``contract_tests/links.json``: OpenAPI links that let the stateful phase chain
create -> get -> update -> search. They live here, not in ``spec/<label>/overrides.json``, because
they say how to explore the API rather than what the API is (see ``issuetrak_tools._contract.document``).

Everything reusable lives in ``issuetrak_tools._contract``; this file only wires pytest to it: options,
session-wide target/schema/recorder, the preflight (exit code 3 when the site cannot be reached or
refuses the token) and the reports written to ``--report-dir``.
"""

from __future__ import annotations

import datetime
import importlib
import json
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from issuetrak._ratelimit import RateLimits
from issuetrak._versions import UnknownVersionError
from issuetrak_tools._contract import session as session_registry
from issuetrak_tools._contract.classify import WritePolicy
from issuetrak_tools._contract.document import load_contract_document, select_operations
from issuetrak_tools._contract.preflight import (
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    PREFLIGHT_MARKER,
    PreflightError,
    preflight,
)
from issuetrak_tools._contract.report import Recorder, render_markdown
from issuetrak_tools._contract.runner import (
    CoverageBudget,
    RequestBudgetExhausted,
    RunSettings,
    Target,
    build_schema,
    open_target,
)
from issuetrak_tools.spec import SpecError, default_label, iter_operations

HERE = Path(__file__).resolve().parent
LINKS = HERE / "links.json"
STATE: pytest.StashKey[dict[str, Any]] = pytest.StashKey()
# A live run spends at most this many requests: 40% of the 1000 per 12 hours Issuetrak grants a
# token, so the nightly check leaves room for the integrations that use the same token.
LIVE_MAX_REQUESTS = 400


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("issuetrak-contract", "Issuetrak contract suite")
    group.addoption(
        "--site",
        default=None,
        help="live Issuetrak site URL (default: $ISSUETRAK_SITE, else the in-process mock)",
    )
    group.addoption("--token", default=None, help="API v2 token (default: $ISSUETRAK_TOKEN)")
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
        "--max-examples", type=int, default=None, help="generated cases per operation and phase"
    )
    group.addoption(
        "--max-requests",
        type=int,
        default=None,
        help="stop sending after N requests (live default 400: Issuetrak allows 1000 per 12 h; 0 = no limit)",
    )
    group.addoption(
        "--operations",
        action="append",
        default=[],
        metavar="REGEX",
        help="only operations whose 'METHOD /path' matches (repeatable), e.g. '^GET /Users'",
    )
    group.addoption(
        "--contract-seed", type=int, default=0, help="hypothesis seed (reproducible runs)"
    )
    group.addoption(
        "--coverage-budget",
        type=int,
        default=None,
        help="coverage-phase cases per operation and mode (mock default 20, live default 0; 0 turns the phase off)",
    )
    group.addoption(
        "--no-rate-limit",
        action="store_true",
        help="live site: disable the client-side limiter (not advised)",
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
    config.stash[STATE] = {"started": time.monotonic()}


def _settings(config: pytest.Config, live: bool) -> RunSettings:
    examples = config.getoption("--max-examples")
    if examples is None:
        examples = 1 if live else 10
    budget = config.getoption("--coverage-budget")
    if live:
        # Issuetrak allows 100 requests per 10 minutes: a live run samples, it does not sweep
        return RunSettings(
            max_examples=examples,
            seed=config.getoption("--contract-seed"),
            coverage=budget is not None and budget > 0,
            coverage_budget=budget or 0,
            mode="positive",
        )
    return RunSettings(
        max_examples=examples,
        seed=config.getoption("--contract-seed"),
        coverage=budget is None or budget > 0,
        coverage_budget=RunSettings.coverage_budget if budget is None else budget,
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    state = config.stash[STATE]
    site = config.getoption("--site") or os.environ.get("ISSUETRAK_SITE") or None
    token = config.getoption("--token") or os.environ.get("ISSUETRAK_TOKEN") or ""
    try:
        label = config.getoption("--spec-label") or default_label()
    except SpecError as exc:
        pytest.exit(f"issuetrak contract: {exc}", returncode=EXIT_USAGE)
    try:  # a bad label is a usage error before anything is sent
        document = load_contract_document(label, links=LINKS)
    except (SpecError, UnknownVersionError) as exc:
        pytest.exit(f"issuetrak contract: {exc}", returncode=EXIT_USAGE)
    live = site is not None
    try:
        policy = WritePolicy.for_target(
            live=live,
            allow_writes=config.getoption("--allow-writes"),
            allow_destructive=config.getoption("--allow-destructive"),
        )
    except ValueError as exc:
        pytest.exit(str(exc), returncode=EXIT_USAGE)
    if live and not token:
        pytest.exit("a live site needs a token: --token or ISSUETRAK_TOKEN", returncode=EXIT_USAGE)
    if live:
        limits = None if config.getoption("--no-rate-limit") else RateLimits()
        try:
            target = open_target(site=site, token=token, policy=policy, rate_limits=limits)
        except ValueError as exc:
            pytest.exit(f"issuetrak contract: {exc}", returncode=EXIT_USAGE)
    else:
        app_spec = config.getoption("--app")
        try:
            app, app_token = _custom_app(app_spec, label) if app_spec else _mock_app(label)
        except (SpecError, UnknownVersionError) as exc:
            pytest.exit(f"issuetrak contract: {exc}", returncode=EXIT_USAGE)
        target = open_target(app=app, token=token or app_token, policy=policy, rate_limits=None)
    try:
        preflight(target.client, target.base_url, target.token)
    except PreflightError as exc:
        target.close()
        report_dir = Path(config.getoption("--report-dir"))
        report_dir.mkdir(parents=True, exist_ok=True)
        (report_dir / PREFLIGHT_MARKER).write_text(f"{exc}\n", encoding="utf-8")
        pytest.exit(f"issuetrak contract: {exc}", returncode=EXIT_UNREACHABLE)
    settings = _settings(config, live)
    target.budget = CoverageBudget(settings.coverage_budget)
    max_requests = config.getoption("--max-requests")
    target.max_requests = (
        (LIVE_MAX_REQUESTS if live else 0) if max_requests is None else max_requests
    )
    if config.getoption("--operations"):
        select_operations(document, config.getoption("--operations"))
    recorder = Recorder(secrets=target.secrets)
    state.update(
        target=target,
        label=label,
        document=document,
        recorder=recorder,
        settings=settings,
        expected=sum(1 for _ in iter_operations(document)),
    )
    state["schema"] = build_schema(document, target, state["settings"], recorder)
    session_registry.publish(state)


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


@pytest.hookimpl(hookwrapper=False)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count the tests the request budget skipped, for the report."""
    if report.skipped and "request budget" in str(report.longrepr):
        _BUDGET_SKIPPED.add(report.nodeid)


_BUDGET_SKIPPED: set[str] = set()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = _state(session.config)
    target: Target | None = state.get("target")
    if target is None:
        return
    state["budget_skipped"] = len(_BUDGET_SKIPPED)
    from issuetrak_tools._contract.runner import filter_document

    _, skipped = filter_document(state["document"], target.policy, target.base_url)
    report_dir = Path(session.config.getoption("--report-dir"))
    report_dir.mkdir(parents=True, exist_ok=True)
    stats = target.stats.as_dict() | {
        "retries": target.stats.retries,
        "coverage_skipped": target.budget.skipped,
        "budget_skipped": state.get("budget_skipped", 0),
        "max_requests": target.max_requests,
    }
    markdown = render_markdown(
        state["recorder"],
        target=target.description,
        label=state["label"],
        allowed=target.policy.describe(),
        stats=stats,
        expected_operations=state["expected"],
        duration=time.monotonic() - state["started"],
        skipped=skipped,
    )
    (report_dir / "report.md").write_text(markdown, encoding="utf-8")
    summary = {"target": target.description, "label": state["label"], "stats": stats} | state[
        "recorder"
    ].to_json()
    (report_dir / "summary.json").write_text(
        json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8"
    )
    state["report"] = report_dir / "report.md"
    target.close()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = _state(config)
    target: Target | None = state.get("target")
    if target is None:
        return
    stats = target.stats
    recorder: Recorder = state["recorder"]
    terminalreporter.write_sep("-", "issuetrak contract")
    terminalreporter.write_line(
        f"target {target.description}; operations tested {len(recorder.operations)}/{state['expected']}; "
        f"requests sent {stats.requests_sent} ({stats.writes_sent} writes); retries {stats.retries}; "
        f"rate-limiter wait {stats.limiter_wait_seconds:.2f} s"
    )
    if recorder.failures:
        terminalreporter.write_line(f"{len(recorder.failures)} distinct deviation(s):")
        for record in sorted(recorder.failures.values(), key=lambda r: (r.operation, r.check)):
            terminalreporter.write_line(f"  {record.operation}: {record.check}: {record.title}")
    if "report" in state:
        terminalreporter.write_line(f"report: {state['report']}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give each schemathesis test the node id ``...::test_operation_conforms[GET /Users]``.

    schemathesis 4.32 names its per-operation items correctly but, under pytest 9, they all share
    the function's bare node id; JUnit XML and ``-k``/node-id selection need them distinct.
    """
    for item in items:
        label = getattr(item, "operation_label", None)
        node_id = getattr(item, "_id", None)
        parent_id = getattr(item.parent, "_id", None)
        if label and node_id is not None and parent_id is not None and "[" not in str(node_id):
            item._id = parent_id.child(item.name)
    target: Target | None = _state(config).get("target")
    if target is not None and target.live and target.max_requests:
        # the request budget may end the run early; a different order each day means that over
        # a few nights every operation gets its turn
        order = random.Random(
            f"{datetime.date.today().isoformat()}:{config.getoption('--contract-seed')}"
        )
        order.shuffle(items)


@pytest.fixture(autouse=True)
def _request_budget(request: pytest.FixtureRequest) -> Iterator[None]:
    """Skip (rather than fail) whatever the run's request budget no longer covers."""
    target: Target | None = _state(request.config).get("target")
    if target is not None:
        try:
            target.ensure_budget()
        except RequestBudgetExhausted as exc:
            pytest.skip(str(exc))
    yield
