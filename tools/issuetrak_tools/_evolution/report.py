"""Rendering a :class:`Changelog` for people (Markdown) and tools (JSON)."""

from __future__ import annotations

import json

from .model import SURFACE, WIRE, Change, Changelog

__all__ = ["to_json", "to_markdown"]


def to_json(changelog: Changelog) -> str:
    return json.dumps(changelog.to_json(), indent=2, sort_keys=False) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(changes: list[Change]) -> list[str]:
    lines = ["| where | change | details |", "| --- | --- | --- |"]
    for c in changes:
        extra = f" ({c.direction})" if c.direction else ""
        if c.operations:
            more = f" and {len(c.operations) - 3} more" if len(c.operations) > 3 else ""
            extra += f"; used by {', '.join(c.operations[:3])}{more}"
        elif c.direction and c.area == WIRE and " " not in c.location:
            extra += "; used by no operation"
        lines.append(f"| `{_cell(c.location)}` | {_cell(c.message)}{extra} | `{_cell(c.kind)}` |")
    return lines


def to_markdown(changelog: Changelog) -> str:
    """A changelog people read before upgrading: breaking changes first, wire then Python surface."""
    out = [
        f"# API changes from `{changelog.source}` to `{changelog.target}`",
        "",
        f"**{len(changelog.breaking)} breaking**, {len(changelog.non_breaking)} non-breaking "
        '(classified for a client of the API; see "Upgrading Issuetrak" in the README for the rules).',
        "",
    ]
    if not changelog.changes:
        out.append("No changes.")
        return "\n".join(out) + "\n"
    sections = (
        ("Breaking changes on the wire", [c for c in changelog.breaking if c.area == WIRE]),
        (
            "Breaking changes in the Python package",
            [c for c in changelog.breaking if c.area == SURFACE],
        ),
        ("Non-breaking changes on the wire", [c for c in changelog.non_breaking if c.area == WIRE]),
        (
            "Non-breaking changes in the Python package",
            [c for c in changelog.non_breaking if c.area == SURFACE],
        ),
    )
    for title, changes in sections:
        if changes:
            out += [f"## {title} ({len(changes)})", "", *_table(changes), ""]
    return "\n".join(out)
