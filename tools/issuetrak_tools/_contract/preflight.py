"""Before anything else: can the site be reached, and does it accept the token?

A contract run against a wrong URL or an expired token would otherwise report hundreds of
"deviations" that are really one setup problem. :func:`preflight` sends ``GET /Authenticate/test``
(a read every Issuetrak v2 site serves) through the run's own client and turns what it finds
into a :class:`PreflightError` with an actionable message; CI gets a distinct exit code for it.
"""

from __future__ import annotations

import httpx
from issuetrak._exceptions import APIConnectionError, APITimeoutError
from issuetrak_tools._contract.report import trace_id_of

__all__ = [
    "EXIT_CLEAN",
    "EXIT_FAILURES",
    "EXIT_UNREACHABLE",
    "EXIT_USAGE",
    "PreflightError",
    "preflight",
]

EXIT_CLEAN = 0
EXIT_FAILURES = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_INTERNAL = 4

PREFLIGHT_MARKER = "preflight-failed.txt"  # written to the report folder when the preflight fails
PROBE_PATH = "/Authenticate/test"
# the document declares no security on /Authenticate/test, so the token is proven on a plain read;
# 403 (token fine, user lacks the permission) passes, 401 does not
TOKEN_PROBE_PATH = "/Users"


class PreflightError(Exception):
    """The site could not be reached or did not accept the token."""


def preflight(client: httpx.Client, base_url: str, token_header: str) -> None:
    """Raise :class:`PreflightError` unless ``GET {base_url}/Authenticate/test`` answers 2xx."""
    url = base_url.rstrip("/") + PROBE_PATH
    try:
        response = client.get(url, headers={"X-Api-Key": token_header})
    except (httpx.TimeoutException, APITimeoutError) as exc:
        raise PreflightError(f"cannot reach {base_url}: timed out ({exc})") from exc
    except (httpx.TransportError, APIConnectionError) as exc:
        raise PreflightError(f"cannot reach {base_url}: {exc}") from exc
    if response.status_code == 401:
        raise PreflightError(
            f"{base_url} refused the token (401): it is missing, expired or revoked"
        )
    if response.status_code == 403:
        raise PreflightError(
            f"{base_url} accepted the token but its user may not use the API (403)"
        )
    if response.status_code == 404:
        raise PreflightError(
            f"{url} answered 404: is this an Issuetrak site with API v2 (check the URL)?"
        )
    if not 200 <= response.status_code < 300:
        trace = trace_id_of(response.content)
        raise PreflightError(
            f"{url} answered {response.status_code}{f' (trace {trace})' if trace else ''}; the site is not usable now"
        )
    probe = base_url.rstrip("/") + TOKEN_PROBE_PATH
    try:
        answer = client.get(
            probe, headers={"X-Api-Key": token_header}, params={"PageNumber": 1, "PageSize": 1}
        )
    except (httpx.TransportError, APIConnectionError) as exc:
        raise PreflightError(f"cannot reach {base_url}: {exc}") from exc
    if answer.status_code == 401:
        raise PreflightError(
            f"{base_url} refused the token (401 on GET {TOKEN_PROBE_PATH}): it is missing, expired or revoked"
        )
