"""`issuetrak contract` end to end, over a real loopback socket: exit 0 on the faithful mock in
every mode, CI exit codes, an exact request budget, and a default live run that sends no write."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from issuetrak_tools.cli.contract import main, plugin_args

from .live import ROOT, run_contract_cli
from .recording_server import free_port, serve

issuetrak_mock = pytest.importorskip("issuetrak_mock")

SEARCH_SUFFIX = "/search"


def _run(
    *args: str, report_dir: Path, token: str | None = None
) -> subprocess.CompletedProcess[str]:
    return run_contract_cli(f"--report-dir={report_dir}", *args, token=token)


def _writes(requests: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [
        (m, p)
        for m, p in requests
        if m != "GET" and not (m == "POST" and p.lower().endswith(SEARCH_SUFFIX))
    ]


@pytest.mark.slow
@pytest.mark.network
def test_default_live_run_plans_sends_only_reads_and_stops_exactly_at_its_budget(
    tmp_path: Path,
) -> None:
    app = issuetrak_mock.create_app(seed=0, rate_limits=None)
    token = app.state.tokens["admin"]
    with serve(app) as (url, recording):
        result = _run(f"--site={url}", "--rate-limits=off", report_dir=tmp_path, token=token)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert len(recording.requests) == 400  # the default budget, the one preflight included
    assert _writes(recording.requests) == []
    plan = output[: output.index("progress:")]
    assert "plan: " in plan and "positive cases" in plan and "requests:" in plan
    assert "progress: error paths" in output  # a line as each tier starts
    assert output.count("report: ") == 1  # the report path is printed once, at the end
    assert "summary.json" in output.split("report: ")[1]
    report = (tmp_path / "report.md").read_text()
    assert "**Operations sent:** read" in report
    assert "## Left unchecked" in report  # the budget cut the depth tier, and says so
    # breadth first: every read operation got its positive case and the error paths ran
    assert "81 answered with success and checked" in report
    for check in ("auth_required", "not_found_status", "paging_item_total_matches", "sort_order"):
        assert f"`{check}`" in report
    # checks that cannot fire in a read-only run are not listed as run
    assert "`write_persisted`" not in report and "`use_after_free`" not in report
    assert token not in report


@pytest.mark.slow
@pytest.mark.network
def test_live_run_with_writes_allowed_still_sends_no_delete(tmp_path: Path) -> None:
    app = issuetrak_mock.create_app(seed=0, rate_limits=None, issues=40)
    with serve(app) as (url, recording):
        result = _run(
            f"--site={url}",
            "--allow-writes",
            "--rate-limits=off",
            "--max-examples=1",
            "--max-requests=300",
            report_dir=tmp_path,
            token=app.state.tokens["admin"],
        )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    methods = {method for method, _ in recording.requests}
    assert {"PUT", "POST"} <= methods  # writes were allowed, and sent
    assert "DELETE" not in methods
    assert "`write_persisted`" in (tmp_path / "report.md").read_text()


@pytest.mark.network
def test_unreachable_site_exits_3_and_says_why_once(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    code = main([f"--site=http://127.0.0.1:{free_port()}", "--token=t", f"--report-dir={tmp_path}"])
    assert code == 3
    err = capfd.readouterr().err  # the suite's process writes it: captured at the descriptor
    assert err.count("cannot reach") == 1
    (line,) = [line for line in err.splitlines() if "cannot reach" in line]
    assert line.startswith("issuetrak contract: cannot reach")


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
    assert (result.stdout + result.stderr).count("cannot reach") == 1


@pytest.mark.network
def test_refused_token_exits_3(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    app = issuetrak_mock.create_app(seed=0, rate_limits=None, issues=10)
    with serve(app) as (url, recording):
        code = main([f"--site={url}", "--token=not-a-token", f"--report-dir={tmp_path}"])
    assert code == 3
    assert capfd.readouterr().err.count("refused the token") == 1
    assert len(recording.requests) == 1  # one preflight, one request


@pytest.mark.slow
def test_unknown_spec_label_exits_2(tmp_path: Path) -> None:
    result = _run("--spec-label=no-such-label", report_dir=tmp_path)
    assert result.returncode == 2
    assert "no pin for label 'no-such-label'" in result.stdout + result.stderr


def test_usage_errors_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = ["--site=https://x.invalid", "--token=t", f"--report-dir={tmp_path}"]
    assert main([*site, "--allow-destructive"]) == 2
    assert "--allow-destructive needs --allow-writes" in capsys.readouterr().err
    assert main(["--site=https://x.invalid", "--token=", f"--report-dir={tmp_path}"]) == 2
    assert main(["--no-such-option"]) == 2
    capsys.readouterr()
    assert (
        main(
            ["--site=http://yourcompany.issuetrak.example", "--token=t", f"--report-dir={tmp_path}"]
        )
        == 2
    )
    refused = capsys.readouterr().err
    assert "plain http:// would send the API token unencrypted" in refused
    assert "https://" in refused and "allow_insecure_http" not in refused
    assert main([*site, "--rate-limits=20/1x"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (
        "issuetrak contract: --rate-limits: '20/1x': the period needs a unit s, m or h (e.g. 20/1s, 100/10m)"
    )
    assert main([*site, "--max-requests=-1"]) == 2
    assert "--max-requests -1: must be 0 (no limit) or more" in capsys.readouterr().err


def test_a_token_on_the_command_line_gets_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(
        ["--site=https://x.invalid", "--token=t", "--allow-destructive", f"--report-dir={tmp_path}"]
    )
    assert "set ISSUETRAK_TOKEN instead" in capsys.readouterr().err


@pytest.mark.slow
def test_contract_failure_exits_1_with_report_naming_the_check(tmp_path: Path) -> None:
    result = _run(
        "--coverage-budget=0",
        "--max-examples=3",
        "--operations=^GET /Causes$",
        "--",
        "--app=tests.contract.deviations:no_trace_id_site",
        report_dir=tmp_path,
    )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr
    report = (tmp_path / "report.md").read_text()
    assert "`GET /Causes` - `trace_id_present`" in report
    assert "curl -X GET" in report
    junit = (tmp_path / "junit.xml").read_text()
    assert "trace_id_present" in junit


def _broken_plugin(folder: Path) -> Path:
    """A pytest plugin installed beside the suite (an entry point) that breaks any run loading it."""
    folder.mkdir()
    (folder / "broken_plugin.py").write_text("raise RuntimeError('broken plugin loaded')\n")
    info = folder / "broken_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pytest11]\nbroken = broken_plugin\n")
    return folder


@pytest.mark.slow
def test_clean_in_process_target_exits_0_whatever_other_plugins_are_installed(
    tmp_path: Path,
) -> None:
    site_packages = _broken_plugin(tmp_path / "site")  # the child loads only the suite's plugins
    result = run_contract_cli(
        f"--report-dir={tmp_path}",
        "--coverage-budget=0",
        "--max-examples=2",
        "--operations=Causes",
        "--",
        "-k",
        "not test_linked_operations_conform",  # the stateful phase has its own tests
        env={
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(site_packages), os.environ.get("PYTHONPATH")])
            )
        },
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    report = (tmp_path / "report.md").read_text()
    assert "**Result:** PASSED" in report
    assert "`write_persisted`" in report  # the mock is disposable: writes are checked in-process


@pytest.mark.slow
@pytest.mark.parametrize(
    "pattern",
    [
        "^GET /Users",  # PUT /Users/{iid} is documented but left out: not an "unexpected" method
        "^GET /Causes/",  # links whose targets are all left out: no stateful phase, no crash
    ],
)
def test_an_operation_filter_in_process_reports_nothing_false(tmp_path: Path, pattern: str) -> None:
    result = _run(
        "--max-examples=3", "--coverage-budget=3", f"--operations={pattern}", report_dir=tmp_path
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert "unsupported_method" not in (tmp_path / "report.md").read_text().split("Checks run")[0]


def test_the_suites_pytest_gets_xdist_only_when_workers_are_asked_for() -> None:
    assert "xdist.plugin" not in plugin_args(["-x", "-k", "Causes"])
    assert "xdist.plugin" in plugin_args(["-n", "2"])
    assert "xdist.plugin" in plugin_args(["-n2"])
    assert "xdist.plugin" in plugin_args(["--numprocesses=auto"])
