"""How much of the mock's behaviour the contract suite checks: mutation testing of the mock.

    python bench/bench_detection.py --sample 300 --seed 1      # the benchmark (hours on 1 core)
    python bench/bench_detection.py --quick                    # a smoke run: 4 mutants, all run
    python bench/bench_detection.py --resume ...               # go on with an interrupted run
                                                               # (keeps its results and reach.json)
    python bench/bench_detection.py --resume --retry-survivors ...  # after new checks landed:
                                                               # re-run the survivors only

Cosmic Ray lists every mutant of the mock's behaviour modules (handlers with the paging code,
search, criteria, issues, validation); a seeded sample of them is run, one at a time, against the
same suite ``issuetrak contract`` runs against the embedded mock, through that command in a child
process (``python -m issuetrak_tools contract --seed S --allow-writes --allow-destructive ...``),
so the benchmark keeps measuring whatever the suite checks as it grows. Each mutant lives in a
private copy of the package put first on ``PYTHONPATH``; the checkout is never modified.

Before any mutant, the faithful copy must pass the same command (else nothing can be measured),
and a second faithful run records which lines the suite executes (``detection/sitecustomize.py``):
a mutant on a line the suite never reaches cannot change what the suite sees, so it is recorded as
*survived (not reached)* without a run. Outcomes: *killed* (the command exits 1: contract
failures), *timed out* (past ``--timeout``, counted as detected: a hung site fails its CI job),
*survived* (exit 0), *error* (any other exit: the suite could not give a verdict; left out of the
score), *equivalent* (a survivor that ``detection/triage.toml`` marks so: no behaviour changed).

    score = (killed + timed out) / (killed + timed out + survived)   # equivalents left out

Everything goes to ``--out`` (default ``reports/detection/``): ``results.jsonl`` (one line per
mutant, appended as each finishes), ``summary.json`` and ``survivors.json`` (each survivor with
its place, its mutation and its triage). The per-mutant cost is printed as a ratio to the faithful
run measured in the same invocation.
"""

from __future__ import annotations

import argparse
import ast
import difflib
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
DETECTED = ("killed", "timed out")


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
        mutant.outcome, mutant.detail = "error", f"does not compile: {exc.msg}"


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
    return [*command, "--", "-x"]


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
    outcome = {None: "timed out", 0: "survived", 1: "killed"}.get(code, "error")
    return outcome, code, seconds, tail


def reached_lines(command: list[str], copy: Path, timeout: float) -> dict[str, set[int]]:
    """The lines of ``copy`` a faithful run executes, per module file name."""
    with tempfile.TemporaryDirectory() as folder:
        env = {
            "PYTHONPATH": str(HERE),
            "DETECTION_REACH_ROOT": str(copy),
            "DETECTION_REACH_OUT": str(Path(folder) / "reach"),
        }
        outcome, code, _, tail = run_command(command, copy, timeout, env)
        if outcome != "survived":
            raise SystemExit(f"bench_detection: the traced faithful run exited {code}:\n{tail}")
        lines: dict[str, set[int]] = {}
        for part in Path(folder).glob("reach.*.json"):
            for filename, numbers in json.loads(part.read_text(encoding="utf-8")).items():
                lines.setdefault(Path(filename).name, set()).update(numbers)
    return lines


def is_reached(mutant: Mutant, source: str, lines: set[int]) -> bool:
    """Whether the run executed the mutated line or the first line of its innermost statement
    (a statement spanning lines may report only its first one)."""
    spans = [
        (node.end_lineno - node.lineno, node.lineno)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.stmt)
        and node.end_lineno is not None
        and node.lineno <= mutant.line <= node.end_lineno
    ]
    return mutant.line in lines or (bool(spans) and min(spans)[1] in lines)


def run_mutant(mutant: Mutant, copy: Path, command: list[str], timeout: float) -> None:
    """Apply ``mutant`` to ``copy``, run the command, put the source back."""
    from cosmic_ray.mutating import use_mutation
    from cosmic_ray.plugins import get_operator

    operator = get_operator(mutant.operator)()
    with use_mutation(copy / mutant.module, operator, mutant.occurrence) as (_, mutated):
        if mutated is None:
            mutant.outcome, mutant.detail = "error", "the mutation could not be applied"
            return
        outcome, code, seconds, tail = run_command(command, copy, timeout)
    mutant.outcome, mutant.exit_code, mutant.seconds = outcome, code, round(seconds, 1)
    if outcome in ("killed", "error"):
        mutant.detail = _first_failure(tail)


def _first_failure(tail: str) -> str:
    """The line of the output that says what the suite reported (its first FAILED line)."""
    for line in tail.splitlines():
        if line.startswith(("FAILED", "ERROR", "issuetrak contract:")):
            return line[:300]
    return tail.strip().splitlines()[-1][:300] if tail.strip() else ""


