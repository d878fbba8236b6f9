from __future__ import annotations

from typing import Any

import httpx
import pytest
from issuetrak import Issuetrak
from issuetrak_tools._evolution.drift import crawl
from issuetrak_tools._evolution.drift_report import build_report, report_markdown
from issuetrak_tools._evolution.proposal import infer_schema
from issuetrak_tools._evolution.strict import StrictValidator


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def closed(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = required
    return schema


def things_document() -> dict[str, Any]:
    """A small document of our own, shaped like the generator writes them."""
    ok = {
        "200": {
            "description": "ok",
            "content": {"application/json": {"schema": ref("PagedThings")}},
        }
    }
    return {
        "openapi": "3.0.1",
        "info": {"title": "things", "version": "1"},
        "paths": {
            "/Things": {"get": {"operationId": "GetThings", "responses": ok}},
            "/Things/Search": {
                "post": {
                    "operationId": "SearchThings",
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": closed({"pageSize": {"type": "integer"}})
                            }
                        }
                    },
                    "responses": ok,
                }
            },
            "/Things/{iid}": {
                "put": {"operationId": "UpdateThing", "responses": {"200": {"description": "ok"}}}
            },
        },
        "components": {
            "schemas": {
                "PagedThings": closed({"values": {"type": "array", "items": ref("Thing")}}),
                "Thing": closed(
                    {
                        "id": {"type": "integer", "format": "int32"},
                        "name": {"type": "string"},
                        "owner": ref("Owner"),
                        "count": {"type": "integer", "format": "int32"},
                        "createdDate": {"type": "string", "format": "date-time"},
                    },
                    required=["id", "name", "createdDate"],
                ),
                "Owner": closed({"iid": {"type": "integer"}}),
                "ApiResponse": closed(
                    {
                        "traceId": {"type": "string"},
                        "information": {"type": "array", "items": ref("Information")},
                    }
                ),
                "Information": closed({"type": {"type": "string"}, "message": {"type": "string"}}),
            }
        },
    }


def drifting_site(request: httpx.Request) -> httpx.Response:
    if request.method == "GET" and request.url.path == "/api/v2/Things":
        return httpx.Response(
            200, json={"values": [{"id": 1, "name": None, "owner": None, "count": "7"}]}
        )
    if request.method == "POST" and request.url.path == "/api/v2/Things/Search":
        return httpx.Response(
            409, json={"traceId": "t-1", "information": [{"type": "Conflict", "message": "busy"}]}
        )
    return httpx.Response(404)


def test_nulls_types_missing_properties_and_statuses_each_get_their_fix() -> None:
    document = things_document()
    client = Issuetrak(
        "http://things.test/api/v2",
        "token",
        transport=httpx.MockTransport(drifting_site),
        rate_limits=None,
        allow_insecure_http=True,
        max_retries=0,
    )
    with client:
        result = crawl(client, document)
    report = build_report(document, result, site="things.test", label="things")
    assert [(op["op"], op["path"], op.get("value")) for op in report.proposal] == [
        ("remove", "/components/schemas/Thing/required/2", None),
        ("replace", "/components/schemas/Thing/properties/count/type", "string"),
        ("remove", "/components/schemas/Thing/properties/count/format", None),
        ("add", "/components/schemas/Thing/properties/name/nullable", True),
        (
            "replace",
            "/components/schemas/Thing/properties/owner",
            {"allOf": [ref("Owner")], "nullable": True},
        ),
        (
            "add",
            "/paths/~1Things~1Search/post/responses/409",
            {
                "description": "Observed on things.test; not documented.",
                "content": {"application/json": {"schema": ref("ApiResponse")}},
            },
        ),
    ]
    assert all(op["reason"] for op in report.proposal)
    assert {f.kind for f in report.findings} == {
        "missing-required-property",
        "type-differs",
        "null-in-non-nullable",
        "undocumented-status",
    }
    assert report.remaining == []
    assert ("PUT /Things/{iid}", "would change the site") in result.skipped


def test_a_documented_response_validates_without_findings() -> None:
    validator = StrictValidator(things_document())
    body = {
        "values": [
            {
                "id": 1,
                "name": "a",
                "owner": {"iid": 2},
                "count": 3,
                "createdDate": "2024-03-15T08:30:00",
            }
        ]
    }
    validator.validate(body, "/components/schemas/PagedThings", "PagedThings", "GET /Things")
    assert validator.findings == {}


def test_the_same_departure_in_many_items_is_one_finding_with_a_count() -> None:
    validator = StrictValidator(things_document())
    item = {"id": 1, "name": "a", "createdDate": "2024-03-15T08:30:00", "colour": "red"}
    validator.validate(
        {"values": [item] * 4}, "/components/schemas/PagedThings", "PagedThings", "GET /Things"
    )
    (finding,) = validator.findings.values()
    assert (finding.kind, finding.location, finding.count, finding.example_path) == (
        "undocumented-property",
        "Thing.colour",
        4,
        "/values/0/colour",
    )


@pytest.mark.parametrize(
    ("samples", "schema"),
    [
        (
            ["2024-03-15T08:30:00", "2024-03-16T09:00:00Z"],
            {"type": "string", "format": "date-time"},
        ),
        ([1, None], {"type": "integer", "format": "int32", "nullable": True}),
        ([2**40], {"type": "integer", "format": "int64"}),
        ([1, 2.5], {"type": "number", "format": "double"}),
        ([None], {"nullable": True}),
        (["a", 1], {}),
        (
            [{"a": 1}, {"b": ["x"]}],
            {
                "type": "object",
                "properties": {
                    "a": {"type": "integer", "format": "int32"},
                    "b": {"type": "array", "items": {"type": "string"}},
                },
                "additionalProperties": False,
            },
        ),
    ],
)
def test_inferred_schemas_fit_every_observed_value(
    samples: list[Any], schema: dict[str, Any]
) -> None:
    assert infer_schema(samples) == schema


def test_a_site_that_stops_answering_ends_the_crawl_with_what_was_seen() -> None:
    calls: list[str] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path.endswith("/Search"):
            raise httpx.ConnectError("connection refused", request=request)
        return drifting_site(request)

    document = things_document()
    client = Issuetrak(
        "http://things.test/api/v2",
        "token",
        transport=httpx.MockTransport(flaky),
        rate_limits=None,
        allow_insecure_http=True,
        max_retries=0,
    )
    with client:
        result = crawl(client, document)
    assert [e.url_path for e in result.exchanges] == ["/Things"]
    assert result.stopped.startswith("POST /Things/Search: ")
    assert ("POST /Things/Search", "not reached: the crawl stopped early") in result.skipped
    report = build_report(document, result, site="things.test", label="things")
    assert report.findings and "undocumented-status" not in {f.kind for f in report.findings}
    assert "**The crawl stopped early:** POST /Things/Search" in report_markdown(report)


def test_the_crawl_paces_every_request_below_the_write_window() -> None:
    from issuetrak import DEFAULT_WINDOWS
    from issuetrak_tools.cli.drift import _crawl_limits

    limits = _crawl_limits()
    write_limit = min(w.limit for w in DEFAULT_WINDOWS if w.writes_only)
    one_second = [w for w in limits.windows if w.period <= 1 and not w.writes_only]
    assert one_second and all(w.limit < write_limit for w in one_second)
    assert limits.margin > 0
    assert [w for w in limits.windows if w.period > 1] == [
        w for w in DEFAULT_WINDOWS if w.period > 1
    ]
