"""Does the site run the Issuetrak version the client was generated for?

A client is bound to one pinned document (``Issuetrak(..., version="<label>")``); a self-hosted
site may run another release. :meth:`SyncCompat.check_version` reads the document the site serves
(the Swashbuckle locations under the API base) and compares it with the client's pin: the sha256
first, then the operations (added, missing, and changed in what a call sends: parameters, request
body, success statuses). The result, a :class:`VersionCheck`, also names the installed labels
whose pin *is* the site's document, so the fix is one keyword away.

A call to an operation the site does not have is told apart from a missing record: Issuetrak
(ASP.NET) answers a record it cannot find with a 404 whose body is an ApiResponse, and a route it
does not have with an empty 404 (or a 405 when only the method is unknown).
:func:`status_error` turns the latter into :class:`OperationNotAvailableError`, which names the
operation of the client's version and, once ``check_version()`` ran, what the site's document says.

Example::

    check = client.check_version()
    if not check.matches:
        print(check)            # what differs, and which installed label is the site's
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from ._exceptions import APIConnectionError, APIStatusError
from ._versions import UnknownVersionError, Version, labels, resolve, version_of_package
from .errors import OperationNotAvailableError

if TYPE_CHECKING:
    from ._client import AsyncIssuetrak, Issuetrak

__all__ = [
    "DOCUMENT_LOCATIONS",
    "AsyncCompat",
    "OperationNotAvailableError",
    "SyncCompat",
    "VersionCheck",
    "build_check",
    "compare_documents",
    "documented_operation",
    "status_error",
]

# Where Swashbuckle-based Issuetrak sites serve their document, relative to the API base (/api/v2).
DOCUMENT_LOCATIONS = (
    "/swagger/v2/swagger.json",
    "/swagger/v1/swagger.json",
    "/swagger.json",
    "/openapi.json",
)
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_SHOWN = 10  # operations listed per kind in the message


@dataclass(frozen=True)
class VersionCheck:
    """What :meth:`SyncCompat.check_version` found.

    Attributes:
        label: the client's version (pinned label).
        pinned_sha256: the sha256 of the document the client was generated from.
        site_sha256: the sha256 of the document the site served; ``None`` if it served none.
        document_url: where the site served it.
        missing_at_site: operations (``"GET /Causes/{iid}"``) the client has and the site lacks.
        new_at_site: operations the site has and the client lacks.
        changed: operations both have whose parameters, body or success statuses differ.
        matching_labels: installed labels generated from exactly the site's document.
        problem: why the site's document could not be read (then nothing else is known).
    """

    label: str
    pinned_sha256: str
    site_sha256: str | None = None
    document_url: str | None = None
    missing_at_site: tuple[str, ...] = ()
    new_at_site: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    matching_labels: tuple[str, ...] = ()
    problem: str = ""

    @property
    def known(self) -> bool:
        """Whether the site's document was read at all."""
        return self.site_sha256 is not None

    @property
    def matches(self) -> bool:
        """The site serves byte for byte the document the client was generated from (the
        vendor's, or the patched one the mock serves)."""
        return self.label in self.matching_labels

    @property
    def same_operations(self) -> bool:
        """The site has the client's operations, each taking what the client sends (schemas
        may still differ: see ``matching_labels`` and ``issuetrak spec-diff``)."""
        return self.known and not (self.missing_at_site or self.new_at_site or self.changed)

    def lacks(self, operation: str) -> bool:
        """Whether the site's document lacks ``operation`` (``"GET /Causes/{iid}"``)."""
        return operation in self.missing_at_site

    def __str__(self) -> str:
        if not self.known:
            return f"could not compare the site with {self.label!r}: {self.problem}"
        head = (
            f"the site's document (sha256 {(self.site_sha256 or '')[:12]}..., {self.document_url})"
        )
        if self.matches:
            return f"{head} is the one {self.label!r} was generated from"
        lines = [
            f"{head} is not the one {self.label!r} was generated from ({self.pinned_sha256[:12]}...)"
        ]
        for title, items in (
            ("operations the site lacks", self.missing_at_site),
            ("operations only the site has", self.new_at_site),
            ("operations that differ", self.changed),
        ):
            if items:
                more = f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else ""
                lines.append(f"  {title} ({len(items)}): {', '.join(items[:_SHOWN])}{more}")
        if not (self.missing_at_site or self.new_at_site or self.changed):
            lines.append(
                "  its operations are the client's (the difference is in schemas or prose)"
            )
        others = [label for label in self.matching_labels if label != self.label]
        if others:
            lines.append(
                f"  installed and generated from the site's document: {', '.join(others)} "
                f"(Issuetrak(..., version={others[0]!r}))"
            )
        else:
            lines.append(
                "  no installed version was generated from it: pin it with "
                "`issuetrak fetch-spec --site <site> --label <label>` and `issuetrak regen --label <label>`"
            )
        return "\n".join(lines)


