"""What a regen leaves behind besides the package: its own process stays light (the generator
and the checking interpreter load the heavy libraries), and the package it writes carries no
bytecode caches, whatever the environment says about writing them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO, small_document

pytestmark = pytest.mark.slow

# what a generated client and the runtime need, and the generator's own command-line stack
HEAVY = ("httpx", "attrs", "issuetrak_client", "rich", "click", "dateutil")

_RUN = """
import json, sys
from issuetrak_tools.cli import regen
code = regen.main(["--from", sys.argv[1], "--label", "things"])
print(json.dumps([code, sorted(m for m in sys.modules if m.split(".")[0] in {heavy})]))
"""


@pytest.fixture(scope="module")
def regen_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, list[str]]:
    """One ``regen --from things.json --label things`` into a project of its own, with Python
    allowed to write bytecode; (project root, exit status, heavy modules regen's process loaded)."""
    root = tmp_path_factory.mktemp("footprint")
    (root / "spec").mkdir()
    document = root / "things.json"
    document.write_text(json.dumps(small_document()), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["ISSUETRAK_PROJECT_ROOT"] = str(root)
    env.pop("ISSUETRAK_SPEC_LABEL", None)
    result = subprocess.run(
        [sys.executable, "-c", _RUN.format(heavy=repr(set(HEAVY))), str(document)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    code, loaded = json.loads(result.stdout.strip().splitlines()[-1])
    return root, code, loaded


def test_regen_s_own_process_loads_no_http_client_nor_generated_code(
    regen_run: tuple[Path, int, list[str]],
) -> None:
    _, code, loaded = regen_run
    assert code == 0
    assert loaded == []


def test_the_package_regen_writes_holds_no_bytecode_caches(
    regen_run: tuple[Path, int, list[str]],
) -> None:
    root, code, _ = regen_run
    package = root / "generated" / "issuetrak_client" / "things"
    assert code == 0 and (package / "__init__.py").is_file()
    assert (package / "namespaces" / "__init__.py").is_file()
    assert sorted(str(p.relative_to(root)) for p in root.rglob("__pycache__")) == []
