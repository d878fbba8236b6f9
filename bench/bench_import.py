"""Import cost: ``import issuetrak`` (with the facade) vs importing every generated model module.

Each measurement is a fresh interpreter (``sys.executable -c ...``) so nothing is cached in
``sys.modules``. The two sides run interleaved in rounds (facade, models, facade, models, ...), so
load from other processes on the machine hits both alike. Two figures per side:

* import time: ``time.perf_counter()`` around the import statement inside the child;
* process time: wall time of the whole child (interpreter start-up included), as a user running
  ``python -c "import issuetrak"`` sees it.

The facade side also imports ``issuetrak._resources`` (the namespace mixins), so the figure holds
once the mixins are part of the client classes. Printed: medians and the ratio models/facade of
the medians; the target is a ratio of at least 4 on import time. ``import httpx`` alone is
measured too: both sides pay it (the generated package imports httpx), and httpx itself imports
``rich``/``click`` when they are installed, so it is shown as the shared floor; the ratio above
that floor is what the overlay's own modules cost against the models.

    python bench/bench_import.py [--quick] [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

FACADE = "import issuetrak, issuetrak._resources"
# issuetrak_client.models' __init__ imports every model module
MODELS = "import issuetrak_client.models"
# both sides import httpx (the generated client imports it too); shown as the shared floor
FLOOR = "import httpx"
TARGET = 4.0


def _child(statement: str) -> tuple[float, float]:
    code = f"import time\nt = time.perf_counter()\n{statement}\nprint(time.perf_counter() - t)\n"
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip()), time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer rounds (well under a minute)")
    parser.add_argument("--rounds", type=int, default=None, help="rounds of (facade, models)")
    args = parser.parse_args()
    rounds = args.rounds or (7 if args.quick else 25)

    _child(FACADE), _child(MODELS)  # warm the OS file cache and .pyc files for both sides
    facade_imp: list[float] = []
    facade_proc: list[float] = []
    models_imp: list[float] = []
    models_proc: list[float] = []
    floor_imp: list[float] = []
    for _ in range(rounds):
        floor_imp.append(_child(FLOOR)[0])
        imp, proc = _child(FACADE)
        facade_imp.append(imp)
        facade_proc.append(proc)
        imp, proc = _child(MODELS)
        models_imp.append(imp)
        models_proc.append(proc)

    fi, mi = statistics.median(facade_imp), statistics.median(models_imp)
    fp, mp = statistics.median(facade_proc), statistics.median(models_proc)
    print(f"rounds: {rounds} (interleaved, fresh interpreter each)")
    print(f"{'':28}{'import time':>14}{'process time':>16}")
    print(f"{'import issuetrak (+facade)':28}{fi * 1000:11.1f} ms{fp * 1000:13.1f} ms")
    print(f"{'every generated model':28}{mi * 1000:11.1f} ms{mp * 1000:13.1f} ms")
    ratio = mi / fi
    floor = statistics.median(floor_imp)
    print(f"{'httpx alone (shared floor)':28}{floor * 1000:11.1f} ms")
    print(
        f"ratio models/facade: import {ratio:.2f}x, process {mp / fp:.2f}x (target: import >= {TARGET:.0f}x)"
    )
    above = (mi - floor) / max(fi - floor, 1e-9)
    print(f"ratio above the shared httpx floor: {above:.2f}x")
    print("PASS" if ratio >= TARGET else "BELOW TARGET")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
