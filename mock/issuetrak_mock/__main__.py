"""``issuetrak-mock``: serve a simulated Issuetrak site over HTTP with uvicorn."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .app import API_PREFIX, MAX_BODY_BYTES, create_app
from .clock import SystemClock
from .ratelimit import DEFAULT_RATE_LIMITS
from .server import listening_socket, uvicorn_server

__all__ = ["main"]


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
        "--spec-label", default=None, help="pinned document label (default: spec/default)"
    )
    parser.add_argument(
        "--no-rate-limit", action="store_true", help="turn the server-side rate limits off"
    )
    parser.add_argument("--latency-ms", type=float, default=0, help="delay added to every request")
    parser.add_argument(
        "--max-body-bytes",
        type=int,
        default=MAX_BODY_BYTES,
        help=f"largest request body accepted; larger ones get 413 (default: {MAX_BODY_BYTES})",
    )
    parser.add_argument(
        "--frozen-clock",
        action="store_true",
        help="pin the clock at 2024-03-15T08:30:00 instead of wall time",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``issuetrak-mock`` console script."""
    args = _parser().parse_args(argv)
    if args.issues < 0 or args.latency_ms < 0 or args.max_body_bytes < 0:
        print(
            "issuetrak-mock: --issues, --latency-ms and --max-body-bytes must not be negative",
            file=sys.stderr,
        )
        return 2
    app = create_app(
        args.spec_label,
        seed=args.seed,
        clock=None if args.frozen_clock else SystemClock(),
        rate_limits=None if args.no_rate_limit else DEFAULT_RATE_LIMITS,
        latency_ms=args.latency_ms,
        issues=args.issues,
        max_body_bytes=args.max_body_bytes,
    )
    try:
        sock = listening_socket(args.host, args.port)
    except OSError as exc:
        print(f"issuetrak-mock: cannot bind {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"Issuetrak mock serving {API_PREFIX} at http://{shown}:{port}{API_PREFIX}", flush=True)
    for role, token in app.state.tokens.items():
        print(f"  X-Api-Key for {role:9}: {token}", flush=True)
    print(f"  expired token      : {app.state.expired_token}", flush=True)
    print(
        f"  rate limits        : {'off' if args.no_rate_limit else 'Issuetrak defaults'}",
        flush=True,
    )
    uvicorn_server(app).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
