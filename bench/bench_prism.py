"""The live contract suite against Prism: every failure explained, or a possible false alarm.

Prism (``@stoplight/prism-cli``, installed from the npm registry into ``bench/.prism`` by
``bench_mock``'s helper when missing) serves Issuetrak's document as it is (no overrides of ours)
on a free loopback port, once answering the document's examples (static) and once bodies
generated from the schemas (``--dynamic``). The live read-only contract run is pointed at it for
each seed. Prism is a stateless mock, so the suite fails on it by design; what this script
checks is that EVERY failure is explained by the table below: a known way Prism differs from
an Issuetrak site, or an override of ours (a correction in ``spec/`` that Prism does not know).
A failure the table does not explain is printed in full: it may be a false alarm of the suite.

    python bench/bench_prism.py [--seeds 1,2,3] [--modes static,dynamic] [--quick]
    (--quick: seed 1 only)        exit 1 if any failure is unclassified, 2 if Prism cannot run
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
OVERRIDE = "override of ours"


@dataclass(frozen=True)
class Explanation:
    """Failures of ``check`` (whose message matches ``message``, if given) are explained by
    ``kind``: how Prism differs from an Issuetrak site, or an override of ours."""

    check: str
    kind: str
    message: str = ""

    def explains(self, failure: Mapping[str, Any]) -> bool:
        if failure.get("check") != self.check:
            return False
        text = f"{failure.get('title', '')}\n{failure.get('message', '')}"
        return not self.message or re.search(self.message, text, re.S) is not None


NO_PAGING = "Prism answers one example/generated page whatever PageNumber and PageSize ask"
NO_RECORDS = "Prism stores no records: any iid is found, bodies unrelated across operations"
NO_SEARCH = "Prism ignores search criteria (the same page whatever the filter)"
NO_SORT = "Prism ignores SortField and SortDirection"
RANDOM_PAGE = "Prism --dynamic makes up itemTotal, pageCount and the values of each page at random"
ANY_TOKEN = "Prism checks only that X-Api-Key is present, not that the site issued it"
STRICT_DATE = (
    "Prism refuses a date-time without a UTC offset (strict RFC 3339), which Issuetrak accepts"
)
PRISM_400 = "Prism refuses an invalid request with the document's 400 example, not ASP.NET's"
PRISM_JSON_ERROR = "Prism answers an unparseable JSON body with its own error body"
NO_415 = "Prism answers a body of an undeclared media type with 400, not 415"
EMPTY_ENUM = (
    "Prism takes an empty query value as absent; ASP.NET refuses '' for a non-nullable enum"
)
PAGE_MINIMUM = OVERRIDE + ": PageNumber minimum 1, from the document's prose (Prism reads none)"
CONFIGURATION_ITEM = OVERRIDE + ": single ConfigurationItem answers hold a ConfigurationItem"
_DATE_REFUSED = r"T\d\d:\d\d:\d\d'\]\}?: answered 400"

# Most specific first: the first entry that explains a failure classifies it.
EXPLANATIONS: tuple[Explanation, ...] = (
    Explanation("paging_item_total_matches", NO_PAGING),
    Explanation("paging_no_repeats", NO_PAGING),
    Explanation("paging_page_count", NO_PAGING),
    Explanation("paging_parameter_alone", NO_PAGING),
    Explanation("paging_page_size", NO_PAGING, r"has \d+ values; pageSize was"),
    Explanation("paging_envelope", RANDOM_PAGE, r"paging envelope is inconsistent"),
    Explanation("paging_item_total_stable", RANDOM_PAGE, r"itemTotal .* on page 1, .* on page 2"),
    Explanation("sort_order", NO_SORT, r"comes before"),
    Explanation("get_matches_list", NO_RECORDS, r"answered the record with iid"),
    Explanation("not_found_status", NO_RECORDS, r"\(no such record\) answered 200"),
    Explanation("primary_membership_listed", NO_RECORDS),
    Explanation("invalid_token_refused", ANY_TOKEN, r"never issued answered 2\d\d"),
    Explanation("search_field_value", STRICT_DATE, _DATE_REFUSED),
    Explanation("search_udf_value", STRICT_DATE, _DATE_REFUSED),
    Explanation("search_field_value", NO_SEARCH, r"\bresult\b|\breturned?\b|missing|holds"),
    Explanation("search_udf_value", NO_SEARCH, r"\bresult\b|\breturned?\b|missing|holds"),
    Explanation("search_relative_dates", NO_SEARCH, r"outside it"),
    *(
        Explanation(check, NO_SEARCH, r"\bresult")
        for check in (
            "search_matches_filter",
            "search_all_criteria",
            "search_no_missing_results",
            "search_case_insensitive",
            "search_filter_composition",
            "search_nested_field",
            "search_field_presence",
        )
    ),
    Explanation("query_bound_refused", PAGE_MINIMUM, r"PageNumber=-?\d+: answered 200"),
    Explanation("invalid_body_refused", PAGE_MINIMUM, r"pageNumber breaking its minimum"),
    Explanation(
        "invalid_body_refused", PRISM_400, r"answered 400 with \['information', 'traceId'\]"
    ),
    # Prism refuses any other value outside a query enum, so an enum violation it accepts is ''
    Explanation("negative_data_rejection", EMPTY_ENUM, r"in query - violates `enum`"),
    Explanation("json_body_required", NO_415, r"as text/plain answered 400"),
    Explanation("response_schema_conformance", CONFIGURATION_ITEM, r"schemas/ConfigurationItem:"),
    Explanation("response_schema_conformance", PRISM_JSON_ERROR, r'"code": "invalid_json"'),
    Explanation("trace_id_present", PRISM_JSON_ERROR, r"400 JSON response has no traceId"),
    Explanation("error_body_shape", PRISM_JSON_ERROR, r"it has \['error'\]"),
)


def classify(
    failures: Iterable[Mapping[str, Any]],
    explanations: Iterable[Explanation] = EXPLANATIONS,
) -> tuple[Counter[str], list[Mapping[str, Any]]]:
    """Count ``failures`` (summary.json's records) by the kind that explains each; return the
    counts and the failures nothing explains."""
    table = tuple(explanations)
    kinds: Counter[str] = Counter()
    unexplained: list[Mapping[str, Any]] = []
    for failure in failures:
        match = next((e for e in table if e.explains(failure)), None)
        if match is None:
            unexplained.append(failure)
        else:
            kinds[match.kind] += 1
    return kinds, unexplained


def _contract_run(url: str, seed: int, report_dir: Path) -> tuple[int, dict[str, Any]]:
    """The live read-only contract run against ``url``; (exit code, summary.json)."""
    command = [
        sys.executable,
        "-m",
        "issuetrak_tools",
        "contract",
        "--site",
        url,
        "--seed",
        str(seed),
        "--report-dir",
        str(report_dir),
        "--no-rate-limit",  # Prism has no request windows; Issuetrak's would take an hour
    ]
    env = {**os.environ, "ISSUETRAK_TOKEN": "any-token-prism-accepts"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    summary_path = report_dir / "summary.json"
    if not summary_path.exists():
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-5:])
        raise RuntimeError(
            f"the contract run wrote no summary.json (exit {done.returncode}):\n{tail}"
        )
    summary: dict[str, Any] = json.loads(summary_path.read_text(encoding="utf-8"))
    return done.returncode, summary


def _print_run(title: str, summary: Mapping[str, Any]) -> int:
    """Print one run's failures by kind; return how many nothing explains."""
    failures = summary.get("failures", [])
    kinds, unexplained = classify(failures)
    requests = summary.get("stats", {}).get("requests_sent", "?")
    print(f"\n{title}: {requests} requests, {len(failures)} failures")
    for kind, count in kinds.most_common():
        print(f"  {count:>4}  {kind}")
    if unexplained:
        print(f"  {len(unexplained):>4}  UNCLASSIFIED (possible false alarms of the suite):")
        for failure in unexplained:
            print(
                f"        [{failure.get('check')}] {failure.get('operation')}: "
                f"{failure.get('title')}\n          {failure.get('message')}\n"
                f"          {failure.get('curl')}"
            )
    return len(unexplained)


def _below_api_v2(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with its paths under ``/api/v2``, where a site serves them (Prism routes by
    the paths alone, not below the server URL's path)."""
    paths = {f"/api/v2{path}": item for path, item in document["paths"].items()}
    return {**document, "paths": paths, "servers": [{"url": "/"}]}


# Prism 5 sends its request validation messages in an ``sl-violations`` header; one that quotes
# a fuzzed body's non-Latin-1 characters makes Node throw, and the Prism process exits.
PRISM_HEADER_CRASH = "Invalid character in header content"


@contextmanager
def _kept_up(start: Callable[..., Any], port: int) -> Iterator[list[int | None]]:
    """Prism started by ``start(port=port)`` (a context manager yielding (process, URL)), started
    again on the same port whenever it stops; yields the exit codes of the stops so far."""
    stops: list[int | None] = []
    done = threading.Event()
    up = threading.Event()

    def keep() -> None:
        while not done.is_set():
            with start(port=port) as (proc, _):
                up.set()
                while proc.poll() is None and not done.is_set():
                    time.sleep(0.1)
                if not done.is_set():
                    stops.append(proc.returncode)

    thread = threading.Thread(target=keep, daemon=True)
    thread.start()
    if not up.wait(timeout=180):
        raise RuntimeError("Prism did not start within 3 minutes")
    try:
        yield stops
    finally:
        done.set()
        thread.join(timeout=30)


def _print_stops(stops: list[int | None], log: Path) -> int:
    """Say how often Prism stopped during a run and why; how many stops no known bug explains."""
    if not stops:
        return 0
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    crashes = text.count(PRISM_HEADER_CRASH)
    print(
        f"  Prism stopped {len(stops)} time(s) (exit {', '.join(map(str, stops))}) and was "
        f'started again: {min(crashes, len(stops))} its own bug, "{PRISM_HEADER_CRASH} '
        f'[sl-violations]" on a fuzzed body'
    )
    unknown = max(0, len(stops) - crashes)
    if unknown:
        print(f"  {unknown} stop(s) for a reason not known here; see {log}")
    return unknown


def _classify_files(paths: list[Path]) -> int:
    unexplained = 0
    for path in paths:
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"bench_prism: cannot read {path}: {exc}", file=sys.stderr)
            return 2
        unexplained += _print_run(str(path), summary)
    print(f"\nunclassified failures: {unexplained}")
    return 1 if unexplained else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated seeds (default 1,2,3)")
    parser.add_argument("--modes", default="static,dynamic", help="static, dynamic or both")
    parser.add_argument("--quick", action="store_true", help="seed 1 only")
    parser.add_argument("--keep", type=Path, help="keep the reports in this directory")
    parser.add_argument(
        "--classify",
        type=Path,
        nargs="+",
        metavar="SUMMARY",
        help="only classify the failures of these summary.json files (no Prism run)",
    )
    args = parser.parse_args()
    if args.classify:
        return _classify_files(args.classify)
    seeds = [1] if args.quick else [int(s) for s in args.seeds.split(",") if s.strip()]
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if any(m not in ("static", "dynamic") for m in modes):
        parser.error(f"--modes: static and/or dynamic, not {args.modes!r}")

    sys.path.insert(0, str(BENCH))
    from bench_mock import _free_port, _prism, _prism_binary
    from issuetrak_tools.spec import load_document

    binary, why_not = _prism_binary()
    if binary is None:
        print(f"bench_prism: Prism not run - {why_not}", file=sys.stderr)
        return 2
    document = _below_api_v2(load_document(patched=False))  # Prism knows no overrides of ours
    unexplained = 0
    with tempfile.TemporaryDirectory() as tmp:
        reports = args.keep or Path(tmp)
        for mode in modes:
            for seed in seeds:  # a Prism per run, its own log
                report_dir = reports / f"{mode}-{seed}"
                report_dir.mkdir(parents=True, exist_ok=True)
                log = report_dir / "prism.log"
                port = _free_port()
                start = functools.partial(
                    _prism, binary, document, dynamic=mode == "dynamic", log=log
                )
                with _kept_up(start, port) as stops:
                    url = f"http://127.0.0.1:{port}/api/v2"
                    code, summary = _contract_run(url, seed, report_dir)
                    title = f"Prism {mode}, seed {seed}, exit {code}"
                    unexplained += _print_run(title, summary)
                    unexplained += _print_stops(stops, log)
    print(f"\nunclassified failures: {unexplained}")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
