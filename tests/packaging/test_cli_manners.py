"""The console scripts as a user meets them: ``--help`` answers at once and does nothing else; a
missing, tampered or unknown document is one line on stderr, never a traceback; a run that stops
during setup leaves no earlier run's report looking current.

Every case runs the installed console script in a child process, from an empty working folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import issuetrak_client
import pytest
from issuetrak_tools.cli import COMMANDS

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
BENCH = sorted((REPO / "bench").glob("*.py"))
LABEL = issuetrak_client.DEFAULT_LABEL


def run(
    *command: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(command),
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def script(name: str) -> str:
    path = BIN / name
    assert path.is_file(), f"the {name} console script is not installed in {BIN}"
    return str(path)


def assert_one_line(result: subprocess.CompletedProcess[str], code: int, *needles: str) -> str:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def assert_help_only(result: subprocess.CompletedProcess[str], cwd: Path) -> None:
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage:"), result.stdout[:200]
    assert result.stderr == ""
    assert list(cwd.iterdir()) == [], "--help left files behind"


# --- --help ----------------------------------------------------------------------------------


def test_issuetrak_help_lists_the_commands_and_exits_0(tmp_path: Path) -> None:
    result = run(script("issuetrak"), "--help", cwd=tmp_path)
    assert_help_only(result, tmp_path)
    for name in COMMANDS:
        assert name in result.stdout


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_command_help_exits_0_without_doing_work(command: str, tmp_path: Path) -> None:
    result = run(script("issuetrak"), command, "--help", cwd=tmp_path)
    assert_help_only(result, tmp_path)
    assert f"issuetrak {command}" in result.stdout


def test_issuetrak_mock_help_exits_0_without_serving(tmp_path: Path) -> None:
    result = run(script("issuetrak-mock"), "--help", cwd=tmp_path)
    assert_help_only(result, tmp_path)
    assert "--port" in result.stdout


@pytest.mark.parametrize("path", BENCH, ids=[p.name for p in BENCH])
def test_each_benchmark_help_exits_0_without_running_it(path: Path, tmp_path: Path) -> None:
    result = run(sys.executable, str(path), "--help", cwd=tmp_path)
    assert_help_only(result, tmp_path)


def test_version_flag_prints_the_distribution_version(tmp_path: Path) -> None:
    from issuetrak import __version__

    result = run(script("issuetrak"), "--version", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.strip() == f"issuetrak {__version__}"


# --- an unknown label -------------------------------------------------------------------------


def test_mock_with_an_unknown_label_is_one_line(tmp_path: Path) -> None:
    result = run(script("issuetrak-mock"), "--spec-label", "nope", "--port", "0", cwd=tmp_path)
    assert_one_line(result, 2, "issuetrak-mock:", "'nope'", LABEL)


# a drift run against a label the project does not pin
DRIFT_UNKNOWN_LABEL = [
    "drift",
    "--site",
    "https://yoursite.issuetrak.com",
    "--token",
    "t",
    "--spec-label",
    "nope",
]


@pytest.mark.parametrize(
    "argv",
    [
        ["regen", "--label", "nope"],
        ["spec-diff", "nope", LABEL],
        DRIFT_UNKNOWN_LABEL,
        ["contract", "--spec-label", "nope"],
    ],
    ids=["regen", "spec-diff", "drift", "contract"],
)
def test_tools_with_an_unknown_label_are_one_line(argv: list[str], tmp_path: Path) -> None:
    result = run(script("issuetrak"), *argv, cwd=tmp_path)
    assert_one_line(result, 1 if argv[0] == "regen" else 2, "'nope'")


# --- a tampered or missing pinned document (a project of its own, via ISSUETRAK_PROJECT_ROOT) --


def _project(root: Path, document: bytes | None) -> dict[str, str]:
    """A project folder whose spec/ pins the default label; its document is ``document``."""
    label_dir = root / "project" / "spec" / LABEL
    label_dir.mkdir(parents=True)
    (root / "project" / "spec" / "default").write_text(f"{LABEL}\n", encoding="utf-8")
    shutil.copy(REPO / "spec" / LABEL / "pin.toml", label_dir / "pin.toml")
    if document is not None:
        (label_dir / "openapi.json").write_bytes(document)
    return {"ISSUETRAK_PROJECT_ROOT": str(root / "project"), "ISSUETRAK_SPEC": ""}


TOOLS_READING_THE_PIN = {
    "regen": (["regen"], 1),
    "spec-diff": (["spec-diff", LABEL, LABEL], 2),
    "drift": (["drift", "--site", "https://yoursite.issuetrak.com", "--token", "t"], 2),
    "contract": (["contract"], 2),
}


@pytest.mark.parametrize("command", sorted(TOOLS_READING_THE_PIN))
def test_a_tampered_document_is_one_line_naming_both_hashes(command: str, tmp_path: Path) -> None:
    env = _project(tmp_path, b'{"openapi": "3.0.3", "info": {}, "paths": {}}')
    argv, code = TOOLS_READING_THE_PIN[command]
    line = assert_one_line(run(script("issuetrak"), *argv, cwd=tmp_path, env=env), code)
    assert "does not match the pin" in line and "openapi.json" in line


@pytest.mark.parametrize("command", sorted(TOOLS_READING_THE_PIN))
def test_a_missing_document_is_one_line_saying_where_it_looked(
    command: str, tmp_path: Path
) -> None:
    env = _project(tmp_path, None)
    argv, code = TOOLS_READING_THE_PIN[command]
    line = assert_one_line(run(script("issuetrak"), *argv, cwd=tmp_path, env=env), code)
    assert "was not found" in line and "ISSUETRAK_SPEC" in line


# --- a missing or damaged generated package ---------------------------------------------------


@pytest.fixture(scope="module")
def generated_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the generated package to damage (shadows the real one through PYTHONPATH)."""
    source = Path(issuetrak_client.__file__).parent
    root = tmp_path_factory.mktemp("generated")
    shutil.copytree(source, root / "issuetrak_client", ignore=shutil.ignore_patterns("__pycache__"))
    return root


