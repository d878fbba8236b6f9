"""`issuetrak contract` end to end: CI exit codes, and a default live run that sends no write."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from issuetrak_tools.cli.contract import main

from .recording_server import free_port, serve

issuetrak_mock = pytest.importorskip("issuetrak_mock")

ROOT = Path(__file__).resolve().parents[2]
READS = {"GET"}


def _run(*args: str, report_dir: Path) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "issuetrak_tools",
        "contract",
        f"--report-dir={report_dir}",
        *args,
    ]
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.slow
@pytest.mark.network
def test_default_live_run_sends_only_reads(tmp_path: Path) -> None:
    app = issuetrak_mock.create_app(seed=0, rate_limits=None)
    with serve(app) as (url, recording):
        result = _run(
            f"--site={url}",
            f"--token={app.state.tokens['admin']}",
            "--no-rate-limit",
            "--max-examples=1",
            report_dir=tmp_path,
        )
    assert result.returncode in (0, 1), result.stderr + result.stdout[-3000:]
    assert len(recording.requests) > 100  # it really ran: lists, searches, pages, probes
    # polite: the default request budget (400) plus the CLI's two preflight requests
    assert len(recording.requests) <= 402
    writes = [
        (m, p)
        for m, p in recording.requests
        if m not in READS and not (m == "POST" and p.lower().endswith("/search"))
    ]
    assert writes == []
    report = (tmp_path / "report.md").read_text()
    assert "**Operations sent:** read" in report
    assert (tmp_path / "junit.xml").is_file()
    assert app.state.tokens["admin"] not in report


@pytest.mark.slow
@pytest.mark.network
def test_live_run_with_writes_allowed_still_sends_no_delete(tmp_path: Path) -> None:
    app = issuetrak_mock.create_app(seed=0, rate_limits=None)
    with serve(app) as (url, recording):
        result = _run(
            f"--site={url}",
            f"--token={app.state.tokens['admin']}",
            "--allow-writes",
            "--no-rate-limit",
            "--max-examples=1",
            "--max-requests=600",
            report_dir=tmp_path,
        )
    assert result.returncode in (0, 1), result.stderr + result.stdout[-3000:]
    methods = {method for method, _ in recording.requests}
    assert {"PUT", "POST"} <= methods  # writes were allowed, and sent
    assert "DELETE" not in methods


@pytest.mark.network
def test_unreachable_site_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main([f"--site=http://127.0.0.1:{free_port()}", "--token=t", f"--report-dir={tmp_path}"])
    assert code == 3
    assert "cannot reach" in capsys.readouterr().err


@pytest.mark.network
def test_pytest_run_against_an_unreachable_site_exits_3_with_a_marker(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "contract_tests",
        "-p",
        "no:cacheprovider",
        f"--report-dir={tmp_path}",
    ]
    env = {
        **os.environ,
        "ISSUETRAK_SITE": f"http://127.0.0.1:{free_port()}",
        "ISSUETRAK_TOKEN": "t",
    }
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 3
    assert "cannot reach" in (tmp_path / "preflight-failed.txt").read_text()


@pytest.mark.network
def test_refused_token_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = issuetrak_mock.create_app(seed=0, rate_limits=None)
    with serve(app) as (url, _):
        code = main([f"--site={url}", "--token=not-a-token", f"--report-dir={tmp_path}"])
    assert code == 3
    assert "refused the token" in capsys.readouterr().err


@pytest.mark.slow
def test_unknown_spec_label_exits_2(tmp_path: Path) -> None:
    result = _run("--spec-label=no-such-label", report_dir=tmp_path)
    assert result.returncode == 2
    assert "no pin for label 'no-such-label'" in result.stdout + result.stderr


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "--site=https://x.invalid",
                "--token=t",
                "--allow-destructive",
                f"--report-dir={tmp_path}",
            ]
        )
        == 2
    )
    assert "--allow-destructive needs --allow-writes" in capsys.readouterr().err
    assert main(["--site=https://x.invalid", "--token=", f"--report-dir={tmp_path}"]) == 2
    assert main(["--no-such-option"]) == 2
    assert (
        main(
            ["--site=http://yourcompany.issuetrak.example", "--token=t", f"--report-dir={tmp_path}"]
        )
        == 2
    )
    assert "refusing plain http:// to" in capsys.readouterr().err


@pytest.mark.slow
def test_contract_failure_exits_1_with_report_naming_the_check(tmp_path: Path) -> None:
    result = _run(
        "--coverage-budget=0",
        "--max-examples=3",
        "--",
        "--app=tests.contract.variants:no_trace_id_site",
        "--operations=^GET /Causes$",
        report_dir=tmp_path,
    )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr
    report = (tmp_path / "report.md").read_text()
    assert "`GET /Causes` - `trace_id_present`" in report
    assert "curl -X GET" in report
    junit = (tmp_path / "junit.xml").read_text()
    assert "trace_id_present" in junit


@pytest.mark.slow
def test_clean_target_exits_0(tmp_path: Path) -> None:
    result = _run(
        "--coverage-budget=0", "--", "-k", "test_search_honours_criteria", report_dir=tmp_path
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert "**Result:** PASSED" in (tmp_path / "report.md").read_text()
