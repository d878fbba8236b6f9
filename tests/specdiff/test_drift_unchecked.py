"""``issuetrak drift`` tells a site it could not check from a site without drift: exit 3 (as
``issuetrak contract``), one line saying why, so that a nightly ``--fail-on-drift`` job against a
dead site is red."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from issuetrak import RateLimits, Window
from issuetrak_tools.cli import drift as drift_cli

from .test_drift import mock_site, sync_transport

pytest.importorskip("issuetrak_mock")


def _argv(site: str, token: str, out: Path) -> list[str]:
    return ["--site", site, "--token", token, "--output-dir", str(out), "--fail-on-drift"]


def _one_line(err: str) -> str:
    (line,) = [line for line in err.splitlines() if line.startswith("issuetrak drift:")]
    return line


@pytest.mark.network
def test_a_site_that_is_down_exits_3_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:  # a loopback port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code = drift_cli.run(
        _argv(f"http://127.0.0.1:{port}", "t", tmp_path), client_options={"max_retries": 0}
    )
    assert code == 3
    line = _one_line(capsys.readouterr().err)
    assert f"could not check http://127.0.0.1:{port}" in line and "stopped early" in line
    assert "0 requests" in line


def test_a_limiter_wait_past_the_deadline_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app, token = mock_site(drifting=False)
    options: dict[str, Any] = {
        "transport": sync_transport(app, []),
        "rate_limits": RateLimits(windows=[Window(1, 3600.0)], margin=0.0),
        "deadline": 1.0,
        "allow_insecure_http": True,
    }
    assert drift_cli.run(_argv("http://mock.test", token, tmp_path), client_options=options) == 3
    line = _one_line(capsys.readouterr().err)
    assert "could not check" in line and "1 requests" in line
    assert (tmp_path / "drift-report.md").exists()  # what was seen is kept


def test_a_site_answering_nothing_but_errors_is_still_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 503 everywhere is something the site said (an undocumented status), not a failure to check
    def unavailable(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"traceId": "t"})

    options: dict[str, Any] = {
        "transport": httpx.MockTransport(unavailable),
        "rate_limits": None,
        "max_retries": 0,
        "allow_insecure_http": True,
    }
    code = drift_cli.run(_argv("http://mock.test", "t", tmp_path), client_options=options)
    assert code == 1
    assert "could not check" not in capsys.readouterr().err


def test_a_malformed_site_url_is_a_usage_error_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert drift_cli.run(_argv("ftp://nowhere", "t", tmp_path)) == 2
    _one_line(capsys.readouterr().err)
