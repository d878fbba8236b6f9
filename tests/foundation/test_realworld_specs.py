"""Every real Swashbuckle/NSwag document beside the project either generates an importable
package or is refused with one specific paragraph (which document, which place, what is wrong)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from issuetrak_tools import spec

from .conftest import REALWORLD, python_in, run_cli

pytestmark = pytest.mark.slow

DOCUMENTS = sorted(REALWORLD.glob("*.json"))
# what makes a refusal specific: it points into the document
SPECIFIC = re.compile(
    r"path parameter '[^']+'|/components/\S+|/paths/\S+|operations? .+ all become"
)


def assert_importable(output: Path, document: Path, stdout: str) -> None:
    operations = len(list(spec.iter_operations(json.loads(document.read_bytes()))))
    written, total = map(int, re.search(r"(\d+) of (\d+) operations", stdout).groups())  # type: ignore[union-attr]
    assert total == operations
    code = (
        "import importlib, pkgutil, json\n"
        "import issuetrak_client, issuetrak_client.api, issuetrak_client.models\n"
        "names = [m.name for m in pkgutil.walk_packages(issuetrak_client.api.__path__, 'issuetrak_client.api.')]\n"
        "modules = [importlib.import_module(n) for n in names]\n"
        "print(json.dumps([issuetrak_client.SPEC_LABEL, sum(hasattr(m, 'sync_detailed') for m in modules)]))\n"
    )
    result = python_in(output.parent, code)
    assert result.returncode == 0, result.stderr[-2000:]
    label, endpoint_modules = json.loads(result.stdout)
    assert label == document.stem
    assert endpoint_modules == written


@pytest.mark.skipif(not DOCUMENTS, reason=f"no real-world documents at {REALWORLD}")
@pytest.mark.parametrize("document", DOCUMENTS, ids=[d.stem for d in DOCUMENTS])
def test_realworld_document_generates_an_importable_package_or_is_refused_specifically(
    document: Path, tmp_path: Path
) -> None:
    output = tmp_path / "issuetrak_client"
    result = run_cli("regen", "--from", str(document), "--output", str(output))
    if result.returncode == 0:
        assert (
            f"of {len(list(spec.iter_operations(json.loads(document.read_bytes()))))} operations"
            in result.stdout
        )
        assert_importable(output, document, result.stdout)
        return

    verdicts = [
        line
        for line in result.stderr.splitlines()
        if line.startswith("regen: ")
        and not line.startswith(("regen: generator warning", "regen: accepted"))
    ]
    assert len(verdicts) == 1, result.stderr
    assert document.name in verdicts[0]
    assert SPECIFIC.search(verdicts[0]), verdicts[0]
    assert "To fix it" in verdicts[0]
    assert not output.exists()
    if "--allow-warnings" in verdicts[0]:
        # the generator only warned: the documented escape hatch must then give a usable package
        allowed = run_cli(
            "regen", "--from", str(document), "--output", str(output), "--allow-warnings"
        )
        assert allowed.returncode == 0, allowed.stderr
        assert "left out" in allowed.stdout
        assert_importable(output, document, allowed.stdout)
