import subprocess
import sys
from pathlib import Path

import pytest
from issuetrak_tools.cli import COMMANDS, main


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
        module = importlib.import_module(f"issuetrak_tools.cli.{module_name}")
        assert callable(module.main), module_name


def test_python_dash_m_issuetrak_tools_runs_the_dispatcher() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "issuetrak_tools", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "usage: issuetrak <command>" in result.stdout


def test_repository_only_commands_are_not_shipped() -> None:
    assert {"dev", "bench"}.isdisjoint(COMMANDS)
    assert main(["dev"]) == 2


def test_bench_runner_with_unmatched_name_fails_clearly() -> None:
    script = Path(__file__).resolve().parents[1] / "bench" / "run.py"
    result = subprocess.run(
        [sys.executable, str(script), "no-such-benchmark"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "no benchmark matches no-such-benchmark" in result.stderr


def test_a_command_whose_extra_is_missing_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import builtins

    real_import = builtins.__import__

    def without_generator_tools(name: str, *args: object, **kwargs: object) -> object:
        if name.split(".")[0] == "jsonpatch":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    for module in [m for m in sys.modules if m.startswith(("issuetrak_tools.cli.", "jsonpatch"))]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.delitem(sys.modules, "issuetrak_tools.spec", raising=False)
    monkeypatch.setattr(builtins, "__import__", without_generator_tools)
    assert main(["spec-diff", "a", "b"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "needs the [tools] extra" in err and "pip install 'issuetrak[tools]'" in err


@pytest.mark.parametrize("command", ["contract", "drift"])
def test_spec_label_help_names_the_default_label_not_a_checkout_path(
    command: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from issuetrak.versions import default_version

    monkeypatch.delenv("ISSUETRAK_SPEC_LABEL", raising=False)
    monkeypatch.setenv("ISSUETRAK_PROJECT_ROOT", str(tmp_path))  # as a wheel install: no spec/
    assert main([command, "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "spec/default" not in text
    assert f"the installed client was generated for, {default_version().label}" in text
