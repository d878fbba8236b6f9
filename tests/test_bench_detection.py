"""The mutation benchmark's harness tells a killed mutant from a survivor (not the score itself:
that is ``bench/bench_detection.py``'s to measure, on the mock, outside the tests)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

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
    tmp_path: Path, check: str = CHECK, *extra: str, module: str = CALC, command: str = ""
) -> tuple[subprocess.CompletedProcess[str], list[dict[str, object]]]:
    package = tmp_path / "tiny"
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "calc.py").write_text(module)
    out = tmp_path / "out"
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--sample=1000",
            f"--package={package}",
            "--modules=calc.py",
            "--command=" + (command or f"{sys.executable} -c '{check}'"),
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


# a small pytest suite of "steps" in families, the way the contract suite's plan steps are: the
# store family's get reads what its put stored; the reader family's peek reads it too, though it
# is not of that family (a dependency the selection does not know of)
STORE = """\
STORE = {}
LIMIT = True


def put(key, value):
    STORE[key] = value


def get(key):
    return not STORE[key]


def both(a, b):
    return a and b


def peek(key):
    return STORE[key] is False
"""
SUITE = """\
import pytest
import tiny.calc as c


class Step:
    def __init__(self, family, name):
        self.family, self.name = family, name


STEPS = [Step("store", "put"), Step("store", "get"), Step("logic", "both"),
         Step("logic", "unchecked"), Step("reader", "peek")]


@pytest.mark.parametrize("step", STEPS, ids=[s.name for s in STEPS])
def test_step(step):
    if step.name == "put":
        c.put("a", False)
    elif step.name == "get":
        assert c.get("a") is True
    elif step.name == "both":
        assert c.both(True, False) is False
    elif step.name == "unchecked":
        c.both(1, 1)
    else:
        assert c.peek("a") is True
"""
LINES = {"LIMIT": 2, "get": 10, "both": 14, "peek": 18}


def _bench_suite(tmp_path: Path, *extra: str) -> tuple[str, dict[int, list[dict[str, object]]]]:
    suite = tmp_path / "suite"
    suite.mkdir(exist_ok=True)
    (suite / "test_steps.py").write_text(SUITE)
    # the toy suite needs no installed plugin: loading them all would cost each run seconds
    command = (
        f"env PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 {sys.executable} -m pytest -q -x "
        f"-p no:cacheprovider {suite}"
    )
    result, mutants = _bench(tmp_path, CHECK, *extra, module=STORE, command=command)
    assert result.returncode == 0, result.stdout + result.stderr
    by_line: dict[int, list[dict[str, object]]] = {}
    for mutant in mutants:
        by_line.setdefault(int(str(mutant["line"])), []).append(mutant)
    return result.stdout, by_line


# The selected run is shared by the two tests that read it (one worker runs both: loadgroup).
ON_THE_SELECTION_WORKER = pytest.mark.xdist_group("bench-selection")


@pytest.fixture(scope="module")
def selected_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[int, list[dict[str, object]]]]:
    """The toy suite's mutants run with the selection (each mutant: the tests reaching its line)."""
    folder = tmp_path_factory.mktemp("selected")
    _, by_line = _bench_suite(folder)
    return folder, by_line


@ON_THE_SELECTION_WORKER
def test_a_mutant_runs_the_tests_that_reach_its_line_with_their_family(
    selected_run: tuple[Path, dict[int, list[dict[str, object]]]],
) -> None:
    folder, by_line = selected_run
    # get's line is run by the get step only: its family (put, get) runs, and kills the mutant
    assert {(m["outcome"], m["tests"]) for m in by_line[LINES["get"]]} == {("killed", 2)}
    assert {m["tests"] for m in by_line[LINES["both"]]} == {2}  # both and unchecked
    # run at import (collection): every test may see it, so the whole suite runs (0)
    assert {(m["outcome"], m["tests"]) for m in by_line[LINES["LIMIT"]]} == {("survived", 0)}
    # peek alone finds no record (put is of another family): the faithful copy fails that
    # selection too, so each mutant ran against the whole suite, where peek's check kills it
    peeks = by_line[LINES["peek"]]
    assert {m["tests"] for m in peeks} == {0}
    assert "killed" in {m["outcome"] for m in peeks}
    selections = json.loads((folder / "out" / "selections.json").read_text())
    assert {(s["tests"], s["passes"]) for s in selections.values()} == {(1, False), (2, True)}


