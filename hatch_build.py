"""Build hook: pack the generated client that ``make regen`` made, and the contract suite.

``generated/issuetrak_client`` is a build product (gitignored, derived from Issuetrak's document,
which the repository never holds). The wheel and the sdist pack the package regen already made
instead of running regen here: a build then needs neither the generator nor the vendor document,
so a wheel builds from the sdist offline and reproducibly, and what is packed is exactly what the
tests ran against. A missing package, or one generated from another pin or other overrides than
``spec/`` now records, stops the build with one line that says to run ``make regen``.

The contract suite (``contract_tests/``) travels in the wheel as ``issuetrak_tools/contract_tests``
so ``issuetrak contract`` works from an installed wheel.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

GENERATED = Path("generated") / "issuetrak_client"
SUITE = Path("contract_tests")
_SKIP = {"__pycache__", ".ruff_cache", ".pytest_cache"}


class BuildError(Exception):
    """The generated package cannot be packed; the message says what to run."""


def _stamp(path: Path, name: str) -> str:
    match = re.search(rf'^{name} = "([^"]*)"', path.read_text(encoding="utf-8"), re.M)
    return match.group(1) if match else ""


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and not _SKIP.intersection(p.parts))


def check_generated(root: Path) -> list[Path]:
    """The label packages under ``generated/issuetrak_client``; raises when one is stale."""
    index = root / GENERATED
    init = index / "__init__.py"
    if not init.is_file():
        raise BuildError(
            f"{GENERATED} is missing: run `make regen` first (the wheel packs the generated client)"
        )
    default = _stamp(init, "DEFAULT_PACKAGE")
    labels = sorted(p.parent for p in index.glob("*/_pin.py"))
    if not default or index / default not in labels:
        raise BuildError(f"{GENERATED} names no generated default label: run `make regen`")
    for package in labels:
        label = _stamp(package / "_pin.py", "SPEC_LABEL")
        pin_file = root / "spec" / label / "pin.toml"
        if not pin_file.is_file():
            continue  # generated with --from: nothing in spec/ to compare with
        pin = tomllib.loads(pin_file.read_text(encoding="utf-8"))
        overrides = root / "spec" / label / "overrides.json"
        wanted = hashlib.sha256(overrides.read_bytes() if overrides.is_file() else b"").hexdigest()
        stale = [
            what
            for what, have, want in (
                ("document", _stamp(package / "_pin.py", "SPEC_SHA256"), pin.get("sha256")),
                ("overrides", _stamp(package / "_pin.py", "OVERRIDES_SHA256"), wanted),
                ("generator", _stamp(package / "_pin.py", "GENERATOR"), pin.get("generator")),
            )
            if have != want
        ]
        if stale:
            raise BuildError(
                f"{package.relative_to(root)} is stale for spec/{label} ({', '.join(stale)} "
                f"changed): run `make regen LABEL={label}`"
            )
    return labels


class CustomBuildHook(BuildHookInterface):  # type: ignore[misc]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return  # dev-mode-dirs put generated/ on sys.path: regen output is used in place
        root = Path(self.root)
        try:
            check_generated(root)
        except BuildError as exc:
            raise SystemExit(f"issuetrak build: {exc}") from None
        wheel = self.target_name == "wheel"
        force = build_data["force_include"]
        for path in _files(root / GENERATED):
            relative = path.relative_to(root / GENERATED)
            force[str(path)] = str(Path("issuetrak_client" if wheel else GENERATED) / relative)
        if wheel:
            for path in _files(root / SUITE):
                relative = path.relative_to(root / SUITE)
                force[str(path)] = str(Path("issuetrak_tools") / "contract_tests" / relative)
