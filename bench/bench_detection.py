"""How much of the mock's behaviour the contract suite checks: mutation testing of the mock.

    python bench/bench_detection.py --sample 300 --seed 1      # the benchmark (hours on 1 core)
    python bench/bench_detection.py --quick                    # a smoke run: 4 mutants, all run
    python bench/bench_detection.py --resume ...               # go on with an interrupted run
                                                               # (keeps its results and reach.json)
    python bench/bench_detection.py --resume --retry-survivors ...  # after new checks landed:
                                                               # re-run the survivors only
    python bench/bench_detection.py --compare 4 ...            # 4 mutants, whole suite and
                                                               # selection side by side

Cosmic Ray lists every mutant of the mock's behaviour modules (handlers with the paging code,
search, criteria, issues, validation); a seeded sample of them is run, one at a time, against the
same suite ``issuetrak contract`` runs against the embedded mock, through that command in a child
process (``python -m issuetrak_tools contract --seed S --allow-writes --allow-destructive ...``),
so the benchmark keeps measuring whatever the suite checks as it grows. Each mutant lives in a
private copy of the package put first on ``PYTHONPATH``; the checkout is never modified.

Before any mutant, the faithful copy must pass the same command (else nothing can be measured),
and a second faithful run records which lines the suite executes (``detection/sitecustomize.py``):
a mutant on a line the suite never reaches cannot change what the suite sees, so it is recorded as
*survived (not reached)* without a run. That traced run also records which test executed each
line (``detection/detection_items.py``, a pytest plugin loaded through ``PYTEST_PLUGINS``): a
mutant runs only the tests that execute its line, every test of their families and the positive
reads (the records later steps pick from), or the whole suite if start-up or collection runs the
line (``--whole-suite`` always). A failure under a selection counts only if the faithful copy
passes that selection (checked once per selection, kept in ``selections.json``); else the whole
suite decides. Outcomes, as cosmic-ray names them where it has a name: *killed* (the command
exits 1: contract failures), *timed out* (past ``--timeout``: a hung site fails its CI job),
*stopped* (exits 2 or 3: the mutant's mock would not start, or answered the run's first read with
an error, so the run stops with one line saying the site cannot be checked: the CI job fails as
well; the faithful copy passed the same command), *survived* (exit 0), *incompetent* (the mutant
does not compile: nothing to run), *error* (any other exit, or the mutation could not be applied:
no verdict), *equivalent* (a survivor that ``detection/triage.toml`` marks so: no behaviour
changed). Incompetent, error and equivalent mutants are left out of the score:

    score = (killed + timed out + stopped) / (killed + timed out + stopped + survived)

Everything goes to ``--out`` (default ``reports/detection/``): ``results.jsonl`` (one line per
mutant, appended as each finishes), ``summary.json`` and ``survivors.json`` (each survivor with
its place, its mutation and its triage). The per-mutant cost is printed as a ratio to the faithful
run measured in the same invocation.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import functools
import hashlib
import json
import os
import queue
import random
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import warnings
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent / "detection"
PACKAGE = ROOT / "mock" / "issuetrak_mock"
# the mock's behaviour; the paging code lives in handlers.py (_paging, _envelope) and search.py
MODULES = ("handlers.py", "search.py", "criteria.py", "issues.py", "validation.py")
QUICK_SAMPLE = 4
VOID = ("error", "incompetent")  # no run: the mutation could not be applied, or does not compile
DETECTED = ("killed", "timed out", "stopped")
# the contract command's exits after the faithful copy passed the same command: 1 failures, 2 the
# mock would not start (its seed raised), 3 the site answered its first read with an error
VERDICTS = {None: "timed out", 0: "survived", 1: "killed", 2: "stopped", 3: "stopped"}


@dataclass
class Mutant:
    """One mutation: where (module and line), which operator, and the text before and after."""

    id: str  # module:operator:occurrence (stable while the module's text is)
    module: str
    line: int
    column: int
    operator: str
    occurrence: int
    before: str
    after: str
    outcome: str = ""
    exit_code: int | None = None
    seconds: float = 0.0
    detail: str = ""
    tests: int = 0  # tests of the suite the verdict ran (0: the whole suite)

    @property
    def key(self) -> str:
        """What ``triage.toml`` matches on: the module and the text change, not line numbers."""
        return f"{self.module}|{self.before}|{self.after}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench_detection.py",
        description="Mutation score of the contract suite on the mock's behaviour modules.",
    )
    parser.add_argument("--sample", type=int, default=300, help="mutants to run (default 300)")
    parser.add_argument(
        "--seed", type=int, default=1, help="sample seed, also the contract run's --seed"
    )
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SAMPLE} mutants, a smoke run")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run side by side (default 1)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds per mutant (default: 3x the faithful run + 60)",
    )
    parser.add_argument(
        "--full-depth",
        action="store_true",
        help="the contract command's default depth (default: --max-examples 1 --coverage-budget 0)",
    )
    parser.add_argument(
        "--whole-suite",
        action="store_true",
        help="run every mutant against the whole suite (default: only the tests that execute "
        "its line, their families and the positive reads)",
    )
    parser.add_argument(
        "--compare",
        type=int,
        default=0,
        metavar="N",
        help="run N sampled mutants against the whole suite and against their selection, side "
        "by side, and stop (records nothing)",
    )
    parser.add_argument(
        "--only",
        default="",
        metavar="IDS",
        help="run only these mutants (ids as survivors.json gives them, comma-separated), "
        "sampled or not; results go to --out as usual",
    )
    parser.add_argument("--out", default="reports/detection", help="output folder")
    parser.add_argument("--resume", action="store_true", help="keep results.jsonl's mutants")
    parser.add_argument(
        "--retry-survivors",
        action="store_true",
        help="with --resume: run the survivors again (reached or not, with the lines reached "
        "measured again; not those triaged equivalent) and keep the other outcomes",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="rewrite the summary and survivors from --out's results.jsonl and the triage file",
    )
    parser.add_argument("--triage", default=str(HERE / "triage.toml"), help=argparse.SUPPRESS)
    # the harness's own test mutates a small package under a small command instead of the mock
    parser.add_argument("--package", default=str(PACKAGE), help=argparse.SUPPRESS)
    parser.add_argument("--modules", default=",".join(MODULES), help=argparse.SUPPRESS)
    parser.add_argument("--command", default=None, help=argparse.SUPPRESS)
    return parser


# -- the mutants ----------------------------------------------------------------------------------


def _changed_text(original: str, mutated: str) -> tuple[str, str]:
    """The lines a mutation changed, before and after, whitespace-trimmed and joined."""
    before, after = [], []
    for line in difflib.unified_diff(original.splitlines(), mutated.splitlines(), n=0, lineterm=""):
        if line.startswith(("---", "+++", "@@")):
            continue
        (before if line.startswith("-") else after).append(line[1:].strip())
    return " / ".join(before), " / ".join(after)


def list_mutants(package: Path, modules: Sequence[str]) -> list[Mutant]:
    """Every mutant Cosmic Ray's operators make of ``modules``, in a stable order (its text
    change is filled in by :func:`describe`, for the sample only: it re-parses the module)."""
    from cosmic_ray.commands.init import init
    from cosmic_ray.work_db import use_db

    with tempfile.TemporaryDirectory() as folder, use_db(Path(folder) / "session.sqlite") as db:
        init([package / name for name in modules], db, {})
        specs = [item.mutations[0] for item in db.work_items]
    specs.sort(key=lambda s: (s.module_path.name, s.operator_name, s.occurrence))
    return [
        Mutant(
            id=f"{spec.module_path.name}:{spec.operator_name}:{spec.occurrence}",
            module=spec.module_path.name,
            line=spec.start_pos[0],
            column=spec.start_pos[1],
            operator=spec.operator_name,
            occurrence=spec.occurrence,
            before="",
            after="",
        )
        for spec in specs
    ]


def _digest(package: Path, modules: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for name in modules:
        digest.update(name.encode() + b"\0" + (package / name).read_bytes() + b"\0")
    return digest.hexdigest()


def listed_mutants(package: Path, modules: Sequence[str], kept: Path) -> list[Mutant]:
    """:func:`list_mutants`, kept in ``kept`` (with the text changes :func:`describe` found) for
    as long as the modules' text is unchanged: listing and describing take Cosmic Ray minutes,
    and a resumed or retried run needs the same list."""
    if kept.is_file():
        saved = json.loads(kept.read_text(encoding="utf-8"))
        if saved.get("digest") == _digest(package, modules):
            return [Mutant(**fields) for fields in saved["mutants"]]
    every = list_mutants(package, modules)
    keep_listing(every, package, modules, kept)
    return every


def keep_listing(every: list[Mutant], package: Path, modules: Sequence[str], kept: Path) -> None:
    """Write the list of mutants for :func:`listed_mutants` to find again."""
    listing = {"digest": _digest(package, modules), "mutants": [asdict(m) for m in every]}
    kept.write_text(json.dumps(listing) + "\n", encoding="utf-8")


def annotation_spans(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where the type annotations of a module are, if it never evaluates them (PEP 563)."""
    tree = ast.parse(source)
    postponed = any(
        isinstance(node, ast.ImportFrom)
        and node.module == "__future__"
        and any(alias.name == "annotations" for alias in node.names)
        for node in tree.body
    )
    if not postponed:
        return []
    notes: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.arg | ast.AnnAssign) and node.annotation is not None:
            notes.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns:
            notes.append(node.returns)
    return [
        ((n.lineno, n.col_offset), (n.end_lineno or n.lineno, n.end_col_offset or 0)) for n in notes
    ]


