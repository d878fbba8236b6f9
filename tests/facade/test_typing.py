from __future__ import annotations

import importlib
import subprocess
import sys
import typing
from pathlib import Path

import pytest
from issuetrak import _catalog
from issuetrak._namespace import SyncNamespace
from issuetrak._versions import default_version
from issuetrak_tools import _stubgen

from .conftest import BASE, FacadeClient

PACKAGE = default_version().package
_namespaces = importlib.import_module(f"{PACKAGE}._namespaces")


def test_the_typed_namespaces_match_the_generated_package() -> None:
    # regen writes them; they fall behind only if the package was edited or regen changed
    assert Path(_namespaces.__file__).read_text(encoding="utf-8") == _stubgen.render(PACKAGE)


def _protocol_methods(cls: type) -> set[str]:
    return {n for n in vars(cls) if not n.startswith("_") and callable(getattr(cls, n))}


@pytest.mark.parametrize("tag", _catalog.tags())
def test_every_method_of_a_namespace_is_in_its_typed_view(tag: str) -> None:
    client = FacadeClient(BASE, token="t")
    runtime = set(SyncNamespace(client, tag)._method_names())
    for views in (_namespaces.Namespaces, _namespaces.AsyncNamespaces):
        typed = typing.get_type_hints(views, localns=vars(_namespaces))[tag]
        assert runtime <= _protocol_methods(typed), views.__name__


USE = """
from issuetrak import AsyncIssuetrak, Issuetrak
from issuetrak.filters import contains, where

def sync(client: Issuetrak) -> None:
    reveal_type(client.users.get(1))
    reveal_type(client.users.list(sort_field="LastName"))
    for issue in client.issues.search(where(subject=contains("a"))):
        reveal_type(issue)
    reveal_type(client.issues.patch(3).add_note("x"))
    reveal_type(client.priorities.update(2, name="x"))
    client.users.get("not an iid")

async def run(client: AsyncIssuetrak) -> None:
    reveal_type(await client.users.get(1))
    async for issue in client.issues.search(where(subject=contains("x"))):
        reveal_type(issue)
"""


def test_type_checkers_see_the_generated_models_through_the_client(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    source = tmp_path / "use.py"
    source.write_text(USE, encoding="utf-8")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(tmp_path / "cache"),
            str(source),
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    revealed = [
        line.split("Revealed type is ")[1].strip('"')
        for line in out.splitlines()
        if "Revealed" in line
    ]
    assert revealed == [
        f"{PACKAGE}.models.user.User",
        f"issuetrak._paging.SyncPager[{PACKAGE}.models.user.User]",
        f"{PACKAGE}.models.issue.Issue",
        "issuetrak._patch.IssuePatch",
        f"{PACKAGE}.models.priority.Priority",
        f"{PACKAGE}.models.user.User",
        f"{PACKAGE}.models.issue.Issue",
    ]
    assert 'Argument 1 to "get" of "UsersMethods" has incompatible type "str"' in out
