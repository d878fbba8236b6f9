"""The contract document: the pinned document, derived links and the documented corrections."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from issuetrak_tools._contract.document import (
    PROBLEM_JSON,
    REQUEST_COPY_SUFFIX,
    contract_document,
    load_contract_document,
    select_operations,
)
from issuetrak_tools._contract.links import derive_links, read_exceptions
from issuetrak_tools.spec import SpecError, iter_operations, load_document

from .derived import next_version, with_entity_added, with_entity_removed


@pytest.fixture(scope="module")
def contract() -> dict[str, Any]:
    return load_contract_document()


def _links(document: dict[str, Any], path: str, method: str, status: str) -> dict[str, Any]:
    links: dict[str, Any] = document["paths"][path][method]["responses"][status].get("links", {})
    return links


def test_create_get_update_search_chain_is_derived(contract: dict[str, Any]) -> None:
    links = _links(contract, "/Causes", "post", "201")
    assert {"GetCause", "UpdateCause", "SearchForCauses"} <= set(links)
    assert links["GetCause"]["parameters"] == {"iid": "$response.body#/values/iid"}
    assert links["SearchForCauses"]["requestBody"] == {
        "iid": {"type": "MatchAny", "values": ["$response.body#/values/iid"]}
    }
    # operations below a record take its iid too, whatever their parameter is called
    issue = _links(contract, "/Issues/Create", "post", "201")
    assert issue["CreateIssueTask"]["parameters"] == {"issueIid": "$response.body#/values/iid"}
    assert "GetUserGroupMemberships" in _links(contract, "/Users/{iid}", "get", "200")


def test_every_derived_link_targets_an_operation_and_schemathesis_accepts_them(
    contract: dict[str, Any],
) -> None:
    ids = {op.operation_id for op in iter_operations(contract)}
    links = derive_links(contract)
    assert len(links) > 100
    assert all(link.target in ids and link.source in ids for link in links)
    assert schemathesis.openapi.from_dict(contract).as_state_machine() is not None


def test_a_new_entity_gets_its_chain_with_no_hand_written_entry() -> None:
    document, report = contract_document(document=with_entity_added(load_document()))
    links = _links(document, "/Widgets", "post", "201")
    assert {"GetWidget", "UpdateWidget", "SearchForWidgets"} <= set(links)
    assert set(_links(document, "/Widgets/{iid}", "put", "201")) >= {"GetWidget"}
    assert report.notes == []


def test_a_link_exception_whose_operation_is_gone_is_reported_not_fatal(tmp_path: Path) -> None:
    exceptions = tmp_path / "next.json"
    exceptions.write_text(
        json.dumps(
            {
                "drop": [
                    {"from": "CreateSeverity", "to": "UpdateSeverity", "reason": "example"},
                    {"from": "CreateCause", "to": "UpdateCause", "reason": "example"},
                ],
                "add": [
                    {"from": "GetSeverity", "to": "SearchForSeverities", "reason": "example"},
                    {
                        "from": "GetIssue",
                        "to": "SearchForIssues",
                        "requestBody": {
                            "filter": {
                                "iid": {
                                    "type": "MatchAny",
                                    "values": ["$response.body#/values/iid"],
                                }
                            }
                        },
                        "reason": "the issue search nests its criteria under filter",
                    },
                ],
            }
        )
    )
    document, report = contract_document(document=next_version(), exceptions=exceptions)
    assert len(report.notes) == 2
    assert all("not in this document" in note for note in report.notes)
    assert any("drop CreateSeverity -> UpdateSeverity" in note for note in report.notes)
    assert "UpdateCause" not in _links(document, "/Causes", "post", "201")  # the drop applied
    assert "SearchForIssues" in _links(document, "/Issues/{iid}", "get", "200")  # the add applied
    assert report.dropped == 1 and report.added == 1
    assert "/Severities" not in document["paths"]


def test_link_exceptions_need_a_reason(tmp_path: Path) -> None:
    bad = tmp_path / "label.json"
    bad.write_text(json.dumps({"drop": [{"from": "CreateCause", "to": "UpdateCause"}]}))
    with pytest.raises(SpecError, match="has no 'reason'"):
        read_exceptions(bad)
    bad.write_text(json.dumps({"remove": []}))
    with pytest.raises(SpecError, match="must be"):
        read_exceptions(bad)


def test_the_pinned_document_itself_is_not_changed(contract: dict[str, Any]) -> None:
    assert "links" not in json.dumps(
        load_document()["paths"]["/Causes"]["post"]["responses"]["201"]
    )


def test_validation_problem_details_may_come_as_problem_json_on_400(
    contract: dict[str, Any],
) -> None:
    bad_request = contract["paths"]["/Causes"]["post"]["responses"]["400"]["content"]
    assert set(bad_request) == {"application/json", PROBLEM_JSON}
    assert bad_request[PROBLEM_JSON]["schema"]["required"] == [
        "title",
        "status",
        "errors",
        "traceId",
    ]


def test_request_only_schemas_are_open_but_response_schemas_stay_closed(
    contract: dict[str, Any],
) -> None:
    schemas = contract["components"]["schemas"]
    assert "additionalProperties" not in schemas["CreateCause"]
    assert "additionalProperties" not in schemas["CauseFilter"]
    assert schemas["Cause"]["additionalProperties"] is False
    assert schemas["ApiResponse"]["additionalProperties"] is False


def test_requests_get_an_open_copy_of_a_schema_responses_share(contract: dict[str, Any]) -> None:
    schemas = contract["components"]["schemas"]
    udfs = schemas["WritableOrganizationUdfValues"]["properties"]
    assert (
        udfs["listFields"]["items"]["$ref"]
        == "#/components/schemas/ListUdfValue" + REQUEST_COPY_SUFFIX
    )
    copied = schemas["ListUdfValue" + REQUEST_COPY_SUFFIX]
    assert "additionalProperties" not in copied
    assert copied["properties"] == schemas["ListUdfValue"]["properties"]
    assert schemas["ListUdfValue"]["additionalProperties"] is False


def test_page_number_gets_the_minimum_its_description_states(contract: dict[str, Any]) -> None:
    query = {p["name"]: p for p in contract["paths"]["/Causes"]["get"]["parameters"]}
    assert query["PageNumber"]["schema"]["minimum"] == 1
    assert (
        contract["components"]["schemas"]["CauseFilter"]["properties"]["pageNumber"]["minimum"] == 1
    )


def test_selecting_operations_drops_the_rest_and_their_links() -> None:
    document = load_contract_document()
    assert select_operations(document, ["^POST /Causes$", "^GET /Causes/"]) == 2
    labels = {f"{op.method} {op.path}" for op in iter_operations(document)}
    assert labels == {"POST /Causes", "GET /Causes/{iid}"}
    assert set(_links(document, "/Causes", "post", "201")) == {"GetCause"}


def test_a_removed_entity_leaves_no_link_behind() -> None:
    document, _ = contract_document(document=with_entity_removed(load_document()))
    targets = json.dumps([op.spec.get("responses") for op in iter_operations(document)])
    assert "Severit" not in targets.replace("SeverityEntityCriteria", "")
