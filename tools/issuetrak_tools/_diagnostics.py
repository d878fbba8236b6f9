"""What a generator message is about, in the document's own terms: a JSON pointer and what is there.

openapi-python-client reports problems by endpoint (``WARNING parsing POST /x within tag.``) or by
schema, with a dump of its own parsed objects. :func:`locate` turns each message into
:class:`Problem` items, one per place, each naming the RFC 6901 pointer into the document that
regen gave the generator and carrying the offending part of the document itself, so the line a
user reads says where to look and what is wrong there, and an override can target that pointer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from issuetrak.conventions import deref_node, escape, pointer, value_at
from issuetrak_tools.spec import iter_operations

if TYPE_CHECKING:
    from issuetrak_tools._codegen import GeneratorMessage

__all__ = [
    "Problem",
    "describe_invalid_document",
    "explain",
    "locate",
    "path_parameter_problems",
    "show",
]

SHOWN_CHARACTERS = 240  # of the offending sub-schema, on one line


@dataclass(frozen=True)
class Problem:
    """One problem at one place: ``pointer`` into the document, what is wrong, what is there."""

    pointer: str
    text: str
    value: Any = field(default=None, compare=False)  # a part of the document: not hashable

    def line(self) -> str:
        where = self.pointer or "/"
        shown = "" if self.value is None else f" (there: {show(self.value)})"
        return f"at {where}: {self.text}{shown}"


def show(value: Any, limit: int = SHOWN_CHARACTERS) -> str:
    """``value`` as compact one-line JSON, cut at ``limit`` characters."""
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "), sort_keys=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def path_parameter_problems(document: Mapping[str, Any], path: str) -> list[str]:
    """Why the generator rejects the templating of ``path``: undeclared or unused path parameters."""
    item = document.get("paths", {}).get(path)
    if not isinstance(item, Mapping):
        return []
    templated = re.findall(r"{([^}]+)}", path)
    problems: list[str] = []
    for op in iter_operations({"paths": {path: item}}):
        declared: list[str] = []
        for param in [*item.get("parameters", []), *op.spec.get("parameters", [])]:
            param = deref_node(document, param)
            if isinstance(param, Mapping) and param.get("in") == "path":
                declared.append(str(param.get("name")))
        for name in templated:
            if name not in declared:
                close = [d for d in declared if d.lower() == name.lower()]
                hint = f" (declared as {close[0]!r}: names are case-sensitive)" if close else ""
                problems.append(
                    f"path parameter {name!r} is used in {path} but not declared for {op.method}{hint}"
                )
        for name in declared:
            if name not in templated and not any(t.lower() == name.lower() for t in templated):
                problems.append(
                    f"path parameter {name!r} is declared for {op.method} {path} but {path} has no {{{name}}} segment"
                )
    return problems


def _walk_loc(document: Mapping[str, Any], loc: str) -> tuple[str, Any]:
    """Map a pydantic error location to a JSON pointer into ``document``.

    pydantic inserts the names of union members (``other``, ``Reference`` ...) between real keys;
    a segment that is not a key of the node reached so far is such a name and is dropped.
    """
    node: Any = document
    parts: list[str] = []
    for segment in loc.split("."):
        if isinstance(node, Mapping) and segment in node:
            node = node[segment]
            parts.append(segment)
        elif isinstance(node, list) and segment.isdigit() and int(segment) < len(node):
            node = node[int(segment)]
            parts.append(segment)
    return pointer(*parts), node


_PYDANTIC_ERROR = re.compile(
    r"^\s+(?P<msg>.+?) \[type=(?P<type>[^,\]]+)(, input_value=(?P<value>.*?))?(, input_type=\S+)?\]$"
)


def _invalid_places(document: Mapping[str, Any], detail: str) -> list[Problem]:
    lines = detail.splitlines()
    places: list[Problem] = []
    for index, line in enumerate(lines[:-1]):
        match = _PYDANTIC_ERROR.match(lines[index + 1])
        if line and not line.startswith(" ") and match:
            where, value = _walk_loc(document, line.strip())
            text = match["msg"].rstrip(".")
            places.append(Problem(where, f"breaks the OpenAPI 3 schema: {text}", value))
    return places


def describe_invalid_document(
    document: Mapping[str, Any], detail: str, limit: int = 3
) -> str | None:
    """Name the places a 'Failed to parse OpenAPI document' report points at, in document terms."""
    places = _invalid_places(document, detail)
    if not places:
        return None
    shown = [
        f"{p.pointer} is "
        + (json.dumps(p.value) if not isinstance(p.value, Mapping | list) else "this value")
        + f" ({p.text.removeprefix('breaks the OpenAPI 3 schema: ')})"
        for p in places[:limit]
    ]
    more = f" and {len(places) - limit} more" if len(places) > limit else ""
    count = f"{len(places)} place{'s' if len(places) != 1 else ''}"
    return f"the document breaks the OpenAPI 3 schema at {count}: " + "; ".join(shown) + more


def _ref_nodes(node: Any, where: str) -> Iterator[tuple[str, str]]:
    """(pointer, $ref) of every local reference under ``node`` (at ``where``), in document order."""
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            yield where, ref
        for key, value in node.items():
            yield from _ref_nodes(value, f"{where}/{escape(str(key))}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _ref_nodes(value, f"{where}/{index}")


def _defined(document: Mapping[str, Any], ref: str) -> bool:
    return value_at(document, ref[1:]) is not None


_ENDPOINT = re.compile(
    r"^WARNING parsing (?P<method>\S+) (?P<path>\S+) within (?P<tag>.*?)\.( Endpoint will not be generated\.)?$"
)
_RESPONSE = re.compile(r"Cannot parse response for status code (?P<status>\S+)")
_CONTENT_TYPE = re.compile(r"Unsupported content[ _]type (?P<media>\S+?)(?:[,)]|$)")
_BACKTICKED = re.compile(r"`([^`]+)`")


_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>")


def _response_status(message: GeneratorMessage, operation: Mapping[str, Any]) -> str | None:
    """The status of the response a 'Cannot parse response' message is about."""
    named = re.search(r"status code (\d{3}|\dXX|default)\b", message.body)
    if named:
        return named[1]
    responses = operation.get("responses")
    if not isinstance(responses, Mapping):
        return None
    with_refs = [str(s) for s, r in responses.items() if any(_ref_nodes(r, ""))]
    return with_refs[0] if "reference" in message.body and with_refs else None


def _endpoint_problems(
    message: GeneratorMessage, document: Mapping[str, Any], method: str, path: str
) -> list[Problem]:
    subject = f"{method} {path}"
    base = pointer("paths", path, method.lower())
    operation = value_at(document, base)
    operation = operation if isinstance(operation, Mapping) else {}
    detail = message.first_detail_line()
    templating = re.search(r"Incorrect path templating for (\S+)", message.body)
    if templating:
        problems = path_parameter_problems(document, templating[1])
        where = pointer("paths", templating[1])
        params = value_at(document, f"{base}/parameters")
        return [Problem(where, text, params) for text in dict.fromkeys(problems)] or [
            Problem(where, f"{subject}: {detail}", params)
        ]
    response = _RESPONSE.search(message.body)
    status = _response_status(message, operation) if response else None
    if response and status is not None:
        # 0.29 prints the status code as an object repr: name it from the document instead
        detail = _REPR.sub(status, detail)
    detail = _REPR.sub("?", detail)
    scope = f"{base}/responses/{status}" if status is not None else base
    if "Could not find reference" in message.body:
        refs = list(_ref_nodes(value_at(document, scope), scope))
        missing = [(where, ref) for where, ref in refs if not _defined(document, ref)]
        lost = "a response of " if response else ""
        if missing:
            names = ", ".join(dict.fromkeys(ref for _, ref in missing))
            return [
                Problem(
                    missing[0][0],
                    f"{lost}{subject} was left out: it refers to {names}, which the document does not define",
                    {"$ref": missing[0][1]},
                )
            ]
        if refs:
            names = ", ".join(dict.fromkeys(ref for _, ref in refs))
            return [
                Problem(
                    refs[0][0],
                    f"{lost}{subject} was left out: it uses {names}, and one of them could not be generated (see that warning)",
                    {"$ref": refs[0][1]},
                )
            ]
    media = _CONTENT_TYPE.search(message.body)
    if media and not response:
        body = operation.get("requestBody")
        where = f"{base}/requestBody"
        if isinstance(body, Mapping) and isinstance(body.get("$ref"), str):
            where = body["$ref"][1:]
        where += "/content/" + escape(media["media"])
        return [
            Problem(
                where,
                f"{subject}: request body media type {media['media']} is not supported by the generator "
                f"and no application/json with the same schema is offered beside it",
                value_at(document, where),
            )
        ]
    if response:
        where = scope
        if media:
            where += "/content"
        return [Problem(where, f"{subject}: {detail}", value_at(document, where))]
    named = _BACKTICKED.search(message.body)
    params = operation.get("parameters")
    if named and isinstance(params, list):
        for index, param in enumerate(params):
            if isinstance(param, Mapping) and param.get("name") == named[1]:
                return [Problem(f"{base}/parameters/{index}", f"{subject}: {detail}", param)]
    if "parameter" in detail.lower() and params is not None:
        return [Problem(f"{base}/parameters", f"{subject}: {detail}", params)]
    if "body" in detail.lower() and "requestBody" in operation:
        return [Problem(f"{base}/requestBody", f"{subject}: {detail}", operation["requestBody"])]
    return [Problem(base, f"{subject}: {detail}" if detail else subject, None)]


def locate(message: GeneratorMessage, document: Mapping[str, Any]) -> list[Problem]:
    """The places in ``document`` a generator message is about, one :class:`Problem` each."""
    endpoint = _ENDPOINT.match(message.header)
    if endpoint:
        return _endpoint_problems(message, document, endpoint["method"], endpoint["path"])
    if message.header.startswith("Failed to parse OpenAPI document"):
        places = _invalid_places(document, message.body)
        if places:
            return places
    detail = _REPR.sub("?", message.first_detail_line())
    dropped = re.match(r"Unable to (?:process|parse) schema (\S+?):?$", message.header)
    if dropped:
        removed = [
            line.strip()
            for line in message.body.splitlines()
            if line.strip().startswith("/components/")
        ]
        also = [r for r in removed if r != dropped[1]]
        tail = f"; also left out: {', '.join(also)}" if also else ""
        where = dropped[1] if dropped[1].startswith("/") else ""
        return [
            Problem(
                where,
                f"schema {dropped[1]} was left out ({detail or 'no detail'}){tail}",
                value_at(document, where) if where else None,
            )
        ]
    subject = message.header.rstrip(":. ")
    return [Problem("", f"{subject}: {detail}" if detail else subject, None)]


def explain(message: GeneratorMessage, document: Mapping[str, Any]) -> str:
    """One line saying, in document terms, what a generator message is about."""
    return "; ".join(problem.line() for problem in locate(message, document))