def in_annotation(mutant: Mutant, spans: list[tuple[tuple[int, int], tuple[int, int]]]) -> bool:
    """Whether ``mutant`` changes an annotation that is never evaluated: equivalent by construction."""
    return any(start <= (mutant.line, mutant.column) < end for start, end in spans)


def describe(mutant: Mutant, source: str) -> None:
    """Fill in the lines ``mutant`` changes, before and after."""
    from cosmic_ray.mutating import mutate_code
    from cosmic_ray.plugins import get_operator

    mutated = mutate_code(source, get_operator(mutant.operator)(), mutant.occurrence)
    if mutated is None:
        mutant.outcome, mutant.detail = "error", "the mutation could not be applied"
        return
    mutant.before, mutant.after = _changed_text(source, mutated)
    try:  # e.g. `*` of a keyword-only marker made `>>`: nothing to run, the mutant is void
        with warnings.catch_warnings():  # `x is 1` compiles, with a warning nobody needs here
            warnings.simplefilter("ignore", SyntaxWarning)
            compile(mutated, mutant.module, "exec")
    except SyntaxError as exc:
        mutant.outcome, mutant.detail = "incompetent", f"does not compile: {exc.msg}"


def draw(mutants: list[Mutant], size: int, seed: int) -> list[Mutant]:
    """A seeded sample, in the order it is run: any prefix of it is a sample too."""
    return random.Random(seed).sample(mutants, min(size, len(mutants)))


