"""Zero false positives: the live path, over a real loopback socket, against the faithful mock in
every mode - read-only, with writes, with deletes, any budget (0 = none), operation filters,
the client-side limiter on or off (and the mock's own limits on)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .live import mock_site, run_live

pytestmark = [pytest.mark.network, pytest.mark.slow]

# the full default run (budget 400) is test_cli_and_safety's, through the command line
MODES: dict[str, dict[str, Any]] = {
    "read-only, no budget, no depth": {"max_requests": 0, "max_examples": 0},
    "read-only, no budget, two families deep": {
        "max_requests": 0,
        "max_examples": 3,
        "operations": ["/Causes", "/Users"],
    },
    "read-only, budget 1 (the preflight only)": {"max_requests": 1},
    "read-only, budget 2": {"max_requests": 2},
    "read-only, budget 37": {"max_requests": 37},
    "read-only, one family": {"operations": ["^GET /Users"], "max_requests": 0},
    "read-only, a get without its list": {"operations": ["^GET /Causes/"], "max_requests": 0},
    "read-only, searches only": {"operations": ["/Search$"], "max_requests": 0, "max_examples": 0},
    "read-only, nothing matches": {"operations": ["^TRACE "], "max_requests": 0},
    "writes, budget 150": {"allow_writes": True, "max_requests": 150, "max_examples": 1},
    "writes, no budget, no depth": {"allow_writes": True, "max_requests": 0, "max_examples": 0},
    "writes and deletes, no budget": {
        "allow_writes": True,
        "allow_destructive": True,
        "max_requests": 0,
        "max_examples": 1,
        "operations": ["^(POST|GET) /(Users|Groups)$", "Memberships", "/Priorities"],
    },
    "another seed": {"seed": 7, "max_requests": 120},
    # a second token, of the mock's seeded end user (the restricted family)
    "read-only, a restricted token too": {"max_requests": 0, "max_examples": 0, "restricted": True},
    "writes and deletes, a restricted token too": {
        "allow_writes": True,
        "allow_destructive": True,
        "max_requests": 0,
        "max_examples": 0,
        "restricted": True,
    },
}


@pytest.mark.parametrize("mode", list(MODES))
def test_the_faithful_mock_passes(tmp_path: Path, mode: str) -> None:
    options = dict(MODES[mode])
    with mock_site() as (app, token):
        if options.pop("restricted", False):
            options["restricted_token"] = str(app.state.tokens["end_user"])
        result = run_live(app, token, tmp_path, **options)
    failures = [
        f"{r.operation}: {r.check}: {r.message[:300]}" for r in result.recorder.failures.values()
    ]
    assert failures == []
    assert result.outcomes["failed"] == 0
    budget = options.get("max_requests", 400)
    assert result.requests_sent == result.requests_seen
    if budget:
        assert result.requests_sent <= budget
    if not options.get("allow_writes"):
        assert "write_persisted" not in result.recorder.checks
    if "restricted_token" in options:
        assert "restricted_user_refused_or_hidden" in result.recorder.checks


@pytest.mark.parametrize("limits", ["20/1s,5/1s:writes", "30/1s,10/1s:writes,200/10m"])
def test_the_limiter_on_against_a_mock_enforcing_the_same_windows(
    tmp_path: Path, limits: str
) -> None:
    from issuetrak_mock.ratelimit import RateLimit

    windows = [RateLimit(20, 1), RateLimit(5, 1, writes_only=True)]
    if "200/10m" in limits:
        windows = [RateLimit(30, 1), RateLimit(10, 1, writes_only=True), RateLimit(200, 600)]
    with mock_site(rate_limits=windows) as (app, token):
        result = run_live(
            app,
            token,
            tmp_path,
            no_rate_limit=False,
            rate_limits=limits,
            allow_writes=True,
            max_requests=45,
            operations=["/Causes", "/Priorities"],
        )
    assert result.recorder.failures == {}
    assert result.recorder.rate_limited == []
    assert result.requests_sent <= 45
