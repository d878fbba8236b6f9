"""Point 1: every operation of the document is served, conforming to its response schema."""

from __future__ import annotations

import copy
import re
import urllib.parse
from typing import Any

import httpx
import pytest
from issuetrak_mock.transport import SyncASGITransport
from issuetrak_tools.spec import iter_operations

from .conftest import ResponseChecker, client, document, new_app

SPECIAL_BODIES: dict[str, Any] = {
    "PatchIssue": [{"op": "Replace", "path": "/Subject", "value": "Patched"}],
    "PatchOrganization": [{"op": "Replace", "path": "/Name", "value": "Renamed"}],
    "CloseDuplicateIssues": {"parentIssueNumber": 1, "duplicateIssueNumbers": [2]},
    "AddUserGroupMemberships": [{"groupIid": 2}],
    "RemoveUserGroupMemberships": [{"groupIid": 2}],
    "AddUserOrganizationMemberships": [{"organizationIid": 3}],
    "SetUserOrganizationMemberships": [{"organizationIid": 3, "canViewUsers": True}],
    "RemoveUserOrganizationMemberships": [{"organizationIid": 3}],
    "AddGroupOrganizationMemberships": [{"organizationIid": 3}],
    "SetGroupOrganizationMemberships": [{"organizationIid": 3, "canViewUsers": True}],
    "RemoveGroupOrganizationMemberships": [{"organizationIid": 3}],
}


def _minimal(schema: dict[str, Any], schemas: dict[str, Any], name: str = "") -> Any:
    """The smallest valid body for a request schema, references pointing at IID 1."""
    if "$ref" in schema:
        ref = schema["$ref"].rsplit("/", 1)[-1]
        return _minimal(schemas[ref], schemas, name)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {k: _minimal(props[k], schemas, k) for k in schema.get("required", []) if k in props}
    if kind == "array":
        return []
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    return "Example"


def _operations() -> list[Any]:
    return list(iter_operations(document()))


def test_the_document_has_127_operations_and_the_mock_routes_each_one() -> None:
    app = new_app(issues=5)
    assert len(_operations()) == 127
    assert len(app.state.site.routes.routes) == 127


def test_every_operation_answers_its_documented_status_with_a_conforming_body(checker: Any) -> None:
    app = new_app(issues=10)
    schemas = document()["components"]["schemas"]
    failures = []
    with client(app) as c:
        for op in _operations():
            path = op.path
            for part in path.split("/"):
                if part.startswith("{"):
                    path = path.replace(part, "1")
            kwargs: dict[str, Any] = {}
            content = op.spec.get("requestBody", {}).get("content", {})
            if op.operation_id in SPECIAL_BODIES:
                kwargs["json"] = SPECIAL_BODIES[op.operation_id]
            elif "multipart/form-data" in content:
                kwargs["files"] = {"File": ("notes.txt", b"hello")}
            elif "application/json" in content:
                kwargs["json"] = _minimal(
                    copy.deepcopy(content["application/json"]["schema"]), schemas
                )
            response = c.request(op.method, path, **kwargs)
            declared = next(code for code in ("200", "201") if code in op.spec["responses"])
            problems: list[str] = []
            media = op.spec["responses"][declared].get("content", {}).get("application/json")
            if response.status_code == int(declared) and media:
                problems = checker.errors(
                    media["schema"]["$ref"].rsplit("/", 1)[-1], response.json()
                )
            if response.status_code != int(declared) or problems:
                failures.append(
                    f"{op.method} {op.path}: {response.status_code} {response.text[:200]} {problems}"
                )
    assert failures == []


@pytest.mark.parametrize("path", ["/api/v2/issues/1", "/API/V2/ISSUES/1", "/Api/v2/Issues/1/"])
def test_routes_match_case_insensitively(shared_app: Any, path: str) -> None:
    with httpx.Client(
        transport=SyncASGITransport(shared_app),
        base_url="http://mock",
        headers={"X-Api-Key": shared_app.state.tokens["admin"]},
    ) as c:
        response = c.get(path)
    assert response.status_code == 200
    assert response.json()["values"]["iid"] == 1


def test_unknown_paths_answer_404_and_wrong_methods_405(shared_app: Any) -> None:
    with client(shared_app) as c:
        assert c.get("/Nonexistent").status_code == 404
        assert c.delete("/Causes").status_code == 405


def test_a_method_the_path_lacks_gets_405_naming_the_path_methods_in_allow(
    shared_app: Any,
) -> None:
    with client(shared_app) as c:
        for path, item in document()["paths"].items():
            declared = {m.upper() for m in item if m in ("get", "put", "post", "delete", "patch")}
            url = re.sub(r"\{[^}]+\}", "1", path)
            response = c.request("TRACE", url)
            assert response.status_code == 405, path
            assert set(response.headers["Allow"].split(", ")) == declared, path
            assert response.content == b""


def test_a_literal_path_is_not_taken_for_a_template_parameter(shared_app: Any) -> None:
    with client(shared_app) as c:
        search = c.put("/causes/SEARCH", json={})
        assert (search.status_code, search.headers["Allow"]) == (405, "POST")
        assert c.get("/Causes/Search").headers["Allow"] == "POST"
        assert c.get("/Causes/1").status_code == 200
        assert "Allow" not in c.get("/Nonexistent/Search").headers


def test_a_uri_field_left_out_of_a_create_still_holds_a_uri(fresh_app: Any) -> None:
    with client(fresh_app) as c:
        created = c.post("/Organizations", json={"name": "Acme"})
    assert created.status_code == 201, created.text
    web_address = created.json()["values"]["webAddress"]
    assert urllib.parse.urlsplit(web_address).scheme, web_address


