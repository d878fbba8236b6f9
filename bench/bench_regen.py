"""``issuetrak regen`` against a bare ``openapi-python-client generate``, side by side.

Both generate the same patched document with the same config (spec/generator.yaml, including
its ruff post-hooks and custom templates) into throw-away folders, interleaved so that machine noise hits both alike.
regen's extra work (hash check, overrides, canonical document, module check, stamping, swap) is
what the ratio measures. Target: regen <= 1.5x bare.

    python bench/bench_regen.py [--quick] [--repeats N]
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

from issuetrak_tools import _codegen
from issuetrak_tools.spec import load_document

TARGET = 1.5


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"bench_regen: {' '.join(argv[:3])} failed:\n{result.stderr[-2000:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 runs of each")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    repeats = 2 if args.quick else args.repeats

    config = _codegen.GENERATOR_CONFIG
    env = _codegen.generator_env()
    work = Path(tempfile.mkdtemp(prefix="bench-regen-"))
    try:
        document = work / "openapi.json"
        document.write_text(_codegen.canonical_json(load_document()), encoding="utf-8")
        # the same generator command line regen runs, custom templates included, minus the
        # output folder (appended per run)
        raw_config, _ = _codegen.load_generator_config(config)
        bare_cmd = _codegen.generator_argv(
            document,
            config,
            Path("unused"),
            templates=_codegen.custom_templates(raw_config, config),
        )
        del bare_cmd[bare_cmd.index("--output-path") : bare_cmd.index("--output-path") + 2]
        issuetrak = Path(sys.executable).parent / "issuetrak"
        regen_cmd = (
            [str(issuetrak)] if issuetrak.is_file() else [sys.executable, "-m", "issuetrak_tools"]
        )
        regen_env = {**os.environ}
        bare: list[float] = []
        regen: list[float] = []
        # one untimed run of each first: file-system and import caches warm for both alike
        timed([*bare_cmd, "--output-path", str(work / "warm-bare")], env)
        timed(
            [*regen_cmd, "regen", "--output", str(work / "warm-regen" / "issuetrak_client")],
            regen_env,
        )
        for index in range(repeats):
            # alternate which goes first so neither always runs on a warm cache
            order = [("bare", bare), ("regen", regen)]
            for name, times in order if index % 2 == 0 else order[::-1]:
                output = work / f"{name}-{index}" / "issuetrak_client"
                if name == "bare":
                    times.append(timed([*bare_cmd, "--output-path", str(output)], env))
                else:
                    times.append(timed([*regen_cmd, "regen", "--output", str(output)], regen_env))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    bare_median, regen_median = statistics.median(bare), statistics.median(regen)
    ratio = regen_median / bare_median
    verdict = "ok" if ratio <= TARGET else f"ABOVE TARGET {TARGET}x"
    print(f"bare openapi-python-client generate: median {bare_median:.2f} s over {len(bare)} runs")
    print(
        f"issuetrak regen:                     median {regen_median:.2f} s over {len(regen)} runs"
    )
    print(f"ratio regen / bare: {ratio:.2f}x (target <= {TARGET}x: {verdict})")
    print(
        json.dumps(
            {
                "bench": "regen",
                "bare_s": round(bare_median, 3),
                "regen_s": round(regen_median, 3),
                "ratio": round(ratio, 3),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
