"""``issuetrak contract``: check the mock (default) or a live site against the pinned document.

    issuetrak contract                                              # in-process mock
    ISSUETRAK_TOKEN=... issuetrak contract --site https://x.issuetrak.com   # live site, read-only
    issuetrak contract --site ... --allow-writes                    # a sandbox site
    issuetrak contract --site ... --rate-limits 50/1s,10/1s:writes,500/10m   # the site's windows
    issuetrak contract --operations '^GET /Users'                   # a subset
    issuetrak contract -- -x                                        # extra pytest arguments

Runs ``pytest contract_tests`` in a child process with the matching options, JUnit XML and the
Markdown summary going to ``--report-dir``. The child loads only the pytest plugins the suite needs
(schemathesis's and hypothesis's, and xdist's when ``-n`` is passed), not every plugin installed
beside it: another plugin cannot change the run, and the run starts seconds sooner. Load one
with ``-- -p NAME``. Exit codes, for CI:

    0  the target matches the contract
    1  contract failures (see report.md)
    2  usage error (bad option, unknown spec label, document not found), or interrupted
    3  the site could not be reached, or refused the token (checked before any test runs)
    4  the suite itself broke (pytest internal error)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from issuetrak.errors import ConfigurationError
from issuetrak.versions import resolve
from issuetrak_mock.served_document import require_servable
from issuetrak_tools._contract.preflight import (
    EXIT_CLEAN,
    EXIT_FAILURES,
    EXIT_INTERNAL,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    PREFLIGHT_MARKER,
)
from issuetrak_tools._contract.ratelimits import parse_rate_limits
from issuetrak_tools._contract.suite_location import REPORT_FILES, suite_dir
from issuetrak_tools.cli._errors import fail
from issuetrak_tools.spec import SpecError, default_label, default_label_help, load_document

__all__ = ["build_pytest_args", "main", "map_exit_code"]

# pytest's own exit codes
(
    _PYTEST_OK,
    _PYTEST_FAILED,
    _PYTEST_INTERRUPTED,
    _PYTEST_INTERNAL,
    _PYTEST_USAGE,
    _PYTEST_NO_TESTS,
) = range(6)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="issuetrak contract",
        description="Check the in-process mock or a live Issuetrak site against the pinned document.",
        epilog="Exit codes: 0 clean, 1 contract failures, 2 usage, 3 cannot reach or authenticate, 4 suite error.",
    )
    parser.add_argument(
        "--site",
        default=os.environ.get("ISSUETRAK_SITE") or None,
        help="live site URL (env ISSUETRAK_SITE)",
    )
    parser.add_argument(
        "--token",
        default=None,
        help="API v2 token; prefer the environment variable ISSUETRAK_TOKEN (a command line is visible to other users)",
    )
    parser.add_argument(
        "--restricted-token-env",
        default=None,
        metavar="NAME",
        help="environment variable holding a second token, of a user with fewer permissions: "
        "403s and what that user may not see are checked (without it they are skipped, said why)",
    )
    parser.add_argument(
        "--spec-label",
        default=None,
        help=f"pinned document label (default: {default_label_help()})",
    )
    parser.add_argument(
        "--allow-writes", action="store_true", help="live: also send creates and updates"
    )
    parser.add_argument(
        "--allow-destructive",
        action="store_true",
        help="live: also send DELETE (needs --allow-writes)",
    )
    parser.add_argument(
        "--report-dir",
        default="reports",
        help="JUnit XML and report.md go here (default: reports/)",
    )
    parser.add_argument(
        "--max-examples", type=int, default=None, help="generated cases per operation and phase"
    )
    parser.add_argument(
        "--coverage-budget",
        type=int,
        default=None,
        help="coverage-phase cases per operation and mode",
    )
    parser.add_argument(
        "--operations",
        action="append",
        default=[],
        metavar="REGEX",
        help="only operations whose 'METHOD /path' matches (repeatable), e.g. '^GET /Users'",
    )
    parser.add_argument(
        "--usage",
        default=None,
        metavar="FILE",
        help="a usage file (issuetrak usage): check only the operations it names, and of their "
        "answers the properties it reads",
    )
    parser.add_argument(
        "--max-requests",
        type=int,
        default=None,
        help="requests the run may send, the preflight included (live default 400 of the 1000 per 12 h a token gets; 0 = no limit)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of generated cases, of the error-path sample and of the depth tier's order "
        "(same seed, same run; pass e.g. the day of the year for variety across nights)",
    )
    parser.add_argument(
        "--rate-limits",
        default=None,
        metavar="WINDOWS",
        help="live: the site's request windows, e.g. 20/1s,5/1s:writes,100/60s,100/10m,1000/1h,1000/12h "
        "(default: Issuetrak's defaults; 'off' disables the client-side limiter)",
    )
    parser.add_argument(
        "--no-rate-limit", action="store_true", help="live: same as --rate-limits off (not advised)"
    )
    parser.add_argument(
        "--suite", default=None, help=argparse.SUPPRESS
    )  # another contract_tests folder
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    return parser


# The plugins the suite itself uses; the child pytest autoloads none (see the module docstring).
SUITE_PLUGINS = ("schemathesis.pytest.plugin", "_hypothesis_pytestplugin")
_XDIST_OPTIONS = ("-n", "--numprocesses", "--dist", "--maxprocesses")


def plugin_args(pytest_args: Sequence[str]) -> list[str]:
    """``-p`` for each plugin the suite needs, and xdist's when ``pytest_args`` ask for workers."""
    plugins = list(SUITE_PLUGINS)
    if any(arg.startswith(_XDIST_OPTIONS) for arg in pytest_args):
        plugins.append("xdist.plugin")
    return [arg for plugin in plugins for arg in ("-p", plugin)]


