"""The mock's speed and memory, measured side by side in one run.

1. In process, by store size: GET ``/Issues/{iid}`` and a filtered, sorted ``POST /Issues/Search``
   over 1,000, 10,000 and 100,000 issues (one child process per size, so each resident memory
   figure is that size's alone). Printed: requests/s, the cost of a search in GETs (goal: at
   most 4 at 10,000 issues) and the resident memory after seeding and the first searches.
2. Served, at 10,000 issues: the same two requests through an ``httpx.Client`` in process, to
   an ``issuetrak-mock`` process started as users start it (keep-alive, as the SDK, requests and
   the contract suite send; and a new connection per request), and to Prism, the stateless
   reference mock, on the same document. Interleaved in rounds (each client in turn), so drift
   in machine load hits all alike; the medians of the rounds are printed, and the ratios.
   Prism (``@stoplight/prism-cli``) is installed from the npm registry into ``bench/.prism``
   (gitignored) when missing; if that cannot be done, one line says why.
3. Memory: the resident memory of the ``issuetrak-mock`` and Prism processes, and of the mock
   before and after 10,000 more requests that store nothing new (reads, searches, refused
   writes, a rewrite of one record): goal within 5%.

    python bench/bench_mock.py [--quick]    (--quick: fewer requests, no 100,000-issue store)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
PRISM_DIR = BENCH / ".prism"
PRISM_PACKAGE = "@stoplight/prism-cli@5"
SIZES = (1_000, 10_000, 100_000)
SERVED_ISSUES = 10_000

SEARCH = {
    "pageSize": 25,
    "sortField": "SubmittedDate",
    "sortDirection": "Desc",
    "filter": {
        "isOpen": {"type": "IsTrue"},
        "priority": {"iid": {"type": "MatchAny", "values": [3, 4]}},
        "subject": {"type": "Contains", "values": ["printer"]},
    },
}

Call = Callable[[int], httpx.Response]


# -- measuring -------------------------------------------------------------------------------------


def _rss_mb(pid: int) -> float | None:
    """Resident memory of a process and its children, from /proc (None where there is none)."""
    total = 0
    todo = [pid]
    try:
        while todo:
            current = todo.pop()
            status = Path(f"/proc/{current}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                todo.extend(int(child) for child in children)
    except (OSError, AttributeError):
        return None
    return total / 1024


def _mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} MB"


def _rounds(calls: dict[str, tuple[Call, int]], rounds: int) -> dict[str, float]:
    """Median seconds per request of each call, measured in turn, round after round."""
    for call, count in calls.values():  # warm-up: connections, indexes, validators
        for i in range(min(20, count)):
            _check(call(i))
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, (call, count) in calls.items():
            started = time.perf_counter()
            for i in range(count):
                _check(call(i))
            samples[name].append((time.perf_counter() - started) / count)
    return {name: statistics.median(values) for name, values in samples.items()}


def _check(response: httpx.Response) -> None:
    if response.status_code != 200:
        raise SystemExit(
            f"bench_mock: unexpected {response.status_code} from {response.request.url}: "
            f"{response.text[:200]}"
        )


def _calls(client: httpx.Client, prefix: str, issues: int) -> tuple[Call, Call]:
    def get(i: int) -> httpx.Response:
        return client.get(f"{prefix}/Issues/{i % issues + 1}")

    def search(_: int) -> httpx.Response:
        return client.post(f"{prefix}/Issues/Search", json=SEARCH)

    return get, search


# -- 1. in process, by size (child processes) -------------------------------------------------


def _in_process_child(issues: int, gets: int, searches: int, rounds: int) -> None:
    from issuetrak_mock import create_app
    from issuetrak_mock.transport import SyncASGITransport

    started = time.perf_counter()
    app = create_app(issues=issues, rate_limits=None)
    seeded = time.perf_counter() - started
    with httpx.Client(
        transport=SyncASGITransport(app),
        base_url="http://mock/api/v2",
        headers={"X-Api-Key": app.state.tokens["admin"]},
    ) as client:
        get, search = _calls(client, "", issues)
        medians = _rounds({"get": (get, gets), "search": (search, searches)}, rounds)
    print(
        json.dumps(
            {
                "issues": issues,
                "seed_s": seeded,
                "rss_mb": _rss_mb(os.getpid()),
                "get_rps": 1 / medians["get"],
                "search_rps": 1 / medians["search"],
            }
        )
    )


def _by_size(sizes: tuple[int, ...], gets: int, searches: int, rounds: int) -> None:
    print("In process (httpx.Client over SyncASGITransport), one process per store size:")
    print(
        f"  {'issues':>8}  {'seeded in':>9}  {'resident':>9}  {'GET r/s':>8}  "
        f"{'search r/s':>10}  {'search costs':>12}"
    )
    for size in sizes:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child-in-process",
                str(size),
                "--child-counts",
                f"{gets},{searches},{rounds}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            print(f"  {size:>8,}  failed: {out.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"  {size:>8,}  {r['seed_s']:>8.1f}s  {_mb(r['rss_mb']):>9}  {r['get_rps']:>8,.0f}  "
            f"{r['search_rps']:>10,.0f}  {r['get_rps'] / r['search_rps']:>7.2f} GETs"
        )


# -- 2. served -----------------------------------------------------------------------------------


@contextmanager
def _cli_server(issues: int) -> Iterator[tuple[subprocess.Popen[str], str, str]]:
    """``issuetrak-mock`` started as a user starts it; yields (process, base URL, admin token)."""
    script = shutil.which("issuetrak-mock", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "issuetrak_mock"]
    proc = subprocess.Popen(
        [*command, "--port", "0", "--issues", str(issues), "--no-rate-limit"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        while not any("expired token" in line for line in lines):
            line = proc.stdout.readline()
            if not line:
                raise SystemExit("bench_mock: issuetrak-mock stopped before serving")
            lines.append(line)
        text = "".join(lines)
        url = re.search(r"http://\S+/api/v2", text)
        token = re.search(r"X-Api-Key for admin\s*: (\S+)", text)
        if url is None or token is None:
            raise SystemExit(f"bench_mock: cannot read the URL and token from: {text}")
        yield proc, url.group(0), token.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _prism_binary() -> tuple[Path | None, str]:
    """The local Prism, installed from the npm registry if missing; or (None, why not)."""
    binary = PRISM_DIR / "node_modules" / ".bin" / "prism"
    if binary.exists():
        return binary, ""
    npm = shutil.which("npm")
    if npm is None:
        return None, "npm is not installed (Prism comes from the npm registry)"
    PRISM_DIR.mkdir(exist_ok=True)
    try:
        done = subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(PRISM_DIR),
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                PRISM_PACKAGE,
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None, f"npm install {PRISM_PACKAGE} took over 10 minutes"
    if done.returncode != 0 or not binary.exists():
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"npm install {PRISM_PACKAGE} failed: {reason}"
    return binary, ""


@contextmanager
def _prism(
    binary: Path,
    document: dict[str, object] | None = None,
    *,
    dynamic: bool = False,
    log: Path | None = None,
    port: int | None = None,
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """Prism mocking ``document`` (default: the default label's patched document), written to a
    temporary file, on 127.0.0.1 (``port``, default a free one); ``dynamic``: bodies generated
    from the schemas, not examples; ``log``: a file Prism's output is appended to."""
    from issuetrak.versions import resolve

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "openapi.json"
        served = resolve(None).document() if document is None else document
        path.write_text(json.dumps(served), encoding="utf-8")
        port = port or _free_port()
        proc = subprocess.Popen(
            [str(binary), "mock", "-h", "127.0.0.1", "-p", str(port)]
            + (["--dynamic"] if dynamic else [])
            + [str(path)],
            stdout=log.open("ab") if log else subprocess.DEVNULL,
            stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                for prefix in ("", "/api/v2"):  # whether Prism serves below the server's path
                    try:
                        probe = httpx.get(f"{base}{prefix}/Issues/1", headers={"X-Api-Key": "x"})
                    except httpx.TransportError:
                        continue
                    if probe.status_code == 200:
                        yield proc, base + prefix
                        return
                if proc.poll() is not None:
                    raise RuntimeError(f"Prism exited with {proc.returncode}")
                time.sleep(0.25)
            raise RuntimeError("Prism did not answer GET /Issues/1 within 2 minutes")
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def _memory_mix(client: httpx.Client, prefix: str, issues: int) -> list[Call]:
    """Requests that store nothing new: reads, searches, refused writes, one record rewritten."""
    return [
        lambda i: client.get(f"{prefix}/Issues/{i % issues + 1}"),
        lambda i: client.post(
            f"{prefix}/Issues/Search",
            json={
                **SEARCH,
                "filter": {"priority": {"iid": {"type": "MatchAny", "values": [i % 5]}}},
            },
        ),
        lambda i: client.get(f"{prefix}/Causes", params={"PageSize": 10, "SortField": "Name"}),
        lambda i: client.post(f"{prefix}/Causes", json={"name": i, f"unknown{i}": i}),
        lambda i: client.post(f"{prefix}/Issues/Create", json={"subject": ["x"], f"x{i}Iid": i}),
        lambda i: client.get(f"{prefix}/Issues/{issues + 1 + i}"),
        lambda i: client.put(f"{prefix}/Causes/1", json={"name": "Bench", "displayOrder": 1}),
        lambda i: client.post(
            f"{prefix}/Issues/Search",
            content=b"[" * 100,
            headers={"Content-Type": "application/json"},
        ),
    ]


def _served(gets: int, searches: int, rounds: int, memory_requests: int) -> None:
    from issuetrak_mock import create_app
    from issuetrak_mock.transport import SyncASGITransport

    app = create_app(issues=SERVED_ISSUES, rate_limits=None)
    local = httpx.Client(
        transport=SyncASGITransport(app),
        base_url="http://mock/api/v2",
        headers={"X-Api-Key": app.state.tokens["admin"]},
    )
    with _cli_server(SERVED_ISSUES) as (proc, url, token):
        headers = {"X-Api-Key": token}
        keep = httpx.Client(base_url=url, headers=headers)
        fresh = httpx.Client(
            base_url=url, headers=headers, limits=httpx.Limits(max_keepalive_connections=0)
        )
        clients: dict[str, tuple[httpx.Client, str, int]] = {
            "in process (SyncASGITransport)": (local, "", SERVED_ISSUES),
            "issuetrak-mock, keep-alive": (keep, "", SERVED_ISSUES),
            "issuetrak-mock, new connection each": (fresh, "", SERVED_ISSUES),
        }
        binary, why_not = _prism_binary()
        prism_cm = _prism(binary) if binary is not None else None
        prism_rss: float | None = None
        try:
            if prism_cm is not None:
                try:
                    prism_proc, prism_url = prism_cm.__enter__()
                    clients["Prism, keep-alive"] = (
                        httpx.Client(base_url=prism_url, headers={"X-Api-Key": "x"}),
                        "",
                        100,
                    )
                except RuntimeError as exc:
                    why_not, prism_cm = str(exc), None
            calls: dict[str, tuple[Call, int]] = {}
            for name, (client, prefix, issues) in clients.items():
                get, search = _calls(client, prefix, issues)
                calls[f"{name}|get"] = (get, gets)
                calls[f"{name}|search"] = (search, searches)
            medians = _rounds(calls, rounds)
            if prism_cm is not None:
                prism_rss = _rss_mb(prism_proc.pid)
            mock_rss = _rss_mb(proc.pid)
        finally:
            if prism_cm is not None:
                prism_cm.__exit__(None, None, None)

        print(f"\nServed, {SERVED_ISSUES:,} issues (medians of {rounds} interleaved rounds):")
        print(f"  {'':38}{'GET /Issues/{iid}':>20}{'POST /Issues/Search':>22}")
        for name in clients:
            g, s = 1 / medians[f"{name}|get"], 1 / medians[f"{name}|search"]
            print(f"  {name:38}{g:>16,.0f} r/s{s:>18,.0f} r/s")

        def ratio(label: str, a: str, b: str) -> None:
            ga, gb = medians[f"{a}|get"], medians[f"{b}|get"]
            sa, sb = medians[f"{a}|search"], medians[f"{b}|search"]
            print(f"  {label:38}{gb / ga:>19.2f}x{sb / sa:>21.2f}x")

        ratio(
            "issuetrak-mock keep-alive / in process",
            "issuetrak-mock, keep-alive",
            "in process (SyncASGITransport)",
        )
        ratio(
            "keep-alive / new connection each",
            "issuetrak-mock, keep-alive",
            "issuetrak-mock, new connection each",
        )
        if "Prism, keep-alive" in clients:
            ratio(
                "issuetrak-mock / Prism (keep-alive)",
                "issuetrak-mock, keep-alive",
                "Prism, keep-alive",
            )
            print(
                f"  resident memory: issuetrak-mock {_mb(mock_rss)} ({SERVED_ISSUES:,} issues, "
                f"stateful), Prism {_mb(prism_rss)} (stateless)"
            )
        else:
            print(f"  Prism: not measured - {why_not}")
            print(f"  resident memory: issuetrak-mock {_mb(mock_rss)} ({SERVED_ISSUES:,} issues)")

        mix = _memory_mix(keep, "", SERVED_ISSUES)
        for i in range(len(mix) * 100):  # warm: every kind of request, a hundred times
            mix[i % len(mix)](i)
        before = _rss_mb(proc.pid)
        for i in range(memory_requests):
            if mix[i % len(mix)](i).status_code >= 500:
                raise SystemExit("bench_mock: a 5xx during the memory run")
        after = _rss_mb(proc.pid)
        if before is None or after is None:
            print(f"\n{memory_requests:,} requests: resident memory n/a (no /proc)")
        else:
            change = (after - before) / before * 100
            print(
                f"\n{memory_requests:,} requests that store nothing new (reads, searches, refused "
                f"writes):\n  issuetrak-mock resident memory {before:,.1f} MB -> {after:,.1f} MB "
                f"({change:+.1f}%; goal within 5%)"
            )
        for client in (local, keep, fresh):
            client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests, no 100,000 issues")
    parser.add_argument("--child-in-process", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-counts", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_in_process:
        gets, searches, rounds = map(int, args.child_counts.split(","))
        _in_process_child(args.child_in_process, gets, searches, rounds)
        return
    if args.quick:
        sizes, gets, searches, rounds, memory_requests = SIZES[:2], 100, 25, 3, 2_000
    else:
        sizes, gets, searches, rounds, memory_requests = SIZES, 300, 60, 5, 10_000
    _by_size(sizes, gets, searches, rounds)
    if args.quick:
        print(f"  {SIZES[2]:>8,}  skipped with --quick")
    _served(gets, searches, rounds, memory_requests)


if __name__ == "__main__":
    main()
