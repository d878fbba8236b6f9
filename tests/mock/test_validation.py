"""Point 3: malformed input gets ProblemDetails, invalid data an ApiResponse; traceIds are unique."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from .conftest import client

TRACE_ID = re.compile(r"^0H[0-9A-Z]{11}:[0-9A-F]{8}$")


@pytest.fixture(scope="module")
def c(shared_app: Any) -> Any:
    with client(shared_app) as c:
        yield c


def _problem(response: Any) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"type", "title", "status", "errors", "traceId"}
    assert body["status"] == 400 and TRACE_ID.match(body["traceId"])
    return body


def _validation(response: Any) -> str:
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"traceId", "information"}
    assert body["information"][0]["type"] == "Validation"
    message: str = body["information"][0]["message"]
    return message


def test_malformed_json_is_a_problem_details(c: Any) -> None:
    body = _problem(
        c.post("/Causes", content=b'{"name": "x",', headers={"Content-Type": "application/json"})
    )
    assert "$" in body["errors"]


def test_a_missing_required_body_is_a_problem_details(c: Any) -> None:
    body = _problem(c.post("/Causes", content=b"", headers={"Content-Type": "application/json"}))
    assert body["errors"]


@pytest.mark.parametrize("path", ["/Causes", "/Organizations", "/Issues/Search"])
def test_a_json_null_body_is_refused_like_an_empty_one(c: Any, path: str) -> None:
    before = c.get("/Causes", params={"PageSize": 1}).json()["pagingInformation"]["itemTotal"]
    response = c.post(path, content=b"null", headers={"Content-Type": "application/json"})
    assert _problem(response)["errors"] == {"": ["A non-empty request body is required."]}
    after = c.get("/Causes", params={"PageSize": 1}).json()["pagingInformation"]["itemTotal"]
    assert after == before


def test_a_wrong_json_type_names_the_field(c: Any) -> None:
    body = _problem(c.post("/Causes", json={"name": 5}))
    assert list(body["errors"]) == ["$.name"]
    assert "System.String" in body["errors"]["$.name"][0]


def test_an_unknown_enum_value_is_a_problem_details(c: Any) -> None:
    body = _problem(
        c.post("/Causes/Search", json={"name": {"type": "Sounds like", "values": ["x"]}})
    )
    assert list(body["errors"]) == ["$.name.type"]


def test_a_bad_date_is_a_problem_details(c: Any) -> None:
    body = _problem(
        c.post(
            "/Issues/Search",
            json={"filter": {"submittedDate": {"type": "On", "values": ["yesterday-ish"]}}},
        )
    )
    assert "$.filter.submittedDate.values[0]" in body["errors"]


def test_a_missing_required_field_is_a_validation_message(c: Any) -> None:
    assert "name" in _validation(c.post("/Causes", json={"displayOrder": 1}))


def test_a_string_over_max_length_is_a_validation_message(c: Any) -> None:
    assert "maximum length of 50" in _validation(c.post("/Causes", json={"name": "x" * 51}))


def test_a_reference_to_a_missing_iid_is_a_validation_message(c: Any) -> None:
    message = _validation(
        c.post("/Issues/Create", json={"subject": "s", "description": "d", "issueTypeIid": 999})
    )
    assert "999" in message
    assert "999" in _validation(
        c.post("/Groups", json={"name": "g", "primaryOrganizationIid": 999})
    )


@pytest.mark.parametrize("size", [0, 101, -3])
def test_page_size_outside_1_to_100_is_refused(c: Any, size: int) -> None:
    _validation(c.post("/Issues/Search", json={"pageSize": size}))
    assert c.get("/Causes", params={"PageSize": size}).status_code == 400


def test_page_number_must_be_positive_and_numeric(c: Any) -> None:
    _validation(c.post("/Causes/Search", json={"pageNumber": 0}))
    _problem(c.get("/Causes", params={"PageNumber": "two"}))


def test_criteria_with_the_wrong_number_of_values_are_refused(c: Any) -> None:
    assert "exactly 2 values" in _validation(
        c.post("/Causes/Search", json={"iid": {"type": "RangeInclusive", "values": [1]}})
    )
    assert "exactly 1 value" in _validation(
        c.post("/Causes/Search", json={"name": {"type": "Contains", "values": []}})
    )


def test_unknown_fields_are_ignored_as_the_real_api_does(c: Any) -> None:
    response = c.post(
        "/Causes/Search", json={"name": {"type": "HasValue"}, "modifiedDateIgnored": 1}
    )
    assert response.status_code == 200


def test_every_json_response_has_a_unique_trace_id(c: Any) -> None:
    seen = set()
    responses = [
        c.get("/Issues/1"),
        c.get("/Issues/1"),
        c.get("/Causes/999"),
        c.post("/Causes", json={"name": 1}),
        c.post("/Causes", json={}),
    ]
    for response in responses:
        trace = response.json()["traceId"]
        assert TRACE_ID.match(trace)
        seen.add(trace)
    assert len(seen) == len(responses)


@pytest.mark.parametrize("value", ["2147483648", "-2147483649", "1.5"])
def test_integers_outside_int32_do_not_bind(c: Any, value: str) -> None:
    _problem(c.get("/Causes", params={"PageNumber": value}))
    _problem(c.get(f"/Causes/{value}"))
    _problem(
        c.post(
            "/Causes/Search", json={"pageNumber": int(float(value)) if "." not in value else 1.5}
        )
    )


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [("boolean", "TRUE", "maybe"), ("number", "2.5", "2,5"), ("number", "-1e3", "nan")],
)
def test_documented_query_parameters_are_bound_like_asp_net(kind: str, good: str, bad: str) -> None:
    from issuetrak_mock import create_app
    from issuetrak_tools.spec import load_document

    document = load_document()
    parameters = document["paths"]["/Causes"]["get"].setdefault("parameters", [])
    parameters.append({"name": "Extra", "in": "query", "schema": {"type": kind}})
    app = create_app(document=document, rate_limits=None, issues=1, users=1)
    from issuetrak_mock.transport import SyncASGITransport

    with httpx.Client(
        transport=SyncASGITransport(app),
        base_url="http://mock/api/v2",
        headers={"X-Api-Key": app.state.tokens["admin"]},
    ) as client:
        assert client.get("/Causes", params={"Extra": good}).status_code == 200
        refused = client.get("/Causes", params={"Extra": bad})
    assert refused.status_code == 400
    assert "Extra" in refused.json()["errors"]
