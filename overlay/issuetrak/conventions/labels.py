"""Labels: the name a pinned document's generated package takes."""

from __future__ import annotations

import re

__all__ = ["label_ident"]

# names the generated package itself uses beside the label packages (or would clash with them)
_RESERVED = frozenset({"models", "types", "api", "client", "errors"})


def label_ident(label: str) -> str:
    """The module name of a label's package: ``cloud-2026.07`` -> ``cloud_2026_07``."""
    ident = re.sub(r"\W+", "_", label.strip()).strip("_").lower() or "label"
    if ident[0].isdigit() or ident in _RESERVED or ident.startswith("_"):
        ident = f"v_{ident}"
    return ident
