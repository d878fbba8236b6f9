"""The mutation benchmark's harness tells a killed mutant from a survivor (not the score itself:
that is ``bench/bench_detection.py``'s to measure, on the mock, outside the tests)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "bench_detection.py"

CALC = """\
def add(a, b):
    return a + b


def unchecked(a):
    return a - 7


def never_called(a):
    return a * 3
"""
# the command checks add's result, calls unchecked without looking at it, never calls the third
CHECK = "import tiny.calc as c; assert c.add(2, 3) == 5; c.unchecked(1)"


def _bench(
    tmp_path: Path, check: str = CHECK, *extra: str
) -> tuple[subprocess.CompletedProcess[str], list[dict[str, object]]]:
    package = tmp_path / "tiny"
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "calc.py").write_text(CALC)
    out = tmp_path / "out"
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--sample=1000",
            f"--package={package}",
            "--modules=calc.py",
            f"--command={sys.executable} -c '{check}'",
            f"--out={out}",
            f"--triage={tmp_path / 'none.toml'}",
            *extra,
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    lines = (out / "results.jsonl").read_text().splitlines() if result.returncode == 0 else []
    return result, [json.loads(line) for line in lines]


def test_harness_kills_mutants_of_a_checked_line_and_keeps_the_others_as_survivors(
    tmp_path: Path,
) -> None:
    result, mutants = _bench(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    by_line: dict[int, set[str]] = {}
    for mutant in mutants:
        by_line.setdefault(int(str(mutant["line"])), set()).add(str(mutant["outcome"]))
    assert by_line[2] == {"killed"}  # add's result is asserted
    assert "survived" in by_line[6]  # unchecked runs, nobody looks at its result
    assert by_line[10] == {"survived (not reached)"}  # never run: recorded without a run
    survivors = json.loads((tmp_path / "out" / "survivors.json").read_text())
    assert {s["where"] for s in survivors} >= {"calc.py:6", "calc.py:10"}
    assert not any(s["where"] == "calc.py:2" for s in survivors)
    assert "score:" in result.stdout


def test_retry_survivors_runs_only_the_survivors_again_with_the_grown_check(
    tmp_path: Path,
) -> None:
    _, first = _bench(tmp_path)
    survived = [m for m in first if str(m["outcome"]).startswith("survived")]
    # one survivor triaged equivalent: no check can kill it, so it is not run again either
    same = survived[0]
    (tmp_path / "none.toml").write_text(
        f"[[survivor]]\nmodule = {json.dumps(same['module'])}\nbefore = {json.dumps(same['before'])}\n"
        f'after = {json.dumps(same["after"])}\nclass = "equivalent"\nnote = "test"\n'
    )
    grown = CHECK.replace("c.unchecked(1)", "assert c.unchecked(1) == -6")
    result, lines = _bench(tmp_path, grown, "--resume", "--retry-survivors")
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(lines) == len(first) + len(survived) - 1  # killed ones were not run again
    latest = {str(m["id"]): m for m in lines}
    by_line: dict[int, set[str]] = {}
    for mutant in latest.values():
        by_line.setdefault(int(str(mutant["line"])), set()).add(str(mutant["outcome"]))
    assert by_line[2] == {"killed"}
    assert by_line[10] <= {"survived (not reached)"}
    rerun = [m for m in latest.values() if m["line"] == 6 and m["id"] != same["id"]]
    assert rerun and {m["outcome"] for m in rerun} == {"killed"}  # the grown check looks now


def test_retry_survivors_needs_resume(tmp_path: Path) -> None:
    result, _ = _bench(tmp_path, CHECK, "--retry-survivors")
    assert result.returncode == 2
    assert "--retry-survivors goes with --resume" in result.stderr


def test_a_faithful_package_that_fails_its_command_is_refused_before_any_mutant(
    tmp_path: Path,
) -> None:
    package = tmp_path / "tiny"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "calc.py").write_text(CALC)
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            f"--package={package}",
            "--modules=calc.py",
            f"--command={sys.executable} -c 'raise SystemExit(1)'",
            f"--out={tmp_path / 'out'}",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 1
    assert "the faithful mock fails the suite" in result.stdout
    assert not (tmp_path / "out" / "results.jsonl").exists()
