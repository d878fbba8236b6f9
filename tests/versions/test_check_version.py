"""``client.check_version()`` and the error for an operation the site does not have."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from issuetrak import AsyncIssuetrak, Issuetrak, VersionCheck
from issuetrak._versions import default_version
from issuetrak.errors import NotFoundError, OperationNotAvailableError
from issuetrak_tools.spec import load_document, locate_document

SITE = "https://site.example"
DOCUMENT = "/api/v2/swagger/v2/swagger.json"


def site(document: bytes | None, record_404: bool = True) -> tuple[httpx.MockTransport, list[str]]:
    """A site serving ``document`` (or none), an ApiResponse 404 for /Causes/999 and empty
    404/405 answers for routes it does not have."""
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        if request.url.path == DOCUMENT and document is not None:
            return httpx.Response(
                200, content=document, headers={"content-type": "application/json"}
            )
        if request.url.path == "/api/v2/Causes/999" and request.method == "GET" and record_404:
            body = {"traceId": "0H:1", "information": [{"type": "NotFound", "message": "no"}]}
            return httpx.Response(404, json=body)
        if request.url.path == "/api/v2/Causes/1" and request.method == "PUT":
            return httpx.Response(405, headers={"allow": "GET"})
        return httpx.Response(404)

    return httpx.MockTransport(handle), seen


def client(transport: httpx.MockTransport) -> Issuetrak:
    return Issuetrak(SITE, "t", transport=transport, rate_limits=None, max_retries=0)


def vendor_bytes() -> bytes:
    return locate_document(default_version().label).read_bytes()


def derived_bytes(edit: Callable[[dict[str, Any]], None]) -> bytes:
    document = copy.deepcopy(load_document(patched=False))
    edit(document)
    return json.dumps(document).encode()


def test_the_vendors_document_matches_the_pin() -> None:
    transport, seen = site(vendor_bytes())
    with client(transport) as c:
        check = c.check_version()
    assert isinstance(check, VersionCheck)
    assert check.matches and check.same_operations
    assert check.site_sha256 == default_version().sha256
    assert check.document_url == SITE + DOCUMENT
    assert "is the one 'cloud-2026.07' was generated from" in str(check)
    assert seen == [f"GET {DOCUMENT}"]


def test_another_document_is_compared_operation_by_operation() -> None:
    def edit(document: dict[str, Any]) -> None:
        del document["paths"]["/Causes/{iid}"]["put"]
        document["paths"]["/Widgets"] = copy.deepcopy(document["paths"]["/Causes"])
        document["paths"]["/Causes"]["get"]["parameters"].append(
            {"name": "Since", "in": "query", "required": True, "schema": {"type": "string"}}
        )
        document["paths"]["/Causes"]["post"]["requestBody"]["required"] = False

    transport, _ = site(derived_bytes(edit))
    with client(transport) as c:
        check = c.check_version()
    assert check.known and not check.matches and not check.same_operations
    assert check.missing_at_site == ("PUT /Causes/{iid}",)
    assert check.new_at_site == ("GET /Widgets", "POST /Widgets")
    assert check.changed == (
        "GET /Causes: query parameter 'Since' added (required)",
        "POST /Causes: takes an optional body (was a required body)",
    )
    assert check.matching_labels == ()
    text = str(check)
    assert "operations the site lacks (1): PUT /Causes/{iid}" in text
    assert "no installed version was generated from it" in text


def test_a_renamed_path_parameter_is_no_change_and_a_path_item_reference_is_followed() -> None:
    def edit(document: dict[str, Any]) -> None:
        item = document["paths"].pop("/Causes/{iid}")
        for operation in item.values():
            for param in operation.get("parameters", []):
                if param.get("name") == "iid":
                    param["name"] = "causeId"
        # the renamed path item is reached through a reference, as OpenAPI 3.1 allows
        document.setdefault("x-path-items", {})["cause"] = item
        document["paths"]["/Causes/{causeId}"] = {"$ref": "#/x-path-items/cause"}

    transport, _ = site(derived_bytes(edit))
    with client(transport) as c:
        check = c.check_version()
    assert not check.matches
    assert check.missing_at_site == () and check.new_at_site == () and check.changed == ()
    assert check.same_operations
    assert "its operations are the client's" in str(check)


def test_a_site_that_hides_its_document_says_where_it_looked() -> None:
    transport, seen = site(None)
    with client(transport) as c:
        check = c.check_version()
    assert not check.known and not check.matches and not check.same_operations
    assert "serves no OpenAPI document at /swagger/v2/swagger.json" in check.problem
    assert len(seen) == 4 and all(s.startswith("GET /api/v2/") for s in seen)
    assert str(check).startswith("could not compare the site with 'cloud-2026.07'")


def test_a_missing_record_stays_a_not_found_and_a_missing_route_says_so() -> None:
    transport, _ = site(None)
    with client(transport) as c:
        with pytest.raises(NotFoundError) as record:
            c.request("GET", "/Causes/999")
        assert type(record.value) is NotFoundError
        with pytest.raises(OperationNotAvailableError) as route:
            c.request("PUT", "/Causes/1", json={"name": "x"})
    error = route.value
    assert isinstance(error, NotFoundError) and error.status_code == 405
    assert error.operation == "PUT /Causes/{iid}" and error.version == "cloud-2026.07"
    assert "documents PUT /Causes/{iid}; the site likely runs another Issuetrak version" in str(
        error
    )
    assert "client.check_version()" in str(error)


def test_after_check_version_the_error_names_what_the_sites_document_lacks() -> None:
    transport, _ = site(derived_bytes(lambda d: d["paths"]["/Causes/{iid}"].pop("put")))
    with client(transport) as c:
        c.check_version()
        with pytest.raises(OperationNotAvailableError) as caught:
            c.causes.update(1, body={"name": "x"})
    assert caught.value.check is not None and caught.value.check.lacks("PUT /Causes/{iid}")
    assert "its document (sha256 " in str(caught.value)
    assert "lacks PUT /Causes/{iid}" in str(caught.value)


def test_a_route_no_version_documents_is_named_as_such() -> None:
    transport, _ = site(None)
    with client(transport) as c, pytest.raises(OperationNotAvailableError) as caught:
        c.request("GET", "/Nothing/Here")
    assert caught.value.operation is None
    assert "does not document it either" in str(caught.value)


def test_the_async_client_checks_too() -> None:
    transport, _ = site(vendor_bytes())

    async def main() -> VersionCheck:
        async with AsyncIssuetrak(SITE, "t", transport=transport, rate_limits=None) as c:
            return await c.check_version()

    assert asyncio.run(main()).matches
