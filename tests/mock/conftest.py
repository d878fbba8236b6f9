"""Shared helpers for the mock's tests: apps built once per module, clients per role, schemas."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema
import pytest
from issuetrak_mock import FrozenClock, create_app
from issuetrak_mock.server import listening_socket, uvicorn_server
from issuetrak_mock.transport import SyncASGITransport
from issuetrak_tools.spec import load_document

BASE = "http://mock/api/v2"


@functools.lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    return load_document()


def client(app: Any, role: str | None = "admin", token: str | None = None) -> httpx.Client:
    headers = {}
    if token is not None:
        headers["X-Api-Key"] = token
    elif role is not None:
        headers["X-Api-Key"] = app.state.tokens[role]
    return httpx.Client(transport=SyncASGITransport(app), base_url=BASE, headers=headers)


@contextlib.contextmanager
def serve(app: Any, **server_options: Any) -> Iterator[tuple[Any, int]]:
    """``app`` served as ``issuetrak-mock`` serves it (our socket, uvicorn) in a thread, on a free
    loopback port: yields the uvicorn server and the port."""
    sock = listening_socket("127.0.0.1", 0)
    server = uvicorn_server(app, log_level="error", **server_options)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started
    try:
        yield server, sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def new_app(**options: Any) -> Any:
    options.setdefault("rate_limits", None)
    options.setdefault("clock", FrozenClock("2024-03-15T08:30:00"))
    options.setdefault("document", document())
    return create_app(**options)


@pytest.fixture(scope="module")
def shared_app() -> Any:
    """A site that tests in a module may read but should not change much."""
    return new_app(seed=0, issues=300)


@pytest.fixture
def fresh_app() -> Any:
    return new_app(seed=0, issues=40)


@pytest.fixture
def admin(fresh_app: Any) -> Iterator[httpx.Client]:
    with client(fresh_app) as c:
        yield c


# Issuetrak writes date-times without a UTC offset; that is the one documented tolerance.
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")


def _formats() -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker(formats=())

    @checker.checks("date-time")
    def _date_time(value: object) -> bool:
        return not isinstance(value, str) or bool(_DATE_TIME.match(value))

    @checker.checks("date", raises=ValueError)
    def _date(value: object) -> bool:
        if isinstance(value, str):
            dt.date.fromisoformat(value)
        return True

    @checker.checks("uuid", raises=ValueError)
    def _uuid(value: object) -> bool:
        if isinstance(value, str):
            uuid.UUID(value)
        return True

    @checker.checks("email")
    def _email(value: object) -> bool:
        return not isinstance(value, str) or "@" in value

    return checker


class ResponseChecker:
    """Validates bodies against the document's schemas as a strict client would."""

    def __init__(self, doc: dict[str, Any] | None = None) -> None:
        doc = doc or document()
        self.definitions = {n: self._convert(s) for n, s in doc["components"]["schemas"].items()}
        self._cache: dict[str, jsonschema.Draft7Validator] = {}
        self.format_checker = _formats()

    def _convert(self, schema: Any) -> Any:
        if isinstance(schema, list):
            return [self._convert(s) for s in schema]
        if not isinstance(schema, dict):
            return schema
        out = {}
        for key, value in schema.items():
            if key in ("nullable", "example", "readOnly", "description"):
                continue
            if key == "$ref":
                out[key] = value.replace("#/components/schemas/", "#/definitions/")
            elif key == "properties":
                out[key] = {k: self._convert(v) for k, v in value.items()}
            else:
                out[key] = self._convert(value)
        if schema.get("nullable"):
            if "$ref" in out or "allOf" in out:
                out = {"anyOf": [out, {"type": "null"}]}
            elif "type" in out:
                out["type"] = [out["type"], "null"]
                if "enum" in out:
                    out["enum"] = [*out["enum"], None]
        return out

    def errors(self, schema_name: str, body: Any) -> list[str]:
        validator = self._cache.get(schema_name)
        if validator is None:
            validator = jsonschema.Draft7Validator(
                {"$ref": f"#/definitions/{schema_name}", "definitions": self.definitions},
                format_checker=self.format_checker,
            )
            self._cache[schema_name] = validator
        return [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
            for e in validator.iter_errors(body)
        ][:5]


@pytest.fixture(scope="session")
def checker() -> ResponseChecker:
    return ResponseChecker()
