"""Derived next Issuetrak versions, pinned and regenerated once per test run in a project of their own.

The project (a temporary folder, never the repository) holds ``spec/cloud-2026.07`` as the
repository pins it, and one label per derived version (``next-<kind>``, see :mod:`.derive`),
pinned with ``issuetrak fetch-spec --from`` (which carries the overrides over) and built with
``issuetrak regen --label``, as a user upgrading would. Regeneration takes seconds per document,
so each version is built once per run and shared by every test and xdist worker that needs it
(a file lock per label in a folder the workers share).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import issuetrak_client
import pytest
from issuetrak._versions import label_ident
from issuetrak_tools import spec

from . import derive

REPO = Path(__file__).resolve().parents[2]
BASE_LABEL = "cloud-2026.07"


def run_cli(
    *args: str, root: Path, extra_path: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m issuetrak_tools <args>`` in the project at ``root``, as a user runs it."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("ISSUETRAK_SPEC", "ISSUETRAK_SPEC_LABEL")
    }
    env["ISSUETRAK_PROJECT_ROOT"] = str(root)
    if extra_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(extra_path), env.get("PYTHONPATH")) if p
        )
    return subprocess.run(
        [sys.executable, "-m", "issuetrak_tools", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        check=False,
        timeout=600,
    )


@dataclass(frozen=True)
class Built:
    """One derived version, pinned and regenerated in the shared project."""

    kind: str
    label: str
    root: Path  # the project
    fetch_output: str
    regen_output: str

    @property
    def ident(self) -> str:
        return label_ident(self.label)

    @property
    def generated(self) -> Path:
        """The folder that holds this project's ``issuetrak_client`` index."""
        return self.root / "generated"

    @property
    def package(self) -> Path:
        return self.generated / "issuetrak_client" / self.ident

    def document(self) -> dict[str, Any]:
        """The derived document as published (no overrides)."""
        data: dict[str, Any] = json.loads(
            (self.root / "spec" / self.label / "openapi.json").read_text(encoding="utf-8")
        )
        return data


def _prepare_project(shared: Any) -> Path:
    with shared.locked("versions-project") as root:
        if (root / "spec" / "default").is_file():
            return root
            return
        folder = root / "spec" / BASE_LABEL
        folder.mkdir(parents=True)
        for name in ("pin.toml", "overrides.json"):
            shutil.copy(REPO / "spec" / BASE_LABEL / name, folder / name)
        # the vendor document stays outside the repository: the temporary project links to it
        (folder / "openapi.json").symlink_to(spec.locate_document(BASE_LABEL))
        (root / "spec" / "default").write_text(f"{BASE_LABEL}\n", encoding="utf-8")
        return root


def _pin_and_regen(root: Path, label: str, kind: str) -> dict[str, str]:
    raw = spec.load_document(BASE_LABEL, patched=False)
    incoming = root / "incoming" / f"{label}.json"
    incoming.parent.mkdir(parents=True, exist_ok=True)
    incoming.write_text(json.dumps(derive.VERSIONS[kind](raw), indent=2), encoding="utf-8")
    fetched = run_cli(
        "fetch-spec",
        "--from",
        str(incoming),
        "--label",
        label,
        "--overrides-from",
        BASE_LABEL,
        root=root,
    )
    assert fetched.returncode == 0, fetched.stderr
    built = run_cli("regen", "--label", label, root=root)
    assert built.returncode == 0, built.stderr[-4000:]
    return {"fetch_output": fetched.stdout, "regen_output": built.stdout + built.stderr}


def _build(shared: Any, root: Path, kind: str) -> Built:
    label = f"next-{kind}"
    outputs = shared.once(
        f"{root.name}/built/{label}", lambda _folder: _pin_and_regen(root, label, kind)
    )
    return Built(kind, label, root, **outputs)


@pytest.hookimpl(tryfirst=True)  # before xdist's worker reads the groups into the test ids
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests of one derived version run on one xdist worker (``--dist loadgroup``), one after
    the other: the first builds the version, the others read it instead of waiting for the lock."""
    here = Path(__file__).parent
    for item in items:
        params = getattr(item, "callspec", None)
        if not item.path.is_relative_to(here):
            continue
        kind = params.params.get("built", params.params.get("kind")) if params else None
        if kind in derive.VERSIONS:
            item.add_marker(pytest.mark.xdist_group(f"version-{kind}"))


@pytest.fixture(scope="session")
def versions_project(run_shared: Any) -> Path:
    return _prepare_project(run_shared)


@pytest.fixture(scope="session", params=sorted(derive.VERSIONS))
def built(request: pytest.FixtureRequest, run_shared: Any, versions_project: Path) -> Built:
    """Each derived version, pinned and regenerated (once per run)."""
    return _build(run_shared, versions_project, str(request.param))


@pytest.fixture(scope="session")
def build(run_shared: Any, versions_project: Path) -> Any:
    """``build(kind)``: one derived version, pinned and regenerated (once per run)."""
    return lambda kind: _build(run_shared, versions_project, kind)


@contextlib.contextmanager
def label_packages(folder: Path) -> Iterator[None]:
    """Make the label packages under ``folder/issuetrak_client`` importable beside the installed
    ones (``issuetrak_client.__path__`` is extended, then restored)."""
    extra = str(folder / "issuetrak_client")
    issuetrak_client.__path__.append(extra)
    try:
        yield
    finally:
        issuetrak_client.__path__.remove(extra)


@pytest.fixture
def on_path(versions_project: Path) -> Iterator[None]:
    with label_packages(versions_project / "generated"):
        yield