def _widget_document() -> dict[str, Any]:
    """The pinned document plus a Widget entity that follows Issuetrak's conventions."""
    doc = copy.deepcopy(document())
    schemas = doc["components"]["schemas"]

    def ref(name: str) -> dict[str, str]:
        return {"$ref": f"#/components/schemas/{name}"}

    schemas["Widget"] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["iid", "name", "size", "isShiny", "createdDate", "createdByUserIid"],
        "properties": {
            "iid": {"type": "integer", "format": "int32", "readOnly": True},
            "name": {"type": "string", "maxLength": 20},
            "size": {"type": "integer", "format": "int32"},
            "isShiny": {"type": "boolean"},
            "createdDate": {"type": "string", "format": "date-time", "readOnly": True},
            "createdByUserIid": {"type": "integer", "nullable": True, "readOnly": True},
        },
    }
    writable = {
        "name": {"type": "string", "maxLength": 20},
        "size": {"type": "integer", "format": "int32"},
        "isShiny": {"type": "boolean"},
    }
    schemas["CreateWidget"] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["name"],
        "properties": writable,
    }
    schemas["UpdateWidget"] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["name"],
        "properties": writable,
    }
    schemas["WidgetSortOptions"] = {"type": "string", "enum": ["Iid", "Name", "Size"]}
    schemas["WidgetFilter"] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "sortField": ref("WidgetSortOptions"),
            "sortDirection": ref("SortDirection"),
            "pageNumber": {"type": "integer", "nullable": True},
            "pageSize": {"type": "integer", "nullable": True, "minimum": 1, "maximum": 100},
            "name": ref("StringCriteria"),
            "size": ref("IntCriteria"),
            "isShiny": ref("BooleanCriteria"),
        },
    }
    schemas["PagedWidgetResponse"] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["values", "pagingInformation"],
        "properties": {
            "traceId": {"type": "string"},
            "values": {"type": "array", "items": ref("Widget")},
            "pagingInformation": ref("PagingData"),
        },
    }
    schemas["SingleWidgetResponse"] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["traceId", "values"],
        "properties": {"traceId": {"type": "string"}, "values": ref("Widget")},
    }

    def op(
        op_id: str, response: str, status: str = "200", body: str | None = None, iid: bool = False
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "operationId": op_id,
            "responses": {
                status: {
                    "description": "ok",
                    "content": {"application/json": {"schema": ref(response)}},
                },
                "404": {
                    "description": "not found",
                    "content": {"application/json": {"schema": ref("ApiResponse")}},
                },
            },
        }
        if body:
            out["requestBody"] = {"content": {"application/json": {"schema": ref(body)}}}
        if iid:
            out["parameters"] = [
                {"name": "iid", "in": "path", "required": True, "schema": {"type": "integer"}}
            ]
        return out

    listing = op("GetWidgets", "PagedWidgetResponse")
    listing["parameters"] = [
        {"name": "PageNumber", "in": "query", "schema": {"type": "integer"}},
        {"name": "PageSize", "in": "query", "schema": {"type": "integer"}},
        {"name": "SortField", "in": "query", "schema": ref("WidgetSortOptions")},
        {"name": "SortDirection", "in": "query", "schema": ref("SortDirection")},
    ]
    doc["paths"]["/Widgets"] = {
        "get": listing,
        "post": op("CreateWidget", "SingleWidgetResponse", "201", "CreateWidget"),
    }
    doc["paths"]["/Widgets/{iid}"] = {
        "get": op("GetWidget", "SingleWidgetResponse", iid=True),
        "put": op("UpdateWidget", "SingleWidgetResponse", "200", "UpdateWidget", iid=True),
    }
    doc["paths"]["/Widgets/Search"] = {
        "post": op("SearchForWidgets", "PagedWidgetResponse", body="WidgetFilter")
    }
    return doc


def test_a_new_entity_in_a_derived_document_is_served_without_code_changes() -> None:
    doc = _widget_document()
    checker = ResponseChecker(doc)
    app = new_app(document=doc, issues=5)
    with client(app) as c:
        created = c.post("/Widgets", json={"name": "Sprocket", "size": 3, "isShiny": True})
        assert created.status_code == 201, created.text
        widget = created.json()["values"]
        assert checker.errors("SingleWidgetResponse", created.json()) == []
        assert widget["name"] == "Sprocket" and widget["createdDate"] == "2024-03-15T08:30:00"
        c.post("/Widgets", json={"name": "Gear", "size": 9})
        assert c.get(f"/Widgets/{widget['iid']}").json()["values"]["size"] == 3
        updated = c.put(f"/widgets/{widget['iid']}", json={"name": "Sprocket II", "size": 4})
        assert updated.status_code == 200 and updated.json()["values"]["name"] == "Sprocket II"
        listing = c.get("/Widgets", params={"SortField": "Size", "SortDirection": "Desc"}).json()
        assert [w["name"] for w in listing["values"]] == ["Gear", "Sprocket II"]
        assert listing["pagingInformation"] == {"page": 1, "itemTotal": 2, "pageCount": 1}
        found = c.post(
            "/Widgets/Search", json={"name": {"type": "StartsWith", "values": ["spro"]}}
        ).json()
        assert [w["iid"] for w in found["values"]] == [widget["iid"]]
        assert (
            c.post("/Widgets", json={"name": "x" * 21}).json()["information"][0]["type"]
            == "Validation"
        )
        assert c.get("/Widgets/999").status_code == 404
