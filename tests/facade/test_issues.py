from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from issuetrak._facade_errors import InvalidPatchError, UsageError
from issuetrak._patch import issue_patch_rules
from issuetrak.conventions import parse_patch_table
from issuetrak_tools.spec import load_document

from .conftest import AsyncFacadeClient, FacadeClient, Recorder, sample, success_response

DOC = load_document()
ISSUE = sample(DOC, {"$ref": "#/components/schemas/Issue"}) | {"iid": 77}


def _issue_reply(status_for: tuple[str, str]) -> tuple[dict[str, Any], int]:
    return {"traceId": "t", "values": ISSUE}, success_response(DOC, *status_for)[0]


def test_create_sends_the_named_fields(client: FacadeClient, recorder: Recorder) -> None:
    body, status = _issue_reply(("POST", "/Issues/Create"))
    recorder.on("POST", "/Issues/Create", body, status=status)
    issue = client.issues.create(
        subject="Printer jam", description="Tray 2", issue_type_iid=3, priority_iid=2
    )
    assert issue.iid == 77
    sent = recorder.bodies()[0]
    assert sent == {
        "subject": "Printer jam",
        "description": "Tray 2",
        "issueTypeIid": 3,
        "priorityIid": 2,
    }


def test_create_without_a_required_field_names_it(client: FacadeClient, recorder: Recorder) -> None:
    with pytest.raises(UsageError, match="missing required field 'issue_type_iid'"):
        client.issues.create(subject="x", description="y")
    assert recorder.requests == []


def test_patch_builder_sends_all_operations_in_one_request(
    client: FacadeClient, recorder: Recorder
) -> None:
    body, status = _issue_reply(("PATCH", "/Issues/{iid}"))
    recorder.on("PATCH", "/Issues/77", body, status=status)
    patch = (
        client.issues.patch(77)
        .replace("subject", "Printer on fire")
        .replace("AssignedToUser", 12)
        .clear("target_date")
        .add_note("Called the user")
        .set_udf("text", 4, "VIP")
        .set_udf("date", 5, dt.datetime(2024, 3, 1, 9, 30))
        .add_udf_value("multi_select", 6, 3)
        .add_asset(9)
        .remove_asset(10)
    )
    issue = patch.send()
    assert issue.iid == 77
    assert len(recorder.requests) == 1
    assert recorder.bodies()[0] == [
        {"op": "Replace", "path": "/Subject", "value": "Printer on fire"},
        {"op": "Replace", "path": "/AssignedToUser", "value": 12},
        {"op": "Replace", "path": "/TargetDate", "value": None},
        {"op": "Add", "path": "/Note", "value": "Called the user"},
        {"op": "Replace", "path": "/UserDefined/Text/4", "value": "VIP"},
        {"op": "Replace", "path": "/UserDefined/Date/5", "value": "2024-03-01T09:30:00"},
        {"op": "Add", "path": "/UserDefined/MultiSelect/6", "value": 3},
        {"op": "Add", "path": "/Asset", "value": 9},
        {"op": "Remove", "path": "/Asset", "value": 10},
    ]


@pytest.mark.parametrize(
    "field",
    [
        "subject",
        "description",
        "class",
        "issue_type",
        "organization",
        "priority",
        "submitted_by_user",
    ],
)
def test_fields_the_document_marks_required_cannot_be_cleared(
    client: FacadeClient, field: str
) -> None:
    with pytest.raises(InvalidPatchError, match="cannot be cleared"):
        client.issues.patch(77).clear(field)


