"""What a client-only user installs and pays at import, next to the full development install.

Two environments, measured in one run:

* client only: a fresh virtual environment in a temporary folder with ``pip install <wheel>``
  (the wheel is built from this checkout unless ``--wheel`` names one);
* development: the environment ``make install`` made (``.venv``: every extra and the dev tools,
  the project installed editable), or the one ``--dev-python`` names.

Printed side by side, with the ratio development / client only:

* installed size: the bytes under site-packages (plus, for an editable install, the project's
  own source folders it points at), and the number of installed distributions;
* ``import issuetrak`` and ``from issuetrak import Issuetrak``: the median, over fresh interpreters
  run in interleaved rounds, of the time the statement takes inside the child
  (``time.perf_counter``), and of the whole child process (interpreter start-up included).

    python bench/bench_install.py [--quick] [--rounds N] [--wheel PATH] [--dev-python PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EDITABLE_SOURCES = ("overlay", "generated", "mock", "tools")
STATEMENTS = {
    "import issuetrak": "import issuetrak",
    "from issuetrak import Issuetrak": "from issuetrak import Issuetrak",
}
_TIMED = (
    "import time\n"
    "started = time.perf_counter()\n"
    "{statement}\n"
    "print(time.perf_counter() - started)\n"
)
_INVENTORY = (
    "import importlib.metadata, json, sysconfig\n"
    "names = sorted({d.metadata['Name'].lower() for d in importlib.metadata.distributions()})\n"
    "print(json.dumps({'purelib': sysconfig.get_paths()['purelib'], 'names': names}))\n"
)


def _tree_bytes(root: Path) -> int:
    total = 0
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_size
    return total


def _inventory(python: Path, editable: bool) -> tuple[int, int]:
    """(bytes installed, distributions) of the environment of ``python``."""
    out = subprocess.run(
        [str(python), "-c", _INVENTORY], capture_output=True, text=True, check=True
    ).stdout
    found = json.loads(out)
    size = _tree_bytes(Path(found["purelib"]))
    if editable:  # an editable install's code lives in the checkout, not in site-packages
        size += sum(_tree_bytes(REPO / name) for name in EDITABLE_SOURCES if (REPO / name).is_dir())
    return size, len(found["names"])


def _build_wheel(out: Path) -> Path:
    print("building the wheel ...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(REPO)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return next(out.glob("issuetrak-*.whl"))


def _client_env(folder: Path, wheel: Path) -> Path:
    print(f"installing {wheel.name} alone into a fresh venv ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    python = folder / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)],
        check=True,
    )
    return python


def _time_once(python: Path, statement: str, cwd: Path) -> tuple[float, float]:
    """(seconds for the statement inside the child, seconds for the whole child)."""
    started = time.perf_counter()
    out = subprocess.run(
        [str(python), "-c", _TIMED.format(statement=statement)],
        capture_output=True,
        text=True,
        check=True,
        cwd=cwd,  # away from the checkout, so only the installed packages are importable
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    ).stdout
    return float(out.strip()), time.perf_counter() - started


def _ratio(dev: float, client: float) -> str:
    return f"{dev / client:.2f}x" if client > 0 else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 rounds instead of 15")
    parser.add_argument("--rounds", type=int, default=None, help="fresh interpreters per case")
    parser.add_argument("--wheel", type=Path, default=None, help="measure this wheel (no build)")
    parser.add_argument(
        "--dev-python",
        type=Path,
        default=REPO / ".venv" / "bin" / "python",
        help="the development environment's interpreter (default: .venv/bin/python)",
    )
    args = parser.parse_args()
    rounds = args.rounds or (5 if args.quick else 15)
    if not args.dev_python.is_file():
        print(f"bench_install: no development environment at {args.dev_python}; run `make install`")
        return 2
    with tempfile.TemporaryDirectory(prefix="issuetrak-bench-install-") as tmp:
        work = Path(tmp)
        wheel = args.wheel.resolve() if args.wheel else _build_wheel(work / "dist")
        client = _client_env(work / "client", wheel)
        envs = {"client only": client, "development": args.dev_python}
        sizes = {
            name: _inventory(python, editable=name == "development")
            for name, python in envs.items()
        }
        cases = [(env, label) for env in envs for label in STATEMENTS]
        for env, label in cases:  # warm the file cache once for each case
            _time_once(envs[env], STATEMENTS[label], work)
        inner: dict[tuple[str, str], list[float]] = {case: [] for case in cases}
        whole: dict[tuple[str, str], list[float]] = {case: [] for case in cases}
        for _ in range(rounds):
            random.shuffle(cases)  # load from other processes hits every case alike
            for env, label in cases:
                statement_time, process_time = _time_once(envs[env], STATEMENTS[label], work)
                inner[(env, label)].append(statement_time)
                whole[(env, label)].append(process_time)

    client_size, client_count = sizes["client only"]
    dev_size, dev_count = sizes["development"]
    print(f"\n{wheel.name}: client-only install vs development install ({rounds} rounds)")
    print(f"{'':44} {'client only':>12} {'development':>12} {'dev / client':>13}")
    print(
        f"{'installed size (MB)':44} {client_size / 1e6:>12.1f} {dev_size / 1e6:>12.1f} "
        f"{_ratio(dev_size, client_size):>13}"
    )
    print(
        f"{'installed distributions':44} {client_count:>12} {dev_count:>12} "
        f"{_ratio(dev_count, client_count):>13}"
    )
    for label in STATEMENTS:
        for what, table in (("", inner), (" (process)", whole)):
            a = statistics.median(table[("client only", label)])
            b = statistics.median(table[("development", label)])
            print(f"{label + what:44} {a * 1000:>10.1f}ms {b * 1000:>10.1f}ms {_ratio(b, a):>13}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