# -- the report -----------------------------------------------------------------------------------


def load_triage(path: Path) -> dict[str, dict[str, str]]:
    """Survivors already triaged, by :attr:`Mutant.key`: ``class`` and ``note``."""
    if not path.is_file():
        return {}
    entries = tomllib.loads(path.read_text(encoding="utf-8")).get("survivor", [])
    return {f"{e['module']}|{e['before']}|{e['after']}": e for e in entries}


def summarise(mutants: list[Mutant], triage: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Counts and score; a survivor that the triage calls equivalent is counted as such."""
    for mutant in mutants:
        if mutant.outcome.startswith("survived") and triage.get(mutant.key, {}).get("class") == (
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
        "survived": survived,
        "survived_not_reached": counts["survived (not reached)"],
        "equivalent": counts["equivalent"],
        "error": counts["error"],
        "score": round(detected / scored, 4) if scored else None,
    }


def survivors(mutants: list[Mutant], triage: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """Each survivor with its place, its mutation and its triage (``untriaged`` if none yet)."""
    out = []
    for m in mutants:
        if m.outcome.startswith("survived") or m.outcome == "equivalent":
            entry = triage.get(m.key, {})
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
    done = (Mutant(**json.loads(line)) for line in results.read_text().splitlines() if line)
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
        triage = load_triage(Path(options.triage))  # no check can kill an equivalent one
        done = {
            k: m
            for k, m in done.items()
            if not m.outcome.startswith("survived")
            or triage.get(m.key, {}).get("class") == "equivalent"
        }
    if not options.resume:
        results.unlink(missing_ok=True)
    size = QUICK_SAMPLE if options.quick else options.sample

    every = listed_mutants(package, modules, out / "mutants.json")
    sources = {m: (package / m).read_text(encoding="utf-8") for m in modules}
    spans = {m: annotation_spans(sources[m]) for m in modules}
    behaviour = [m for m in every if not in_annotation(m, spans[m.module])]
    sample = draw(behaviour, size, options.seed)
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
        reach: dict[str, set[int]] | None = None  # --quick runs its few mutants whatever they are
        kept_reach = out / "reach.json"
        if (
            options.resume
            and not options.retry_survivors
            and not options.quick
            and kept_reach.is_file()
        ):
            reach = {k: set(v) for k, v in json.loads(kept_reach.read_text()).items()}
        elif not options.quick:
            reach = reached_lines(command, copy, 3 * timeout)
        if reach is not None:
            reached = {name: sorted(lines) for name, lines in reach.items() if name in modules}
            kept_reach.write_text(json.dumps(reached) + "\n", encoding="utf-8")
            print(
                "lines reached: " + ", ".join(f"{n} {len(v)}" for n, v in sorted(reached.items()))
            )
            valid = [m for m in sample if m.outcome != "error"]
            hit = sum(is_reached(m, sources[m.module], reach.get(m.module, set())) for m in valid)
            print(  # what the score can be at best until new requests reach more lines
                f"sample reached: {hit} of the {len(valid)} that compile; the others survive "
                f"without a run (score at most {hit / len(valid):.2f} before triage)"
                if valid
                else "sample reached: nothing compiles"
            )
        lock = threading.Lock()

        def one(mutant: Mutant) -> Mutant:
            if mutant.id in done and done[mutant.id].key == mutant.key:  # same mutation still
                return done[mutant.id]
            if mutant.outcome == "error":
                pass  # void: recorded as it is
            elif reach is not None and not is_reached(
                mutant, sources[mutant.module], reach.get(mutant.module, set())
            ):
                mutant.outcome = "survived (not reached)"
            else:
                copy, command = workers.get()
                try:
                    run_mutant(mutant, copy, command, timeout)
                finally:
                    workers.put((copy, command))
            with lock:
                with results.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps(asdict(mutant)) + "\n")
                print(
                    f"  {mutant.id} (line {mutant.line}): {mutant.outcome}"
                    + (f" in {mutant.seconds:.0f} s" if mutant.seconds else ""),
                    flush=True,
                )
            return mutant

        with ThreadPoolExecutor(options.jobs) as pool:
            finished = list(pool.map(one, sample))
    return report(finished, baseline, Path(options.triage), out, package)


def enclosing_function(path: Path, line: int) -> str:
    """The innermost function (or class) around ``line``, to group survivors by what they break."""
    best: tuple[int, str] = (0, "<module>")
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and node.lineno <= line <= (node.end_lineno or 0)
            and node.lineno > best[0]
        ):
            best = (node.lineno, node.name)
    return best[1]


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
    triage = load_triage(triage_file)
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
        f"timed out {summary['timed_out']}, survived {summary['survived']} "
        f"({summary['survived_not_reached']} not reached), equivalent {summary['equivalent']}, "
        f"error {summary['error']}"
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
