"""``issuetrak regen`` against a bare ``openapi-python-client generate``, side by side, on a small
and a large document.

Both generate the same patched document with the same config (issuetrak_tools/generator.yaml,
its ruff post-hooks and custom templates included) into throw-away folders, interleaved so that
machine noise hits both alike. regen runs its default path (``regen --from DOC --label L`` into a
throw-away project's ``generated/``), so everything it adds is measured: reading and checking the
document, the media-type preference, the module and import checks, stamping, the derived modules
(typed views included) and the swap. The large document is the pinned one; the small one keeps
its first operations and the schemas they reach, derived in code. Target: regen <= 1.5x bare on
both.

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
from pathlib import Path
from typing import Any

from issuetrak_tools import _codegen
from issuetrak_tools._contract.document import _closure, _refs
from issuetrak_tools.spec import load_document

TARGET = 1.5
SMALL_PATHS = 12  # about what the small real-world documents have


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"bench_regen: {' '.join(argv[:3])} failed:\n{result.stderr[-2000:]}")
    return elapsed


def small_document(document: dict[str, Any]) -> dict[str, Any]:
    """The first ``SMALL_PATHS`` paths of ``document`` and only the schemas they reach."""
    paths = dict(list(document["paths"].items())[:SMALL_PATHS])
    components = dict(document.get("components") or {})
    schemas = components.get("schemas") or {}
    roots = _refs(paths) | _refs({k: v for k, v in components.items() if k != "schemas"})
    reached = _closure(schemas, roots)
    components["schemas"] = {k: v for k, v in schemas.items() if k in reached}
    return {**document, "paths": paths, "components": components}


def measure(document: dict[str, Any], work: Path, size: str, repeats: int) -> tuple[float, float]:
    """(bare median, regen median) in seconds for one document."""
    config = _codegen.GENERATOR_CONFIG
    env = _codegen.generator_env()
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
    regen_env = {**os.environ, "ISSUETRAK_PROJECT_ROOT": str(project)}
    bare: list[float] = []
    regen: list[float] = []
    # one untimed run of each first: file-system and import caches warm for both alike
    timed([*bare_cmd, "--output-path", str(work / f"warm-bare-{size}")], env)
    timed(regen_cmd, regen_env)
    for index in range(repeats):
        # alternate which goes first so neither always runs on a warm cache
        order = [("bare", bare), ("regen", regen)]
        for name, times in order if index % 2 == 0 else order[::-1]:
            if name == "bare":
                output = work / f"bare-{size}-{index}"
                times.append(timed([*bare_cmd, "--output-path", str(output)], env))
            else:
                times.append(timed(regen_cmd, regen_env))
    return statistics.median(bare), statistics.median(regen)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 runs of each")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--size", choices=("small", "large"), action="append")
    args = parser.parse_args()
    repeats = 2 if args.quick else args.repeats
    full = load_document()
    documents = {"small": small_document(full), "large": full}
    sizes = args.size or list(documents)
    work = Path(tempfile.mkdtemp(prefix="bench-regen-"))
    results: dict[str, dict[str, float]] = {}
    try:
        for size in sizes:
            bare, regen = measure(documents[size], work, size, repeats)
            operations = sum(len(item) for item in documents[size]["paths"].values())
            ratio = regen / bare
            verdict = "ok" if ratio <= TARGET else f"ABOVE TARGET {TARGET}x"
            print(
                f"{size} ({len(documents[size]['paths'])} paths, {operations} path entries): "
                f"bare openapi-python-client generate median {bare:.2f} s, issuetrak regen median "
                f"{regen:.2f} s over {repeats} runs each: ratio {ratio:.2f}x "
                f"(target <= {TARGET}x: {verdict})",
                flush=True,
            )
            results[size] = {
                "bare_s": round(bare, 3),
                "regen_s": round(regen, 3),
                "ratio": round(ratio, 3),
            }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({"bench": "regen", **results}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
