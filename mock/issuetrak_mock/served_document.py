"""The OpenAPI document the simulated site serves, and whether the mock can serve it at all.

``GET /api/v2/swagger/v2/swagger.json`` answers the document the mock follows (the label's
document with its overrides applied), without a token, as Swagger UI endpoints are served. It is
written in the canonical form ``issuetrak regen`` stores in the label's package
(``_document.json``), so its sha256 is the package's ``DOCUMENT_SHA256`` and
``client.check_version()`` recognises the label.

The mock simulates an Issuetrak site: its demo data are users who submit issues. A document
without Issuetrak's User and Issue entities (another vendor's API pinned under a label) cannot
be served; :func:`require_servable` says so in one line, before any data is seeded. The mock
(:func:`issuetrak_mock.create_app`) and ``issuetrak contract`` both ask it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from issuetrak import ConfigurationError
from starlette.responses import Response

if TYPE_CHECKING:
    from .site import MockSite

__all__ = ["DOCUMENT_PATHS", "REQUIRED_ENTITIES", "document_response", "require_servable"]

# relative to the API base, lower case (the site matches paths case-insensitively)
DOCUMENT_PATHS = frozenset({"/swagger/v2/swagger.json"})

# what the seeded site cannot do without: store stem -> (schema, the operations that serve it)
REQUIRED_ENTITIES = {
    "user": ("User", "GET /Users/{iid}"),
    "issue": ("Issue", "GET /Issues/{iid}"),
}


def document_response(document: Mapping[str, Any]) -> Response:
    """The document as a 200 response (same bytes as the generated package's _document.json)."""
    body = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return Response(body.encode("utf-8"), media_type="application/json; charset=utf-8")


def missing_entities(site: MockSite) -> list[str]:
    """The required Issuetrak entities ``site``'s document has no operations for, as
    ``"User (GET /Users/{iid})"``; empty when the mock can serve it."""
    return [
        f"{schema} ({operation})"
        for stem, (schema, operation) in REQUIRED_ENTITIES.items()
        if site.find_store(stem) is None
    ]


def require_servable(document: Mapping[str, Any], *, site: MockSite | None = None) -> None:
    """Raise :class:`~issuetrak.ConfigurationError` (one line) unless the mock can serve
    ``document``: it must be an Issuetrak API v2 document with the User and Issue entities.

    ``site``: the :class:`MockSite` already built on ``document``, to avoid building another.
    """
    if site is None:
        from .site import MockSite

        site = MockSite(document)
    missing = missing_entities(site)
    if not missing:
        return
    info = document.get("info")
    title = info.get("title") if isinstance(info, Mapping) else None
    named = f"{title!r}" if isinstance(title, str) and title.strip() else "this document"
    raise ConfigurationError(
        f"the mock cannot serve {named}: it lacks the Issuetrak entities the simulated site "
        f"needs: {', '.join(missing)}; the mock simulates Issuetrak API v2 sites only"
    )
