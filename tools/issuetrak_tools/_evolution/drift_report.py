"""The drift report: findings, the proposed overrides, and whether those overrides would suffice."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from issuetrak_tools.spec import SpecError, apply_overrides

from .drift import CrawlResult, iter_statuses, validate_exchanges
from .proposal import propose_overrides
from .strict import (
    MISSING_REQUIRED,
    NULL,
    TYPE,
    UNDOCUMENTED_ENUM,
    UNDOCUMENTED_PROPERTY,
    UNDOCUMENTED_STATUS,
    Finding,
)

__all__ = ["DriftReport", "build_report", "report_json", "report_markdown"]

_TITLES = {
    UNDOCUMENTED_PROPERTY: "Undocumented properties",
    UNDOCUMENTED_ENUM: "Undocumented enum values",
    NULL: "Nulls in non-nullable fields",
    UNDOCUMENTED_STATUS: "Undocumented status codes",
    TYPE: "Types that differ",
    MISSING_REQUIRED: "Required properties missing",
}


@dataclass
class DriftReport:
    site: str
    label: str
    crawl: CrawlResult
    findings: list[Finding]
    proposal: list[dict[str, Any]]
    remaining: list[Finding]  # findings the patched document would still have
    patch_error: str = ""

    @property
    def has_drift(self) -> bool:
        return bool(self.findings)


def build_report(
    document: Mapping[str, Any], crawl: CrawlResult, *, site: str, label: str
) -> DriftReport:
    """Validate the crawl, propose overrides, and check them by validating again against the patched document."""
    findings = validate_exchanges(document, crawl.exchanges)
    proposal = propose_overrides(document, findings, site=site)
    try:
        patched = apply_overrides(document, proposal, source="proposed overrides")
    except SpecError as exc:
        return DriftReport(site, label, crawl, findings, proposal, findings, str(exc))
    remaining = validate_exchanges(patched, crawl.exchanges)
    return DriftReport(site, label, crawl, findings, proposal, remaining)


def _cell(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text.replace("|", "\\|").replace("\n", " ")


def report_markdown(report: DriftReport) -> str:
    """The report people read: what the site returns that the pinned document does not say."""
    crawl = report.crawl
    out = [
        f"# Drift of {report.site} from `{report.label}`",
        "",
        f"{len(crawl.exchanges)} read-only requests over {len({e.target.label for e in crawl.exchanges})} operations; "
        f"{len(crawl.skipped)} operations not called. "
        f"**{len(report.findings)} finding(s)**; the proposed overrides have {len(report.proposal)} operation(s).",
        "",
    ]
    if crawl.stopped:
        out += [
            f"**The crawl stopped early:** {crawl.stopped}. The findings cover what was seen until then.",
            "",
        ]
    if report.patch_error:
        out += [f"**The proposal does not apply to the document:** {report.patch_error}", ""]
    elif report.findings:
        verdict = (
            "With the proposal applied, every observed response validates strictly."
            if not report.remaining
            else f"With the proposal applied, {len(report.remaining)} finding(s) remain (see below)."
        )
        out += [verdict, ""]
    for kind, title in _TITLES.items():
        found = [f for f in report.findings if f.kind == kind]
        if not found:
            continue
        out += [
            f"## {title} ({len(found)})",
            "",
            "| where | observed | times | operations | example |",
            "| --- | --- | --- | --- | --- |",
        ]
        for f in found:
            ops = ", ".join(sorted(f.operations)[:3]) + (" ..." if len(f.operations) > 3 else "")
            sample = f.samples[0] if f.samples else None
            out.append(
                f"| `{_cell(f.location)}` | `{_cell(f.value)}` | {f.count} | {_cell(ops)} | `{_cell(sample)[:60]}` |"
            )
        out.append("")
    if report.remaining and not report.patch_error:
        out += ["## Left after the proposal", ""]
        out += [f"- `{_cell(f.location)}`: {f.kind} `{_cell(f.value)}`" for f in report.remaining]
        out.append("")
    out += ["## Responses", "", "| operation | status | times |", "| --- | --- | --- |"]
    out += [
        f"| {label} | {status} | {count} |"
        for label, status, count in iter_statuses(crawl.exchanges)
    ]
    if crawl.skipped:
        out += ["", "## Not called", "", "| operation | why |", "| --- | --- |"]
        out += [f"| {label} | {why} |" for label, why in sorted(crawl.skipped)]
    return "\n".join(out) + "\n"


def report_json(report: DriftReport) -> str:
    return (
        json.dumps(
            {
                "site": report.site,
                "label": report.label,
                "requests": len(report.crawl.exchanges),
                "stopped": report.crawl.stopped,
                "findings": [
                    {
                        "kind": f.kind,
                        "location": f.location,
                        "pointer": f.pointer,
                        "value": f.value,
                        "count": f.count,
                        "operations": sorted(f.operations),
                        "example_path": f.example_path,
                    }
                    for f in report.findings
                ],
                "remaining_after_proposal": len(report.remaining),
                "skipped": [
                    {"operation": label, "why": why} for label, why in report.crawl.skipped
                ],
            },
            indent=2,
        )
        + "\n"
    )
