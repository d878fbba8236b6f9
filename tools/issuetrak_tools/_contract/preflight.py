"""Before anything else: can the site be reached, and does it accept the token?

A contract run against a wrong URL or an expired token would otherwise report hundreds of
"deviations" that are really one setup problem. :func:`preflight` sends one secured read
(``GET /Users?PageNumber=1&PageSize=1``) through the run's own client - so it counts against the
request budget and waits for the limiter like everything else - and turns what it finds into a
:class:`PreflightError` with an actionable message; CI gets a distinct exit code for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from issuetrak.errors import APIConnectionError, APITimeoutError
from issuetrak_tools._contract.report import trace_id_of

__all__ = [
    "EXIT_CLEAN",
    "EXIT_FAILURES",
    "EXIT_UNREACHABLE",
    "EXIT_USAGE",
    "PreflightError",
    "preflight",
    "probe_path",
]

EXIT_CLEAN = 0
EXIT_FAILURES = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_INTERNAL = 4

PREFLIGHT_MARKER = "preflight-failed.txt"  # written to the report folder when the preflight fails
# One request proves both that the site is there and that it takes the token: a read the document
# secures (``/Authenticate/test`` declares no security, so it would prove only the former).
TOKEN_PROBE_PATH = "/Users"


class PreflightError(Exception):
    """The site could not be reached or did not accept the token."""


def probe_path(document: Mapping[str, Any] | None) -> str:
    """The secured, parameterless GET the preflight sends (``/Users`` when the document has it)."""
    if document is None:
        return TOKEN_PROBE_PATH
    candidates = []
    for path, item in document.get("paths", {}).items():
        operation = item.get("get") if isinstance(item, Mapping) else None
        if not isinstance(operation, Mapping) or "{" in path:
            continue
        security = operation.get("security", document.get("security", []))
        if any(isinstance(s, Mapping) and s for s in security or []):
            candidates.append(path)
    if TOKEN_PROBE_PATH in candidates or not candidates:
        return TOKEN_PROBE_PATH
    return sorted(candidates)[0]


def preflight(
    client: httpx.Client,
    base_url: str,
    token_header: str,
    document: Mapping[str, Any] | None = None,
) -> None:
    """One request, before anything else: raise :class:`PreflightError` unless the site answers it.

    A 2xx or a 403 (the token works, its user may not read this list) passes.
    """
    path = probe_path(document)
    url = base_url.rstrip("/") + path
    try:
        response = client.get(
            url, headers={"X-Api-Key": token_header}, params={"PageNumber": 1, "PageSize": 1}
        )
    except (httpx.TimeoutException, APITimeoutError) as exc:
        raise PreflightError(f"cannot reach {base_url}: timed out ({exc})") from exc
    except (httpx.TransportError, APIConnectionError) as exc:
        raise PreflightError(f"cannot reach {base_url}: {exc}") from exc
    status = response.status_code
    if 300 <= status < 400:
        location = response.headers.get("location", "(no Location)")
        raise PreflightError(
            f"{url} answered {status} redirecting to {location}; the run follows no redirect "
            "(the token must not travel elsewhere): pass the URL the site really serves as --site"
        )
    if status == 401:
        raise PreflightError(
            f"{base_url} refused the token (401 on GET {path}): it is missing, expired or revoked"
        )
    if status == 404:
        raise PreflightError(
            f"{url} answered 404: is this an Issuetrak site with API v2 (check the URL)?"
        )
    if status == 403 or 200 <= status < 300:
        return
    if status == 429:
        raise PreflightError(
            f"{url} answered 429 even after waiting: the token's rate limit is spent (another client "
            "uses it?); try again later"
        )
    trace = trace_id_of(response.content)
    raise PreflightError(
        f"{url} answered {status}{f' (trace {trace})' if trace else ''}; the site is not usable now"
    )