@pytest.fixture
def damaged(generated_copy: Path) -> Iterator[Path]:
    """The copied package's label folder; restored after each test."""
    package = generated_copy / "issuetrak_client" / issuetrak_client.DEFAULT_PACKAGE
    document = (package / "_document.json").read_bytes()
    index = (generated_copy / "issuetrak_client" / "__init__.py").read_bytes()
    yield package
    (package / "_document.json").write_bytes(document)
    (generated_copy / "issuetrak_client" / "__init__.py").write_bytes(index)


def _shadowing(root: Path) -> dict[str, str]:
    return {"PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}


@pytest.mark.parametrize(
    "command, prefix",
    [
        (("issuetrak-mock", "--port", "0"), "issuetrak-mock:"),
        (("issuetrak", "contract"), "issuetrak contract:"),  # against the mock
    ],
    ids=["mock", "contract"],
)
def test_a_changed_generated_document_is_refused_in_one_line(
    damaged: Path, generated_copy: Path, tmp_path: Path, command: tuple[str, ...], prefix: str
) -> None:
    with (damaged / "_document.json").open("ab") as fh:
        fh.write(b" ")
    tool, *args = command
    result = run(script(tool), *args, cwd=tmp_path, env=_shadowing(generated_copy))
    assert_one_line(result, 2, prefix, "_document.json", "was changed")


def test_mock_refuses_a_generated_package_without_its_document_in_one_line(
    damaged: Path, generated_copy: Path, tmp_path: Path
) -> None:
    (damaged / "_document.json").unlink()
    result = run(
        script("issuetrak-mock"), "--port", "0", cwd=tmp_path, env=_shadowing(generated_copy)
    )
    assert_one_line(result, 2, "issuetrak-mock:", "has no _document.json", "issuetrak regen")


def test_mock_refuses_a_generated_index_without_a_default_label_in_one_line(
    damaged: Path, generated_copy: Path, tmp_path: Path
) -> None:
    (generated_copy / "issuetrak_client" / "__init__.py").write_text("", encoding="utf-8")
    result = run(
        script("issuetrak-mock"), "--port", "0", cwd=tmp_path, env=_shadowing(generated_copy)
    )
    assert_one_line(result, 2, "issuetrak-mock:", "names no default label")


# --- a setup failure never leaves an earlier report looking current ----------------------------


def test_contract_setup_failure_removes_the_earlier_report(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    for name in ("report.md", "summary.json", "junit.xml"):
        (reports / name).write_text("PASSED (an earlier run)\n", encoding="utf-8")
    result = run(script("issuetrak"), "contract", "--spec-label", "nope", cwd=tmp_path)
    line = assert_one_line(result, 2, "'nope'")
    assert "report" not in line.split("'nope'")[1]
    assert list(reports.iterdir()) == []


def test_drift_setup_failure_removes_the_earlier_report(tmp_path: Path) -> None:
    out = tmp_path / "reports" / "drift"
    out.mkdir(parents=True)
    for name in ("drift-report.md", "drift.json", "overrides.proposed.json"):
        (out / name).write_text("no drift (an earlier run)\n", encoding="utf-8")
    result = run(script("issuetrak"), *DRIFT_UNKNOWN_LABEL, cwd=tmp_path)
    assert_one_line(result, 2, "'nope'")
    assert list(out.iterdir()) == []


def test_spec_diff_failure_removes_the_earlier_output(tmp_path: Path) -> None:
    earlier = tmp_path / "spec-diff.md"
    earlier.write_text("no changes (an earlier run)\n", encoding="utf-8")
    result = run(
        script("issuetrak"), "spec-diff", "nope", LABEL, "--output", str(earlier), cwd=tmp_path
    )
    assert_one_line(result, 2, "'nope'")
    assert not earlier.exists()


# --- the pytest plugin without the [mock] extra -----------------------------------------------


def test_the_fixture_without_the_mock_extra_fails_in_one_line_and_other_tests_run(
    tmp_path: Path,
) -> None:
    # a client-only install: starlette cannot be imported (a stand-in package that says so)
    blocker = tmp_path / "blocked" / "starlette"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'starlette'\", name='starlette')\n",
        encoding="utf-8",
    )
    tests = tmp_path / "suite"
    tests.mkdir()
    (tests / "test_user.py").write_text(
        "def test_plain():\n    assert True\n\n\n"
        "def test_with_mock(issuetrak_mock):\n    issuetrak_mock.client()\n",
        encoding="utf-8",
    )
    result = run(
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        str(tests),
        cwd=tests,
        env={"PYTHONPATH": str(tmp_path / "blocked"), "PYTEST_ADDOPTS": ""},
    )
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "1 passed, 1 error" in out, out
    message = [line for line in out.splitlines() if "needs the [mock] extra" in line]
    assert message and "pip install 'issuetrak[mock]'" in message[0], out
    assert "Traceback" not in out


# --- bad option values and unusable folders: one line, never a traceback or a hang ------------


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--port", "70000"], "--port 70000"),
        (["--port", "-1"], "--port -1"),
        (["--latency-ms", "inf"], "--latency-ms inf"),  # would delay every answer for ever
        (["--latency-ms", "nan"], "--latency-ms nan"),
        (["--read-timeout", "0"], "--read-timeout 0"),
        (["--read-timeout", "inf"], "--read-timeout inf"),
        (["--issues", "-3"], "--issues"),
    ],
)
def test_mock_refuses_a_bad_option_value_in_one_line(
    argv: list[str], needle: str, tmp_path: Path
) -> None:
    result = run(script("issuetrak-mock"), *argv, cwd=tmp_path)
    assert_one_line(result, 2, "issuetrak-mock:", needle)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["contract", "--max-examples", "-5"], "--max-examples -5"),
        (["contract", "--coverage-budget", "-1"], "--coverage-budget -1"),
        (["contract", "--report-dir", "{file}/reports"], "Not a directory"),
        (
            ["drift", "--site", "http://127.0.0.1:9", "--token", "t", "--output-dir", "{file}/d"],
            "Not a directory",
        ),
    ],
    ids=["max-examples", "coverage-budget", "contract-report-dir", "drift-output-dir"],
)
def test_tools_refuse_a_bad_option_value_or_folder_in_one_line(
    argv: list[str], needle: str, tmp_path: Path
) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder\n")
    argv = [arg.replace("{file}", str(a_file)) for arg in argv]
    result = run(script("issuetrak"), *argv, cwd=tmp_path)
    assert_one_line(result, 2, f"issuetrak {argv[0]}:", needle)
