"""An upgrade to a new Issuetrak version against a first pin of the same document, side by side.

Both pin the same next document (derived here from the pinned one: a new entity shaped like
Causes, an optional query parameter, a double that became an integer), regenerate, and run the
contract suite against the mock of the new label, each in a throw-away project:

* first pin: an empty project; ``fetch-spec --from next.json --label next --set-default``, then
  ``regen --label next`` and ``contract --spec-label next``;
* upgrade:   a project that already pins cloud-2026.07 (its overrides and its generated package);
  ``fetch-spec --from next.json --label next`` carries the overrides over one by one, ``regen``
  builds the new label beside the old one, then the same contract run.

The ratio (upgrade / first pin) is what upgrading costs beyond pinning: carrying the overrides,
the package built beside another, the patched document's extra responses. Interleaved runs, medians.

    python bench/bench_upgrade.py [--quick] [--repeats N]
"""

from __future__ import annotations

import argparse
import copy
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

from issuetrak.versions import resolve
from issuetrak_tools.spec import load_document, locate_document, project_root

BASE = "cloud-2026.07"
TARGET = 1.25
CONTRACT = ["--operations", "/(Causes|Outcomes|Priorities)", "--max-examples", "2"]
CONTRACT += ["--coverage-budget", "0"]


def next_document() -> dict[str, Any]:
    """The pinned document as a next release might publish it (built in memory, never saved
    beside the project)."""
    document = load_document(BASE, patched=False)
    result = copy.deepcopy(document)

    def renamed(node: Any) -> Any:
        text = json.dumps(node).replace("Causes", "Outcomes").replace("Cause", "Outcome")
        return json.loads(text.replace("causes", "outcomes").replace("cause", "outcome"))

    for path, item in document["paths"].items():
        if path == "/Causes" or path.startswith("/Causes/"):
            result["paths"][renamed(path)] = renamed(item)
    schemas = result["components"]["schemas"]
    for name, schema in document["components"]["schemas"].items():
        if "Cause" in name and not name.startswith("Issue"):
            schemas[renamed(name)] = renamed(schema)
    result["paths"]["/Causes"]["get"]["parameters"].append(
        {"name": "IncludeInactive", "in": "query", "schema": {"type": "boolean"}}
    )
    for name in ("Priority", "CreatePriority", "UpdatePriority"):
        prop = schemas[name]["properties"]["displayOrder"]
        prop["type"], prop["format"] = "integer", "int32"
    return result


def run(argv: list[str], root: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ISSUETRAK_SPEC")}
    env["ISSUETRAK_PROJECT_ROOT"] = str(root)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(root / "generated"), env.get("PYTHONPATH", "")) if p
    )
    result = subprocess.run(
        [sys.executable, "-m", "issuetrak_tools", *argv],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(
            f"bench_upgrade: {' '.join(argv[:3])} failed:\n{(result.stdout + result.stderr)[-3000:]}"
        )


def first_pin_project(work: Path, name: str) -> Path:
    root = work / name
    (root / "spec").mkdir(parents=True)
    (root / "spec" / "default").write_text("none-yet\n", encoding="utf-8")
    return root


def upgrade_project(work: Path, name: str) -> Path:
    """A project where BASE is pinned and built, as the repository has it (set up untimed)."""
    root = first_pin_project(work, name)
    folder = root / "spec" / BASE
    folder.mkdir()
    for file in ("pin.toml", "overrides.json"):
        shutil.copy(project_root() / "spec" / BASE / file, folder / file)
    (folder / "openapi.json").symlink_to(locate_document(BASE))
    (root / "spec" / "default").write_text(f"{BASE}\n", encoding="utf-8")
    installed = Path(resolve(BASE).module().__file__ or "").parent
    index = root / "generated" / "issuetrak_client"
    shutil.copytree(installed.parent, index, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def timed_chain(root: Path, document: Path, *, first: bool, reports: Path) -> float:
    started = time.perf_counter()
    pin = ["fetch-spec", "--from", str(document), "--label", "next"]
    run([*pin, "--set-default"] if first else pin, root)
    run(["regen", "--label", "next"], root)
    run(["contract", "--spec-label", "next", "--report-dir", str(reports), *CONTRACT], root)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 run of each")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats

    work = Path(tempfile.mkdtemp(prefix="bench-upgrade-"))
    try:
        document = work / "next.json"
        document.write_text(json.dumps(next_document(), indent=2), encoding="utf-8")
        times: dict[str, list[float]] = {"first pin": [], "upgrade": []}
        for index in range(repeats):
            # alternate which goes first so neither always meets warm caches
            order = ["first pin", "upgrade"] if index % 2 == 0 else ["upgrade", "first pin"]
            for mode in order:
                first = mode == "first pin"
                make = first_pin_project if first else upgrade_project
                root = make(work, f"{mode.replace(' ', '-')}-{index}")
                times[mode].append(
                    timed_chain(root, document, first=first, reports=root / "reports")
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    first_median = statistics.median(times["first pin"])
    upgrade_median = statistics.median(times["upgrade"])
    ratio = upgrade_median / first_median
    verdict = "ok" if ratio <= TARGET else f"ABOVE TARGET {TARGET}x"
    print(
        f"first pin (fetch-spec, regen, contract): median {first_median:.1f} s over {repeats} runs"
    )
    carried = len(json.loads((project_root() / "spec" / BASE / "overrides.json").read_text()))
    print(
        f"upgrade   (fetch-spec carrying {carried} overrides, regen beside {BASE}, contract): "
        f"median {upgrade_median:.1f} s over {repeats} runs"
    )
    print(f"ratio upgrade / first pin: {ratio:.2f}x (target <= {TARGET}x: {verdict})")
    print(
        json.dumps(
            {
                "bench": "upgrade",
                "first_pin_s": round(first_median, 2),
                "upgrade_s": round(upgrade_median, 2),
                "ratio": round(ratio, 3),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
