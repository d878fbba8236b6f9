"""The OpenAPI document the simulated site serves, where Swashbuckle-based Issuetrak sites do.

``GET /api/v2/swagger/v2/swagger.json`` answers the document the mock follows (the label's
document with its overrides applied), without a token, as Swagger UI endpoints are served. It is
written in the canonical form ``issuetrak regen`` stores in the label's package
(``_document.json``), so its sha256 is the package's ``DOCUMENT_SHA256`` and
``client.check_version()`` recognises the label.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

__all__ = ["DOCUMENT_PATHS", "document_response"]

# relative to the API base, lower case (the site matches paths case-insensitively)
DOCUMENT_PATHS = frozenset({"/swagger/v2/swagger.json"})


def document_response(document: Mapping[str, Any]) -> Response:
    """The document as a 200 response (same bytes as the generated package's _document.json)."""
    body = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return Response(body.encode("utf-8"), media_type="application/json; charset=utf-8")
