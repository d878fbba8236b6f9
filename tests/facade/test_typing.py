from __future__ import annotations

import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest
from issuetrak._versions import default_version
from issuetrak_tools import _describe as _catalog
from issuetrak_tools import _nsgen

from .conftest import BASE, FacadeClient

PACKAGE = default_version().package
_namespaces = importlib.import_module(f"{PACKAGE}.namespaces")


def test_the_generated_namespaces_match_the_generated_package() -> None:
    # regen writes them; they fall behind only if the package was edited or regen changed
    folder = Path(_namespaces.__file__).parent
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.py")}
    assert on_disk == _nsgen.render(PACKAGE)


def _methods(cls: type) -> set[str]:
    return {n for n in dir(cls) if not n.startswith("_") and callable(getattr(cls, n))}


@pytest.mark.parametrize("tag", _catalog.tags())
def test_every_operation_is_a_real_method_of_all_four_classes_of_its_namespace(tag: str) -> None:
    module = importlib.import_module(f"{PACKAGE}.namespaces.{tag}")
    name = _nsgen.camel(tag)
    variants = [getattr(module, f"{prefix}{name}") for prefix in ("", "Async", "Raw", "AsyncRaw")]
    expected = {*_catalog.operation_names(tag), *_catalog.friendly_names(tag)}
    for cls in variants:
        assert expected <= _methods(cls), cls.__name__
        for method in _methods(cls):  # defined in a source file, not made at run time
            assert inspect.getsourcefile(getattr(cls, method)) is not None


def test_client_namespaces_are_the_generated_classes() -> None:
    client = FacadeClient(BASE, token="t")
    users = importlib.import_module(f"{PACKAGE}.namespaces.users")
    assert type(client.users) is users.Users
    assert type(client.with_raw_response.users) is users.RawUsers


USE = """
from issuetrak import AsyncIssuetrak, Issuetrak
from issuetrak.filters import contains, where


def sync(client: Issuetrak) -> None:
    reveal_type(client.users.get(1))
    reveal_type(client.users.list(sort_field="LastName"))
    for issue in client.issues.search(where(subject=contains("a"))):
        reveal_type(issue)
    reveal_type(client.issues.patch(3).add_note("x"))
    reveal_type(client.issues.patch(3).add_note("x").send(timeout=5))
    reveal_type(client.priorities.update(2, name="x"))
    reveal_type(client.with_raw_response.users.get(1))
    reveal_type(client.with_raw_response.users.list())
    reveal_type(client.users.create(
        first_name="A", last_name="B", display_name="B, A", primary_organization_iid=1,
        time_zone="EST", redirect_after_issue_submit="Home", home_page="IssueHub", timeout=3,
    ))
    reveal_type(client.users.search(first_name=contains("a"), sort_field="LastName", deadline=9))


async def run(client: AsyncIssuetrak) -> None:
    reveal_type(await client.users.get(1, max_retries=0))
    async for issue in client.issues.search(where(subject=contains("x"))):
        reveal_type(issue)
    reveal_type(await client.with_raw_response.users.get(1))
    reveal_type(await client.issues.patch(3).add_note("x").send())
"""

REVEALED = [
    ("User", "User"),
    ("SyncPager[User]", "SyncPager[User]"),
    ("Issue", "Issue"),
    ("IssuePatch[Issue]", "IssuePatch[Issue]"),
    ("Issue", "Issue"),
    ("Priority", "Priority"),
    ("RawResponse[User]", "RawResponse[User]"),
    ("RawResponse[Page[User]]", "RawResponse[Page[User]]"),
    ("User", "User"),
    ("SyncPager[User]", "SyncPager[User]"),
    ("User", "User"),
    ("Issue", "Issue"),
    ("RawResponse[User]", "RawResponse[User]"),
    ("Issue", "Issue"),
]

