"""Which documented operation a request is: ``GET /Issues/42`` -> ``GET /Issues/{iid}``.

Used only while recording usage: the path templates come from the document the label's package
was generated from, read once per label.
"""

from __future__ import annotations

import functools
import re
from typing import Any

__all__ = ["operation_key"]

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_PARAM = re.compile(r"^\{[^}/]+\}$")


@functools.cache
def _templates(package: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(METHOD, segments) of every documented operation, most literal segments first."""
    from ._versions import version_of_package

    paths: Any = version_of_package(package).document().get("paths") or {}
    rows = [
        (method.upper(), str(path))
        for path, item in paths.items()
        if isinstance(item, dict)
        for method in _METHODS
        if method in item
    ]
    rows.sort(key=lambda r: (-sum(not _PARAM.match(s) for s in r[1].split("/")), r[1]))
    return tuple((f"{m} {p}", tuple(p.strip("/").split("/"))) for m, p in rows)


@functools.lru_cache(maxsize=4096)
def operation_key(package: str, method: str, path: str) -> str | None:
    """The documented ``"METHOD /template"`` that ``method path`` calls, or ``None``."""
    method = method.upper()
    segments = tuple(path.split("?", 1)[0].strip("/").split("/"))
    for key, template in _templates(package):
        if not key.startswith(f"{method} ") or len(template) != len(segments):
            continue
        if all(
            t.lower() == s.lower() or _PARAM.match(t)
            for t, s in zip(template, segments, strict=True)
        ):
            return key
    return None