def test_empty_string_subject_counts_as_clearing(client: FacadeClient) -> None:
    with pytest.raises(InvalidPatchError, match="/Subject cannot be cleared"):
        client.issues.patch(77).replace("subject", "  ")


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda p: p.replace("colour", "red"), "not a documented PATCH path"),
        (lambda p: p.add("/Subject", "x"), "/Subject allows Replace, not Add"),
        (lambda p: p.remove("/Priority", 1), "/Priority allows Replace, not Remove"),
        (lambda p: p.replace("priority", "high"), "/Priority: expects int"),
        (lambda p: p.replace("assigned_to_user", True), "expects int"),
        (lambda p: p.set_udf("text", 0, "x"), "UDF id must be a positive int"),
        (lambda p: p.set_udf("colour", 1, "x"), "no UDF kind 'colour'"),
        (lambda p: p.replace("subject", "a").replace("subject", "b"), "already in this patch"),
        (lambda p: p.add_note(""), "/Note cannot be cleared"),
    ],
)
def test_invalid_operations_are_refused_before_sending(
    client: FacadeClient, recorder: Recorder, build: Any, message: str
) -> None:
    with pytest.raises(InvalidPatchError, match=message):
        build(client.issues.patch(77))
    assert recorder.requests == []


def test_an_empty_patch_is_not_sent(client: FacadeClient, recorder: Recorder) -> None:
    with pytest.raises(UsageError, match="no operations"):
        client.issues.patch(77).send()
    assert recorder.requests == []


def test_patch_rules_are_the_documents_table() -> None:
    described = parse_patch_table(DOC["paths"]["/Issues/{iid}"]["patch"]["description"])
    assert issue_patch_rules() == described
    not_clearable = {r.name for r in described if not r.allows_empty and "Replace" in r.ops}
    assert not_clearable == {
        "subject",
        "description",
        "class",
        "issue_type",
        "organization",
        "priority",
        "submitted_by_user",
    }


def test_async_patch_is_awaited_once(async_client: AsyncFacadeClient, recorder: Recorder) -> None:
    body, status = _issue_reply(("PATCH", "/Issues/{iid}"))
    recorder.on("PATCH", "/Issues/77", body, status=status)
    issue = asyncio.run(async_client.issues.patch(77).add_note("async note").send())
    assert issue.iid == 77
    assert recorder.bodies() == [[{"op": "Add", "path": "/Note", "value": "async note"}]]


def test_upload_attachments_sends_one_multipart_request(
    client: FacadeClient, recorder: Recorder, tmp_path: Path
) -> None:
    attachment = sample(DOC, {"$ref": "#/components/schemas/CreateIssueAttachmentResponse"})
    recorder.on(
        "POST",
        "/Issues/77/Attachments/Upload",
        attachment,
        status=success_response(DOC, "POST", "/Issues/{iid}/Attachments/Upload")[0],
    )
    log = tmp_path / "trace.log"
    log.write_bytes(b"line one\n")
    result = client.issues.upload_attachments(77, [log, ("shot.png", b"\x89PNG")], private=True)
    assert isinstance(result, list)
    (request,) = recorder.requests
    assert request.headers["content-type"].startswith("multipart/form-data")
    content = request.content
    assert b'name="IsPrivate"' in content and b"True" in content
    assert content.count(b'name="File"') == 2
    assert b'filename="trace.log"' in content and b"line one" in content
    assert b'filename="shot.png"' in content and b"image/png" in content


def test_upload_refuses_things_that_are_not_files(client: FacadeClient) -> None:
    with pytest.raises(UsageError, match="cannot upload int"):
        client.issues.upload_attachments(77, [3])
    with pytest.raises(UsageError, match="at least one file"):
        client.issues.upload_attachments(77, [])


def test_raw_operations_list_is_sent_unchanged(client: FacadeClient, recorder: Recorder) -> None:
    body, status = _issue_reply(("PATCH", "/Issues/{iid}"))
    recorder.on("PATCH", "/Issues/77", body, status=status)
    client.issues.patch(77, [{"op": "Replace", "path": "/Solution", "value": "Rebooted"}])
    assert json.loads(recorder.requests[0].content) == [
        {"op": "Replace", "path": "/Solution", "value": "Rebooted"}
    ]
