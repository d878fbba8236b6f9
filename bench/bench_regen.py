"""``issuetrak regen`` against a bare ``openapi-python-client generate``, side by side, on a small
and a large document.

Both generate the same patched document with the same config (issuetrak_tools/generator.yaml,
its ruff post-hooks and custom templates included) into throw-away folders. regen runs its
default path (``regen --from DOC --label L`` into a throw-away project's ``generated/``), so
everything it adds is measured: reading and checking the document, the media-type preference,
the module and import checks, stamping, the derived modules (typed views included) and the swap.
The large document is the pinned one; the small one keeps its first operations and the schemas
they reach, derived in code.

The runs are interleaved (bare, regen, regen, bare, ...) so that machine noise hits both alike,
and each column is the median over the runs. Both run with Python's bytecode cache, as installed
code does (a ``PYTHONDONTWRITEBYTECODE`` in the environment is dropped for them; the untimed
first run of each fills the cache). Two ratios are printed: wall time, and CPU time
(user + system of the command and every process it waited for). The target, regen <= 1.5x bare
on both sizes, is for wall time on a quiet machine; on a loaded one wall time mostly measures the
load (regen's work after the generator runs on one core, which the load shares out), and the CPU
ratio is the one that does not depend on it.

    python bench/bench_regen.py [--quick] [--repeats N] [--size small|large]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from issuetrak_tools import _codegen
from issuetrak_tools._contract.document import _closure, _refs
from issuetrak_tools.spec import load_document

TARGET = 1.5
SMALL_PATHS = 12  # about what the small real-world documents have
NO_BYTECODE = "PYTHONDONTWRITEBYTECODE"


@dataclass
class Runs:
    """Wall and CPU seconds of each run of one command."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def add(self, argv: list[str], env: dict[str, str]) -> None:
        before = os.times()
        started = time.perf_counter()
        result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - started
        after = os.times()
        if result.returncode != 0:
            raise SystemExit(f"bench_regen: {' '.join(argv[:3])} failed:\n{result.stderr[-2000:]}")
        self.wall.append(elapsed)
        # the command and every process it waited for (the generator's ruff hooks, regen's
        # generator and finishing interpreter): what the run cost whatever else the machine does
        self.cpu.append(
            after.children_user
            - before.children_user
            + after.children_system
            - before.children_system
        )


def small_document(document: dict[str, Any]) -> dict[str, Any]:
    """The first ``SMALL_PATHS`` paths of ``document`` and only the schemas they reach."""
    paths = dict(list(document["paths"].items())[:SMALL_PATHS])
    components = dict(document.get("components") or {})
    schemas = components.get("schemas") or {}
    roots = _refs(paths) | _refs({k: v for k, v in components.items() if k != "schemas"})
    reached = _closure(schemas, roots)
    components["schemas"] = {k: v for k, v in schemas.items() if k in reached}
    return {**document, "paths": paths, "components": components}


def measure(document: dict[str, Any], work: Path, size: str, repeats: int) -> tuple[Runs, Runs]:
    """(bare runs, regen runs) of one document, interleaved."""
    config = _codegen.GENERATOR_CONFIG
    # both run with the bytecode cache Python keeps by default, as installed code has it (pip
    # byte-compiles the generator; an editable checkout caches on first use, the warm-up here)
    env = {k: v for k, v in _codegen.generator_env().items() if k != NO_BYTECODE}
    path = work / f"{size}.json"
    path.write_text(_codegen.canonical_json(document), encoding="utf-8")
    raw_config, _ = _codegen.load_generator_config(config)
    # the generator command line regen runs, custom templates included, minus the output folder
    bare_cmd = _codegen.generator_argv(
        path, config, Path("unused"), templates=_codegen.custom_templates(raw_config, config)
    )
    del bare_cmd[bare_cmd.index("--output-path") : bare_cmd.index("--output-path") + 2]
    issuetrak = Path(sys.executable).parent / "issuetrak"
    regen_cmd = (
        [str(issuetrak)] if issuetrak.is_file() else [sys.executable, "-m", "issuetrak_tools"]
    )
    regen_cmd += ["regen", "--from", str(path), "--label", f"bench-{size}"]
    project = work / f"project-{size}"
    (project / "spec").mkdir(parents=True)
    regen_env = {k: v for k, v in os.environ.items() if k != NO_BYTECODE}
    regen_env["ISSUETRAK_PROJECT_ROOT"] = str(project)
    bare, regen = Runs(), Runs()
    # one untimed run of each first: file-system and import caches warm for both alike, and
    # regen has a previous package to replace, as it has in use
    Runs().add([*bare_cmd, "--output-path", str(work / f"warm-bare-{size}")], env)
    Runs().add(regen_cmd, regen_env)
    for index in range(repeats):
        # alternate which goes first so neither always runs right after the other
        order = ["bare", "regen"] if index % 2 == 0 else ["regen", "bare"]
        for name in order:
            if name == "bare":
                output = work / f"bare-{size}-{index}"
                bare.add([*bare_cmd, "--output-path", str(output)], env)
                shutil.rmtree(output, ignore_errors=True)  # untimed: keeps the disk use flat
            else:
                regen.add(regen_cmd, regen_env)
    return bare, regen


def _verdict(ratio: float) -> str:
    return "ok" if ratio <= TARGET else "ABOVE"


def report(size: str, document: dict[str, Any], bare: Runs, regen: Runs) -> dict[str, float]:
    """Print one size's row; return its numbers."""
    median = statistics.median
    wall = median(regen.wall) / median(bare.wall)
    cpu = median(regen.cpu) / median(bare.cpu)
    operations = sum(len(item) for item in document["paths"].values())
    print(
        f"{size:<6} {len(document['paths']):>5} paths {operations:>4} ops {len(bare.wall):>3} runs"
        f" | wall: bare {median(bare.wall):6.2f} s  regen {median(regen.wall):6.2f} s"
        f"  {wall:.2f}x {_verdict(wall):<5}"
        f" | CPU: bare {median(bare.cpu):6.2f} s  regen {median(regen.cpu):6.2f} s"
        f"  {cpu:.2f}x {_verdict(cpu)}",
        flush=True,
    )
    return {
        "bare_s": round(median(bare.wall), 3),
        "regen_s": round(median(regen.wall), 3),
        "ratio": round(wall, 3),
        "bare_cpu_s": round(median(bare.cpu), 3),
        "regen_cpu_s": round(median(regen.cpu), 3),
        "cpu_ratio": round(cpu, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 runs of each")
    parser.add_argument("--repeats", type=int, default=7, help="runs of each (default 7)")
    parser.add_argument("--size", choices=("small", "large"), action="append")
    args = parser.parse_args()
    repeats = 3 if args.quick else max(1, args.repeats)
    full = load_document()
    documents = {"small": small_document(full), "large": full}
    sizes = args.size or list(documents)
    work = Path(tempfile.mkdtemp(prefix="bench-regen-"))
    results: dict[str, dict[str, float]] = {}
    print(
        f"issuetrak regen / bare openapi-python-client generate, medians of interleaved runs; "
        f"target <= {TARGET}x (wall, quiet machine; CPU = user + sys, independent of load)",
        flush=True,
    )
    try:
        for size in sizes:
            bare, regen = measure(documents[size], work, size, repeats)
            results[size] = report(size, documents[size], bare, regen)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({"bench": "regen", **results}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
