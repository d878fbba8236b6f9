"""The media types regen hands the generator: ``application/json`` where the document offers it.

ASP.NET Core (Swashbuckle) lists every JSON-ish formatter an action accepts or produces, so a body
typically comes as ``application/json``, ``text/json`` and ``application/*+json``, and a response
as ``text/plain``, ``application/json`` and ``text/json``, all with the same schema.
openapi-python-client 0.29 warns about ``text/json`` and skips it, sends the literal
``Content-Type: application/*+json`` for the wildcard alternative, and reads a response whose
first media type is ``text/plain`` as text (``Model.from_dict(response.text)``, which fails at run
time). :func:`prefer_json` gives the generator a copy of the document in which such alternatives
are gone wherever an ``application/json`` representation with the same schema exists, and
``application/json`` comes first, so the client sends and reads JSON. The document itself (the one
the package records, the mock serves and the contract checks) keeps every media type.

An alternative with a *different* schema is kept: the generator then reports it, and regen
names it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from issuetrak.conventions import pointer
from issuetrak_tools.spec import HTTP_METHODS

__all__ = ["JSON", "JSON_ALTERNATIVES", "MediaTypeNotes", "pointer", "prefer_json"]

JSON = "application/json"
# what Swashbuckle lists beside application/json for the same schema
JSON_ALTERNATIVES = ("text/json", "application/*+json", "text/plain")


@dataclass
class MediaTypeNotes:
    """What :func:`prefer_json` changed, by JSON pointer of the ``content`` objects."""

    requests: list[str] = field(default_factory=list)
    responses: list[str] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)  # media type -> how often

    def summary(self) -> str:
        """One line for regen's report, or "" when nothing changed."""
        if not self.requests and not self.responses:
            return ""
        kinds = ", ".join(f"{media} ({count})" for media, count in sorted(self.dropped.items()))
        return (
            f"{len(self.requests)} request bodies and {len(self.responses)} responses also offer "
            f"{kinds} with the same schema as {JSON}; the client sends and reads {JSON}"
        )


def _contents(document: Mapping[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """("request"|"response", pointer, content object) for every body the document describes."""
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, Mapping):
            continue
        for method, operation in item.items():
            if method not in HTTP_METHODS or not isinstance(operation, Mapping):
                continue
            body = operation.get("requestBody")
            if isinstance(body, Mapping) and isinstance(body.get("content"), dict):
                yield (
                    "request",
                    pointer("paths", path, method, "requestBody", "content"),
                    body["content"],
                )
            for status, response in (operation.get("responses") or {}).items():
                if isinstance(response, Mapping) and isinstance(response.get("content"), dict):
                    yield (
                        "response",
                        pointer("paths", path, method, "responses", str(status), "content"),
                        response["content"],
                    )
    components = document.get("components") or {}
    for kind, key in (("request", "requestBodies"), ("response", "responses")):
        for name, node in (components.get(key) or {}).items():
            if isinstance(node, Mapping) and isinstance(node.get("content"), dict):
                yield kind, pointer("components", key, name, "content"), node["content"]


def prefer_json(document: Mapping[str, Any]) -> tuple[dict[str, Any], MediaTypeNotes]:
    """A copy of ``document`` with same-schema JSON alternatives removed, and what was removed."""
    result: dict[str, Any] = copy.deepcopy(dict(document))
    notes = MediaTypeNotes()
    for kind, where, content in _contents(result):
        json_media = content.get(JSON)
        if not isinstance(json_media, Mapping):
            continue
        dropped = [
            media
            for media in JSON_ALTERNATIVES
            if isinstance(content.get(media), Mapping)
            and content[media].get("schema") == json_media.get("schema")
        ]
        first = next(iter(content))
        if not dropped and first == JSON:
            continue
        kept = {JSON: json_media}
        kept.update((m, v) for m, v in content.items() if m != JSON and m not in dropped)
        content.clear()
        content.update(kept)
        if dropped:
            (notes.requests if kind == "request" else notes.responses).append(where)
            for media in dropped:
                notes.dropped[media] = notes.dropped.get(media, 0) + 1
    return result, notes
