"""`issuetrak contract --spec-label <label>` on a document derived in code from the pinned one (an
entity added, one removed): links derived for the new entity, none left for the removed one, and
the faithful mock of that document passes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from .derived import next_version
from .live import run_contract_cli
from .recording_server import serve

LABEL = "next-2026.10"


def _pin(project: Path, document: dict[str, object]) -> None:
    """A project folder pinning ``document`` as LABEL (the document stays in the temporary folder)."""
    folder = project / "spec" / LABEL
    folder.mkdir(parents=True)
    raw = json.dumps(document).encode()
    (folder / "openapi.json").write_bytes(raw)
    (folder / "pin.toml").write_text(
        "\n".join(
            [
                f'label = "{LABEL}"',
                f'sha256 = "{hashlib.sha256(raw).hexdigest()}"',
                f"size = {len(raw)}",
                'source = "derived in a test from the pinned document"',
                'captured = "2026-10-01"',
                'generator = "openapi-python-client==0.29.1"',
            ]
        )
        + "\n"
    )
    (project / "spec" / "default").write_text(LABEL + "\n")


@pytest.mark.slow
@pytest.mark.network
@pytest.mark.parametrize("writes", [False, True], ids=["read-only", "with-writes"])
def test_a_derived_next_version_runs_clean_under_its_own_label(
    tmp_path: Path, writes: bool
) -> None:
    import issuetrak_mock

    document = next_version()
    _pin(tmp_path / "project", document)
    app = issuetrak_mock.create_app(document=document, seed=0, rate_limits=None, issues=20)
    reports = tmp_path / "reports"
    with serve(app) as (url, recording):
        result = run_contract_cli(
            f"--site={url}",
            f"--spec-label={LABEL}",
            f"--report-dir={reports}",
            "--rate-limits=off",
            "--max-requests=0",
            "--max-examples=1",
            "--operations=/Widgets",
            "--operations=^GET /Users$",
            *(["--allow-writes"] if writes else []),
            token=app.state.tokens["admin"],
            env={"ISSUETRAK_PROJECT_ROOT": str(tmp_path / "project")},
        )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    summary = json.loads((reports / "summary.json").read_text())
    assert summary["label"] == LABEL
    assert {"GET /Widgets", "POST /Widgets/Search"} <= set(summary["positively_checked"])
    assert "GET /Widgets/{iid}" in summary["operations"]  # the mock seeds no widget to read
    assert not any("Severit" in path for _, path in recording.requests)
    if writes:
        # the widget the run created is read back: the get's positive case
        assert {"POST /Widgets", "PUT /Widgets/{iid}", "GET /Widgets/{iid}"} <= set(
            summary["positively_checked"]
        )
        assert "write_persisted" in summary["checks"]
        assert summary["links"]["derived"] > 100
