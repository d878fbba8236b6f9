"""Fixtures for the foundation tests: a throw-away project root, small self-made documents,
a loopback HTTP server, and one regeneration of the pinned document shared by the session."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
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
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``issuetrak regen`` of the pinned document into a folder of its own (never generated/)."""
    return _regen_to(tmp_path_factory.mktemp("regen-a"))


@pytest.fixture(scope="session")
def regenerated_again(tmp_path_factory: pytest.TempPathFactory, regenerated: Path) -> Path:
    return _regen_to(tmp_path_factory.mktemp("regen-b"))


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
