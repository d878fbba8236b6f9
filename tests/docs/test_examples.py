"""Every Python example in README.md, DEVELOPERS.md and docs/ runs, against the in-process mock.

Each page's ``python`` blocks run in page order in one namespace, from a temporary working folder;
``pycon`` blocks are doctests in that namespace; blocks defining ``test_*`` functions are written
to files and run by pytest in a child process (the way a user's suite runs them, with the
``issuetrak_mock`` fixture of the installed plugin).

The examples talk to made-up sites (``https://yoursite.issuetrak.com`` ...). For this test only,
httpx's default transports send requests for those hosts to a fresh mock site (seeded as
``create_app()`` seeds it, rate limits off) instead of the network, and the token placeholder
``"..."`` stands for the mock's admin token, as does ``$ISSUETRAK_TOKEN``. Any other host goes
to httpx unchanged (and fails here: examples must not need the network).
"""

from __future__ import annotations

import doctest
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest
from issuetrak_mock import create_app
from issuetrak_mock.transport import SyncASGITransport

from .examples import PYTHON, REPO, Block, pages, read_blocks

EXAMPLE_HOSTS = frozenset(
    {
        "yoursite.issuetrak.com",
        "example.issuetrak.com",
        "yourcompany.issuetrak.com",
        "sandbox.issuetrak.com",
        "example.com",
    }
)
TOKEN_PLACEHOLDER = "..."
BASE_URL = "https://yoursite.issuetrak.com"

RUNNABLE = [page for page in pages() if any(block.runs for block in read_blocks(page))]


def _page_id(page: Path) -> str:
    return str(page.relative_to(REPO))


@pytest.fixture
def example_site(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    """A fresh mock site answering for the example hosts; the working folder is a temp dir."""
    import issuetrak._ratelimit

    app = create_app(rate_limits=None)
    admin = app.state.tokens["admin"]
    in_process = SyncASGITransport(app)
    in_process_async = httpx.ASGITransport(app=app)
    send = httpx.HTTPTransport.handle_request
    send_async = httpx.AsyncHTTPTransport.handle_async_request

    def routed(request: httpx.Request) -> bool:
        if request.url.host not in EXAMPLE_HOSTS:
            return False
        if request.headers.get("X-Api-Key") == TOKEN_PLACEHOLDER:
            request.headers["X-Api-Key"] = admin
        return True

    def handle_request(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        return in_process.handle_request(request) if routed(request) else send(self, request)

    async def handle_async_request(
        self: httpx.AsyncHTTPTransport, request: httpx.Request
    ) -> httpx.Response:
        if routed(request):
            return await in_process_async.handle_async_request(request)
        return await send_async(self, request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", handle_request)
    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", handle_async_request)
    monkeypatch.setenv("ISSUETRAK_BASE_URL", BASE_URL)
    monkeypatch.setenv("ISSUETRAK_TOKEN", admin)
    monkeypatch.delenv("ISSUETRAK_LOG", raising=False)
    # each page starts with an unspent client-side budget, as a fresh process would
    monkeypatch.setattr(issuetrak._ratelimit, "_registry", {})
    monkeypatch.chdir(tmp_path)
    try:
        yield app
    finally:
        in_process.close()


def _run_doctest(block: Block, namespace: dict[str, Any]) -> None:
    test = doctest.DocTestParser().get_doctest(
        block.code, namespace, block.where, str(block.page), block.line - 1
    )
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test, out=report.append, clear_globs=False)
    assert runner.failures == 0, "".join(report)


@pytest.fixture(scope="session")
def pytest_examples(run_shared: Any) -> dict[str, str]:
    """Every page's ``test_*`` examples, run by one pytest child process once a test run (the
    xdist workers share its outcome): block -> its outcome.

    The child loads the ``issuetrak_mock`` plugin, as the installed entry point does in a user's
    suite, and nothing else (so it starts quickly). Each block is a test module of its own.
    """
    outcomes: dict[str, str] = run_shared.once("pytest-examples", _run_pytest_examples)
    return outcomes


def _run_pytest_examples(folder: Path) -> dict[str, str]:
    files: dict[str, Block] = {}
    for page in pages():
        for block in read_blocks(page):
            if block.runs and block.is_pytest:
                name = f"test_example_{len(files)}.py"
                (folder / name).write_text(f"# {block.where}\n{block.code}", encoding="utf-8")
                files[name] = block
    report = folder / "junit.xml"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "issuetrak_mock.pytest_plugin",
            f"--junitxml={report}",
            str(folder),
        ],
        cwd=folder,
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    outcomes: dict[str, str] = {}
    for case in ElementTree.parse(report).iter("testcase"):
        block = files[case.get("classname", "").rsplit(".", 1)[-1] + ".py"]
        failed = case.find("failure") is not None or case.find("error") is not None
        skipped = case.find("skipped") is not None
        verdict = "failed" if failed else "skipped" if skipped else "passed"
        outcomes[f"{block.where}::{case.get('name')}"] = verdict
    outcomes["(output)"] = result.stdout[-6000:]
    return outcomes


def _check_pytest_examples(blocks: list[Block], outcomes: dict[str, str]) -> None:
    for block in blocks:
        names = re.findall(r"^(?:async )?def (test_\w+)", block.code, re.M)
        for name in names:
            verdict = outcomes.get(f"{block.where}::{name}")
            assert verdict == "passed", f"{block.where}::{name} {verdict}:\n{outcomes['(output)']}"


@pytest.mark.parametrize("page", RUNNABLE, ids=_page_id)
def test_page_examples_run_against_the_mock(
    page: Path, example_site: Any, pytest_examples: dict[str, str]
) -> None:
    namespace: dict[str, Any] = {"__name__": "__main__"}
    pytest_blocks = []
    for block in read_blocks(page):
        if not block.runs:
            continue
        if block.is_pytest:
            pytest_blocks.append(block)
        elif block.language in PYTHON:
            exec(block.compiled(), namespace)  # tracebacks point at the page's own lines
        else:
            _run_doctest(block, namespace)
    _check_pytest_examples(pytest_blocks, pytest_examples)


@pytest.mark.parametrize("page", pages(), ids=_page_id)
def test_every_code_block_names_its_language(page: Path) -> None:
    untagged = [block.where for block in read_blocks(page) if not block.language]
    assert not untagged, f"fences without a language (python, console, sh, text, ...): {untagged}"


@pytest.mark.parametrize("page", pages(), ids=_page_id)
def test_a_skipped_example_says_why_in_the_page(page: Path) -> None:
    for block in read_blocks(page):
        if block.skip is not None:
            assert len(block.skip) >= 10, f"{block.where}: say why the example is not run"


def test_the_runner_finds_the_examples_it_must_run() -> None:
    blocks = [block for page in pages() for block in read_blocks(page)]
    python = [block for block in blocks if block.language in PYTHON]
    skipped = [block.where for block in python if block.skip is not None]
    assert len(python) >= 20
    assert any(block.is_pytest for block in python)
    assert len(skipped) <= 2, f"skips must stay rare: {skipped}"