def build_pytest_args(options: argparse.Namespace, suite: Path) -> list[str]:
    """The pytest command line for ``options``; the token goes through the environment, not argv.

    Meant for a pytest started with ``PYTEST_DISABLE_PLUGIN_AUTOLOAD=1``: it names the plugins.
    """
    report_dir = Path(options.report_dir)
    args = [
        str(suite),
        *plugin_args(options.pytest_args),
        "-p",
        "no:cacheprovider",
        "-q",
        f"--report-dir={report_dir}",
        f"--junitxml={report_dir / 'junit.xml'}",
        f"--contract-seed={options.seed}",
        "-o",
        "junit_family=xunit2",
        "-o",
        "junit_suite_name=issuetrak-contract",
    ]
    if options.site:
        args.append(f"--site={options.site}")
    if options.spec_label:
        args.append(f"--spec-label={options.spec_label}")
    for flag in ("allow_writes", "allow_destructive", "no_rate_limit"):
        if getattr(options, flag):
            args.append("--" + flag.replace("_", "-"))
    if options.rate_limits is not None:
        args.append(f"--rate-limits={options.rate_limits}")
    if options.max_examples is not None:
        args.append(f"--max-examples={options.max_examples}")
    if options.coverage_budget is not None:
        args.append(f"--coverage-budget={options.coverage_budget}")
    if options.max_requests is not None:
        args.append(f"--max-requests={options.max_requests}")
    args += [f"--operations={pattern}" for pattern in options.operations]
    if getattr(options, "usage", None):
        args.append(f"--usage={options.usage}")
    if getattr(options, "restricted_token_env", None):
        args.append(f"--restricted-token-env={options.restricted_token_env}")
    return args + list(options.pytest_args)


def map_exit_code(pytest_code: int, *, preflight_failed: bool = False) -> int:
    """pytest's exit code -> this command's (see the module docstring).

    pytest uses 3 for its internal errors, and the suite's own preflight exits with 3 as well;
    the suite leaves ``preflight-failed.txt`` in the report folder to tell the two apart.
    """
    if pytest_code == _PYTEST_OK:
        return EXIT_CLEAN
    if pytest_code == _PYTEST_FAILED:
        return EXIT_FAILURES
    if pytest_code in (_PYTEST_USAGE, _PYTEST_NO_TESTS, _PYTEST_INTERRUPTED):
        # the suite's own setup errors (bad label, missing document) exit with 2 as well
        return EXIT_USAGE
    if pytest_code == EXIT_UNREACHABLE and preflight_failed:
        return EXIT_UNREACHABLE
    return EXIT_INTERNAL


