"""RFC 6901 JSON pointers: built from unescaped parts, and followed through a document."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["escape", "pointer", "refs_in", "split", "unescape", "value_at"]


def escape(part: str) -> str:
    """One reference token: ``~`` as ``~0``, ``/`` as ``~1``."""
    return part.replace("~", "~0").replace("/", "~1")


def unescape(part: str) -> str:
    """The text of one reference token."""
    return part.replace("~1", "/").replace("~0", "~")


def pointer(*parts: str) -> str:
    """A JSON pointer from unescaped parts."""
    return "".join("/" + escape(p) for p in parts)


def split(where: str) -> list[str]:
    """The unescaped parts of a JSON pointer (``""``: none, the whole document)."""
    return [unescape(p) for p in where.split("/")[1:]]


def value_at(document: Any, where: str, missing: Any = None) -> Any:
    """The node at JSON pointer ``where`` in ``document``, or ``missing`` where there is none."""
    node = document
    for part in split(where):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return missing
    return node


def refs_in(node: Any) -> Iterator[str]:
    """Every ``$ref`` string anywhere inside ``node`` (not followed)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            ref = item.get("$ref")
            if isinstance(ref, str):
                yield ref
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
