"""Contract-suite throughput: test cases per second in-process vs over loopback, side by side.

    python bench/bench_contract.py [--quick]

Drives the same operations with the same generated cases (same seed) through the suite's own
machinery (schemathesis case -> checks -> requests -> httpx -> the SDK's retry loop) against the
mock twice: in-process (the mock's ``SyncASGITransport``, no sockets) and served by uvicorn on 127.0.0.1.
Client and server rate limits are off in both, so the ratio is the cost of the network path.
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from issuetrak_tools._contract.cases import collect_failures
from issuetrak_tools._contract.classify import WritePolicy
from issuetrak_tools._contract.document import load_contract_document
from issuetrak_tools._contract.report import Recorder
from issuetrak_tools._contract.schema import RunSettings, build_schema
from issuetrak_tools._contract.target import open_target
from schemathesis import GenerationMode

ROOT = Path(__file__).resolve().parents[1]
OPERATIONS = [
    ("GET", "/Users"),
    ("GET", "/Priorities/{iid}"),
    ("POST", "/Causes/Search"),
    ("POST", "/Users/Search"),
    ("POST", "/Causes"),
    ("PUT", "/Causes/{iid}"),
    ("POST", "/Issues/Search"),
    ("GET", "/Organizations"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


Captured = list[tuple[str, str, dict[str, str], bytes]]


def _run(
    document: dict[str, Any],
    examples: int,
    *,
    app: Any = None,
    site: str | None = None,
    token: str,
    capture: Captured | None = None,
) -> tuple[int, float]:
    target = open_target(
        app=app, site=site, token=token, policy=WritePolicy(True, True), rate_limits=None
    )
    if capture is not None:
        base = target.base_url

        def keep(request: httpx.Request) -> None:
            path = str(request.url)[len(base) :]
            capture.append((request.method, path, dict(request.headers), request.read()))

        target.client.event_hooks["request"].append(keep)
    recorder = Recorder(secrets=target.secrets)
    schema = build_schema(document, target, RunSettings(), recorder)
    started = time.perf_counter()
    collect_failures(
        schema,
        target,
        recorder,
        OPERATIONS,
        max_examples=examples,
        modes=(GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
        path_parameters={"iid": 1},
    )
    elapsed = time.perf_counter() - started
    target.close()
    return sum(recorder.operations.values()), elapsed


def _replay(requests: Captured, *, app: Any = None, site: str | None = None, token: str) -> float:
    """Requests per second for the same recorded requests, without generating or checking."""
    target = open_target(
        app=app, site=site, token=token, policy=WritePolicy(True, True), rate_limits=None
    )
    started = time.perf_counter()
    for method, path, headers, body in requests:
        target.client.request(method, target.base_url + path, headers=headers, content=body)
    elapsed = time.perf_counter() - started
    target.close()
    return len(requests) / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer cases (well under a minute)")
    options = parser.parse_args(argv)
    examples = 10 if options.quick else 40

    import issuetrak_mock

    document = load_contract_document()

    served = issuetrak_mock.create_app(seed=0, rate_limits=None)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(served, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    site = f"http://127.0.0.1:{port}"
    # The first pass warms hypothesis's strategy and schemathesis's validator caches, which both
    # measured runs share; then the two paths alternate and each keeps its best round.
    best: dict[str, tuple[int, float]] = {}
    captured: Captured = []
    replay: dict[str, float] = {}
    try:
        _run(document, 2, site=site, token=served.state.tokens["admin"])
        for round_number in range(2 if options.quick else 3):
            app = issuetrak_mock.create_app(seed=0, rate_limits=None)
            runs = (
                ("in-process", {"app": app, "token": app.state.tokens["admin"]}),
                ("loopback", {"site": site, "token": served.state.tokens["admin"]}),
            )
            for name, target_args in runs:
                capture = captured if round_number == 0 and name == "in-process" else None
                result = _run(document, examples, capture=capture, **target_args)
                if name not in best or result[0] / result[1] > best[name][0] / best[name][1]:
                    best[name] = result
        for _ in range(3):
            app = issuetrak_mock.create_app(seed=0, rate_limits=None)
            for name, rate in (
                ("in-process", _replay(captured, app=app, token=app.state.tokens["admin"])),
                ("loopback", _replay(captured, site=site, token=served.state.tokens["admin"])),
            ):
                replay[name] = max(replay.get(name, 0.0), rate)
    finally:
        server.should_exit = True
        thread.join(5)
    (in_cases, in_time), (net_cases, net_time) = best["in-process"], best["loopback"]

    in_rate, net_rate = in_cases / in_time, net_cases / net_time
    print(
        f"operations: {len(OPERATIONS)}, max_examples {examples} per operation and mode (positive, negative)"
    )
    print(f"in-process : {in_cases:5d} test cases in {in_time:6.2f} s = {in_rate:8.1f} cases/s")
    print(
        f"loopback   : {net_cases:5d} test cases in {net_time:6.2f} s = {net_rate:8.1f} cases/s (uvicorn, 127.0.0.1)"
    )
    print(
        f"ratio in-process / loopback: {in_rate / net_rate:.2f}x (test cases: generation and checks dominate)"
    )
    print(
        f"transport only, the same {len(captured)} recorded requests replayed: in-process "
        f"{replay['in-process']:.0f} req/s, loopback {replay['loopback']:.0f} req/s, "
        f"ratio {replay['in-process'] / replay['loopback']:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