def _focus(options: argparse.Namespace) -> int:
    """``--usage FILE``: select the operations it names (0), or say in one line why not (2)."""
    from issuetrak.usage import UsageFileError, load_usage
    from issuetrak_tools._contract.usage import operation_patterns, usage_operations

    try:
        usage = load_usage(options.usage)
        labels, missing = usage_operations(usage, load_document(options.spec_label))
    except (UsageFileError, SpecError) as exc:
        return fail("issuetrak contract", exc, EXIT_USAGE)
    if missing:
        sys.stderr.write(
            f"issuetrak contract: {options.usage} calls what the pinned document lacks "
            f"({', '.join(missing)}); `issuetrak usage check` says more\n"
        )
        return EXIT_FAILURES
    options.operations = [*options.operations, *operation_patterns(labels)]
    sys.stdout.write(
        f"focused run: the {len(labels)} operation(s) {options.usage} uses: {', '.join(labels)}\n"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        options = _parser().parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:  # argparse: --help is 0, a usage error 2
        return int(exc.code or 0)
    token = options.token or os.environ.get("ISSUETRAK_TOKEN") or ""
    if options.token:
        sys.stderr.write(
            "issuetrak contract: note: --token is visible to other users of this machine in the "
            "process list; set ISSUETRAK_TOKEN instead\n"
        )
    report_dir = Path(options.report_dir)
    # a run that stops during setup must not leave an earlier run's report looking current
    for name in (*REPORT_FILES, PREFLIGHT_MARKER):
        (report_dir / name).unlink(missing_ok=True)
    if options.allow_destructive and not options.allow_writes:
        sys.stderr.write("issuetrak contract: --allow-destructive needs --allow-writes\n")
        return EXIT_USAGE
    if options.max_examples is not None and options.max_examples < 1:
        sys.stderr.write(
            f"issuetrak contract: --max-examples {options.max_examples}: must be 1 or more\n"
        )
        return EXIT_USAGE
    if options.coverage_budget is not None and options.coverage_budget < 0:
        sys.stderr.write(
            f"issuetrak contract: --coverage-budget {options.coverage_budget}: must be 0 or more\n"
        )
        return EXIT_USAGE
    if options.max_requests is not None and options.max_requests < 0:
        sys.stderr.write(
            f"issuetrak contract: --max-requests {options.max_requests}: must be 0 (no limit) or more\n"
        )
        return EXIT_USAGE
    try:
        parse_rate_limits(options.rate_limits)
    except ValueError as exc:
        sys.stderr.write(f"issuetrak contract: {exc}\n")
        return EXIT_USAGE
    if options.site:
        if not token:
            sys.stderr.write(
                "issuetrak contract: a live site needs a token (--token or ISSUETRAK_TOKEN)\n"
            )
            return EXIT_USAGE
        # the run's target module (and schemathesis with it) loads only for a live site
        from issuetrak_tools._contract.target import site_base_url

        try:  # a malformed URL is a usage error before anything starts; the suite's
            site_base_url(options.site)  # preflight (sent once, there) checks the site itself
        except ValueError as exc:
            sys.stderr.write(f"issuetrak contract: {exc}\n")
            return EXIT_USAGE
    if options.usage:
        code = _focus(options)
        if code:
            return code
    suite = Path(options.suite) if options.suite else suite_dir()
    if not (suite / "conftest.py").is_file():
        sys.stderr.write(f"issuetrak contract: no contract suite at {suite}\n")
        return EXIT_USAGE
    try:  # an unknown label or a missing, tampered document: one line, before pytest starts
        load_document(options.spec_label)
        if not options.site:  # the embedded mock serves the generated package's copy
            require_servable(resolve(options.spec_label or default_label()).document())
    except (SpecError, ConfigurationError) as exc:
        return fail("issuetrak contract", exc, EXIT_USAGE)
    env = dict(os.environ)
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # build_pytest_args names the plugins
    if token:
        env["ISSUETRAK_TOKEN"] = token
    command = [sys.executable, "-m", "pytest", *build_pytest_args(options, suite)]
    completed = subprocess.run(command, env=env, cwd=os.getcwd(), check=False)
    marker = report_dir / PREFLIGHT_MARKER
    # the suite printed what stopped it, if anything, and where report.md, summary.json and
    # junit.xml are: once each, so nothing is repeated here
    return map_exit_code(completed.returncode, preflight_failed=marker.is_file())


if __name__ == "__main__":
    raise SystemExit(main())
