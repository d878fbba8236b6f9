"""A read-only crawl of a live site, validated strictly against the pinned document.

What is sent: ``GET`` on every operation without path parameters (lists, definitions, settings),
``POST .../Search`` with a paging-only body, both with small pages, and ``GET`` of one item for
each list that returned one (``/Causes`` -> ``/Causes/{iid}``). Nothing else: every request
passes :func:`ensure_read_only` first, which raises :class:`WriteRefused` for anything that could
change the site. Requests go through the overlay client, so its rate limiter keeps the crawl within
the site's limits and its retries ride out 429s.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
from issuetrak.conventions import escape as _escape
from issuetrak.errors import APIConnectionError, APIStatusError, AuthenticationError

from .refs import resolve_pointer
from .strict import UNDOCUMENTED_STATUS, Finding, StrictValidator

__all__ = [
    "CrawlResult",
    "DriftAborted",
    "Exchange",
    "Requester",
    "Target",
    "WriteRefused",
    "crawl",
    "ensure_read_only",
    "plan_targets",
    "validate_exchanges",
]

_PATH_PARAM = re.compile(r"\{([^}/]+)\}")
_PAGE_NUMBER = ("pagenumber",)
_PAGE_SIZE = ("pagesize",)


class WriteRefused(RuntimeError):
    """The crawl was about to send something other than GET or POST .../Search."""


class DriftAborted(RuntimeError):
    """The crawl cannot go on (the token was refused, the site is unreachable)."""


def ensure_read_only(method: str, path: str) -> None:
    """Raise :class:`WriteRefused` unless the request is a GET or a POST to a ``/Search`` endpoint."""
    verb = method.upper()
    if verb == "GET":
        return
    if verb == "POST" and path.split("?", 1)[0].rstrip("/").lower().endswith("/search"):
        return
    raise WriteRefused(
        f"drift only reads: refusing to send {verb} {path} (allowed: GET, POST .../Search)"
    )


class Requester(Protocol):
    """What the crawl needs from a client: :meth:`issuetrak.Issuetrak.request`."""

    def request(
        self, method: str, path: str, *, params: Any = ..., json: Any = ...
    ) -> httpx.Response: ...


@dataclass(frozen=True)
class Target:
    """One operation the crawl calls."""

    method: str
    path: str  # as in the document, e.g. /Causes/{iid}
    kind: str  # list, search or item

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class Exchange:
    """One request of the crawl and what came back."""

    target: Target
    url_path: str
    status: int
    body: Any
    page: int = 1


@dataclass
class CrawlResult:
    exchanges: list[Exchange] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (operation, why)
    stopped: str = ""  # why the crawl ended early, if it did


def _parameters(
    operation: Mapping[str, Any], document: Mapping[str, Any]
) -> list[Mapping[str, Any]]:
    result = []
    for raw in operation.get("parameters") or ():
        param = (
            resolve_pointer(document, raw["$ref"])
            if isinstance(raw, Mapping) and "$ref" in raw
            else raw
        )
        if isinstance(param, Mapping):
            result.append(param)
    return result


def plan_targets(
    document: Mapping[str, Any],
) -> tuple[list[Target], list[Target], list[tuple[str, str]]]:
    """(lists and searches, item reads, skipped operations with the reason) for ``document``."""
    first: list[Target] = []
    items: list[Target] = []
    skipped: list[tuple[str, str]] = []
    for path, entry in (document.get("paths") or {}).items():
        for method, operation in entry.items():
            if not isinstance(operation, Mapping) or method == "parameters":
                continue
            label = f"{method.upper()} {path}"
            params = _parameters(operation, document)
            path_params = _PATH_PARAM.findall(path)
            required = [
                str(p.get("name"))
                for p in params
                if p.get("required")
                and p.get("in") != "path"
                and str(p.get("name", "")).lower() not in _PAGE_NUMBER + _PAGE_SIZE
            ]
            if method == "get" and not path_params and not required:
                first.append(Target("GET", path, "list"))
            elif method == "post" and path.lower().endswith("/search") and not path_params:
                first.append(Target("POST", path, "search"))
            elif method == "get" and len(path_params) == 1 and path.endswith("}") and not required:
                items.append(Target("GET", path, "item"))
            elif method in ("get",) or path.lower().endswith("/search"):
                why = (
                    f"needs {', '.join(required)}"
                    if required
                    else "needs path parameters the crawl cannot know"
                )
                skipped.append((label, why))
            else:
                skipped.append((label, "would change the site"))
    return first, items, skipped


def _paging_names(target: Target, document: Mapping[str, Any]) -> tuple[str | None, str | None]:
    operation = document["paths"][target.path][target.method.lower()]
    if target.kind == "search":
        body = operation.get("requestBody") or {}
        media = (body.get("content") or {}).get("application/json") or {}
        schema = media.get("schema") or {}
        if "$ref" in schema:
            schema = resolve_pointer(document, schema["$ref"]) or {}
        names = list((schema.get("properties") or {}).keys())
    else:
        names = [
            str(p.get("name")) for p in _parameters(operation, document) if p.get("in") == "query"
        ]
    number = next((n for n in names if n.lower() in _PAGE_NUMBER), None)
    size = next((n for n in names if n.lower() in _PAGE_SIZE), None)
    return number, size


def _send(
    client: Requester, target: Target, url_path: str, page: int, params: Any, body: Any
) -> Exchange:
    ensure_read_only(target.method, url_path)
    try:
        if target.method == "GET":
            response = client.request("GET", url_path, params=params)
        else:
            response = client.request("POST", url_path, json=body)
    except AuthenticationError as exc:
        raise DriftAborted(
            f"the site refused the token (401 on {target.method} {url_path}); check --token"
        ) from exc
    except APIStatusError as exc:
        return Exchange(target, url_path, exc.status_code, exc.body, page)
    try:
        payload = response.json() if response.content else None
    except ValueError:
        payload = response.text
    return Exchange(target, url_path, response.status_code, payload, page)


def _page_count(body: Any) -> int:
    paging = body.get("pagingInformation") if isinstance(body, Mapping) else None
    count = paging.get("pageCount") if isinstance(paging, Mapping) else None
    return count if isinstance(count, int) else 1


class _Stop(Exception):
    """Internal: the site stopped answering; end the crawl and keep what was seen."""


def crawl(
    client: Requester,
    document: Mapping[str, Any],
    *,
    max_pages: int = 1,
    page_size: int = 5,
    progress: Callable[[Exchange], None] | None = None,
) -> CrawlResult:
    """Call every readable operation of ``document`` on the site behind ``client``.

    ``progress`` is called after each response. If the site stops answering (connection errors,
    timeouts, a rate-limit wait longer than the client's deadline) the crawl ends early and the
    result says why in ``stopped``; what was seen until then is kept. A refused token raises
    :class:`DriftAborted`: nothing useful can be seen then.
    """
    if max_pages < 1 or not 1 <= page_size <= 100:
        raise ValueError(
            f"max_pages must be >= 1 and page_size 1..100 (got {max_pages}, {page_size})"
        )
    first, items, skipped = plan_targets(document)
    result = CrawlResult(skipped=list(skipped))
    first_values: dict[str, Mapping[str, Any]] = {}

    def send(target: Target, url_path: str, page: int, params: Any, body: Any) -> Exchange:
        try:
            exchange = _send(client, target, url_path, page, params, body)
        except APIConnectionError as exc:
            result.stopped = f"{target.method} {url_path}: {exc}"
            raise _Stop from exc
        result.exchanges.append(exchange)
        if progress is not None:
            progress(exchange)
        return exchange

    try:
        for target in first:
            number, size = _paging_names(target, document)
            for page in range(1, max_pages + 1):
                paging = {k: v for k, v in ((number, page), (size, page_size)) if k is not None}
                if target.kind == "search":
                    exchange = send(target, target.path, page, None, paging)
                else:
                    exchange = send(target, target.path, page, paging or None, None)
                values = exchange.body.get("values") if isinstance(exchange.body, Mapping) else None
                if isinstance(values, list) and values and isinstance(values[0], Mapping):
                    # /Issues/Search feeds /Issues/{iid} as /Causes feeds /Causes/{iid}
                    collection = (
                        target.path[: -len("/Search")] if target.kind == "search" else target.path
                    )
                    first_values.setdefault(collection.lower(), values[0])
                if (
                    number is None
                    or page >= _page_count(exchange.body)
                    or not 200 <= exchange.status < 300
                ):
                    break
        for target in items:
            parent = target.path.rsplit("/", 1)[0].lower()
            record = first_values.get(parent)
            name = _PATH_PARAM.findall(target.path)[0]
            key = next(
                (
                    k
                    for k in (name, "iid", "id")
                    if record is not None and record.get(k) is not None
                ),
                None,
            )
            if record is None or key is None:
                result.skipped.append((target.label, "no item from its list to read"))
                continue
            send(target, target.path.replace("{" + name + "}", str(record[key])), 1, None, None)
    except _Stop:
        called = {e.target.label for e in result.exchanges}
        result.skipped += [
            (t.label, "not reached: the crawl stopped early")
            for t in first + items
            if t.label not in called
        ]
    return result


def _response_schema_pointer(
    document: Mapping[str, Any], target: Target, status: int
) -> tuple[bool, str | None]:
    """(is the status declared, pointer of its JSON schema if it has one)."""
    base = f"/paths/{_escape(target.path)}/{target.method.lower()}/responses"
    responses = resolve_pointer(document, "#" + base)
    if not isinstance(responses, Mapping):
        return False, None
    code = str(status)
    key = next(
        (k for k in (code, f"{code[0]}XX", f"{code[0]}xx", "default") if k in responses), None
    )
    if key is None:
        return False, None
    pointer = f"{base}/{_escape(key)}"
    node = responses[key]
    if isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        pointer = node["$ref"][1:]
        node = resolve_pointer(document, node["$ref"])
    content = node.get("content") if isinstance(node, Mapping) else None
    if not isinstance(content, Mapping):
        return True, None
    media = next((m for m in content if m == "application/json"), None) or next(
        (m for m in content if "json" in m), None
    )
    if media is None or not isinstance(content[media], Mapping) or "schema" not in content[media]:
        return True, None
    return True, f"{pointer}/content/{_escape(media)}/schema"


def validate_exchanges(document: Mapping[str, Any], exchanges: list[Exchange]) -> list[Finding]:
    """Strict findings for everything the crawl saw, most frequent first."""
    validator = StrictValidator(document)
    for exchange in exchanges:
        declared, pointer = _response_schema_pointer(document, exchange.target, exchange.status)
        label = exchange.target.label
        if not declared:
            responses = (
                f"/paths/{_escape(exchange.target.path)}/{exchange.target.method.lower()}/responses"
            )
            validator.record(
                UNDOCUMENTED_STATUS,
                responses,
                f"{label} {exchange.status}",
                str(exchange.status),
                label,
                exchange.body,
                "",
            )
        elif pointer is not None and exchange.body is not None:
            validator.validate(exchange.body, pointer, f"{label} {exchange.status}", label)
    return sorted(validator.findings.values(), key=lambda f: (f.kind, f.location, repr(f.value)))


def iter_statuses(exchanges: list[Exchange]) -> Iterator[tuple[str, int, int]]:
    """(operation, status, how many times) over the crawl."""
    counts: dict[tuple[str, int], int] = {}
    for e in exchanges:
        counts[(e.target.label, e.status)] = counts.get((e.target.label, e.status), 0) + 1
    for (label, status), count in sorted(counts.items()):
        yield label, status, count