@ON_THE_SELECTION_WORKER
def test_the_selection_gives_the_whole_suites_verdicts(
    tmp_path: Path, selected_run: tuple[Path, dict[int, list[dict[str, object]]]]
) -> None:
    _, selected = selected_run
    _, whole = _bench_suite(tmp_path, "--whole-suite")
    assert {m["tests"] for ms in whole.values() for m in ms} == {0}
    verdicts = {str(m["id"]): m["outcome"] for ms in selected.values() for m in ms}
    assert verdicts == {str(m["id"]): m["outcome"] for ms in whole.values() for m in ms}


def test_a_mutant_that_stops_the_run_is_detected_and_one_that_does_not_compile_is_left_out(
    tmp_path: Path,
) -> None:
    # exit 3: what `issuetrak contract` does when the site answers its first read with an error
    stops = "import sys, tiny.calc as c; c.unchecked(1); sys.exit(0 if c.add(2, 3) == 5 else 3)"
    module = CALC + "\n\ndef keyword_only(*, a):\n    return a\n"  # `*` made `**` cannot compile
    result, mutants = _bench(tmp_path, stops, module=module)
    assert result.returncode == 0, result.stdout + result.stderr
    line_2 = {str(m["outcome"]) for m in mutants if m["line"] == 2}
    assert line_2 == {"stopped"}
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["stopped"] == len([m for m in mutants if m["line"] == 2])
    detected = summary["stopped"] + summary["killed"] + summary["timed_out"]
    assert summary["score"] == round(detected / (detected + summary["survived"]), 4)
    assert "stopped" in result.stdout
    signature = module.splitlines().index("def keyword_only(*, a):") + 1
    void = [m for m in mutants if m["line"] == signature]
    assert void and {m["outcome"] for m in void} == {"incompetent"}
    assert summary["incompetent"] == len(void) and summary["error"] == 0


def test_only_runs_the_named_mutants(tmp_path: Path) -> None:
    _, every = _bench(tmp_path)
    chosen = [str(m["id"]) for m in every if m["line"] == 6][:2]
    result, lines = _bench(tmp_path, CHECK, "--only=" + ",".join(chosen))
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(str(m["id"]) for m in lines) == sorted(chosen)
    unknown, _ = _bench(tmp_path, CHECK, "--only=calc.py:core/NoSuchOperator:0")
    assert unknown.returncode == 2
    assert "no mutant calc.py:core/NoSuchOperator:0" in unknown.stderr


def test_a_triage_entry_naming_its_place_matches_only_that_place(tmp_path: Path) -> None:
    package = tmp_path / "tiny"
    package.mkdir()
    (package / "loops.py").write_text(
        "def first(xs):\n    for x in xs:\n        if x is None:\n            continue\n"
        "        if x < 0:\n            continue\n        yield x\n"
    )
    out = tmp_path / "out"
    out.mkdir()
    place = {"module": "loops.py", "operator": "core/ReplaceContinueWithBreak", "column": 12}
    mutants = [
        place | {"id": f"loops.py:core/ReplaceContinueWithBreak:{n}", "line": line, "occurrence": n}
        for n, line in ((0, 4), (1, 6))
    ]
    (out / "results.jsonl").write_text(
        "".join(
            json.dumps(m | {"before": "continue", "after": "break", "outcome": "survived"}) + "\n"
            for m in mutants
        )
    )
    (tmp_path / "triage.toml").write_text(
        '[[survivor]]\nmodule = "loops.py"\nfunction = "first"\nprevious = "if x < 0:"\n'
        'before = "continue"\nafter = "break"\nclass = "equivalent"\nnote = "test"\n'
    )
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--report-only",
            f"--out={out}",
            f"--package={package}",
            "--modules=loops.py",
            f"--triage={tmp_path / 'triage.toml'}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    classes = {s["where"]: s["class"] for s in json.loads((out / "survivors.json").read_text())}
    assert classes == {"loops.py:4": "untriaged", "loops.py:6": "equivalent"}
