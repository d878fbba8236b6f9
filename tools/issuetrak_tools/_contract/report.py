"""What a contract run found, in a form a CI log and a support ticket can use.

:class:`Recorder` is fed by schemathesis's ``after_validate`` hook (every check result of every
response, with the check's name) and by the suite's own multi-request tests (paging, search).
:func:`render_markdown` writes the summary: operations tested, checks run, and each distinct
failure with its check, a curl reproduction (token redacted) and the server's trace id.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FailureRecord", "Recorder", "redact", "render_markdown", "trace_id_of"]

REDACTED = "[REDACTED]"


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret replaced, so a report can be pasted anywhere."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def trace_id_of(content: bytes | str | None) -> str | None:
    """The ``traceId`` of a JSON body, if it has one."""
    if not content:
        return None
    try:
        body = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None
    trace = body.get("traceId") if isinstance(body, Mapping) else None
    return trace if isinstance(trace, str) and trace else None


@dataclass(frozen=True)
class FailureRecord:
    """One distinct deviation: which operation, which check, and how to see it again."""

    operation: str
    check: str
    title: str
    message: str
    status_code: int | None = None
    trace_id: str | None = None
    curl: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.operation, self.check, self.title)


@dataclass
class Recorder:
    """Collects operations, checks and failures of one run (thread-safe)."""

    secrets: tuple[str, ...] = ()
    operations: dict[str, int] = field(default_factory=dict)
    checks: set[str] = field(default_factory=set)
    failures: dict[tuple[str, str, str], FailureRecord] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def saw_case(self, operation: str) -> None:
        with self._lock:
            self.operations[operation] = self.operations.get(operation, 0) + 1

    def ran_check(self, name: str) -> None:
        with self._lock:
            self.checks.add(name)

    def add_failure(self, record: FailureRecord) -> None:
        clean = FailureRecord(
            operation=record.operation,
            check=record.check,
            title=redact(record.title, self.secrets),
            message=redact(record.message, self.secrets),
            status_code=record.status_code,
            trace_id=record.trace_id,
            curl=redact(record.curl, self.secrets),
        )
        with self._lock:
            self.failures.setdefault(clean.key, clean)

    def failures_by_check(self) -> dict[str, list[FailureRecord]]:
        grouped: dict[str, list[FailureRecord]] = {}
        for record in self.failures.values():
            grouped.setdefault(record.check, []).append(record)
        return grouped

    def to_json(self) -> dict[str, Any]:
        return {
            "operations": dict(sorted(self.operations.items())),
            "checks": sorted(self.checks),
            "failures": [record.__dict__ for record in self.failures.values()],
        }


def _fence(text: str) -> str:
    return "```\n" + text.replace("```", "'''") + "\n```"


def render_markdown(
    recorder: Recorder,
    *,
    target: str,
    label: str,
    allowed: str,
    stats: Mapping[str, Any],
    expected_operations: int,
    duration: float,
    skipped: Mapping[str, str] | None = None,
) -> str:
    """The Markdown summary of a run."""
    failures = sorted(recorder.failures.values(), key=lambda r: (r.operation, r.check, r.title))
    verdict = "PASSED" if not failures else f"FAILED: {len(failures)} distinct deviation(s)"
    lines = [
        "# Issuetrak contract check",
        "",
        f"- **Result:** {verdict}",
        f"- **Target:** {target}",
        f"- **Document:** {label} (pinned, after overrides)",
        f"- **Operations sent:** {allowed}",
        f"- **Operations tested:** {len(recorder.operations)} of {expected_operations}"
        f" ({sum(recorder.operations.values())} test cases)",
        f"- **Requests sent:** {stats.get('requests_sent', 0)} ({stats.get('writes_sent', 0)} writes),"
        f" retries {stats.get('retries', 0)}, waited {stats.get('limiter_wait_seconds', 0.0):.2f} s"
        f" for the rate limiter ({stats.get('limiter_waits', 0)} times)",
        f"- **Duration:** {duration:.1f} s",
        *(
            [
                f"- **Coverage phase:** {stats['coverage_skipped']} cases over the per-operation budget not sent"
            ]
            if stats.get("coverage_skipped")
            else []
        ),
        *(
            [
                f"- **Request budget:** stopped at {stats.get('max_requests')} requests; "
                f"{stats['budget_skipped']} test(s) skipped (later nights cover them: the order changes daily)"
            ]
            if stats.get("budget_skipped")
            else []
        ),
        f"- **Checks run:** {', '.join(f'`{c}`' for c in sorted(recorder.checks)) or 'none'}",
        "",
    ]
    if skipped:
        lines += ["## Not tested", ""]
        lines += [f"- `{op}`: {why}" for op, why in sorted(skipped.items())]
        lines.append("")
    if failures:
        lines += [
            "## Deviations by check",
            "",
            "| check | operations | first operations |",
            "|---|---|---|",
        ]
        for check, records in sorted(
            recorder.failures_by_check().items(), key=lambda kv: (-len(kv[1]), kv[0])
        ):
            names = sorted({r.operation for r in records})
            shown = ", ".join(f"`{n}`" for n in names[:4]) + (
                f" and {len(names) - 4} more" if len(names) > 4 else ""
            )
            lines.append(f"| `{check}` | {len(names)} | {shown} |")
        lines.append("")
        lines += ["## Failures", ""]
        for number, record in enumerate(failures, 1):
            lines += [
                f"### {number}. `{record.operation}` - `{record.check}`",
                "",
                f"**{record.title}**"
                + (f" (status {record.status_code})" if record.status_code is not None else "")
                + (f", trace id `{record.trace_id}`" if record.trace_id else ", no trace id"),
                "",
            ]
            if record.message:
                lines += [_fence(record.message.strip()), ""]
            if record.curl:
                lines += ["Reproduce:", "", _fence(record.curl), ""]
    return "\n".join(lines).rstrip() + "\n"
