"""Telling a route the site lacks from a record it cannot find.

Issuetrak (ASP.NET) answers a record it cannot find with a 404 whose body is an ApiResponse, and a
route it does not have with an empty 404 (or a 405 when only the method is unknown).
:func:`status_error` turns the latter into :class:`OperationNotAvailableError`, which names the
operation of the client's version and, once ``check_version()`` ran, what the site's document
says (see :mod:`issuetrak._site_version`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

import httpx

from ._exceptions import APIStatusError
from ._site_version import VersionCheck
from ._versions import Version, version_of_package
from .conventions.documents import HTTP_METHODS
from .errors import OperationNotAvailableError

__all__ = ["OperationNotAvailableError", "documented_operation", "status_error"]


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
        methods = frozenset(m.upper() for m in item if m in HTTP_METHODS)
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
