"""How the API changes: between two documents (:func:`diff_documents`) and between a document and a live site (drift).

Example::

    >>> from issuetrak_tools.spec import load_document
    >>> from issuetrak_tools._evolution import diff_documents
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
    "SURFACE_MODES",
    "WIRE",
    "Change",
    "Changelog",
    "diff_documents",
    "rules_markdown",
    "to_json",
    "to_markdown",
]


SURFACE_MODES = ("derived", "generated", "none")


def diff_documents(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    *,
    source: str = "old",
    target: str = "new",
    surface: str = "derived",
) -> Changelog:
    """The changelog from ``old`` to ``new``: wire changes plus the generated package's surface.

    ``surface`` is ``"derived"`` (names worked out from the documents, milliseconds), ``"generated"``
    (openapi-python-client run on each document, seconds; needs the generator installed) or ``"none"``.
    """
    if surface not in SURFACE_MODES:
        raise ValueError(f"surface must be one of {', '.join(SURFACE_MODES)}, got {surface!r}")
    changes = diff_wire(old, new)
    if surface == "derived":
        changes += diff_surface(derive_surface(old), derive_surface(new))
    elif surface == "generated":
        from concurrent.futures import ThreadPoolExecutor

        from .generated import generate_surface

        # two generator subprocesses side by side: the slow part is theirs, not this process's
        with ThreadPoolExecutor(max_workers=2) as pool:
            before, after = pool.map(generate_surface, (old, new))
        changes += diff_surface(before, after)
    return Changelog(source, target, changes)
