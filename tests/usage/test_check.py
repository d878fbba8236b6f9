"""``issuetrak usage check`` and ``spec-diff --usage`` against next releases derived in code."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from issuetrak_tools.cli import main
from issuetrak_tools.spec import load_document, load_pin

USAGE = Path(__file__).parents[2] / "examples" / "escalation" / "usage.json"
Derive = Callable[[Callable[[dict[str, Any]], None]], str]


@pytest.fixture
def derive(tmp_path: Path) -> Derive:
    """A next release: the pinned document changed by ``edit``, written to a temporary file."""

    def make(edit: Callable[[dict[str, Any]], None]) -> str:
        document = load_document()
        edit(document)
        path = tmp_path / f"next-{len(list(tmp_path.iterdir()))}.json"
        path.write_text(json.dumps(document))
        return str(path)

    return make


def _check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["usage", "check", "--usage", str(USAGE), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _section(out: str, title: str) -> str:
    return out.split(title, 1)[1].split("\n  changed", 1)[0]


def _retype(schema: str, prop: str, kind: str) -> Callable[[dict[str, Any]], None]:
    def edit(document: dict[str, Any]) -> None:
        document["components"]["schemas"][schema]["properties"][prop] = {"type": kind}

    return edit


def test_a_changed_property_the_job_reads_breaks_it_and_only_that_one(derive, capsys):  # type: ignore[no-untyped-def]
    def edit(document: dict[str, Any]) -> None:
        _retype("Issue", "issueNumber", "string")(document)  # read by the job
        _retype("Issue", "description", "integer")(document)  # never read

    code, out, _ = _check(capsys, "--against", derive(edit))
    assert code == 1
    breaks = _section(out, "breaks this usage:")
    assert "/components/schemas/Issue/properties/issueNumber" in breaks
    assert "description" not in breaks
    assert "Issue.description" in out.split("changed without touching this usage:", 1)[1]


def test_changes_the_job_does_not_touch_pass(derive, capsys):  # type: ignore[no-untyped-def]
    def edit(document: dict[str, Any]) -> None:
        _retype("Issue", "description", "integer")(document)
        del document["paths"]["/Causes"]

    code, out, _ = _check(capsys, "--against", derive(edit))
    assert code == 0, out
    assert "breaks this usage: 0" in out
    assert "GET /Causes" in out.split("changed without touching this usage:", 1)[1]


def _match_type_of(document: dict[str, Any], path: str) -> dict[str, Any]:
    """The enum schema of the match types a filter field of the issue search accepts."""

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = document["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
        return node

    body = document["paths"]["/Issues/Search"]["post"]["requestBody"]
    node = resolve(body["content"]["application/json"]["schema"])
    for part in path.split("."):
        node = resolve(node["properties"][part])
    return resolve(node["properties"]["type"])


def test_an_operator_the_job_filters_with_that_is_gone_breaks_it(derive, capsys):  # type: ignore[no-untyped-def]
    def edit(document: dict[str, Any]) -> None:
        enum = _match_type_of(document, "filter.submittedDate")
        enum["enum"] = [v for v in enum["enum"] if v != "Before"]

    code, out, _ = _check(capsys, "--against", derive(edit))
    assert code == 1
    assert "filter.submittedDate Before: operator not accepted" in _section(
        out, "breaks this usage:"
    )


def test_a_missing_operation_and_a_patch_path_gone_break_it(derive, capsys):  # type: ignore[no-untyped-def]
    def edit(document: dict[str, Any]) -> None:
        del document["paths"]["/Priorities"]["get"]
        patch = document["paths"]["/Issues/{iid}"]["patch"]
        for node in (patch, patch.get("requestBody") or {}):
            node["description"] = "\n".join(
                line
                for line in str(node.get("description", "")).splitlines()
                if "/Note" not in line
            )
        for media in patch["requestBody"]["content"].values():
            schema = media["schema"]
            schema["description"] = "\n".join(
                line
                for line in str(schema.get("description", "")).splitlines()
                if "/Note" not in line
            )

    code, out, _ = _check(capsys, "--against", derive(edit))
    breaks = _section(out, "breaks this usage:")
    assert code == 1
    assert "/paths/~1Priorities  GET /Priorities: operation not in the document" in breaks
    assert "patch /Note: PATCH path not documented" in breaks


def test_the_pinned_labels_are_the_default_targets(capsys):  # type: ignore[no-untyped-def]
    code, out, _ = _check(capsys)
    assert code == 0
    assert f"against {load_pin().label}: ok" in out


def test_a_file_that_is_not_a_usage_file_is_one_line(tmp_path, capsys):  # type: ignore[no-untyped-def]
    other = tmp_path / "package.json"
    other.write_text('{"name": "x"}')
    assert main(["usage", "check", "--usage", str(other)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a usage file" in err
    assert main(["usage", "show", str(other)]) == 2


def test_show_prints_each_operation_and_the_reads(capsys):  # type: ignore[no-untyped-def]
    assert main(["usage", "show", str(USAGE)]) == 0
    out = capsys.readouterr().out
    assert "POST /Issues/Search" in out and "filter.submittedDate Before" in out
    assert "  Issue: assignedToUser, iid, issueNumber" in out


def test_spec_diff_marks_which_changes_affect_the_usage(derive, capsys):  # type: ignore[no-untyped-def]
    def edit(document: dict[str, Any]) -> None:
        _retype("Issue", "issueNumber", "string")(document)
        _retype("Issue", "description", "integer")(document)

    target = derive(edit)
    argv = ["spec-diff", load_pin().label, target, "--format", "json", "--surface", "none"]
    assert main([*argv, "--usage", str(USAGE)]) == 0
    changes = {c["location"]: c["message"] for c in json.loads(capsys.readouterr().out)["changes"]}
    assert changes["Issue.issueNumber"].startswith("[affects usage] ")
    assert changes["Issue.description"].startswith("[not used] ")