# each line is a mistake both checkers must report (the comment says which)
MISTAKES = """
from issuetrak import AsyncIssuetrak, Issuetrak


def sync(client: Issuetrak) -> None:
    client.usres.get(1)  # a misspelt namespace
    client.users.gte(1)  # a misspelt method
    client.users.get("not an iid")  # a path parameter of the wrong type
    client.users.update(1, fist_name="x")  # a misspelt field
    client.users.update(1, time_zone=3)  # a field of the wrong type
    client.users.create(first_name="A")  # required fields missing, no body
    client.users.get(1, timeout="5")  # an option of the wrong type
    client.users.get(1, max_retry=2)  # a misspelt option
    client.users.list(sort_field=3)  # a query parameter of the wrong type
    client.issues.patch(3).add_note("x").send(deadline="soon")  # options on the builder
    client.with_raw_response.users.gett(1)  # the raw views too


async def run(client: AsyncIssuetrak) -> None:
    await client.users.get(1, extra_headers={"X": 1})  # header values are strings
"""


def _expected_lines() -> list[int]:
    return [n for n, line in enumerate(MISTAKES.splitlines(), 1) if "  # " in line]


def _revealed_names(types: list[str]) -> list[str]:
    """``issuetrak._paging.SyncPager[issuetrak_client.x.models.user.User]`` -> ``SyncPager[User]``."""
    import re

    return [re.sub(r"[\w.]*\.(\w+)", r"\1", t) for t in types]


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("typing")
    (folder / "use.py").write_text(USE, encoding="utf-8")
    (folder / "mistakes.py").write_text(MISTAKES, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def mypy_out(checked: Path) -> dict[str, list[str]]:
    """mypy --strict on both files, once: its lines per file."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(checked / "cache"),
            "use.py",
            "mistakes.py",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=checked,
    ).stdout
    return {
        name: [ln for ln in out.splitlines() if ln.startswith(f"{name}:")]
        for name in ("use.py", "mistakes.py")
    }


@pytest.fixture(scope="module")
def pyright_out(checked: Path) -> dict[str, list[str]]:
    """pyright in strict mode on both files, once: its lines per file."""
    import os
    import shutil

    pyright = shutil.which("pyright", path=str(Path(sys.executable).parent))
    if pyright is None:
        pytest.skip("pyright is not installed (pip install -e '.[dev]')")
    config = checked / "pyrightconfig.json"
    config.write_text('{"typeCheckingMode": "strict", "pythonVersion": "3.11"}', encoding="utf-8")
    env = {**os.environ, "PYRIGHT_PYTHON_IGNORE_WARNINGS": "1"}
    out = subprocess.run(
        [
            pyright,
            "--pythonpath",
            sys.executable,
            "--project",
            str(config),
            "use.py",
            "mistakes.py",
        ],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=checked,
    ).stdout
    return {
        name: [ln.strip() for ln in out.splitlines() if f"/{name}:" in ln]
        for name in ("use.py", "mistakes.py")
    }


# the tests that read one checker's output run on one xdist worker, so the checker runs once
@pytest.mark.slow
@pytest.mark.xdist_group("mypy")
def test_mypy_strict_sees_precise_types_through_the_client(mypy_out) -> None:
    lines = mypy_out["use.py"]
    assert not [ln for ln in lines if ": error:" in ln], lines
    revealed = [ln.split("Revealed type is ")[1].strip('"') for ln in lines if "Revealed" in ln]
    assert _revealed_names(revealed) == [mypy for mypy, _ in REVEALED]


@pytest.mark.slow
@pytest.mark.xdist_group("mypy")
def test_mypy_strict_reports_every_mistake(mypy_out) -> None:
    lines = mypy_out["mistakes.py"]
    flagged = {int(ln.split(":")[1]) for ln in lines if ": error:" in ln}
    assert flagged == set(_expected_lines()), lines


@pytest.mark.slow
@pytest.mark.xdist_group("pyright")
def test_pyright_strict_sees_precise_types_through_the_client(pyright_out) -> None:
    lines = pyright_out["use.py"]
    assert not [ln for ln in lines if " - error:" in ln], lines
    revealed = [ln.split('" is "')[1].rstrip('"') for ln in lines if "information: Type of" in ln]
    assert revealed == [pyright for _, pyright in REVEALED]


@pytest.mark.slow
@pytest.mark.xdist_group("pyright")
def test_pyright_strict_reports_every_mistake(pyright_out) -> None:
    lines = pyright_out["mistakes.py"]
    flagged = {int(ln.split(":")[1]) for ln in lines if " - error:" in ln}
    assert flagged == set(_expected_lines()), lines
