"""``issuetrak spec-diff FROM TO``: the changelog between two documents, breaking changes marked.

FROM and TO are each a pinned label (``cloud-2026.07``, read through :mod:`issuetrak.spec` with its
overrides) or the path of an OpenAPI JSON file. Exit status: 0, or 1 when ``--fail-on-breaking``
is given and a breaking change was found, or 2 when a document cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from issuetrak._evolution import diff_documents, to_json, to_markdown
from issuetrak.spec import SpecError, load_document

__all__ = ["load_source", "main"]


class SourceError(Exception):
    """FROM or TO names neither a readable document nor a pinned label."""


def load_source(source: str, *, patched: bool = True) -> dict[str, Any]:
    """The document ``source`` names: a file path if one exists there, else a pinned label."""
    path = Path(source)
    if path.is_file():
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SourceError(f"{path}: not a readable OpenAPI JSON document ({exc})") from exc
        if not isinstance(document, dict) or not isinstance(document.get("paths", {}), dict):
            raise SourceError(
                f"{path}: not an OpenAPI document (expected a JSON object with 'paths')"
            )
        return document
    if path.suffix in (".json", ".yaml", ".yml") or "/" in source or "\\" in source:
        raise SourceError(f"{source}: no such file")
    try:
        return load_document(source, patched=patched)
    except SpecError as exc:
        raise SourceError(f"{source!r} is neither a file nor a usable pinned label: {exc}") from exc


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
        "--unpatched", action="store_true", help="read pinned labels without their overrides.json"
    )
    parser.add_argument(
        "--no-surface",
        action="store_true",
        help="leave out the generated package's functions and models",
    )
    return parser


def main(argv: Sequence[str]) -> int:
    args = _parser().parse_args(list(argv))
    try:
        old = load_source(args.source, patched=not args.unpatched)
        new = load_source(args.target, patched=not args.unpatched)
    except SourceError as exc:
        sys.stderr.write(f"issuetrak spec-diff: {exc}\n")
        return 2
    changelog = diff_documents(
        old, new, source=args.source, target=args.target, surface=not args.no_surface
    )
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
