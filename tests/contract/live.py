"""The live path of the contract suite, run in this process against an app served on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from issuetrak_tools._contract.lifecycle import Options, execute, finish, prepare
from issuetrak_tools._contract.report import Recorder

from .recording_server import Recording, serve

ROOT = Path(__file__).resolve().parents[2]


def run_contract_cli(
    *args: str,
    token: str | None = None,
    env: Mapping[str, str] | None = None,
    text: bool = True,
) -> subprocess.CompletedProcess[Any]:
    """``python -m issuetrak_tools contract ARGS`` from the project root, as a user starts it: the
    caller's ``ISSUETRAK_SITE`` left out, ``token`` (if given) in ``ISSUETRAK_TOKEN``, ``env``
    added; output captured (``text=False``: as bytes, every byte as written)."""
    environ = dict(os.environ)
    environ.pop("ISSUETRAK_SITE", None)
    environ.update(env or {})
    if token is not None:
        environ["ISSUETRAK_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "issuetrak_tools", "contract", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=text,
        timeout=600,
        check=False,
    )


@dataclass
class LiveResult:
    recorder: Recorder
    outcomes: dict[str, int]  # passed / failed / skipped
    requests_sent: int  # as the run counted them
    requests_seen: int  # as the server saw them
    report: str

    @property
    def failing_checks(self) -> set[str]:
        return {record.check for record in self.recorder.failures.values()}


def run_live(app: Any, token: str, report_dir: Path, **options: Any) -> LiveResult:
    """Serve ``app`` on 127.0.0.1 and run the suite's live path against it (plan, steps, report)."""
    with serve(app) as (url, recording):
        return run_against(url, token, report_dir, recording, **options)


def run_against(
    url: str, token: str, report_dir: Path, recording: Recording | None = None, **options: Any
) -> LiveResult:
    options.setdefault("no_rate_limit", True)
    run = prepare(Options(token=token, site=url, **options))
    outcomes = {"passed": 0, "failed": 0, "skipped": 0}

    def count(step: Any, outcome: str) -> None:
        outcomes[outcome] += 1

    execute(run, on_step=count)
    report, _ = finish(run, report_dir)
    return LiveResult(
        recorder=run.recorder,
        outcomes=outcomes,
        requests_sent=run.target.stats.requests_sent,
        requests_seen=len(recording.requests) if recording is not None else -1,
        report=report.read_text(),
    )


@contextmanager
def mock_site(**create: Any) -> Iterator[tuple[Any, str]]:
    import issuetrak_mock

    create.setdefault("seed", 0)
    create.setdefault("rate_limits", None)
    create.setdefault("issues", 40)  # enough for every list and search; quick to seed
    app = issuetrak_mock.create_app(**create)
    yield app, str(app.state.tokens["admin"])
