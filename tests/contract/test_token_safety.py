"""The token goes to the site only, and appears in no output of any run: not on the console, in
junit.xml, report.md, summary.json, curl reproductions, tracebacks with their locals, log lines,
nor on the command line of any process a ``make contract`` run starts; and no request carrying it
follows a redirect to another origin."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from issuetrak_tools._contract.credentials import (
    CredentialHeaders,
    Secret,
    Secrets,
    redact_test_report,
)
from issuetrak_tools._contract.guard import SiteGuard
from issuetrak_tools._contract.report import FailureRecord
from issuetrak_tools._contract.target import open_target
from issuetrak_tools._contract.transport import make_session

from . import deviations
from .live import ROOT, mock_site, run_contract_cli, run_live
from .recording_server import serve


def _cut_short(app: Any, path: str) -> Any:
    async def cut(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == path and scope["method"] == "GET":
            headers = [(b"content-type", b"application/json"), (b"content-length", b"500")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": b'{"values": '})
            return
        await app(scope, receive, send)

    return cut


def _every_byte(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


@pytest.mark.slow
@pytest.mark.network
def test_a_failing_live_run_writes_the_token_nowhere(tmp_path: Path) -> None:
    import issuetrak_mock

    app = issuetrak_mock.create_app(seed=0, rate_limits=None, issues=30)
    token = app.state.tokens["admin"]
    # several deviations at once, so that steps, schemathesis checks and the stateful phase fail
    site = app
    for name in ("missing_required_field", "search_first_criterion_only", "put_not_stored"):
        site = deviations.BY_NAME[name].wrap(site, deviations.site_context(app))
    # and a proxy that cuts one answer short, so that a step errors with a traceback through the
    # frames that hold the request's headers (shown with --showlocals)
    site = _cut_short(site, "/api/v2/Causes/1")
    reports = tmp_path / "reports"
    with serve(site) as (url, _):
        result = run_contract_cli(
            f"--site={url}",
            f"--report-dir={reports}",
            "--allow-writes",
            "--rate-limits=off",
            "--max-requests=150",
            "--max-examples=1",
            "--operations=/Causes",
            "--",
            "--showlocals",  # tracebacks with every local variable
            "--tb=long",
            "-o",
            "log_cli=true",  # and every log line, down to DEBUG, on the console
            "--log-cli-level=DEBUG",
            "-rA",
            token=token,
            text=False,
        )
    assert result.returncode == 1, result.stdout.decode()[-3000:]
    written = result.stdout + result.stderr + _every_byte(reports)
    assert {p.name for p in reports.iterdir()} >= {"junit.xml", "report.md", "summary.json"}
    assert b"write_persisted" in written and b"curl -X" in written  # it did fail, and reproduce
    assert b"[REDACTED]" in written or b"[Filtered]" in written
    assert token.encode() not in written


def test_objects_holding_the_token_never_show_it() -> None:
    secret = Secret("itk_admin_0123456789abcdef")
    headers = CredentialHeaders({"X-Api-Key": secret.reveal()})
    values = Secrets((secret.reveal(),))
    shown = (
        repr(secret),
        str(secret),
        repr(headers),
        str(headers),
        repr(values),
        str({"s": values}),
    )
    for text in shown:
        assert "0123456789abcdef" not in text
    assert list(values) == [secret.reveal()]  # the redacting code still reads them
    assert headers["X-Api-Key"] == secret.reveal()  # the HTTP libraries still read it

    import pickle

    assert "0123456789abcdef" not in repr(pickle.loads(pickle.dumps(secret)).reveal())


def test_a_target_prints_without_its_token() -> None:
    import issuetrak_mock

    app = issuetrak_mock.create_app(seed=0, rate_limits=None, issues=5)
    token = app.state.tokens["admin"]
    target = open_target(app=app, token=token)
    try:
        assert token not in repr(target) and token not in str(target.headers)
    finally:
        target.close()


def test_pytest_reports_are_redacted_before_any_reporter_sees_them() -> None:
    from types import SimpleNamespace

    report = SimpleNamespace(
        longrepr="E   AssertionError: sent itk_secret to the site\n  headers = {'X-Api-Key': 'itk_secret'}",
        sections=[("Captured log call", "DEBUG x-api-key=itk_secret")],
        user_properties=[("token", "itk_secret")],
    )
    redact_test_report(report, ("itk_secret",))
    assert "itk_secret" not in str(report.longrepr) + str(report.sections) + str(
        report.user_properties
    )


@pytest.mark.network
def test_a_cross_origin_redirect_is_reported_and_the_other_origin_never_sees_the_token(
    tmp_path: Path,
) -> None:
    """The bug this fixes: requests followed a 3xx to another host with the X-Api-Key header."""
    import issuetrak_mock

    elsewhere = issuetrak_mock.create_app(seed=0, rate_limits=None, issues=5)
    with serve(elsewhere) as (other_url, other):
        app = issuetrak_mock.create_app(seed=0, rate_limits=None, issues=20)

        def redirect(ex: deviations.Exchange) -> None:
            if ex.method == "GET" and ex.path.lower() == "/causes":
                ex.status = 302
                ex.response_headers = [(b"location", f"{other_url}/api/v2/Causes".encode())]

        site = deviations.Middleware(app, before=redirect)
        result = run_live(
            site, app.state.tokens["admin"], tmp_path, operations=["^GET /Causes$"], max_requests=0
        )
    assert "redirect_to_other_origin" in result.failing_checks
    assert other.requests == []  # not followed at all, so the token never travelled there
    record = next(
        r for r in result.recorder.failures.values() if r.check == "redirect_to_other_origin"
    )
    assert other_url in record.message and app.state.tokens["admin"] not in record.curl


def test_the_requests_session_never_follows_a_redirect() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "site.example":
            return httpx.Response(302, headers={"Location": "https://elsewhere.example/steal"})
        return httpx.Response(200)

    client = httpx.Client(transport=httpx.MockTransport(handler), follow_redirects=False)
    session = make_session(client)
    response = session.get("https://site.example/api/v2/Causes", headers={"X-Api-Key": "k"})
    assert response.status_code == 302
    assert [r.url.host for r in seen] == ["site.example"]


def test_a_request_for_another_origin_leaves_without_the_token() -> None:
    seen: list[httpx.Request] = []
    found: list[FailureRecord] = []
    guard = SiteGuard(
        httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(200)),
        "https://site.example/api/v2",
        observe=found.append,
    )
    with httpx.Client(transport=guard) as client:
        client.get("https://site.example/api/v2/Users", headers={"X-Api-Key": "k"})
        client.get("https://elsewhere.example/api/v2/Users", headers={"X-Api-Key": "k"})
    assert seen[0].headers.get("x-api-key") == "k"
    assert "x-api-key" not in seen[1].headers
    assert [r.check for r in found] == ["token_sent_to_site_only"]


@pytest.mark.slow
@pytest.mark.network
@pytest.mark.parametrize("given_as", ["environment", "make variable"])
def test_no_process_of_a_make_contract_run_has_the_token_on_its_command_line(
    tmp_path: Path, given_as: str
) -> None:
    with mock_site(issues=10) as (app, token), serve(app) as (url, _):
        env = {**os.environ, "ISSUETRAK_SITE": url}
        env.pop("MAKEFLAGS", None)
        env.pop("ISSUETRAK_TOKEN", None)
        given = [f"TOKEN={token}"] if given_as == "make variable" else []
        if not given:
            env["ISSUETRAK_TOKEN"] = token
        log = tmp_path / "make.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [
                    "make",
                    "-s",
                    "contract",
                    f"ARGS=--report-dir={tmp_path / 'reports'} --rate-limits=20/1s --max-requests=40",
                    *given,
                ],
                cwd=ROOT,
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
            command_lines: list[bytes] = []
            tree = _ProcessTree(process.pid)
            while process.poll() is None:
                # make's own arguments are what the user typed; what it starts must not carry it
                command_lines += tree.command_lines(below_only=True)
                time.sleep(0.05)
        output = log.read_bytes()
    assert process.returncode == 0, output.decode()[-3000:]
    assert any(b"pytest" in c and b"contract_tests" in c for c in command_lines)  # it saw them
    assert not [c for c in command_lines if token.encode() in c]
    assert token.encode() not in output + _every_byte(tmp_path / "reports")


class _ProcessTree:
    """The processes below one root, looked up again and again while they run.

    A process's parent is read once (from ``/proc/<pid>/stat``), when its pid first shows up, and
    forgotten when the pid is gone: each look reads the stat of new processes only, not of every
    process on the machine (a look every 50 ms over a whole contract run is otherwise a fifth of
    a core). A pid is not reused while it is listed, so no parent read is stale.
    """

    def __init__(self, root: int) -> None:
        self.root = root
        self._parents: dict[int, int] = {}

    def command_lines(self, *, below_only: bool = False) -> list[bytes]:
        """The command lines (what ``ps`` shows) of every process below the root (and of it)."""
        listed = {int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()}
        for gone in self._parents.keys() - listed:
            del self._parents[gone]
        for pid in listed - self._parents.keys():
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            self._parents[pid] = int(stat.rsplit(")", 1)[1].split()[1])
        tree = {self.root}
        grew = True
        while grew:
            below = {pid for pid, parent in self._parents.items() if parent in tree} - tree
            grew = bool(below)
            tree |= below
        lines = []
        for pid in tree - ({self.root} if below_only else set()):
            try:
                lines.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" "))
            except OSError:
                continue
        return lines
