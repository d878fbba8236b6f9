"""OpenAPI documents: their operations, JSON pointers (RFC 6901) and local ``$ref``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "HTTP_METHODS",
    "Operation",
    "deref_node",
    "escape",
    "iter_operations",
    "pointer",
    "ref_name",
    "refs_in",
    "resolve_ref",
    "split_pointer",
    "unescape",
    "value_at",
]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
"""The keys of a path item that name operations, in OpenAPI's order."""


@dataclass(frozen=True)
class Operation:
    """One operation of a document: ``method`` in upper case, the path as written."""

    method: str
    path: str
    operation_id: str
    tags: tuple[str, ...]
    spec: Mapping[str, Any] = field(compare=False, repr=False)

    @property
    def key(self) -> str:
        """``"GET /Users/{userId}"``."""
        return f"{self.method} {self.path}"

    def parameters(self, document: Mapping[str, Any]) -> list[Any]:
        """The path item's shared parameters followed by the operation's own."""
        item = document.get("paths", {}).get(self.path)
        shared = item.get("parameters") if isinstance(item, Mapping) else None
        own = self.spec.get("parameters")
        return [
            *(shared if isinstance(shared, list) else ()),
            *(own if isinstance(own, list) else ()),
        ]


def iter_operations(document: Mapping[str, Any]) -> Iterator[Operation]:
    """Every operation of ``document`` in document order (malformed path items are skipped)."""
    paths = document.get("paths")
    for path, item in paths.items() if isinstance(paths, Mapping) else ():
        if not isinstance(item, Mapping):
            continue
        for method, op in item.items():
            if method in HTTP_METHODS and isinstance(op, Mapping):
                tags = op.get("tags")
                yield Operation(
                    method.upper(),
                    path,
                    str(op.get("operationId", "")),
                    tuple(tags) if isinstance(tags, list) else (),
                    op,
                )


def escape(part: str) -> str:
    """One reference token: ``~`` as ``~0``, ``/`` as ``~1``."""
    return part.replace("~", "~0").replace("/", "~1")


def unescape(part: str) -> str:
    """The text of one reference token."""
    return part.replace("~1", "/").replace("~0", "~")


def pointer(*parts: str) -> str:
    """A JSON pointer from unescaped parts: ``pointer("paths", "/Users")`` -> ``/paths/~1Users``."""
    return "".join("/" + escape(p) for p in parts)


def split_pointer(where: str) -> list[str]:
    """The unescaped parts of a JSON pointer (``""``: none, the whole document)."""
    return [unescape(p) for p in where.split("/")[1:]]


def value_at(document: Any, where: str, missing: Any = None) -> Any:
    """The node at JSON pointer ``where`` in ``document``, or ``missing`` where there is none."""
    node = document
    for part in split_pointer(where):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return missing
    return node


def resolve_ref(document: Mapping[str, Any], ref: str) -> Any:
    """The value a local ``$ref`` (``#/components/schemas/X``) points at, or ``None``."""
    if not ref.startswith("#"):
        return None
    return value_at(document, ref[1:])


def deref_node(document: Mapping[str, Any], node: Any) -> Any:
    """``node`` itself, or what its local ``$ref`` points at when it is one that resolves."""
    ref = node.get("$ref") if isinstance(node, Mapping) else None
    if isinstance(ref, str):
        target = resolve_ref(document, ref)
        if target is not None:
            return target
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


def ref_name(schema: object) -> str | None:
    """The component name a reference names: ``"#/components/schemas/Cause"`` -> ``"Cause"``.

    A schema may be given instead of the reference: its ``$ref``, or the one reference of a
    one-item ``allOf`` (how generators write a reference with a description). ``None`` when the
    schema refers to nothing (or is not a schema at all).
    """
    if isinstance(schema, str):
        return unescape(schema.rsplit("/", 1)[-1])
    if not isinstance(schema, Mapping):
        return None
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return ref_name(ref)
    all_of = schema.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1 and isinstance(all_of[0], Mapping):
        return ref_name(all_of[0])
    return None
