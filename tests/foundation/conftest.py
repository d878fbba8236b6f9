"""Fixtures for the foundation tests: a throw-away project root, small self-made documents,
a loopback HTTP server, and one regeneration of the pinned document shared by the session."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from issuetrak_tools import spec

REPO = Path(__file__).resolve().parents[2]
# real third-party Swashbuckle/NSwag documents kept beside the project (test data, never copied)
REALWORLD = REPO.parent / "shared" / "realworld-specs"


def small_document(**paths: Any) -> dict[str, Any]:
    """A tiny valid OpenAPI 3 document of our own; ``paths`` replaces its default paths."""
    ok = {
        "description": "OK",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Things", "version": "1.0"},
        "paths": paths
        or {
            "/Things": {
                "get": {"operationId": "ListThings", "tags": ["Things"], "responses": {"200": ok}}
            },
            "/Things/{id}": {
                "get": {
                    "operationId": "GetThing",
                    "tags": ["Things"],
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        }
                    ],
                    "responses": {"200": ok},
                }
            },
        },
        "components": {
            "schemas": {
                "Thing": {
                    "type": "object",
                    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                }
            }
        },
    }


def document_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document, indent=2).encode()


@dataclass
class Project:
    """A project root of its own (``$ISSUETRAK_PROJECT_ROOT``) with a ``spec/`` folder."""

    root: Path

    @property
    def spec(self) -> Path:
        return self.root / "spec"

    def pin(
        self, label: str, body: bytes, *, generator: str | None = None, default: bool = True
    ) -> Path:
        """Pin ``body`` under ``label`` (without storing the document) and return the label folder."""
        folder = self.spec / label
        folder.mkdir(parents=True, exist_ok=True)
        version = spec_generator_version()
        pin = spec.Pin(
            label=label,
            sha256=hashlib.sha256(body).hexdigest(),
            size=len(body),
            source="test",
            captured="2026-01-01",
            generator=generator or f"openapi-python-client=={version}",
        )
        (folder / "pin.toml").write_text(pin.to_toml(), encoding="utf-8")
        if default:
            (self.spec / "default").write_text(f"{label}\n", encoding="utf-8")
        return folder


def spec_generator_version() -> str:
    from importlib.metadata import version

    return version("openapi-python-client")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    root = tmp_path / "project"
    (root / "spec").mkdir(parents=True)
    (root / "spec" / "default").write_text("none-yet\n", encoding="utf-8")
    monkeypatch.setenv("ISSUETRAK_PROJECT_ROOT", str(root))
    monkeypatch.delenv("ISSUETRAK_SPEC", raising=False)
    monkeypatch.delenv("ISSUETRAK_SPEC_LABEL", raising=False)
    monkeypatch.delenv("ISSUETRAK_TOKEN", raising=False)
    return Project(root)


# --- loopback HTTP server ----------------------------------------------------------------------


@dataclass
class Route:
    status: int = 200
    content_type: str = "application/json"
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    wait: threading.Event | None = None  # answer only once this is set


@dataclass
class Server:
    """A threaded HTTP server on 127.0.0.1 answering from ``routes``; 404 elsewhere."""

    httpd: ThreadingHTTPServer
    routes: dict[str, Route] = field(default_factory=dict)
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"


def _start_server() -> Server:
    routes: dict[str, Route] = {}
    seen: list[tuple[str, dict[str, str]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            route = routes.get(self.path.split("?")[0], Route(404, "text/plain", b"not found"))
            if route.wait is not None:
                route.wait.wait(10)
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(len(route.body)))
            for key, value in route.headers.items():
                self.send_header(key, value)
            self.end_headers()
            with contextlib.suppress(OSError):  # the client gave up (timeout test)
                self.wfile.write(route.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    ).start()
    return Server(httpd, routes, seen)


@pytest.fixture
def server_factory() -> Iterator[Callable[[], Server]]:
    started: list[Server] = []

    def start() -> Server:
        started.append(_start_server())
        return started[-1]

    yield start
    for server in started:
        for route in server.routes.values():
            if route.wait is not None:
                route.wait.set()
        server.httpd.shutdown()
        server.httpd.server_close()


@pytest.fixture
def server(server_factory: Callable[[], Server]) -> Server:
    return server_factory()


# --- regeneration ------------------------------------------------------------------------------


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m issuetrak_tools <args>`` (the ``issuetrak`` command) as a user would run it."""
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("ISSUETRAK_PROJECT_ROOT", "ISSUETRAK_SPEC", "ISSUETRAK_SPEC_LABEL")
    }
    return subprocess.run(
        [sys.executable, "-m", "issuetrak_tools", *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        cwd=cwd or REPO,
        check=False,
        timeout=300,
    )


def tree_hashes(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def _regen_to(folder: Path) -> Path:
    output = folder / "issuetrak_client"
    result = run_cli("regen", "--output", str(output))
    assert result.returncode == 0, result.stderr
    return output


@pytest.fixture(scope="session")
def regenerated(run_shared: Any) -> Path:
    """``issuetrak regen`` of the pinned document into a folder of its own (never generated/),
    once a test run."""
    return Path(run_shared.once("regen-a", lambda folder: str(_regen_to(folder))))


@dataclass(frozen=True)
class Ran:
    """What one command printed and how it ended."""

    returncode: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class RealworldRegen:
    """``issuetrak regen --from DOCUMENT`` through the default path, in a project of its own
    (``root``), and then with ``--allow-warnings`` when the first run's verdict offers it."""

    document: Path
    root: Path
    first: Ran
    wrote_after_first: bool  # whether anything was under generated/ after the first run
    allowed: Ran | None
    wrote_after_allowed: bool

    @property
    def generated(self) -> Path:
        return self.root / "generated"

    @property
    def last(self) -> Ran:
        return self.allowed or self.first


def realworld_params() -> list[Any]:
    """Each real-world document as a test parameter (its name as the id). The tests of one
    document run on one xdist worker (``--dist loadgroup``), one after the other, so the second
    reads the first one's regeneration instead of waiting for it."""
    return [
        pytest.param(path, id=path.stem, marks=pytest.mark.xdist_group(f"realworld-{path.stem}"))
        for path in sorted(REALWORLD.glob("*.json"))
    ]


def _regen_realworld(document: Path, root: Path) -> dict[str, Any]:
    (root / "spec").mkdir(parents=True)
    (root / "spec" / "default").write_text("none-yet\n", encoding="utf-8")
    env = {"ISSUETRAK_PROJECT_ROOT": str(root)}

    def regen(*extra: str) -> dict[str, Any]:
        result = run_cli("regen", "--from", str(document), *extra, env=env)
        return {"returncode": result.returncode, "stdout": result.stdout, "stderr": result.stderr}

    first = regen()
    runs: dict[str, Any] = {"first": first, "wrote_after_first": (root / "generated").exists()}
    runs["allowed"] = None
    if first["returncode"] != 0 and "--allow-warnings" in first["stderr"]:
        runs["allowed"] = regen("--allow-warnings")
    runs["wrote_after_allowed"] = (root / "generated").exists()
    return runs


@pytest.fixture(scope="session")
def realworld_regen(run_shared: Any) -> Callable[[Path], RealworldRegen]:
    """``realworld_regen(document)``: each real-world document regenerated once a test run,
    shared by every test and xdist worker that checks it (generation takes tens of seconds)."""

    def regenerated(document: Path) -> RealworldRegen:
        name = f"realworld-regen/{document.stem}"
        runs = run_shared.once(name, lambda folder: _regen_realworld(document, folder / "project"))
        allowed = runs["allowed"]
        return RealworldRegen(
            document=document,
            root=run_shared.folder / name / "project",
            first=Ran(**runs["first"]),
            wrote_after_first=runs["wrote_after_first"],
            allowed=Ran(**allowed) if allowed is not None else None,
            wrote_after_allowed=runs["wrote_after_allowed"],
        )

    return regenerated


@pytest.fixture(scope="session")
def checked_regenerated(run_shared: Any, regenerated: Path) -> Ran:
    """``issuetrak regen --check`` against a copy of ``regenerated``, once a test run: a second,
    independent regeneration compared file by file with the first."""

    def check(folder: Path) -> dict[str, Any]:
        copy = folder / "issuetrak_client"
        shutil.copytree(regenerated, copy, ignore=shutil.ignore_patterns("__pycache__"))
        result = run_cli("regen", "--check", "--output", str(copy))
        return {"returncode": result.returncode, "stdout": result.stdout, "stderr": result.stderr}

    return Ran(**run_shared.once("regen-check", check))


def python_in(folder: Path, code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter that imports packages from ``folder`` first."""
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(folder), "PYTHONDONTWRITEBYTECODE": "1"},
        cwd=folder,
        check=False,
        timeout=300,
    )
