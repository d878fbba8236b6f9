"""How the API changes: between two documents (:func:`diff_documents`) and between a document and a live site (drift).

Example::

    >>> from issuetrak.spec import load_document
    >>> from issuetrak._evolution import diff_documents
    >>> doc = load_document()
    >>> diff_documents(doc, doc).changes
    []
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .model import SURFACE, WIRE, Change, Changelog
from .report import to_json, to_markdown
from .rules import rules_markdown
from .surface import derive_surface, diff_surface
from .wire import diff_wire

__all__ = [
    "SURFACE",
    "WIRE",
    "Change",
    "Changelog",
    "diff_documents",
    "rules_markdown",
    "to_json",
    "to_markdown",
]


def diff_documents(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    *,
    source: str = "old",
    target: str = "new",
    surface: bool = True,
) -> Changelog:
    """The changelog from ``old`` to ``new``: wire changes, and the generated package's surface unless ``surface=False``."""
    changes = diff_wire(old, new)
    if surface:
        changes += diff_surface(derive_surface(old), derive_surface(new))
    return Changelog(source, target, changes)
