"""The ready-to-copy GitHub Actions workflow runs the read-only check with the documented secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

WORKFLOW = Path(__file__).resolve().parents[2] / "contract_tests" / "ci" / "issuetrak-contract.yml"


def test_workflow_runs_nightly_read_only_with_secrets_and_uploads_reports() -> None:
    flow = yaml.safe_load(WORKFLOW.read_text())
    triggers = flow[True] if True in flow else flow["on"]  # YAML 1.1 reads the key `on` as true
    assert triggers["schedule"][0]["cron"]
    steps = flow["jobs"]["contract"]["steps"]
    run = next(step for step in steps if "issuetrak contract" in step.get("run", ""))
    assert "--allow-writes" not in run["run"] and "--allow-destructive" not in run["run"]
    assert run["env"]["ISSUETRAK_SITE"] == "${{ secrets.ISSUETRAK_SITE }}"
    assert run["env"]["ISSUETRAK_TOKEN"] == "${{ secrets.ISSUETRAK_TOKEN }}"
    assert run["env"]["ISSUETRAK_SPEC"].endswith("openapi.json")
    upload = next(
        step for step in steps if str(step.get("uses", "")).startswith("actions/upload-artifact")
    )
    assert upload["if"] == "always()"
    assert upload["with"]["path"] == "reports/"


def test_token_is_never_on_the_command_line() -> None:
    assert "--token" not in WORKFLOW.read_text()
