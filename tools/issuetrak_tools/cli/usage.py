"""``issuetrak usage show FILE`` and ``issuetrak usage check --usage FILE [--against LABEL|PATH]``.

``show`` prints a usage file (recorded by the SDK, see :mod:`issuetrak.usage`) as a short table.
``check`` looks every item of it up in each target document (default: every pinned label) and
compares the target with the document the usage was recorded against: what breaks the usage
(each with a JSON pointer into the target), what changed compatibly with it, and what changed
without touching it. Exit status: 1 when something breaks the usage, 0 otherwise, 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from issuetrak.usage import UsageFileError, load_usage
from issuetrak_tools._usage import UsageReport, check_usage
from issuetrak_tools.cli._errors import one_line
from issuetrak_tools.cli.spec_diff import SourceError, load_source
from issuetrak_tools.spec import SpecError, load_document, pinned_labels

__all__ = ["main", "show_text"]

_PROG = "issuetrak usage"
_PARTS = ("query", "body", "filters", "sort", "patch")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="Show a usage file, or check it against pinned labels or a document.",
    )
    sub = parser.add_subparsers(dest="action", required=True, metavar="{show,check}")
    show = sub.add_parser("show", help="print a usage file as a short table")
    show.add_argument("file", metavar="FILE")
    check = sub.add_parser("check", help="check a usage file against documents")
    check.add_argument("--usage", required=True, metavar="FILE", help="the usage file")
    check.add_argument(
        "--against",
        action="append",
        metavar="LABEL|PATH",
        help="a pinned label or an OpenAPI JSON file (repeatable; default: every pinned label)",
    )
    check.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def show_text(usage: Mapping[str, Any]) -> str:
    """The usage as a table: one row per operation, then the properties read per schema."""
    rows = [("operation", "uses")]
    for key, entry in usage["operations"].items():
        parts = []
        for part in _PARTS:
            if part in entry:
                names = entry[part]
                if part == "filters":
                    names = [f"{f} {'|'.join(ops)}" for f, ops in names.items()]
                parts.append(f"{part}: {', '.join(names)}")
        if entry.get("whole_response"):
            parts.append("whole response read")
        rows.append((key, "; ".join(parts) or "-"))
    width = max(len(r[0]) for r in rows)
    lines = [f"labels: {', '.join(usage['labels']) or '-'}"]
    lines += [f"{a:<{width}}  {b}" for a, b in rows]
    reads = usage["reads"]
    lines.append(f"reads ({sum(map(len, reads.values()))} properties of {len(reads)} schemas):")
    lines += [f"  {schema}: {', '.join(props)}" for schema, props in reads.items()]
    return "\n".join(lines) + "\n"


def _baseline(usage: Mapping[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """The document the usage was recorded against (its newest label), if it can be loaded."""
    labels = usage["labels"]
    if not labels:
        return None, "the usage names no label it was recorded against"
    try:
        return load_document(labels[-1]), ""
    except SpecError as exc:
        return None, f"recorded against {labels[-1]}, which cannot be loaded ({one_line(exc)})"


def _report_text(report: UsageReport, usage_file: str) -> str:
    verdict = "BREAKS" if report.broken else "ok"
    lines = [f"{usage_file} against {report.target}: {verdict}"]
    lines.append(f"  breaks this usage: {len(report.breaks)}")
    lines += [f"    {f.pointer}  {f.item}: {f.problem}" for f in report.breaks]
    lines.append(f"  changed, compatible with this usage: {len(report.compatible)}")
    lines += [f"    {c.location}: {c.message}" for c in report.compatible]
    lines.append(f"  changed without touching this usage: {len(report.untouched)}")
    lines += [f"    {c.location}: {c.message}" for c in report.untouched]
    return "\n".join(lines) + "\n"


def _report_json(report: UsageReport) -> dict[str, Any]:
    return {
        "target": report.target,
        "breaks": [
            {"pointer": f.pointer, "item": f.item, "problem": f.problem} for f in report.breaks
        ],
        "compatible": [c.to_json() for c in report.compatible],
        "untouched": [c.to_json() for c in report.untouched],
    }


def _check(args: argparse.Namespace) -> int:
    try:
        usage = load_usage(args.usage)
    except UsageFileError as exc:
        sys.stderr.write(f"{_PROG} check: {one_line(exc)}\n")
        return 2
    targets = args.against or list(pinned_labels())
    if not targets:
        sys.stderr.write(f"{_PROG} check: no pinned label to check against; pass --against\n")
        return 2
    baseline, note = _baseline(usage)
    if note:
        sys.stderr.write(f"{_PROG} check: {note}; checking presence only\n")
    reports = []
    for target in targets:
        try:
            document = load_source(target)
        except (SourceError, SpecError) as exc:
            sys.stderr.write(f"{_PROG} check: {one_line(exc)}\n")
            return 2
        reports.append(check_usage(usage, document, baseline, target))
    if args.format == "json":
        sys.stdout.write(json.dumps([_report_json(r) for r in reports], indent=2) + "\n")
    else:
        sys.stdout.write("".join(_report_text(r, args.usage) for r in reports))
    return 1 if any(r.broken for r in reports) else 0


def main(argv: Sequence[str]) -> int:
    args = _parser().parse_args(list(argv))
    if args.action == "show":
        try:
            sys.stdout.write(show_text(load_usage(args.file)))
        except UsageFileError as exc:
            sys.stderr.write(f"{_PROG} show: {one_line(exc)}\n")
            return 2
        return 0
    return _check(args)
