"""Checks of an installed issuetrak wheel, run by .ci/smoke.sh inside a fresh virtual environment
in a temporary folder (no checkout, no spec/, no ../shared).

    python smoke.py client     # a client-only install
    python smoke.py mock       # with the [mock] extra
    python smoke.py contract   # with the [contract] extra

Each check prints one line; the first failure raises (exit status 1).
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
# distributions that only an extra may bring
EXTRAS_ONLY = {
    "starlette",
    "uvicorn",
    "jsonschema",
    "jsonschema-rs",
    "pytest",
    "schemathesis",
    "hypothesis",
    "requests",
    "jsonpatch",
    "openapi-python-client",
    "ruff",
    "ruamel.yaml",
    "pydantic",
    "pyyaml",
}


def ok(message: str) -> None:
    print(f"smoke: ok: {message}", flush=True)


def run(*argv: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=900, check=False, **kwargs)  # type: ignore[call-overload]


def one_line_naming(result: subprocess.CompletedProcess[str], extra: str) -> str:
    lines = result.stderr.splitlines()
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert len(lines) == 1 and f"pip install 'issuetrak[{extra}]'" in lines[0], result.stderr
    return lines[0]


def outside_the_checkout() -> None:
    import issuetrak

    here = Path.cwd()
    assert not (here / "spec").exists() and not (here.parent / "shared").exists(), here
    assert "site-packages" in issuetrak.__file__, issuetrak.__file__
    ok(f"issuetrak {issuetrak.__version__} from {Path(issuetrak.__file__).parent}, cwd {here}")


def client_only() -> None:
    outside_the_checkout()
    installed = {
        d.metadata["Name"].lower().replace("_", "-") for d in importlib.metadata.distributions()
    }
    unexpected = sorted(installed & EXTRAS_ONLY)
    assert not unexpected, f"a client-only install pulled {unexpected}"
    ok(f"client-only install: {len(installed)} distributions, none of the extras' packages")

    import httpx
    from issuetrak import Issuetrak

    sent: list[httpx.Request] = []

    def site(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        cause = {
            "iid": 3,
            "id": "3",
            "name": "Configuration",
            "displayOrder": 3.0,
            "createdByUserIid": 1,
            "createdDate": "2024-03-15T08:30:00",
            "modifiedByUserIid": 1,
            "modifiedDate": "2024-03-15T08:30:00",
        }
        return httpx.Response(200, json={"traceId": "smoke", "values": cause})

    with Issuetrak(
        "https://yoursite.issuetrak.com", token="smoke-token", transport=httpx.MockTransport(site)
    ) as client:
        cause = client.causes.get(3)
    assert type(cause).__name__ == "Cause" and cause.name == "Configuration", cause
    assert sent[0].url == "https://yoursite.issuetrak.com/api/v2/Causes/3", sent[0].url
    assert sent[0].headers["X-Api-Key"] == "smoke-token"
    ok(f"Issuetrak(...).causes.get(3) over httpx.MockTransport -> {type(cause).__module__}.Cause")

    line = one_line_naming(run(str(BIN / "issuetrak-mock"), "--port", "0"), "mock")
    ok(f"issuetrak-mock without [mock]: {line}")
    line = one_line_naming(run(str(BIN / "issuetrak"), "contract"), "contract")
    ok(f"issuetrak contract without [contract]: {line}")
    for argv in (
        ["issuetrak", "--help"],
        ["issuetrak", "contract", "--help"],
        ["issuetrak-mock", "--help"],
    ):
        result = run(str(BIN / argv[0]), *argv[1:])
        assert result.returncode == 0 and result.stdout.startswith("usage:"), result
    ok("--help answers without the extras")


def pytest_plugin_without_mock() -> None:
    """Run after `pip install pytest` (not the extra): the fixture names the extra, in one line."""
    suite = Path("plugin-suite")
    suite.mkdir(exist_ok=True)
    (suite / "test_user.py").write_text(
        "def test_plain():\n    assert True\n\n\n"
        "def test_with_mock(issuetrak_mock):\n    issuetrak_mock.client()\n",
        encoding="utf-8",
    )
    result = run(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(suite))
    out = result.stdout
    assert result.returncode == 1 and "1 passed, 1 error" in out, out + result.stderr
    assert "needs the [mock] extra" in out and "Traceback" not in out, out
    ok("pytest in a client-only install: plain test passes, the fixture names the [mock] extra")


def with_mock() -> None:
    outside_the_checkout()
    from issuetrak import Issuetrak
    from issuetrak_mock import create_app
    from issuetrak_mock.transport import SyncASGITransport

    app = create_app(rate_limits=None, issues=20)
    with Issuetrak(
        "http://localhost/api/v2",
        token=app.state.tokens["admin"],
        transport=SyncASGITransport(app),
        rate_limits=None,
    ) as client:
        user = client.users.get(1)
        issues = client.issues.search().to_list()
        assert user.first_name == "Ada" and len(issues) == 20, (user, len(issues))
    ok(f"the client against the in-process mock: user 1 is {user.display_name}, 20 issues")
    serve_on_loopback()


def serve_on_loopback() -> None:
    from issuetrak import Issuetrak

    server = subprocess.Popen(
        [str(BIN / "issuetrak-mock"), "--port", "0", "--issues", "20", "--no-rate-limit"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert server.stdout is not None
        lines: list[str] = []
        while not any("expired token" in line for line in lines):
            line = server.stdout.readline()
            if not line:
                raise AssertionError(
                    f"issuetrak-mock stopped: {''.join(lines)}{server.stderr.read() if server.stderr else ''}"
                )
            lines.append(line)
        text = "".join(lines)
        url = re.search(r"http://127\.0\.0\.1:\d+/api/v2", text)
        token = re.search(r"X-Api-Key for admin\s*: (\S+)", text)
        assert url and token, text
        with Issuetrak(
            url.group(0), token=token.group(1), rate_limits=None, max_retries=5
        ) as client:
            issue = None
            for _ in range(50):  # the socket is bound before the banner; accepting may lag
                try:
                    issue = client.issues.get(1)
                    break
                except Exception:  # retried; the assertion below reports a lasting failure
                    time.sleep(0.1)
            assert issue is not None and issue.iid == 1, issue
        ok(f"issuetrak-mock --port 0 answered GET /Issues/1 at {url.group(0)}")
    finally:
        server.terminate()
        server.wait(timeout=10)


def with_contract() -> None:
    outside_the_checkout()
    reports = Path("reports")
    result = run(
        str(BIN / "issuetrak"),
        "contract",
        "--operations",  # every operation on /Causes: a path's methods are checked together
        " /Causes",
        "--max-examples",
        "5",
        "--report-dir",
        str(reports),
    )
    tail = (result.stdout + result.stderr)[-3000:]
    assert result.returncode == 0, tail
    summary = (reports / "report.md").read_text(encoding="utf-8")
    assert (reports / "junit.xml").is_file(), tail
    print(tail[-600:])
    ok(
        f"issuetrak contract on the /Causes operations against the embedded mock: exit 0, {len(summary)} bytes of report"
    )


if __name__ == "__main__":
    checks = {
        "client": client_only,
        "plugin": pytest_plugin_without_mock,
        "mock": with_mock,
        "contract": with_contract,
    }
    if len(sys.argv) != 2 or sys.argv[1] not in checks:
        raise SystemExit(f"usage: python smoke.py {{{'|'.join(checks)}}}")
    checks[sys.argv[1]]()