# -- running the suite ----------------------------------------------------------------------------


def contract_command(seed: int, full_depth: bool, report_dir: Path) -> list[str]:
    """The contract command against the embedded mock, every mode, stopping at the first failure."""
    command = [sys.executable, "-m", "issuetrak_tools", "contract", f"--seed={seed}"]
    command += ["--allow-writes", "--allow-destructive", f"--report-dir={report_dir}"]
    if not full_depth:
        command += ["--max-examples=1", "--coverage-budget=0"]
    # the linked sequences at their default depth: a shallow sweep, but whole stateful runs
    return [*command, "--", "-x", "--stateful-examples=40"]


def copy_package(package: Path, into: Path) -> Path:
    """A private copy of ``package`` (no bytecode: a mutant must be compiled from its source)."""
    target = into / package.name
    shutil.copytree(package, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def bytecode_env(copy: Path, cache: Path) -> dict[str, str]:
    """Where the run's bytecode goes: ``cache``, minus the modules of ``copy``.

    Compiling (and pytest's assertion rewriting of schemathesis and hypothesis, which it redoes
    on every start when no bytecode may be written) costs each run seconds that measure nothing;
    the cache keeps the bytecode of everything but the mutated package, whose entries are deleted
    before every run: a mutant such as ``+`` -> ``-`` keeps the file's size and, within a second,
    its mtime, so a cached ``.pyc`` of the previous mutant would look valid.
    """
    shutil.rmtree(cache / copy.resolve().relative_to(copy.resolve().anchor), ignore_errors=True)
    return {"PYTHONPYCACHEPREFIX": str(cache)}


def run_command(
    command: list[str], copy: Path, timeout: float, extra_env: dict[str, str] | None = None
) -> tuple[str, int | None, float, str]:
    """Run ``command`` with ``copy`` first on the path: (outcome, exit code, seconds, output tail).
    Bytecode is cached in ``pycache`` beside the copy's folder's parent (shared by the workers)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env |= bytecode_env(copy, copy.parent.parent / "pycache") | (extra_env or {})
    paths = [str(copy.parent), *(extra_env or {}).get("PYTHONPATH", "").split(os.pathsep)]
    env["PYTHONPATH"] = os.pathsep.join(p for p in [*paths, os.environ.get("PYTHONPATH", "")] if p)
    started = time.perf_counter()
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            command,
            cwd=copy.parent,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            code: int | None = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the command and the pytest process it started
            process.wait()
            code = None
        output.seek(0)
        tail = output.read().decode("utf-8", "replace")[-1500:]
    seconds = time.perf_counter() - started
    outcome = VERDICTS.get(code, "error")
    return outcome, code, seconds, tail


@dataclass
class Reach:
    """What a faithful traced run executed: per module file name, per line, the tests that ran it
    (their node ids; ``""`` for start-up and collection, outside any test), and every test in the
    order it ran, with its family (``detection/detection_items.py`` says which)."""

    lines: dict[str, dict[int, set[str]]]
    tests: list[tuple[str, str]]  # (node id, family)

    def module_lines(self, module: str) -> set[int]:
        """The lines of ``module`` the run executed."""
        return set(self.lines.get(module, {}))

    def to_json(self, modules: Sequence[str]) -> dict[str, Any]:
        lines = {
            name: {str(n): sorted(tests) for n, tests in sorted(by_line.items())}
            for name, by_line in self.lines.items()
            if name in modules
        }
        return {"lines": lines, "tests": [list(t) for t in self.tests]}

    @classmethod
    def from_json(cls, saved: dict[str, Any]) -> Reach | None:
        """A kept reach, or None if it was kept by a version without per-test lines."""
        if not isinstance(saved.get("lines"), dict) or "tests" not in saved:
            return None
        lines = {
            name: {int(n): set(tests) for n, tests in by_line.items()}
            for name, by_line in saved["lines"].items()
        }
        return cls(lines, [(str(t[0]), str(t[1])) for t in saved["tests"]])


def selection_env(selection: Path | None = None) -> dict[str, str]:
    """The environment that loads ``detection/detection_items.py`` into the suite's pytest
    (through ``PYTEST_PLUGINS``: the contract command itself is unchanged) and, with
    ``selection``, has it run only the tests that file names."""
    env = {"PYTHONPATH": str(HERE), "PYTEST_PLUGINS": "detection_items"}
    return env | ({"DETECTION_SELECT": str(selection)} if selection is not None else {})


def measure_reach(command: list[str], copy: Path, timeout: float) -> Reach:
    """The lines of ``copy`` a faithful run executes, per module file name and per test."""
    with tempfile.TemporaryDirectory() as folder:
        env = selection_env() | {
            "DETECTION_REACH_ROOT": str(copy),
            "DETECTION_REACH_OUT": str(Path(folder) / "reach"),
            "DETECTION_ITEMS_OUT": str(Path(folder) / "tests.json"),
        }
        outcome, code, _, tail = run_command(command, copy, timeout, env)
        if outcome != "survived":
            raise SystemExit(f"bench_detection: the traced faithful run exited {code}:\n{tail}")
        lines: dict[str, dict[int, set[str]]] = {}
        for part in Path(folder).glob("reach.*.json"):
            for context, files in json.loads(part.read_text(encoding="utf-8")).items():
                for filename, numbers in files.items():
                    by_line = lines.setdefault(Path(filename).name, {})
                    for number in numbers:
                        by_line.setdefault(number, set()).add(context)
        ran = Path(folder) / "tests.json"
        tests = json.loads(ran.read_text(encoding="utf-8")) if ran.is_file() else []
    return Reach(lines, [(t["id"], t["family"]) for t in tests])


def _statement_lines(mutant: Mutant, source: str) -> list[int]:
    """The mutated line and the first line of its innermost statement (a statement spanning
    lines may report only its first one to the tracer)."""
    spans = [
        (node.end_lineno - node.lineno, node.lineno)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.stmt)
        and node.end_lineno is not None
        and node.lineno <= mutant.line <= node.end_lineno
    ]
    return [mutant.line, *([min(spans)[1]] if spans else [])]


def is_reached(mutant: Mutant, source: str, lines: set[int]) -> bool:
    """Whether the run executed the mutated line or the first line of its innermost statement."""
    return any(line in lines for line in _statement_lines(mutant, source))


# Families whose steps teach the run's engine the records every later step picks from (the
# positive reads list what exists; see ``Knowledge`` in ``_contract/steps.py``): kept in every
# selection, so a selected step finds the records it would find in the whole run.
FOUNDATION = ("positive",)


def select_tests(mutant: Mutant, source: str, reach: Reach) -> list[str] | None:
    """The tests a run of ``mutant`` needs, in the suite's order; None: the whole suite.

    The tests that execute the mutated line, every test of their families (a family's later
    steps use the records its earlier ones created) and the foundation families. A line run
    during start-up or collection (outside any test) may change what every test sees: the whole
    suite runs then, as it does when the run recorded no tests at all (a command that is not
    the suite's pytest).
    """
    by_line = reach.lines.get(mutant.module, {})
    touching: set[str] = set()
    for line in _statement_lines(mutant, source):
        touching |= by_line.get(line, set())
    if not reach.tests or "" in touching:
        return None
    family = dict(reach.tests)
    families = {family[t] for t in touching if t in family} | set(FOUNDATION)
    # the sweep and the stateful test are one family each but not one sequence: only the
    # operations that reach the line are kept of them
    families -= {"sweep", "stateful"}
    return [t for t, f in reach.tests if t in touching or f in families]


def selection_key(tests: Sequence[str]) -> str:
    """A selection's name in ``selections.json``."""
    return hashlib.sha256("\n".join(tests).encode()).hexdigest()[:16]


class Selections:
    """Which selections of tests the faithful copy passes, kept in ``selections.json`` until the
    reach is measured again: a mutant's failure under a selection is a kill only if the faithful
    copy passes that selection (else the selection, not the mutant, broke the run)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.known: dict[str, dict[str, Any]] = (
            json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        )

    def passes(self, tests: list[str], copy: Path, command: list[str], timeout: float) -> bool:
        """Whether the faithful ``copy`` passes ``tests`` (run once per distinct selection)."""
        key = selection_key(tests)
        with self.lock:
            if key in self.known:
                return bool(self.known[key]["passes"])
        outcome, code, seconds, _ = run_selected(command, copy, timeout, tests)
        with self.lock:
            self.known[key] = {"passes": outcome == "survived", "exit": code, "tests": len(tests)}
            self.known[key]["seconds"] = round(seconds, 1)
            self.path.write_text(json.dumps(self.known, indent=1) + "\n", encoding="utf-8")
        return outcome == "survived"


def run_selected(
    command: list[str], copy: Path, timeout: float, tests: list[str] | None
) -> tuple[str, int | None, float, str]:
    """:func:`run_command`, running only ``tests`` of the suite (None: all of it)."""
    if tests is None:
        return run_command(command, copy, timeout)
    chosen = copy.parent / "selected-tests.txt"
    chosen.write_text("\n".join(tests) + "\n", encoding="utf-8")
    return run_command(command, copy, timeout, selection_env(chosen))


def run_mutant(
    mutant: Mutant,
    copy: Path,
    command: list[str],
    timeout: float,
    tests: list[str] | None = None,
    selections: Selections | None = None,
) -> None:
    """Apply ``mutant`` to ``copy``, run the command (only ``tests`` of it, if given), put the
    source back. A failure under a selection the faithful copy fails too is no verdict: the
    mutant is run again against the whole suite."""
    from cosmic_ray.mutating import use_mutation
    from cosmic_ray.plugins import get_operator

    operator = get_operator(mutant.operator)()
    spent = 0.0
    while True:
        with use_mutation(copy / mutant.module, operator, mutant.occurrence) as (_, mutated):
            if mutated is None:
                mutant.outcome, mutant.detail = "error", "the mutation could not be applied"
                return
            outcome, code, seconds, tail = run_selected(command, copy, timeout, tests)
        spent += seconds
        if tests is None or outcome == "survived" or selections is None:
            break
        started = time.perf_counter()
        valid = selections.passes(tests, copy, command, timeout)  # the copy is faithful again
        spent += time.perf_counter() - started
        if valid:
            break
        tests = None
    mutant.outcome, mutant.exit_code, mutant.seconds = outcome, code, round(spent, 1)
    mutant.tests = len(tests) if tests is not None else 0
    if outcome in ("killed", "stopped", "error"):
        mutant.detail = _first_failure(tail)


def _first_failure(tail: str) -> str:
    """The line of the output that says what the suite reported (its first FAILED line)."""
    for line in tail.splitlines():
        if line.startswith(("FAILED", "ERROR", "issuetrak contract:")):
            return line[:300]
    return tail.strip().splitlines()[-1][:300] if tail.strip() else ""


# -- the report -----------------------------------------------------------------------------------


class Triage:
    """The survivors triaged by hand (``triage.toml``), matched by module and changed text; for a
    change whose text recurs in the module (a ``continue`` made ``break``) an entry may also name
    its ``function`` and the ``previous`` line's text (stripped), so that it matches only the place
    it speaks of. Of the entries that match a mutant, the last in the file wins."""

    def __init__(self, entries: list[dict[str, str]], package: Path) -> None:
        self.package = package
        self.by_key: dict[str, list[dict[str, str]]] = {}
        for entry in entries:
            key = f"{entry['module']}|{entry['before']}|{entry['after']}"
            self.by_key.setdefault(key, []).append(entry)

    def get(self, mutant: Mutant) -> dict[str, str]:
        """The entry for ``mutant`` (empty when it has none)."""
        for entry in reversed(self.by_key.get(mutant.key, [])):
            if self._place_matches(entry, mutant):
                return entry
        return {}

    def _place_matches(self, entry: dict[str, str], mutant: Mutant) -> bool:
        path = self.package / mutant.module
        function, previous = entry.get("function"), entry.get("previous")
        if function and function != enclosing_function(path, mutant.line):
            return False
        if previous is not None:
            lines = _lines(path)
            before = lines[mutant.line - 2].strip() if 2 <= mutant.line <= len(lines) + 1 else ""
            return before == previous
        return True


def load_triage(path: Path, package: Path = PACKAGE) -> Triage:
    """The triage file at ``path`` (none: nothing triaged) for the mutants of ``package``."""
    if not path.is_file():
        return Triage([], package)
    return Triage(tomllib.loads(path.read_text(encoding="utf-8")).get("survivor", []), package)


def summarise(mutants: list[Mutant], triage: Triage) -> dict[str, Any]:
    """Counts and score; a survivor that the triage calls equivalent is counted as such."""
    for mutant in mutants:
        if mutant.outcome.startswith("survived") and triage.get(mutant).get("class") == (
            "equivalent"
        ):
            mutant.outcome = "equivalent"
    counts = Counter(m.outcome for m in mutants)
    survived = counts["survived"] + counts["survived (not reached)"]
    detected = sum(counts[o] for o in DETECTED)
    scored = detected + survived
    return {
        "mutants": len(mutants),
        "counts": dict(sorted(counts.items())),
        "killed": counts["killed"],
        "timed_out": counts["timed out"],
        "stopped": counts["stopped"],
        "survived": survived,
        "survived_not_reached": counts["survived (not reached)"],
        "equivalent": counts["equivalent"],
        "error": counts["error"],
        "incompetent": counts["incompetent"],
        "score": round(detected / scored, 4) if scored else None,
    }


def survivors(mutants: list[Mutant], triage: Triage) -> list[dict[str, Any]]:
    """Each survivor with its place, its mutation and its triage (``untriaged`` if none yet)."""
    out = []
    for m in mutants:
        if m.outcome.startswith("survived") or m.outcome == "equivalent":
            entry = triage.get(m)
            out.append(
                {
                    "where": f"{m.module}:{m.line}",
                    "function": entry.get("function", ""),
                    "operator": m.operator,
                    "before": m.before,
                    "after": m.after,
                    "outcome": m.outcome,
                    "class": entry.get("class", "untriaged"),
                    "invariant": entry.get("invariant", ""),
                    "note": entry.get("note", ""),
                    "id": m.id,
                }
            )
    return sorted(out, key=lambda s: (s["where"].split(":")[0], int(s["where"].split(":")[1])))


def survivor_table(kept: list[dict[str, Any]]) -> str:
    """The survivors as a Markdown table (docs/benchmarks.md's triage table is made from it)."""
    rows = ["| where | in | mutation | outcome | triage | note |", "|---|---|---|---|---|---|"]
    for s in kept:
        change = f"`{s['before']}` -> `{s['after']}`".replace("|", "\\|")
        note = str(s["note"]).replace("|", "\\|")
        if s["invariant"]:
            note = f"**{s['invariant']}**: {note}"
        rows.append(
            f"| {s['where']} | `{s['function']}` | {change} | {s['outcome']} | {s['class']} | {note} |"
        )
    return "\n".join(rows) + "\n"


# -- main -----------------------------------------------------------------------------------------


def _finished(results: Path) -> dict[str, Mutant]:
    if not results.is_file():
        return {}
    done = [Mutant(**json.loads(line)) for line in results.read_text().splitlines() if line]
    for mutant in done:  # recorded before stopped and incompetent had their own names
        if mutant.outcome == "error" and mutant.detail.startswith("does not compile"):
            mutant.outcome = "incompetent"
        elif mutant.outcome == "error" and mutant.exit_code is not None:
            mutant.outcome = VERDICTS.get(mutant.exit_code, "error")
    return {m.id: m for m in done}


def main(argv: Sequence[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress in a log
    if options.sample < 1 or options.jobs < 1:
        print("bench_detection: --sample and --jobs must be 1 or more", file=sys.stderr)
        return 2
    if options.retry_survivors and not options.resume:
        print("bench_detection: --retry-survivors goes with --resume", file=sys.stderr)
        return 2
    package = Path(options.package).resolve()
    modules = [m for m in options.modules.split(",") if m]
    missing = [m for m in modules if not (package / m).is_file()]
    if missing:
        print(f"bench_detection: no {', '.join(missing)} in {package}", file=sys.stderr)
        return 2
    out = Path(options.out)
    if options.report_only:
        return report_only(out, package, Path(options.triage))
    out.mkdir(parents=True, exist_ok=True)
    results = out / "results.jsonl"
    done = _finished(results) if options.resume else {}
    if options.retry_survivors:  # a check added since may kill them; a killer is never removed
        triage = load_triage(Path(options.triage), package)  # no check can kill an equivalent one
        done = {
            k: m
            for k, m in done.items()
            if not m.outcome.startswith("survived") or triage.get(m).get("class") == "equivalent"
        }
    if not options.resume:
        results.unlink(missing_ok=True)
    size = QUICK_SAMPLE if options.quick else options.sample

    every = listed_mutants(package, modules, out / "mutants.json")
    sources = {m: (package / m).read_text(encoding="utf-8") for m in modules}
    spans = {m: annotation_spans(sources[m]) for m in modules}
    behaviour = [m for m in every if not in_annotation(m, spans[m.module])]
    sample = draw(behaviour, size, options.seed)
    if options.only:
        wanted = [i.strip() for i in options.only.split(",") if i.strip()]
        by_id = {m.id: m for m in every}
        unknown = [i for i in wanted if i not in by_id]
        if unknown:
            print(f"bench_detection: no mutant {', '.join(unknown)}", file=sys.stderr)
            return 2
        sample = [by_id[i] for i in wanted]
    undescribed = [m for m in sample if not m.before and not m.after and not m.outcome]
    for mutant in undescribed:
        describe(mutant, sources[mutant.module])
    if undescribed:
        keep_listing(every, package, modules, out / "mutants.json")
    print(
        f"mutants: {len(every)} in {', '.join(modules)}, {len(every) - len(behaviour)} of them in "
        f"annotations never evaluated (equivalent, left out); sample {len(sample)} of the "
        f"{len(behaviour)} others (seed {options.seed})"
    )
    with tempfile.TemporaryDirectory(prefix="detection-") as scratch:
        workers: queue.Queue[tuple[Path, list[str]]] = queue.Queue()
        for index in range(options.jobs):
            folder = Path(scratch) / f"w{index}"
            folder.mkdir()
            copy = copy_package(package, folder)
            command = (
                shlex.split(options.command)
                if options.command
                else contract_command(options.seed, options.full_depth, folder / "report")
            )
            workers.put((copy, command))
        copy, command = workers.queue[0]
        print("command:", " ".join(command[1:] if not options.command else command))
        outcome, code, baseline, tail = run_command(command, copy, options.timeout or 3600)
        if outcome != "survived":
            print(f"bench_detection: the faithful mock fails the suite (exit {code}):\n{tail}")
            return 1
        timeout = options.timeout or 3 * baseline + 60
        print(f"faithful run: passes, {baseline:.1f} s; timeout per mutant {timeout:.0f} s")
        run = {"faithful_run_seconds": round(baseline, 1), "timeout_seconds": round(timeout)}
        run |= {"seed": options.seed, "sample": len(sample), "mutants": len(every)}
        run |= {"in_annotations": len(every) - len(behaviour), "command": command[1:]}
        (out / "run.json").write_text(json.dumps(run, indent=2) + "\n", encoding="utf-8")
        reach = (
            None if options.quick else kept_or_measured_reach(options, out, command, copy, timeout)
        )
        if reach is not None:
            print(
                "lines reached: "
                + ", ".join(f"{n} {len(reach.module_lines(n))}" for n in sorted(modules))
                + f"; {len(reach.tests)} tests ran"
            )
            valid = [m for m in sample if m.outcome not in VOID]
            hit = sum(is_reached(m, sources[m.module], reach.module_lines(m.module)) for m in valid)
            print(  # what the score can be at best until new requests reach more lines
                f"sample reached: {hit} of the {len(valid)} that compile; the others survive "
                f"without a run (score at most {hit / len(valid):.2f} before triage)"
                if valid
                else "sample reached: nothing compiles"
            )
        selections = Selections(out / "selections.json")

        def tests_for(mutant: Mutant) -> list[str] | None:
            if reach is None or options.whole_suite:
                return None
            return select_tests(mutant, sources[mutant.module], reach)

        if options.compare:
            return compare(sample, options.compare, workers, timeout, tests_for, selections)
        lock = threading.Lock()

        def one(mutant: Mutant) -> Mutant:
            if mutant.id in done and done[mutant.id].key == mutant.key:  # same mutation still
                return done[mutant.id]
            if mutant.outcome in VOID:
                pass  # recorded as it is: nothing to run
            elif reach is not None and not is_reached(
                mutant, sources[mutant.module], reach.module_lines(mutant.module)
            ):
                mutant.outcome = "survived (not reached)"
            else:
                copy, command = workers.get()
                try:
                    run_mutant(mutant, copy, command, timeout, tests_for(mutant), selections)
                finally:
                    workers.put((copy, command))
            with lock:
                with results.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps(asdict(mutant)) + "\n")
                print(
                    f"  {mutant.id} (line {mutant.line}): {mutant.outcome}"
                    + (f" in {mutant.seconds:.0f} s" if mutant.seconds else "")
                    + (f" ({mutant.tests} tests)" if mutant.tests else ""),
                    flush=True,
                )
            return mutant

        with ThreadPoolExecutor(options.jobs) as pool:
            finished = list(pool.map(one, sample))
    return report(finished, baseline, Path(options.triage), out, package)


def kept_or_measured_reach(
    options: argparse.Namespace, out: Path, command: list[str], copy: Path, timeout: float
) -> Reach:
    """The reach kept in ``reach.json`` when resuming (unless survivors are retried: new checks
    may reach more, and new tests change every selection), else measured by a traced faithful
    run; measuring it again forgets which selections the faithful copy passes."""
    kept = out / "reach.json"
    if options.resume and not options.retry_survivors and kept.is_file():
        found = Reach.from_json(json.loads(kept.read_text(encoding="utf-8")))
        if found is not None:
            return found
    reach = measure_reach(command, copy, 3 * timeout)
    modules = [m for m in options.modules.split(",") if m]
    kept.write_text(json.dumps(reach.to_json(modules)) + "\n", encoding="utf-8")
    (out / "selections.json").unlink(missing_ok=True)
    return reach


def compare(
    sample: list[Mutant],
    count: int,
    workers: queue.Queue[tuple[Path, list[str]]],
    timeout: float,
    tests_for: Any,
    selections: Selections,
) -> int:
    """``--compare N``: the first N sampled mutants that run a selection, each run against the
    whole suite and against its selection, side by side (nothing is written to the results)."""
    copy, command = workers.queue[0]
    chosen = [m for m in sample if m.outcome not in VOID and tests_for(m) is not None][:count]
    print("mutant | whole suite | selected | tests")
    totals = [0.0, 0.0]
    agree = 0
    for mutant in chosen:
        whole = Mutant(**asdict(mutant))
        run_mutant(whole, copy, command, timeout)
        fast = Mutant(**asdict(mutant))
        run_mutant(fast, copy, command, timeout, tests_for(mutant), selections)
        totals[0] += whole.seconds
        totals[1] += fast.seconds
        agree += whole.outcome == fast.outcome
        print(
            f"{mutant.id} (line {mutant.line}) | {whole.outcome} {whole.seconds:.1f} s | "
            f"{fast.outcome} {fast.seconds:.1f} s | {fast.tests or 'all'}",
            flush=True,
        )
    if chosen:
        print(
            f"mean: whole suite {totals[0] / len(chosen):.1f} s, selected "
            f"{totals[1] / len(chosen):.1f} s per mutant ({totals[0] / max(totals[1], 0.1):.1f}x); "
            f"same verdict for {agree} of {len(chosen)}"
        )
    return 0


def enclosing_function(path: Path, line: int) -> str:
    """The innermost function (or class) around ``line``, to group survivors by what they break."""
    best: tuple[int, str] = (0, "<module>")
    for node in _tree(path):
        if (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and node.lineno <= line <= (node.end_lineno or 0)
            and node.lineno > best[0]
        ):
            best = (node.lineno, node.name)
    return best[1]


@functools.cache
def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


@functools.cache
def _tree(path: Path) -> list[ast.AST]:
    return list(ast.walk(ast.parse(path.read_text(encoding="utf-8"))))


def report_only(out: Path, package: Path, triage_file: Path) -> int:
    """The report again from ``results.jsonl`` (after the triage file changed), without a run."""
    finished = list(_finished(out / "results.jsonl").values())
    if not finished:
        print(f"bench_detection: no results in {out / 'results.jsonl'}", file=sys.stderr)
        return 2
    run_file = out / "run.json"  # written once the faithful run passed
    known = json.loads(run_file.read_text()) if run_file.is_file() else {}
    return report(finished, known.get("faithful_run_seconds", 0.0), triage_file, out, package)


def report(
    finished: list[Mutant], baseline: float, triage_file: Path, out: Path, package: Path = PACKAGE
) -> int:
    """Print and write the score, the counts and the survivors."""
    triage = load_triage(triage_file, package)
    summary = summarise(finished, triage)
    ran = [m.seconds for m in finished if m.seconds]
    summary["faithful_run_seconds"] = round(baseline, 1)
    summary["mean_seconds_per_run_mutant"] = round(sum(ran) / len(ran), 1) if ran else None
    kept = survivors(finished, triage)
    for survivor in kept:
        module, line = survivor["where"].split(":")
        survivor["function"] = enclosing_function(package / module, int(line))
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    (out / "survivors.json").write_text(json.dumps(kept, indent=2) + "\n", encoding="utf-8")
    print(
        f"score: {summary['score']} = detected / non-equivalent; killed {summary['killed']}, "
        f"timed out {summary['timed_out']}, stopped {summary['stopped']}, survived "
        f"{summary['survived']} ({summary['survived_not_reached']} not reached), equivalent "
        f"{summary['equivalent']}, incompetent {summary['incompetent']}, error {summary['error']}"
    )
    if ran and baseline:
        mean = summary["mean_seconds_per_run_mutant"]
        print(f"cost: {mean} s per mutant run = {mean / baseline:.2f}x the faithful run")
    (out / "survivors.md").write_text(survivor_table(kept), encoding="utf-8")
    untriaged = sum(1 for s in kept if s["class"] == "untriaged")
    print(f"survivors: {len(kept)} ({untriaged} untriaged) in {out / 'survivors.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
