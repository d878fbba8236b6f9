"""What a contract run found, in a form a CI log and a support ticket can use.

:class:`Recorder` is fed by schemathesis's ``after_validate`` hook (every check result of every
response, with the check's name), by the run's own probes (paging, searches, error paths,
persistence) and by the transport guard (redirects, 429 without ``Retry-After``).
:func:`render_markdown` writes the summary: operations tested, checks that ran, what the request
budget or rate limiting left unchecked, the tolerances applied, and each distinct failure with its
check, a curl reproduction (token redacted, body shown) and the server's trace id.
"""

from __future__ import annotations

import shlex
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from issuetrak.conventions import trace_id_in as trace_id_of
from issuetrak_tools._contract.credentials import REDACTED, TOKEN_HEADER, redact

__all__ = [
    "REDACTED",
    "FailureRecord",
    "Recorder",
    "curl_of",
    "redact",
    "render_markdown",
    "trace_id_of",
]

_NOISE_HEADERS = ("host", "content-length", "accept-encoding", "connection", "user-agent")


def curl_of(request: httpx.Request, secrets: tuple[str, ...] = ()) -> str:
    """A curl command for ``request``: its body as sent, the token (and any secret) redacted."""
    parts = ["curl", "-X", request.method, str(request.url)]
    for name, value in request.headers.items():
        if name.lower() in _NOISE_HEADERS:
            continue
        shown = REDACTED if name.lower() == TOKEN_HEADER.lower() else value
        parts += ["-H", f"{name}: {shown}"]
    try:
        content = request.content
    except httpx.RequestNotRead:  # a streamed (multipart) body: its parts are not repeated
        content = b""
    if content:
        parts += ["-d", content.decode("utf-8", "replace")]
    return redact(" ".join(shlex.quote(p) for p in parts), secrets)


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
    """Collects operations, checks, failures and what was left unchecked, for one run (thread-safe)."""

    secrets: tuple[str, ...] = field(default=(), repr=False)
    operations: dict[str, int] = field(default_factory=dict)
    positive: set[str] = field(default_factory=set)  # operations with a 2xx answer checked
    checks: set[str] = field(default_factory=set)
    failures: dict[tuple[str, str, str], FailureRecord] = field(default_factory=dict)
    unchecked: dict[str, list[str]] = field(default_factory=dict)  # tier -> step ids
    # check family -> {"ran": steps carried out, "cut": steps the request budget left out}
    families: dict[str, dict[str, int]] = field(default_factory=dict)
    rate_limited: list[str] = field(default_factory=list)
    # steps not sent at all once the site kept answering 429 (one message says why)
    rate_limited_not_sent: int = 0
    not_sent_reason: str = ""
    tolerances: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # while set, every failure added is appended here too (the failures of one step)
    sink: list[FailureRecord] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __repr__(self) -> str:
        return (
            f"Recorder({len(self.operations)} operations, {len(self.checks)} checks, "
            f"{len(self.failures)} failures)"
        )

    def saw_case(self, operation: str) -> None:
        with self._lock:
            self.operations[operation] = self.operations.get(operation, 0) + 1

    def saw_success(self, operation: str) -> None:
        with self._lock:
            self.positive.add(operation)

    def ran_check(self, name: str) -> None:
        with self._lock:
            self.checks.add(name)

    def tolerated(self, name: str, times: int = 1) -> None:
        with self._lock:
            self.tolerances[name] = self.tolerances.get(name, 0) + times

    def left_unchecked(self, tier: str, step: str, family: str = "") -> None:
        with self._lock:
            self.unchecked.setdefault(tier, []).append(step)
            if family:
                counts = self.families.setdefault(family, {"ran": 0, "cut": 0})
                counts["cut"] += 1

    def family_ran(self, family: str) -> None:
        """A step of ``family`` was carried out (whatever it found)."""
        with self._lock:
            counts = self.families.setdefault(family, {"ran": 0, "cut": 0})
            counts["ran"] += 1

    def families_by_outcome(self) -> tuple[list[str], list[str]]:
        """(families that ran at least one step, families the budget cut entirely)."""
        ran = sorted(name for name, c in self.families.items() if c["ran"])
        cut = sorted(name for name, c in self.families.items() if not c["ran"] and c["cut"])
        return ran, cut

    def was_rate_limited(self, message: str, *, sent: bool = True) -> None:
        """A step left unchecked by a 429; ``sent=False``: not sent at all (counted, not listed)."""
        with self._lock:
            if sent:
                self.rate_limited.append(redact(message, self.secrets))
                return
            self.rate_limited_not_sent += 1
            self.not_sent_reason = self.not_sent_reason or redact(message, self.secrets)

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
            self.checks.add(record.check)
            self.failures.setdefault(clean.key, clean)
            if self.sink is not None:
                self.sink.append(clean)

    def failures_by_check(self) -> dict[str, list[FailureRecord]]:
        grouped: dict[str, list[FailureRecord]] = {}
        for record in self.failures.values():
            grouped.setdefault(record.check, []).append(record)
        return grouped

    def to_json(self) -> dict[str, Any]:
        return {
            "operations": dict(sorted(self.operations.items())),
            "positively_checked": sorted(self.positive),
            "checks": sorted(self.checks),
            "failures": [record.__dict__ for record in self.failures.values()],
            "unchecked": {tier: list(steps) for tier, steps in sorted(self.unchecked.items())},
            "families": {name: dict(counts) for name, counts in sorted(self.families.items())},
            "rate_limited": list(self.rate_limited),
            "rate_limited_not_sent": self.rate_limited_not_sent,
            "tolerances": dict(sorted(self.tolerances.items())),
            "notes": list(self.notes),
        }


