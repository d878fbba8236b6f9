"""OpenAPI documents: their operations, JSON pointers (RFC 6901) and local ``$ref``."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "HTTP_METHODS",
    "Operation",
    "deref_node",
    "escape",
    "iter_operations",
    "pair_operations",
    "parameter_key",
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

_TEMPLATE_NAME = re.compile(r"\{([^}/]*)\}")

OperationKey = tuple[str, str]
"""``(METHOD, path)``."""


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
        paths = document.get("paths")
        item = deref_node(document, paths.get(self.path)) if isinstance(paths, Mapping) else None
        shared = item.get("parameters") if isinstance(item, Mapping) else None
        own = self.spec.get("parameters")
        return [
            *(shared if isinstance(shared, list) else ()),
            *(own if isinstance(own, list) else ()),
        ]

    def parameter_map(
        self, document: Mapping[str, Any]
    ) -> dict[tuple[str, str], Mapping[str, Any]]:
        """The parameters a call sends, references resolved, by :func:`parameter_key`.

        An operation's own parameter replaces the path item's one with the same key, as OpenAPI
        says.
        """
        found: dict[tuple[str, str], Mapping[str, Any]] = {}
        for raw in self.parameters(document):
            param = deref_node(document, raw)
            if isinstance(param, Mapping):
                found[parameter_key(param, self.path)] = param
        return found


def pair_operations(
    old: set[OperationKey], new: set[OperationKey]
) -> list[tuple[OperationKey | None, OperationKey | None]]:
    """Operations of two documents matched: by exact path, then by path with parameter names blanked.

    Renaming ``{id}`` to ``{iid}`` is no change (the URL does not carry the name); paths that
    differ only in a parameter's name *within* one document (NSwag can write both) still pair one
    to one. An operation without a partner is paired with ``None``.
    """
    pairs: list[tuple[OperationKey | None, OperationKey | None]] = [
        (k, k) for k in sorted(old & new)
    ]
    waiting: dict[OperationKey, list[OperationKey]] = {}
    for key in sorted(new - old):
        waiting.setdefault((key[0], _TEMPLATE_NAME.sub("{}", key[1])), []).append(key)
    for key in sorted(old - new):
        candidates = waiting.get((key[0], _TEMPLATE_NAME.sub("{}", key[1])))
        pairs.append((key, candidates.pop(0) if candidates else None))
    pairs += [(None, key) for keys in waiting.values() for key in keys]
    return pairs


def parameter_key(param: Mapping[str, Any], path: str) -> tuple[str, str]:
    """How a parameter is matched across documents: ``(location, name)``.

    Path parameters by their position in the template (``("path", "#0")``): the URL does not carry
    their names, so renaming ``{id}`` to ``{iid}`` changes nothing a call sends. Header names are
    case-insensitive.
    """
    where, name = str(param.get("in", "")), str(param.get("name", ""))
    if where == "path":
        names = _TEMPLATE_NAME.findall(path)
        if name in names:
            return (where, f"#{names.index(name)}")
    return (where, name.lower() if where == "header" else name)


def iter_operations(document: Mapping[str, Any]) -> Iterator[Operation]:
    """Every operation of ``document`` in document order (malformed path items are skipped)."""
    paths = document.get("paths")
    for path, raw in paths.items() if isinstance(paths, Mapping) else ():
        item = deref_node(document, raw)
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
    """``node`` itself, or what its local ``$ref`` points at when it is one that resolves.

    A chain of references is followed to its end; a cycle stops at the last node not yet seen.
    """
    seen: set[str] = set()
    while isinstance(node, Mapping):
        ref = node.get("$ref")
        if not isinstance(ref, str) or ref in seen:
            break
        seen.add(ref)
        target = resolve_ref(document, ref)
        if target is None:
            break
        node = target
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
