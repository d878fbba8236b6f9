"""The Prism benchmark's classifier explains the failures it knows and lists every other one in
full, failing the run (the Prism runs themselves are ``bench/bench_prism.py``'s, outside the
tests)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "bench_prism.py"


def _failure(check: str, message: str, operation: str = "GET /Things/{iid}") -> dict[str, Any]:
    return {
        "operation": operation,
        "check": check,
        "title": f"{check} failed",
        "message": message,
        "status_code": 200,
        "trace_id": None,
        "curl": f"curl -X GET http://127.0.0.1:1/api/v2/{check}",
    }


def _classify(tmp_path: Path, *failures: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    summary = tmp_path / "summary.json"
    summary.write_text(json.dumps({"stats": {"requests_sent": 7}, "failures": list(failures)}))
    return _classify_file(summary)


def _classify_file(summary: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--classify", str(summary)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_known_prism_behaviour_and_our_overrides_are_counted_by_kind(tmp_path: Path) -> None:
    result = _classify(
        tmp_path,
        _failure("paging_no_repeats", "item iid=1 on page 1 and again on page 2"),
        _failure("paging_page_count", "asked for page 2, got page 1"),
        _failure("not_found_status", "GET /Things/{iid} with iid=9 (no such record) answered 200"),
        _failure(
            "response_schema_conformance",
            '"isActive" is a required property\n\nSchema at /components/schemas/ConfigurationItem:',
        ),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(line.split()[:1] == ["2"] and "PageNumber and PageSize" in line for line in lines)
    assert any(line.split()[:1] == ["1"] and "stores no records" in line for line in lines)
    assert any(line.split()[:1] == ["1"] and "override of ours" in line for line in lines)
    assert "UNCLASSIFIED" not in result.stdout
    assert "7 requests, 4 failures" in result.stdout


def test_a_failure_nothing_explains_is_listed_in_full_and_fails_the_run(tmp_path: Path) -> None:
    result = _classify(
        tmp_path,
        _failure("paging_no_repeats", "item iid=1 on page 1 and again on page 2"),
        # a known check whose message no entry explains is not waved through by its name
        _failure("not_found_status", "GET /Things/{iid} with iid=9 answered 500"),
        _failure("a_check_nobody_listed", "something only a real site would show"),
    )
    assert result.returncode == 1
    assert "2  UNCLASSIFIED" in result.stdout
    assert "[not_found_status] GET /Things/{iid}" in result.stdout
    assert "something only a real site would show" in result.stdout
    assert "unclassified failures: 2" in result.stdout


def test_an_unreadable_summary_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    result = _classify_file(tmp_path / "nope.json")
    assert result.returncode == 2
    assert "cannot read" in result.stderr and "Traceback" not in result.stderr
