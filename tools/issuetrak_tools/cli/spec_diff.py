"""``issuetrak spec-diff FROM TO``: the changelog between two documents, breaking changes marked.

FROM and TO are each a pinned label (``cloud-2026.07``, read through :mod:`issuetrak_tools.spec`) or
the path of an OpenAPI 3 JSON file. Like is compared with like:

* two labels: both with their overrides applied (``--unpatched``: both as published);
* a label and a file: the file gets the label's overrides too, re-applied one by one as
  ``fetch-spec`` would carry them (those that no longer apply are named on stderr), so the same
  document on both sides gives no changes; ``--unpatched``: the label as published, the file as is;
* two files: both as they are.

Exit status: 0, or 1 when ``--fail-on-breaking`` is given and a breaking change was found, or 2
when a document cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from issuetrak_tools._codegen import GeneratorMissing
from issuetrak_tools._evolution import SURFACE_MODES, diff_documents, to_json, to_markdown
from issuetrak_tools._evolution.generated import GenerationFailed
from issuetrak_tools._overrides import carry_overrides
from issuetrak_tools.cli._errors import one_line
from issuetrak_tools.spec import (
    SpecError,
    apply_overrides,
    load_document,
    load_overrides,
    openapi3_problem,
)

__all__ = ["load_source", "main"]


class SourceError(Exception):
    """FROM or TO names neither a readable document nor a pinned label."""


def _read_file(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(f"{path}: not a readable OpenAPI JSON document ({exc})") from exc
    problem = openapi3_problem(document)
    if problem is None and not isinstance(document.get("paths", {}), dict):
        problem = "is not an OpenAPI document ('paths' is not an object)"
    if problem is not None:
        raise SourceError(f"{path} {problem}")
    return dict(document)


def _is_file(source: str) -> bool:
    path = Path(source)
    if path.is_file():
        return True
    if path.suffix in (".json", ".yaml", ".yml") or "/" in source or "\\" in source:
        raise SourceError(f"{source}: no such file")
    return False


def load_source(source: str, *, patched: bool = True) -> dict[str, Any]:
    """The document ``source`` names: a file path if one exists there, else a pinned label."""
    if _is_file(source):
        return _read_file(Path(source))
    try:
        return load_document(source, patched=patched)
    except SpecError as exc:
        raise SourceError(f"{source!r} is neither a file nor a usable pinned label: {exc}") from exc


@dataclass
class Side:
    """One side of the comparison: the document, how the report names it, and notes."""

    document: dict[str, Any]
    name: str
    notes: list[str] = field(default_factory=list)


def load_pair(source: str, target: str, *, patched: bool = True) -> tuple[Side, Side]:
    """Both documents in the same form (see the module docstring)."""
    files = (_is_file(source), _is_file(target))
    old = Side(load_source(source, patched=patched), source)
    new = Side(load_source(target, patched=patched), target)
    if files[0] == files[1] or not patched:
        form = "as published" if not patched and not all(files) else ""
        for side in (old, new):
            side.name += f" ({form})" if form else ""
        return old, new
    label, file_side = (target, old) if files[0] else (source, new)
    operations = load_overrides(label)
    if operations:
        try:
            raw = load_document(label, patched=False)
        except SpecError:
            raw = None
        report = carry_overrides(operations, file_side.document, raw, source=f"{label}'s overrides")
        file_side.document = apply_overrides(file_side.document, report.kept)
        file_side.name += f" (with {label}'s overrides)"
        file_side.notes.append(f"{file_side.name}: {report.summary()}")
        file_side.notes += [item.line() for item in report.unapplied]
    return old, new


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="issuetrak spec-diff",
        description="Changelog between two Issuetrak API documents, each change classified breaking or "
        "non-breaking for a client (wire and generated Python package).",
    )
    parser.add_argument("source", metavar="FROM", help="pinned label or path of the older document")
    parser.add_argument("target", metavar="TO", help="pinned label or path of the newer document")
    parser.add_argument(
        "--format", choices=("markdown", "json"), default="markdown", help="default: markdown"
    )
    parser.add_argument(
        "--output", metavar="FILE", help="write the report here instead of standard output"
    )
    parser.add_argument(
        "--fail-on-breaking",
        action="store_true",
        help="exit with status 1 if any change is breaking",
    )
    parser.add_argument(
        "--unpatched",
        action="store_true",
        help="compare as published: labels without their overrides.json, files as they are",
    )
    parser.add_argument(
        "--surface",
        choices=SURFACE_MODES,
        default="derived",
        help="the generated package's functions and models: derived from the documents' names (default, "
        "fast), generated by running openapi-python-client on each document (exact, slower), or none",
    )
    parser.add_argument(
        "--usage",
        metavar="FILE",
        help="a usage file (issuetrak usage): mark each change as affecting it or not",
    )
    return parser


def _mark_usage(changelog: Any, path: str, old: Side, new: Side) -> None:
    """Prefix each change's message with whether it touches what the usage file uses."""
    from dataclasses import replace

    from issuetrak.usage import load_usage
    from issuetrak_tools._usage import usage_marks

    marks = usage_marks(changelog.changes, load_usage(path), old.document, new.document)
    changelog.changes = [
        replace(c, message=f"{'[affects usage]' if marks[c] else '[not used]'} {c.message}")
        for c in changelog.changes
    ]


def main(argv: Sequence[str]) -> int:
    args = _parser().parse_args(list(argv))
    if args.output:  # a run that fails must not leave an earlier run's report looking current
        Path(args.output).unlink(missing_ok=True)
    try:
        old, new = load_pair(args.source, args.target, patched=not args.unpatched)
    except (SourceError, SpecError) as exc:
        sys.stderr.write(f"issuetrak spec-diff: {one_line(exc)}\n")
        return 2
    for note in [*old.notes, *new.notes]:
        sys.stderr.write(f"issuetrak spec-diff: {note}\n")
    try:
        changelog = diff_documents(
            old.document, new.document, source=old.name, target=new.name, surface=args.surface
        )
    except (GenerationFailed, GeneratorMissing, OSError) as exc:
        sys.stderr.write(f"issuetrak spec-diff: {one_line(exc)}\n")
        return 2
    if args.usage:
        from issuetrak.usage import UsageFileError

        try:
            _mark_usage(changelog, args.usage, old, new)
        except UsageFileError as exc:
            sys.stderr.write(f"issuetrak spec-diff: {one_line(exc)}\n")
            return 2
    text = to_json(changelog) if args.format == "json" else to_markdown(changelog)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        sys.stderr.write(
            f"issuetrak spec-diff: {len(changelog.breaking)} breaking, {len(changelog.non_breaking)} "
            f"non-breaking change(s) written to {args.output}\n"
        )
    else:
        sys.stdout.write(text)
    return 1 if args.fail_on_breaking and changelog.has_breaking else 0
