"""Swagger 2.0 gets the same one-line refusal from every command that reads a document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import Project, run_cli

SWAGGER = {
    "swagger": "2.0",
    "info": {"title": "Things", "version": "1"},
    "paths": {"/Things": {"get": {"responses": {"200": {"description": "OK"}}}}},
}
VERDICT = (
    "is a Swagger 2.0 document, not OpenAPI 3; Issuetrak API v2 serves OpenAPI 3: convert it first"
)


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.fixture
def swagger_file(tmp_path: Path) -> Path:
    path = tmp_path / "swagger.json"
    path.write_text(json.dumps(SWAGGER), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "command",
    [
        ("regen", "--from", "{file}", "--output", "{tmp}/issuetrak_client"),
        ("fetch-spec", "--from", "{file}", "--label", "swagger-2"),
        ("spec-diff", "{file}", "{file}"),
        ("spec-diff", "cloud-2026.07", "{file}"),
    ],
    ids=["regen", "fetch-spec", "spec-diff-files", "spec-diff-label-and-file"],
)
def test_every_command_refuses_a_swagger_2_file_with_the_same_line(
    command: tuple[str, ...], swagger_file: Path, tmp_path: Path, project: Project
) -> None:
    argv = [a.format(file=swagger_file, tmp=tmp_path) for a in command]
    result = run_cli(
        *argv,
        env={"ISSUETRAK_PROJECT_ROOT": str(project.root)} if argv[0] == "fetch-spec" else None,
    )
    assert result.returncode != 0
    line = one_line(result.stderr)
    assert f"{swagger_file} {VERDICT}" in line, line
    assert not (project.spec / "swagger-2").exists()


def test_a_pinned_swagger_2_document_is_refused_by_the_commands_that_read_pins(
    project: Project, tmp_path: Path
) -> None:
    body = json.dumps(SWAGGER).encode()
    folder = project.pin("old-swagger", body)
    (folder / "openapi.json").write_bytes(body)
    env = {"ISSUETRAK_PROJECT_ROOT": str(project.root)}
    for argv in (
        ("regen", "--label", "old-swagger", "--output", str(tmp_path / "issuetrak_client")),
        ("spec-diff", "old-swagger", "old-swagger"),
        ("drift", "--site", "https://site.example", "--spec-label", "old-swagger"),
        ("contract", "--spec-label", "old-swagger", "--report-dir", str(tmp_path / "reports")),
    ):
        result = run_cli(*argv, env=env)
        assert result.returncode != 0, argv
        assert f"{folder / 'openapi.json'} {VERDICT}" in result.stderr, (argv, result.stderr)
