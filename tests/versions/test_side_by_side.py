"""Labels side by side: regen builds one without touching the others, and one process calls two.

Small documents of our own keep the regenerations cheap; the derived Issuetrak versions of
``test_upgrade_chain.py`` do the same with the real document.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from issuetrak import AsyncIssuetrak, Issuetrak
from issuetrak._versions import UnknownVersionError, label_ident, labels, resolve
from issuetrak_tools import spec

from .conftest import label_packages, run_cli

pytestmark = pytest.mark.slow


def things_document(*extra_tags: str) -> dict[str, Any]:
    """A tiny document: Things (list and get), plus one operation per extra tag."""
    thing = {"$ref": "#/components/schemas/Thing"}
    ok = {"200": {"description": "OK", "content": {"application/json": {"schema": thing}}}}
    listed = {
        "200": {
            "description": "OK",
            "content": {"application/json": {"schema": {"type": "array", "items": thing}}},
        }
    }
    paths: dict[str, Any] = {
        "/Things": {"get": {"operationId": "GetThings", "tags": ["Things"], "responses": listed}},
        "/Things/{iid}": {
            "get": {
                "operationId": "GetThing",
                "tags": ["Things"],
                "parameters": [
                    {"name": "iid", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "responses": ok,
            }
        },
    }
    for tag in extra_tags:
        paths[f"/{tag}"] = {"get": {"operationId": f"Get{tag}", "tags": [tag], "responses": ok}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Things", "version": "1.0"},
        "paths": paths,
        "components": {
            "schemas": {
                "Thing": {
                    "type": "object",
                    "properties": {"iid": {"type": "integer"}, "name": {"type": "string"}},
                }
            }
        },
    }


def tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def pin(root: Path, label: str, document: dict[str, Any]) -> None:
    body = json.dumps(document, indent=2).encode()
    folder = root / "spec" / label
    folder.mkdir(parents=True)
    (folder / "openapi.json").write_bytes(body)
    from importlib.metadata import version

    (folder / "pin.toml").write_text(
        spec.Pin(
            label=label,
            sha256=hashlib.sha256(body).hexdigest(),
            size=len(body),
            source="test",
            captured="2026-01-01",
            generator=f"openapi-python-client=={version('openapi-python-client')}",
        ).to_toml(),
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def two_labels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with labels "things-v1" (the default) and "things-v2" (one more tag), built in
    the order an upgrade builds them; checks along the way that nothing else is touched."""
    root = tmp_path_factory.mktemp("side-by-side")
    pin(root, "things-v1", things_document())
    pin(root, "things-v2", things_document("Widgets"))
    (root / "spec" / "default").write_text("things-v1\n", encoding="utf-8")
    index = root / "generated" / "issuetrak_client"

    first = run_cli("regen", root=root)
    assert first.returncode == 0, first.stderr
    v1 = tree(index / "things_v1")
    index_text = (index / "__init__.py").read_text(encoding="utf-8")
    assert 'DEFAULT_LABEL = "things-v1"' in index_text

    second = run_cli("regen", "--label", "things-v2", root=root)
    assert second.returncode == 0, second.stderr
    assert tree(index / "things_v1") == v1  # the other label's package is untouched
    assert (index / "__init__.py").read_text(encoding="utf-8") == index_text  # so is the index
    assert (index / "things_v2" / "_pin.py").is_file()
    return root


def test_each_label_has_its_own_namespaces(two_labels: Path) -> None:
    index = two_labels / "generated" / "issuetrak_client"
    assert not (index / "things_v1" / "namespaces" / "widgets.py").exists()
    assert "class Widgets(" in (index / "things_v2" / "namespaces" / "widgets.py").read_text(
        encoding="utf-8"
    )


def _site(label: str) -> httpx.MockTransport:
    """A site of ``label``: every list answers one thing named after the label."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/Things"):
            return httpx.Response(200, json=[{"iid": 1, "name": label}])
        if request.url.path.endswith("/Widgets"):
            return httpx.Response(200, json={"iid": 2, "name": label})
        if request.url.path.endswith("/Things/1"):
            return httpx.Response(200, json={"iid": 1, "name": label, "extra": True})
        return httpx.Response(404)

    return httpx.MockTransport(handle)


def test_two_versions_serve_one_process(two_labels: Path) -> None:
    with label_packages(two_labels / "generated"):
        assert {"things-v1", "things-v2"} <= set(labels())
        old = Issuetrak("https://old.example", "t", version="things-v1", transport=_site("v1"))
        new = Issuetrak("https://new.example", "t", version="things-v2", transport=_site("v2"))
        with old, new:
            assert old.version.package == "issuetrak_client.things_v1"
            assert new.version == resolve("things-v2")
            old_thing, new_thing = old.things.get(1), new.things.get(1)
            assert (old_thing.name, new_thing.name) == ("v1", "v2")
            # each client builds the models of its own package
            assert type(old_thing).__module__.startswith("issuetrak_client.things_v1.")
            assert type(new_thing).__module__.startswith("issuetrak_client.things_v2.")
            assert new.widgets.list().name == "v2"
            with pytest.raises(AttributeError, match="widgets"):
                old.widgets  # noqa: B018
            assert "widgets" in dir(new) and "widgets" not in dir(old)


def test_the_async_client_binds_to_a_label_too(two_labels: Path) -> None:
    async def main() -> str:
        async with AsyncIssuetrak(
            "https://new.example",
            "t",
            version="things-v2",
            transport=_site("v2"),
        ) as client:
            assert client.version.label == "things-v2"
            widget = await client.widgets.list()
            return str(widget.name)

    with label_packages(two_labels / "generated"):
        assert asyncio.run(main()) == "v2"


def test_an_unknown_label_names_the_installed_ones(two_labels: Path) -> None:
    with label_packages(two_labels / "generated"), pytest.raises(UnknownVersionError) as caught:
        Issuetrak("https://x.example", "t", version="things-v3")
    message = str(caught.value)
    assert "'things-v3'" in message and "things-v1" in message and "things-v2" in message
    assert "issuetrak regen --label things-v3" in message
    assert label_ident("things-v3") == "things_v3"
