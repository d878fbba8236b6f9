import subprocess
import sys

import pytest
from issuetrak.cli import COMMANDS, main


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out


def test_unknown_command_is_refused_with_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["frobnicate"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'frobnicate'" in err
    assert "regen" in err


def test_every_command_module_exposes_main() -> None:
    import importlib

    for module_name, _ in COMMANDS.values():
        module = importlib.import_module(f"issuetrak.cli.{module_name}")
        assert callable(module.main), module_name


def test_python_dash_m_issuetrak_runs_the_dispatcher() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "issuetrak", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "usage: issuetrak <command>" in result.stdout


def test_dev_rejects_unknown_task(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dev", "deploy"]) == 2
    assert "usage: issuetrak dev" in capsys.readouterr().err


def test_bench_with_unmatched_name_fails_clearly(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "no-such-benchmark"]) == 2
    assert "no benchmark matches no-such-benchmark" in capsys.readouterr().err
