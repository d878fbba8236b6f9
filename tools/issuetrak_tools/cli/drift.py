"""``issuetrak drift --site URL --token T``: what a live site returns that the pinned document does not say.

A read-only crawl (GET of lists and settings, POST .../Search with a paging-only body, GET of one
item per list) through the SDK client, so the site's rate limits are respected. Writes, into
``--output-dir``: ``drift-report.md`` for people, ``drift.json`` for tools, and
``overrides.proposed.json``: JSON Patch operations, each with a reason, in the format of
``spec/<label>/overrides.json``, that would make the pinned document match what was observed.
Exit status, as ``issuetrak contract``'s:

    0  the site was crawled (drift or not, without --fail-on-drift)
    1  --fail-on-drift and something was found
    2  usage error (bad option, unknown spec label, document not found, malformed URL)
    3  the site could not be checked: unreachable, the token refused, no request answered, or the
       crawl stopped early (a timeout, a rate-limit wait past the deadline); the reports then
       hold what was seen

A nightly ``issuetrak drift --fail-on-drift`` against a site that is down is red, not green.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from issuetrak import (
    DEFAULT_WINDOWS,
    ConfigurationError,
    Issuetrak,
    IssuetrakError,
    RateLimits,
    Window,
)
from issuetrak_tools._contract.preflight import (
    EXIT_CLEAN,
    EXIT_FAILURES,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
)
from issuetrak_tools._evolution.drift import CrawlResult, DriftAborted, Exchange, crawl
from issuetrak_tools._evolution.drift_report import build_report, report_json, report_markdown
from issuetrak_tools._evolution.proposal import render_overrides
from issuetrak_tools.cli._errors import fail, one_line
from issuetrak_tools.spec import SpecError, default_label, default_label_help, load_document

__all__ = ["REPORT_FILES", "main", "run"]

# what a run writes into --output-dir (removed first, so a failed run leaves none from an older one)
REPORT_FILES = ("drift-report.md", "drift.json", "overrides.proposed.json")


def _crawl_limits() -> RateLimits:
    """Issuetrak's windows, with every request paced like a write and a quarter-second margin.

    Issuetrak documents its write window as "5 POST/PUT/DELETE per second" without saying
    whether ``POST .../Search`` counts; the client's limiter counts searches as reads. A crawl
    sends searches back to back against a production site, so it caps *all* requests below the
    write rate and never trips a 429 whichever way the site counts. The margin keeps network
    jitter from making the site see one request too many in a window (a 429 makes the client
    halve its budget). A crawl has time; this costs it a few seconds.
    """
    writes = min((w.limit for w in DEFAULT_WINDOWS if w.writes_only), default=5)
    windows = [
        Window(min(w.limit, max(1, writes - 1)), w.period)
        if not w.writes_only and w.period <= 1
        else w
        for w in DEFAULT_WINDOWS
    ]
    return RateLimits(windows=windows, margin=0.25)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="issuetrak drift",
        description="Read-only crawl of a live Issuetrak site, validated strictly against the pinned document.",
    )
    parser.add_argument(
        "--site", required=True, help="site or API base URL, e.g. https://example.issuetrak.com"
    )
    parser.add_argument("--token", help="API v2 token (default: $ISSUETRAK_TOKEN)")
    parser.add_argument(
        "--spec-label",
        help=f"pinned document to compare with (default: {default_label_help()})",
    )
    parser.add_argument(
        "--output-dir",
        default="reports/drift",
        help="where to write the reports (default: reports/drift, which git ignores)",
    )
    parser.add_argument(
        "--max-pages", type=int, default=1, help="pages to read per list or search (default: 1)"
    )
    parser.add_argument(
        "--page-size", type=int, default=5, help="items per page, 1-100 (default: 5)"
    )
    parser.add_argument(
        "--quiet", action="store_true", help="do not print each request as it is answered"
    )
    parser.add_argument(
        "--fail-on-drift", action="store_true", help="exit with status 1 if anything was found"
    )
    return parser


def _progress(exchange: Exchange) -> None:
    sys.stderr.write(f"  {exchange.target.method} {exchange.url_path} -> {exchange.status}\n")
    sys.stderr.flush()


def _unchecked(result: CrawlResult) -> str | None:
    """Why the crawl did not check the site, or ``None`` when it did."""
    if result.stopped:
        return f"the crawl stopped early: {one_line(result.stopped)}"
    if not result.exchanges:
        return "no request was answered"
    return None


def run(argv: Sequence[str], *, client_options: Mapping[str, Any] | None = None) -> int:
    """:func:`main` with extra keyword arguments for :class:`issuetrak.Issuetrak` (tests pass a transport)."""
    prog = "issuetrak drift"
    args = _parser().parse_args(list(argv))
    if args.max_pages < 1 or not 1 <= args.page_size <= 100:
        sys.stderr.write(f"{prog}: --max-pages must be >= 1 and --page-size between 1 and 100\n")
        return EXIT_USAGE
    out = Path(args.output_dir)
    # a run that fails must not leave an earlier run's report looking current
    for name in REPORT_FILES:
        (out / name).unlink(missing_ok=True)
    try:
        label = args.spec_label or default_label()
        document = load_document(label)
        options: dict[str, Any] = {"rate_limits": _crawl_limits(), **(client_options or {})}
        client = Issuetrak(args.site, args.token, **options)
    except (SpecError, ConfigurationError) as exc:  # incl. a malformed --site or no token
        return fail(prog, exc, EXIT_USAGE)
    try:
        with client:
            result = crawl(
                client,
                document,
                max_pages=args.max_pages,
                page_size=args.page_size,
                progress=None if args.quiet else _progress,
            )
    except (DriftAborted, IssuetrakError) as exc:  # the token refused: nothing can be seen
        return fail(prog, exc, EXIT_UNREACHABLE)
    report = build_report(document, result, site=args.site, label=label)
    out.mkdir(parents=True, exist_ok=True)
    markdown, data, proposed = REPORT_FILES
    (out / markdown).write_text(report_markdown(report), encoding="utf-8")
    (out / data).write_text(report_json(report), encoding="utf-8")
    (out / proposed).write_text(render_overrides(report.proposal), encoding="utf-8")
    counts = (
        f"{len(result.exchanges)} requests, {len(report.findings)} finding(s), "
        f"{len(report.proposal)} proposed override(s); reports in {out}/"
    )
    why = _unchecked(result)
    if why is not None:
        sys.stderr.write(f"{prog}: could not check {args.site}: {why} ({counts})\n")
        return EXIT_UNREACHABLE
    sys.stderr.write(f"{prog}: {counts}\n")
    return EXIT_FAILURES if args.fail_on_drift and report.has_drift else EXIT_CLEAN


def main(argv: Sequence[str]) -> int:
    return run(argv)
