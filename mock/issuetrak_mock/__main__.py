"""``issuetrak-mock``: serve a simulated Issuetrak site over HTTP with uvicorn.

The app, uvicorn and the generated client load only after the arguments are read, so
``--help`` answers without them, and a missing ``[mock]`` extra, an unknown label or an unusable
generated package is one line on stderr (exit 2), not a traceback.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from typing import Any

from issuetrak import ConfigurationError

from .body import MAX_BODY_BYTES, READ_TIMEOUT
from .bounds import DEFAULT_LIMITS, Limits

__all__ = ["main"]

_PROG = "issuetrak-mock"

# (option, Limits field, what it limits)
_LIMIT_OPTIONS = (
    ("--max-patch-operations", "patch_operations", "operations in one PATCH"),
    ("--max-criteria-values", "criteria_values", "values in one search criteria"),
    ("--max-criteria", "criteria", "criteria in one search"),
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="issuetrak-mock",
        description="Serve a stateful Issuetrak API v2 simulator built from the pinned document.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8000, help="port to bind (default: 8000; 0 picks a free one)"
    )
    parser.add_argument("--seed", type=int, default=0, help="demo data seed (default: 0)")
    parser.add_argument(
        "--issues", type=int, default=300, help="number of seeded issues (default: 300)"
    )
    parser.add_argument(
        "--spec-label",
        default=None,
        help="the Issuetrak version to serve, a label with a generated package "
        "(default: the one the build used)",
    )
    parser.add_argument(
        "--no-rate-limit", action="store_true", help="turn the server-side rate limits off"
    )
    parser.add_argument(
        "--no-rate-limit-headers",
        action="store_true",
        help="leave out the X-Rate-Limit-Limit, -Remaining and -Reset headers",
    )
    parser.add_argument("--latency-ms", type=float, default=0, help="delay added to every request")
    parser.add_argument(
        "--max-body-bytes",
        type=int,
        default=MAX_BODY_BYTES,
        help=f"largest request body accepted; larger ones get 413 (default: {MAX_BODY_BYTES})",
    )
    parser.add_argument(
        "--read-timeout",
        type=float,
        default=READ_TIMEOUT,
        help="seconds a request's head, and then its body, may take to arrive; "
        f"408 after that (default: {READ_TIMEOUT:g})",
    )
    for flag, field, what in _LIMIT_OPTIONS:
        default = getattr(DEFAULT_LIMITS, field)
        parser.add_argument(
            flag,
            type=int,
            dest=field,
            default=default,
            help=f"{what}; more get 400 (default: {default})",
        )
    parser.add_argument(
        "--frozen-clock",
        action="store_true",
        help="pin the clock at 2024-03-15T08:30:00 instead of wall time",
    )
    return parser


def _bad_option(args: argparse.Namespace) -> str | None:
    """What is wrong with the options argparse let through, in one line (or ``None``)."""
    if args.issues < 0 or args.max_body_bytes < 0:
        return "--issues and --max-body-bytes must not be negative"
    if not 0 <= args.port <= 65535:
        return f"--port {args.port}: must be 0-65535 (0 picks a free port)"
    if not 0 <= args.latency_ms < math.inf:  # also refuses nan
        return f"--latency-ms {args.latency_ms:g}: must be a finite number, 0 or more"
    if not 0 < args.read_timeout < math.inf:
        return f"--read-timeout {args.read_timeout:g}: must be a finite number of seconds above 0"
    for flag, field, _ in _LIMIT_OPTIONS:
        if getattr(args, field) < 1:
            return f"{flag} {getattr(args, field)}: must be at least 1"
    return None


def _app(args: argparse.Namespace) -> Any:
    from .app import create_app
    from .clock import SystemClock
    from .ratelimit import DEFAULT_RATE_LIMITS

    return create_app(
        args.spec_label,
        seed=args.seed,
        clock=None if args.frozen_clock else SystemClock(),
        rate_limits=None if args.no_rate_limit else DEFAULT_RATE_LIMITS,
        latency_ms=args.latency_ms,
        issues=args.issues,
        max_body_bytes=args.max_body_bytes,
        rate_limit_headers=not args.no_rate_limit_headers,
        body_timeout=args.read_timeout,
        limits=Limits(**{field: getattr(args, field) for _, field, _ in _LIMIT_OPTIONS}),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``issuetrak-mock`` console script."""
    args = _parser().parse_args(argv)
    problem = _bad_option(args)
    if problem is not None:
        print(f"{_PROG}: {problem}", file=sys.stderr)
        return 2
    try:
        from .server import listening_socket, uvicorn_server

        app = _app(args)
        server = uvicorn_server(app, head_timeout=args.read_timeout)
    except ModuleNotFoundError as exc:
        if exc.name is None or exc.name.split(".")[0] in (
            "issuetrak",
            "issuetrak_mock",
            "issuetrak_client",
        ):
            raise
        print(
            f"{_PROG}: needs the [mock] extra ({exc.name} is not installed): "
            "pip install 'issuetrak[mock]'",
            file=sys.stderr,
        )
        return 2
    except ConfigurationError as exc:  # unknown label, no or unusable generated package
        print(f"{_PROG}: {exc}", file=sys.stderr)
        return 2
    from .app import API_PREFIX

    try:
        sock = listening_socket(args.host, args.port)
    except OSError as exc:
        print(f"{_PROG}: cannot bind {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"Issuetrak mock serving {API_PREFIX} at http://{shown}:{port}{API_PREFIX}", flush=True)
    for role, token in app.state.tokens.items():
        print(f"  X-Api-Key for {role:9}: {token}", flush=True)
    print(f"  expired token      : {app.state.expired_token}", flush=True)
    print(
        f"  rate limits        : {_limits_line(args.no_rate_limit, args.no_rate_limit_headers)}",
        flush=True,
    )
    server.run(sockets=[sock])
    return 0


def _limits_line(off: bool, no_headers: bool = False) -> str:
    """The banner's rate-limit line: what a client will meet, and how to turn it off."""
    if off:
        return "off"
    headers = " (no X-Rate-Limit headers)" if no_headers else ""
    windows = ", ".join(
        f"{w.limit}{' writes' if w.writes_only else ''}/{_period(w.seconds)}"
        for w in _default_limits()
    )
    return (
        f"Issuetrak defaults ({windows}){headers}; past them a 429 asks a client to wait up to minutes. "
        "Restart with --no-rate-limit to develop without them"
    )


def _default_limits() -> Sequence[Any]:
    from .ratelimit import DEFAULT_RATE_LIMITS  # imported late like the rest of the server

    return DEFAULT_RATE_LIMITS


def _period(seconds: float) -> str:
    for unit, size in (("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            return unit if count == 1 else f"{count} {unit}"
    return "s" if seconds == 1 else f"{seconds:g} s"


if __name__ == "__main__":
    raise SystemExit(main())