# --- comparing documents ----------------------------------------------------------------------


def _operations(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    found: dict[str, Mapping[str, Any]] = {}
    paths = document.get("paths")
    for path, item in paths.items() if isinstance(paths, Mapping) else ():
        if not isinstance(item, Mapping):
            continue
        for method in _METHODS:
            operation = item.get(method)
            if isinstance(operation, Mapping):
                shared = item.get("parameters")
                own = operation.get("parameters")
                found[f"{method.upper()} {path}"] = {
                    **operation,
                    "parameters": [
                        *(shared if isinstance(shared, list) else ()),
                        *(own if isinstance(own, list) else ()),
                    ],
                }
    return found


def _resolve(document: Mapping[str, Any], node: Any) -> Any:
    ref = node.get("$ref") if isinstance(node, Mapping) else None
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            target = target.get(part) if isinstance(target, Mapping) else None
        return target if target is not None else node
    return node


def _shape(document: Mapping[str, Any], operation: Mapping[str, Any]) -> dict[str, Any]:
    """What a call of ``operation`` depends on: parameters, body, success statuses."""
    parameters = {}
    for raw in operation.get("parameters") or ():
        param = _resolve(document, raw)
        if isinstance(param, Mapping):
            key = f"{param.get('in')} parameter {param.get('name')!r}"
            parameters[key] = bool(param.get("required")) or param.get("in") == "path"
    body = _resolve(document, operation.get("requestBody"))
    responses = operation.get("responses")
    if not isinstance(responses, Mapping):
        responses = {}
    return {
        "parameters": parameters,
        "body": None if not isinstance(body, Mapping) else bool(body.get("required")),
        "success": sorted(str(s) for s in responses if str(s).startswith("2")),
    }


def _differences(name: str, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for key in sorted(set(after["parameters"]) - set(before["parameters"])):
        out.append(f"{name}: {key} added" + (" (required)" if after["parameters"][key] else ""))
    for key in sorted(set(before["parameters"]) - set(after["parameters"])):
        out.append(f"{name}: {key} removed")
    for key in sorted(set(before["parameters"]) & set(after["parameters"])):
        if before["parameters"][key] != after["parameters"][key]:
            now = "required" if after["parameters"][key] else "optional"
            out.append(f"{name}: {key} is now {now}")
    if before["body"] != after["body"]:
        shown = {None: "no body", True: "a required body", False: "an optional body"}
        out.append(f"{name}: takes {shown[after['body']]} (was {shown[before['body']]})")
    if before["success"] != after["success"]:
        out.append(
            f"{name}: answers {', '.join(after['success']) or 'no 2xx'} "
            f"(was {', '.join(before['success']) or 'no 2xx'})"
        )
    return out


def compare_documents(
    pinned: Mapping[str, Any], site: Mapping[str, Any]
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(missing at the site, new at the site, changed) operations of ``site`` against ``pinned``.

    Overrides (a pin's corrections) add error responses and fix schemas; they do not change what
    this compares, so a patched pin and the raw document the site serves compare equal.
    """
    ours, theirs = _operations(pinned), _operations(site)
    changed: list[str] = []
    for name in sorted(set(ours) & set(theirs)):
        changed += _differences(name, _shape(pinned, ours[name]), _shape(site, theirs[name]))
    return (
        tuple(sorted(set(ours) - set(theirs))),
        tuple(sorted(set(theirs) - set(ours))),
        tuple(changed),
    )


def _matching_labels(sha256: str) -> tuple[str, ...]:
    found = []
    for label in labels():
        try:
            version = resolve(label)
        except UnknownVersionError:
            continue
        if sha256 in (version.sha256, version.document_sha256):
            found.append(label)
    return tuple(found)


def build_check(version: Version, body: bytes, url: str) -> VersionCheck:
    """The :class:`VersionCheck` of ``version`` against a document the site served as ``body``."""
    sha256 = hashlib.sha256(body).hexdigest()
    try:
        site = json.loads(body)
    except ValueError:
        return VersionCheck(version.label, version.sha256, problem=f"{url} did not answer JSON")
    if not isinstance(site, Mapping) or "paths" not in site:
        return VersionCheck(
            version.label, version.sha256, problem=f"{url} is not an OpenAPI document"
        )
    matching = _matching_labels(sha256)
    if version.label in matching:
        missing: tuple[str, ...] = ()
        new: tuple[str, ...] = ()
        changed: tuple[str, ...] = ()
    else:
        missing, new, changed = compare_documents(version.document(), site)
    return VersionCheck(version.label, version.sha256, sha256, url, missing, new, changed, matching)


# --- the client side --------------------------------------------------------------------------


def _not_served(version: Version, tried: Iterable[str]) -> VersionCheck:
    return VersionCheck(
        version.label,
        version.sha256,
        problem=f"the site serves no OpenAPI document at {', '.join(tried)} (relative to the API "
        "base); compare it by hand with `issuetrak spec-diff <label> <file>`",
    )


class SyncCompat:
    """Mixin of :class:`~issuetrak.Issuetrak`: ``check_version()``."""

    _version: Version
    _version_check: VersionCheck | None = None

    def check_version(self) -> VersionCheck:
        """Compare the document the site serves with the client's pin (sha256, operations).

        Sends one GET per location tried (the first answer wins). The result is kept, so a later
        :class:`OperationNotAvailableError` can say what the site's document lacks.
        """
        client: Issuetrak = self  # type: ignore[assignment]
        for location in DOCUMENT_LOCATIONS:
            try:
                response = client.request("GET", location, max_retries=1)
            except (APIStatusError, APIConnectionError):
                continue
            check = _keep_if_known(self, response)
            if check is not None:
                return check
        return _keep_not_served(self)


class AsyncCompat:
    """Mixin of :class:`~issuetrak.AsyncIssuetrak`: ``await check_version()``."""

    _version: Version
    _version_check: VersionCheck | None = None

    async def check_version(self) -> VersionCheck:
        """Async form of :meth:`SyncCompat.check_version`."""
        client: AsyncIssuetrak = self  # type: ignore[assignment]
        for location in DOCUMENT_LOCATIONS:
            try:
                response = await client.request("GET", location, max_retries=1)
            except (APIStatusError, APIConnectionError):
                continue
            check = _keep_if_known(self, response)
            if check is not None:
                return check
        return _keep_not_served(self)


def _keep_if_known(compat: SyncCompat | AsyncCompat, response: Any) -> VersionCheck | None:
    """The check built from one location's answer, kept on the client, if it is a document."""
    check = build_check(compat._version, response.content, str(response.url))
    if not check.known:
        return None
    compat._version_check = check
    return check


def _keep_not_served(compat: SyncCompat | AsyncCompat) -> VersionCheck:
    """No location served a document: that is the check, kept on the client."""
    check = _not_served(compat._version, DOCUMENT_LOCATIONS)
    compat._version_check = check
    return check


# --- telling a missing route from a missing record --------------------------------------------


@functools.cache
def _path_table(package: str) -> tuple[tuple[re.Pattern[str], str, frozenset[str]], ...]:
    """(pattern, templated path, methods) of every path of a version's document."""
    document = version_of_package(package).document()
    table = []
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, Mapping):
            continue
        pattern = re.escape(path)
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
        methods = frozenset(m.upper() for m in item if m in _METHODS)
        table.append((re.compile(f"^{pattern}$", re.IGNORECASE), path, methods))
    # literal segments before templated ones, as ASP.NET routes them
    table.sort(key=lambda row: row[1].count("{"))
    return tuple(table)


def documented_operation(version: Version, method: str, path: str) -> str | None:
    """``"GET /Causes/{iid}"`` when ``version``'s document has an operation for the call."""
    for pattern, templated, methods in _path_table(version.package):
        if pattern.match(path) and method.upper() in methods:
            return f"{method.upper()} {templated}"
    return None


def _is_missing_route(response: httpx.Response) -> bool:
    if response.status_code == 405:
        return True
    return response.status_code == 404 and not response.content.strip()


def status_error(client: Any, response: httpx.Response, error: APIStatusError) -> APIStatusError:
    """``error``, or an :class:`OperationNotAvailableError` when the site lacks the route."""
    if not _is_missing_route(response):
        return error
    version: Version = client._version
    check: VersionCheck | None = getattr(client, "_version_check", None)
    operation = documented_operation(version, error.method, error.path)
    if operation is None:
        explanation = (
            f"the site has no such route, and Issuetrak version {version.label!r} (the client's) "
            "does not document it either"
        )
    else:
        explanation = (
            f"the site has no such operation, yet Issuetrak version {version.label!r} (the "
            f"client's) documents {operation}; the site likely runs another Issuetrak version"
        )
        if check is not None and check.known and check.lacks(operation):
            explanation += (
                f": its document (sha256 {(check.site_sha256 or '')[:12]}...) lacks {operation}"
            )
            others = [label for label in check.matching_labels if label != version.label]
            if others:
                explanation += (
                    f"; it is the one of {others[0]!r} (Issuetrak(..., version={others[0]!r}))"
                )
        elif check is None or not check.known:
            explanation += " (client.check_version() compares the site's document with the pin)"
    return OperationNotAvailableError(
        operation=operation,
        version=version.label,
        check=check,
        explanation=explanation,
        status_code=error.status_code,
        method=error.method,
        url=error.url,
        path=error.path,
        trace_id=error.trace_id,
        messages=error.messages,
        body=error.body,
        attempts=error.attempts,
        headers=error.headers,
        request_headers=error.request_headers,
        request_id=error.request_id,
    )
