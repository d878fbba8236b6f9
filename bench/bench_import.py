"""Import cost of the SDK against importing every generated model module, side by side.

Each measurement is a fresh interpreter (``sys.executable -c ...``), so nothing is cached in
``sys.modules``. All cases run interleaved in rounds, in a shuffled order per round, so load from
other processes on the machine hits every case alike. Two figures per case:

* import time: ``time.perf_counter()`` around the statements inside the child;
* process time: wall time of the whole child (interpreter start-up included), as a user running
  ``python -c "import issuetrak"`` sees it.

The baseline imports every module of ``issuetrak_client.models`` by name (the script checks once
that all of them were loaded), so it stays the same whether the generated ``__init__`` imports
every model eagerly or each one on first use. The headline ratio, with the target of at least 4x, is
``import issuetrak`` against that baseline. Further lines, against the same baseline:

* ``from issuetrak import Issuetrak``: loads the client class, hence httpx and the policy layer;
* first facade call: also builds a client (over ``httpx.MockTransport``) and looks up
  ``client.users.get``, which imports that one generated operation and the models it names;
* ``import httpx`` alone: not a case of the SDK but a floor the last two lines share with the
  baseline (the generated package imports httpx too).

    python bench/bench_import.py [--quick] [--rounds N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time

# every model module by name: right whether the package's __init__ imports them all or lazily
BASELINE = (
    "import importlib, pkgutil, issuetrak_client.models as m\n"
    "for i in pkgutil.iter_modules(m.__path__):\n"
    "    importlib.import_module(f'issuetrak_client.models.{i.name}')"
)
CASES: dict[str, str] = {
    "import issuetrak": "import issuetrak",
    "from issuetrak import Issuetrak": "from issuetrak import Issuetrak",
    "first facade call": (
        "import httpx\n"
        "from issuetrak import Issuetrak\n"
        "client = Issuetrak('https://site.example', token='t', rate_limits=None,\n"
        "                   transport=httpx.MockTransport(lambda request: httpx.Response(404)))\n"
        "client.users.get"
    ),
    "import httpx (shared floor)": "import httpx",
}
HEADLINE = "import issuetrak"
TARGET = 4.0

_CHECK_MODELS = (
    f"{BASELINE}\n"
    "import sys\n"
    "names = [i.name for i in pkgutil.iter_modules(m.__path__)]\n"
    "print(len(names), sum(f'issuetrak_client.models.{n}' in sys.modules for n in names))\n"
)


def _child(statement: str) -> tuple[float, float]:
    body = "\n".join(f"    {line}" for line in statement.splitlines())
    code = (
        f"import time\nt = time.perf_counter()\nif True:\n{body}\nprint(time.perf_counter() - t)\n"
    )
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1]), time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer rounds (well under a minute)")
    parser.add_argument("--rounds", type=int, default=None, help="rounds over all cases")
    args = parser.parse_args()
    rounds = args.rounds or (7 if args.quick else 25)

    check = subprocess.run(
        [sys.executable, "-c", _CHECK_MODELS], capture_output=True, text=True, check=True
    )
    total, loaded = map(int, check.stdout.split())
    if total != loaded:
        print(f"baseline imports {loaded} of {total} model modules; the comparison is not fair")
        return 1

    everything = {"every generated model": BASELINE, **CASES}
    for statement in everything.values():  # warm the OS file cache and .pyc files
        _child(statement)
    imports: dict[str, list[float]] = {name: [] for name in everything}
    processes: dict[str, list[float]] = {name: [] for name in everything}
    order = list(everything)
    shuffle = random.Random(4)
    for _ in range(rounds):
        shuffle.shuffle(order)
        for name in order:
            imp, proc = _child(everything[name])
            imports[name].append(imp)
            processes[name].append(proc)

    imp = {name: statistics.median(v) for name, v in imports.items()}
    proc = {name: statistics.median(v) for name, v in processes.items()}
    base_i, base_p = imp["every generated model"], proc["every generated model"]
    print(
        f"rounds: {rounds} (interleaved, shuffled, fresh interpreter each); "
        f"baseline imports all {total} model modules"
    )
    header = (
        f"{'':32}{'import time':>13}{'process time':>15}{'ratio import':>15}{'ratio process':>15}"
    )
    print(header)
    for name in everything:
        ri, rp = base_i / imp[name], base_p / proc[name]
        print(
            f"{name:32}{imp[name] * 1000:10.1f} ms{proc[name] * 1000:12.1f} ms"
            f"{ri:14.2f}x{rp:14.2f}x"
        )
    ratio = base_i / imp[HEADLINE]
    print(
        f"headline: every generated model / {HEADLINE}: import {ratio:.2f}x "
        f"(target >= {TARGET:.0f}x), process {base_p / proc[HEADLINE]:.2f}x"
    )
    print("PASS" if ratio >= TARGET else "BELOW TARGET")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
