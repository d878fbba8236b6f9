"""Fixtures for the facade tests: clients over httpx.MockTransport and document-driven samples.

Samples are generated from the pinned document's schemas at test time (never stored), so the
tests follow the document when it is re-pinned.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from issuetrak import AsyncIssuetrak, Issuetrak
from issuetrak_tools.spec import load_document

BASE = "https://site.example/api/v2"


# The clients as the package ships them, with the facade mixed in.
FacadeClient = Issuetrak
AsyncFacadeClient = AsyncIssuetrak


@pytest.fixture(scope="session")
def doc() -> dict[str, Any]:
    return load_document()


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].split("/")[-1]]
    return schema


def sample(
    doc: dict[str, Any], schema: dict[str, Any], *, full: bool = True, depth: int = 0
) -> Any:
    """A value valid for ``schema``: every property when ``full`` (records), else required ones only."""
    schema = resolve(doc, schema)
    if "allOf" in schema:
        return sample(doc, schema["allOf"][0], full=full, depth=depth)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        out = {}
        for name, sub in props.items():
            if name in required or (full and depth < 3):
                out[name] = sample(doc, sub, full=full, depth=depth + 1)
        return out
    if kind == "array":
        return (
            [sample(doc, schema.get("items", {}), full=full, depth=depth + 1)] if depth < 4 else []
        )
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "string":
        fmt = schema.get("format")
        return {
            "date-time": "2024-03-15T08:30:00",
            "date": "2024-03-15",
            "uuid": "00000000-0000-0000-0000-000000000001",
            "binary": "x",
        }.get(fmt, "x")
    return None


def success_response(
    doc: dict[str, Any], method: str, path: str
) -> tuple[int, dict[str, Any] | None]:
    """The documented 2xx status of an operation and its JSON schema (None: no body)."""
    op = doc["paths"][path][method.lower()]
    for status in sorted(s for s in op["responses"] if s.startswith("2")):
        content = op["responses"][status].get("content", {})
        if "application/json" in content:
            return int(status), content["application/json"]["schema"]
        return int(status), None
    raise AssertionError(f"{method} {path} documents no 2xx response")


Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A MockTransport handler that answers from a route table and fails on anything else."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Callable[[httpx.Request], httpx.Response]] = {}
        self.requests: list[httpx.Request] = []

    def on(self, method: str, path: str, reply: Any, status: int = 200) -> None:
        def respond(request: httpx.Request) -> httpx.Response:
            body = reply(request) if callable(reply) else reply
            return httpx.Response(status, json=body)

        self.routes[(method, path)] = respond

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix("/api/v2")
        route = self.routes.get((request.method, path))
        if route is None:
            raise AssertionError(f"unexpected request {request.method} {path}")
        return route(request)

    def bodies(self) -> list[Any]:
        return [json.loads(r.content) if r.content else None for r in self.requests]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def client(recorder: Recorder) -> Iterator[FacadeClient]:
    c = FacadeClient(
        BASE,
        token="t0ken",
        transport=httpx.MockTransport(recorder),
        rate_limits=None,
        max_retries=0,
    )
    yield c
    c.close()


@pytest.fixture
def async_client(recorder: Recorder) -> AsyncFacadeClient:
    return AsyncFacadeClient(
        BASE,
        token="t0ken",
        transport=httpx.MockTransport(recorder),
        rate_limits=None,
        max_retries=0,
    )


def record(doc: dict[str, Any], schema_name: str, **fields: Any) -> dict[str, Any]:
    """A full sample record of ``schema_name`` with some fields set."""
    out = sample(doc, {"$ref": f"#/components/schemas/{schema_name}"})
    out.update(fields)
    return out  # type: ignore[no-any-return]
