"""The wheel and the sdist carry the generated client regen made (and the wheel the contract
suite); the build refuses a missing or stale generated package; the vendor document never
travels, only the patched copy regen stored in the generated package."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from types import ModuleType

import issuetrak_client
import pytest

REPO = Path(__file__).resolve().parents[2]


def _load_hook() -> ModuleType:
    """hatch_build.py sits at the root, beside pyproject.toml (not on sys.path)."""
    spec = importlib.util.spec_from_file_location("hatch_build", REPO / "hatch_build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hatch_build = _load_hook()

LABEL = issuetrak_client.DEFAULT_LABEL
IDENT = issuetrak_client.DEFAULT_PACKAGE


def _project(root: Path, *, pin_sha: str | None = None) -> Path:
    """A project folder with spec/ and a generated index + label stamp (no generated code)."""
    shutil.copytree(REPO / "spec", root / "spec", ignore=shutil.ignore_patterns("openapi.json"))
    generated = REPO / "generated" / "issuetrak_client"
    package = root / "generated" / "issuetrak_client" / IDENT
    package.mkdir(parents=True)
    shutil.copy(generated / "__init__.py", package.parent / "__init__.py")
    shutil.copy(generated / IDENT / "_pin.py", package / "_pin.py")
    if pin_sha is not None:
        pin = root / "spec" / LABEL / "pin.toml"
        text = pin.read_text(encoding="utf-8")
        old = next(line for line in text.splitlines() if line.startswith("sha256 = "))
        pin.write_text(text.replace(old, f'sha256 = "{pin_sha}"'), encoding="utf-8")
    return root


def test_the_generated_package_of_the_checkout_is_current() -> None:
    labels = hatch_build.check_generated(REPO)
    assert REPO / "generated" / "issuetrak_client" / IDENT in labels


def test_a_missing_generated_package_stops_the_build_saying_what_to_run(tmp_path: Path) -> None:
    shutil.copytree(REPO / "spec", tmp_path / "spec", ignore=shutil.ignore_patterns("openapi.json"))
    with pytest.raises(hatch_build.BuildError, match=r"missing: run `make regen` first"):
        hatch_build.check_generated(tmp_path)


def test_a_package_generated_from_another_document_stops_the_build(tmp_path: Path) -> None:
    root = _project(tmp_path, pin_sha="0" * 64)
    with pytest.raises(
        hatch_build.BuildError, match=rf"stale .*\(document changed\).*LABEL={LABEL}"
    ):
        hatch_build.check_generated(root)


def test_a_package_from_the_pinned_document_passes(tmp_path: Path) -> None:
    assert hatch_build.check_generated(_project(tmp_path)) == [
        tmp_path / "generated" / "issuetrak_client" / IDENT
    ]


@pytest.mark.slow
def test_the_wheel_and_sdist_carry_the_generated_client_and_no_vendor_document(
    tmp_path: Path,
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    wheel = zipfile.ZipFile(next(tmp_path.glob("issuetrak-*.whl")))
    names = set(wheel.namelist())
    package = f"issuetrak_client/{IDENT}"
    for member in (
        "_document.json",
        "_pin.py",
        "_patch_rules.py",
        "namespaces/__init__.py",
        "client.py",
    ):
        assert f"{package}/{member}" in names, member
    assert "issuetrak_client/__init__.py" in names
    assert "issuetrak_tools/contract_tests/conftest.py" in names
    assert {"issuetrak/__init__.py", "issuetrak_mock/__init__.py"} <= names
    assert not any(name.endswith("openapi.json") for name in names)
    metadata = wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    runtime = sorted(
        line.split(":", 1)[1].strip().split(">")[0].split("<")[0].split("=")[0]
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    )
    assert runtime == ["anyio", "attrs", "httpx", "python-dateutil"]

    with tarfile.open(next(tmp_path.glob("issuetrak-*.tar.gz"))) as sdist:
        members = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert f"generated/{package}/_document.json" in members
    assert "hatch_build.py" in members and "spec/default" in members
    assert not any(name.endswith("openapi.json") for name in members)