def _fence(text: str) -> str:
    return "```\n" + text.replace("```", "'''") + "\n```"


def _compact(steps: list[str], shown: int = 8) -> str:
    names = ", ".join(f"`{s}`" for s in steps[:shown])
    return names + (f" and {len(steps) - shown} more" if len(steps) > shown else "")


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
    tolerances: Mapping[str, str] | None = None,
) -> str:
    """The Markdown summary of a run.

    ``tolerances`` maps a tolerance's name to what it allows; those the recorder saw applied (or
    that apply to the document itself) are listed.
    """
    failures = sorted(recorder.failures.values(), key=lambda r: (r.operation, r.check, r.title))
    verdict = "PASSED" if not failures else f"FAILED: {len(failures)} distinct deviation(s)"
    unchecked_total = sum(len(steps) for steps in recorder.unchecked.values())
    lines = [
        "# Issuetrak contract check",
        "",
        f"- **Result:** {verdict}",
        f"- **Target:** {target}",
        f"- **Document:** {label} (pinned, after overrides)",
        f"- **Operations sent:** {allowed}",
        f"- **Operations tested:** {len(recorder.operations)} of {expected_operations}"
        f" ({sum(recorder.operations.values())} test cases; {len(recorder.positive)} answered"
        " with success and checked)",
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
                f"- **Request budget:** {stats.get('max_requests')} requests, all spent; "
                f"{unchecked_total} planned step(s) left unchecked (see below)"
            ]
            if unchecked_total
            else []
        ),
        f"- **Checks run:** {', '.join(f'`{c}`' for c in sorted(recorder.checks)) or 'none'}",
        "",
    ]
    if recorder.families:
        lines += ["## Check families", ""]
        for name, counts in recorder.families.items():  # in the order they first ran
            cut = f", {counts['cut']} cut by the request budget" if counts["cut"] else ""
            state = "ran" if counts["ran"] else "cut by the request budget"
            lines.append(f"- `{name}`: {state} ({counts['ran']} step(s) carried out{cut})")
        lines.append("")
    if recorder.rate_limited or recorder.rate_limited_not_sent:
        lines += ["## Rate limited", ""]
        lines += [f"- {message}" for message in recorder.rate_limited]
        if recorder.rate_limited_not_sent:
            lines.append(
                f"- {recorder.rate_limited_not_sent} more step(s) not sent, the first: "
                f"{recorder.not_sent_reason}"
            )
        lines.append("")
    if recorder.unchecked:
        lines += [
            "## Left unchecked",
            "",
            "The run stopped sending at its request budget (`--max-requests`); what it planned but",
            "did not reach is listed by tier. A later run with a larger budget, or another `--seed`",
            "(which changes the order of the depth tier), reaches them.",
            "",
        ]
        for tier, steps in recorder.unchecked.items():
            lines.append(f"- **{tier}** ({len(steps)}): {_compact(steps)}")
        lines.append("")
    applied = {
        name: text
        for name, text in (tolerances or {}).items()
        if recorder.tolerances.get(name) or name.startswith("document:")
    }
    if applied:
        lines += ["## Tolerances applied", ""]
        for name, text in sorted(applied.items()):
            count = recorder.tolerances.get(name)
            lines.append(f"- `{name}`: {text}" + (f" ({count} times)" if count else ""))
        lines.append("")
    if recorder.notes:
        lines += ["## Notes", ""]
        lines += [f"- {note}" for note in recorder.notes]
        lines.append("")
    if skipped:
        lines += ["## Not sent (write policy)", ""]
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
    return redact("\n".join(lines).rstrip() + "\n", recorder.secrets)
