"""The contract document: the pinned document, its link patches and the documented corrections."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import schemathesis
from issuetrak_tools._contract.document import (
    PROBLEM_JSON,
    REQUEST_COPY_SUFFIX,
    load_contract_document,
    load_link_patches,
    select_operations,
)
from issuetrak_tools.spec import SpecError, iter_operations, load_document

LINKS = Path(__file__).resolve().parents[2] / "contract_tests" / "links.json"


@pytest.fixture(scope="module")
def contract() -> dict[str, object]:
    return load_contract_document(links=LINKS)


def test_link_patches_each_give_a_reason_and_target_existing_operations(
    contract: dict[str, object],
) -> None:
    ids = {op.operation_id for op in iter_operations(load_document())}
    patches = load_link_patches(LINKS)
    assert patches
    for patch in patches:
        assert patch["reason"].strip()
        for link in patch["value"].values():
            assert link["operationId"] in ids
    # schemathesis accepts them: a state machine can be built from the contract
    assert schemathesis.openapi.from_dict(contract).as_state_machine() is not None


def test_create_get_update_search_chain_is_linked(contract: dict[str, object]) -> None:
    links = contract["paths"]["/Causes"]["post"]["responses"]["201"]["links"]  # type: ignore[index]
    assert {"GetCause", "UpdateCause", "SearchForCauses"} <= set(links)
    assert links["GetCause"]["parameters"] == {"iid": "$response.body#/values/iid"}


def test_link_patch_without_reason_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "links.json"
    bad.write_text(
        json.dumps([{"op": "add", "path": "/paths/~1Causes/post/responses/201/links", "value": {}}])
    )
    with pytest.raises(SpecError, match="has no 'reason'"):
        load_link_patches(bad)


def test_the_pinned_document_itself_is_not_changed(contract: dict[str, object]) -> None:
    assert "links" not in json.dumps(
        load_document()["paths"]["/Causes"]["post"]["responses"]["201"]
    )


def test_validation_problem_details_may_come_as_problem_json_on_400(
    contract: dict[str, object],
) -> None:
    bad_request = contract["paths"]["/Causes"]["post"]["responses"]["400"]["content"]  # type: ignore[index]
    assert set(bad_request) == {"application/json", PROBLEM_JSON}
    assert bad_request[PROBLEM_JSON]["schema"]["required"] == [
        "title",
        "status",
        "errors",
        "traceId",
    ]


def test_request_only_schemas_are_open_but_response_schemas_stay_closed(
    contract: dict[str, object],
) -> None:
    schemas = contract["components"]["schemas"]  # type: ignore[index]
    assert "additionalProperties" not in schemas["CreateCause"]
    assert "additionalProperties" not in schemas["CauseFilter"]
    assert schemas["Cause"]["additionalProperties"] is False
    assert schemas["ApiResponse"]["additionalProperties"] is False


def test_requests_get_an_open_copy_of_a_schema_responses_share(
    contract: dict[str, object],
) -> None:
    schemas = contract["components"]["schemas"]  # type: ignore[index]
    udfs = schemas["WritableOrganizationUdfValues"]["properties"]
    copy_ref = udfs["listFields"]["items"]["$ref"]
    assert copy_ref == "#/components/schemas/ListUdfValue" + REQUEST_COPY_SUFFIX
    copied = schemas["ListUdfValue" + REQUEST_COPY_SUFFIX]
    assert "additionalProperties" not in copied
    assert copied["properties"] == schemas["ListUdfValue"]["properties"]
    assert schemas["ListUdfValue"]["additionalProperties"] is False


def test_page_number_gets_the_minimum_its_description_states(contract: dict[str, object]) -> None:
    query = {p["name"]: p for p in contract["paths"]["/Causes"]["get"]["parameters"]}  # type: ignore[index]
    assert query["PageNumber"]["schema"]["minimum"] == 1
    assert (
        contract["components"]["schemas"]["CauseFilter"]["properties"]["pageNumber"]["minimum"] == 1
    )  # type: ignore[index]


def test_selecting_operations_drops_the_rest_and_their_links() -> None:
    document = load_contract_document(links=LINKS)
    assert select_operations(document, ["^POST /Causes$", "^GET /Causes/"]) == 2
    labels = {f"{op.method} {op.path}" for op in iter_operations(document)}
    assert labels == {"POST /Causes", "GET /Causes/{iid}"}
    assert set(document["paths"]["/Causes"]["post"]["responses"]["201"]["links"]) == {"GetCause"}
