"""Every real Swashbuckle/NSwag document beside the project either generates an importable
package or is refused with one line per problem (a JSON pointer and what is there) and one
verdict line naming the document."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from issuetrak._versions import label_ident
from issuetrak_tools import spec

from .conftest import REALWORLD, RealworldRegen, python_in, realworld_params

pytestmark = pytest.mark.slow

DOCUMENTS = sorted(REALWORLD.glob("*.json"))
# a problem line: where in the document (RFC 6901 pointer) and what is wrong there
PROBLEM = re.compile(r"^regen: generator (warning|error) at (/\S*): .+$")
OTHER_LINES = ("regen: note: ", "regen: accepted warning: ", "regen: module ")
SENT_CONTENT_TYPE = re.compile(r'headers\["Content-Type"\] = "([^"]+)"')
# Swashbuckle documents whose bodies also offer text/json, application/*+json and text/plain
SWASHBUCKLE_MEDIA = ("aure-api", "voip-platform", "umbraco-management-api")


def assert_importable(output: Path, document: Path, stdout: str) -> None:
    """The label package at ``output`` (``generated/issuetrak_client/<ident>``) imports, is
    stamped with the document's name, and has an endpoint module per operation written."""
    operations = len(list(spec.iter_operations(json.loads(document.read_bytes()))))
    written, total = map(int, re.search(r"(\d+) of (\d+) operations", stdout).groups())  # type: ignore[union-attr]
    assert total == operations
    package = f"{output.parent.name}.{output.name}"
    code = (
        "import importlib, pkgutil, json\n"
        f"package = importlib.import_module({package!r})\n"
        f"api = importlib.import_module({package + '.api'!r})\n"
        f"importlib.import_module({package + '.models'!r})\n"
        f"names = [m.name for m in pkgutil.walk_packages(api.__path__, {package + '.api.'!r})]\n"
        "modules = [importlib.import_module(n) for n in names]\n"
        "print(json.dumps([package.SPEC_LABEL, sum(hasattr(m, 'sync_detailed') for m in modules)]))\n"
    )
    result = python_in(output.parent.parent, code)
    assert result.returncode == 0, result.stderr[-2000:]
    label, endpoint_modules = json.loads(result.stdout)
    assert label == document.stem
    assert endpoint_modules == written


def assert_json_is_sent_and_read(output: Path, document: dict[str, Any]) -> None:
    """Bodies offered as application/json are sent as such; no wildcard media type is sent,
    and no response documented as JSON is parsed from ``response.text``."""
    sent = {
        m
        for path in (output / "api").rglob("*.py")
        for m in SENT_CONTENT_TYPE.findall(path.read_text())
    }
    assert not any("*" in media for media in sent), sent
    offers_json = any(
        "application/json" in (op.spec.get("requestBody") or {}).get("content", {})
        for op in spec.iter_operations(document)
    )
    if offers_json:
        assert "application/json" in sent
    for path in (output / "api").rglob("*.py"):
        assert "from_dict(response.text)" not in path.read_text(), path


def assert_one_line_per_problem(stderr: str, document_name: str) -> str:
    """Every stderr line is a problem with its pointer, a note, or the one verdict; returns it."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert all(line.startswith("regen: ") for line in lines), stderr
    problems = [line for line in lines if PROBLEM.match(line)]
    verdicts = [line for line in lines if line not in problems and not line.startswith(OTHER_LINES)]
    assert len(verdicts) == 1, stderr
    assert problems or "regen: module " in stderr, stderr
    for line in problems:
        assert len(line) < 1000, line  # one problem, not a dump of the generator's report
    assert document_name in verdicts[0]
    assert "To fix it" in verdicts[0]
    return verdicts[0]


@pytest.mark.skipif(not DOCUMENTS, reason=f"no real-world documents at {REALWORLD}")
@pytest.mark.parametrize("document", realworld_params())
def test_realworld_document_generates_an_importable_package_or_is_refused_specifically(
    document: Path, realworld_regen: Callable[[Path], RealworldRegen]
) -> None:
    regen = realworld_regen(document)
    result = regen.first
    output = regen.generated / "issuetrak_client" / label_ident(document.stem)
    if document.stem in SWASHBUCKLE_MEDIA:
        # text/json, application/*+json and text/plain beside application/json: accepted
        assert result.returncode == 0, result.stderr[-3000:]
        assert "generator warning" not in result.stderr
        assert "the client sends and reads application/json" in result.stderr
        # the package records the document as given: every media type is still there
        recorded = json.loads((output / "_document.json").read_text(encoding="utf-8"))
        assert recorded == json.loads(document.read_bytes())
    if result.returncode == 0:
        assert (
            f"of {len(list(spec.iter_operations(json.loads(document.read_bytes()))))} operations"
            in result.stdout
        )
        assert_importable(output, document, result.stdout)
        assert_json_is_sent_and_read(output, json.loads(document.read_bytes()))
        return

    verdict = assert_one_line_per_problem(result.stderr, document.name)
    assert not regen.wrote_after_first
    if "--allow-warnings" in verdict:
        # the generator only warned: the documented escape hatch must then give a usable package
        allowed = regen.allowed
        assert allowed is not None
        assert allowed.returncode == 0, allowed.stderr
        assert_importable(output, document, allowed.stdout)
