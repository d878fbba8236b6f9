"""Point 2: the store - CRUD, issue PATCH, memberships, attachments, custom records, histories."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
from issuetrak_mock import FrozenClock

from .conftest import client, new_app


def test_create_assigns_iid_and_dates_then_get_update_list_and_search_see_the_record() -> None:
    clock = FrozenClock("2024-03-15T08:30:00")
    app = new_app(clock=clock, issues=5)
    with client(app) as c:
        created = c.post("/Causes", json={"name": "Cosmic rays", "displayOrder": 9})
        assert created.status_code == 201
        cause = created.json()["values"]
        assert cause["createdDate"] == cause["modifiedDate"] == "2024-03-15T08:30:00"
        assert cause["createdByUserIid"] == 1 and cause["iid"] > 3
        clock.advance(3600)
        updated = c.put(f"/Causes/{cause['iid']}", json={"name": "Solar flare"}).json()["values"]
        assert (
            updated["modifiedDate"] == "2024-03-15T09:30:00"
            and updated["createdDate"] == "2024-03-15T08:30:00"
        )
        assert c.get(f"/Causes/{cause['iid']}").json()["values"]["name"] == "Solar flare"
        listed = c.get("/Causes", params={"PageSize": 100}).json()["values"]
        assert "Solar flare" in [x["name"] for x in listed]
        found = c.post(
            "/Causes/Search", json={"name": {"type": "MatchAny", "values": ["SOLAR FLARE"]}}
        ).json()
        assert [x["iid"] for x in found["values"]] == [cause["iid"]]


def test_unknown_iids_answer_404_with_an_api_response() -> None:
    app = new_app(issues=5)
    with client(app) as c:
        for path in ("/Causes/999", "/Issues/999", "/Users/999/Memberships/Groups"):
            response = c.get(path)
            assert response.status_code == 404
            assert response.json()["information"][0]["message"]
        assert c.put("/Causes/999", json={"name": "x"}).status_code == 404
        assert (
            c.patch("/Issues/999", json=[{"op": "Add", "path": "/Note", "value": "x"}]).status_code
            == 404
        )


def _issue(c: httpx.Client, **extra: Any) -> dict[str, Any]:
    body = {"subject": "Printer jam", "description": "Tray 2", "issueTypeIid": 1, **extra}
    response = c.post("/Issues/Create", json=body)
    assert response.status_code == 201, response.text
    values: dict[str, Any] = response.json()["values"]
    return values


def test_issue_create_resolves_references_udfs_and_defaults() -> None:
    app = new_app(issues=5)
    with client(app) as c:
        issue = _issue(
            c,
            priorityIid=3,
            assignedToIid=2,
            targetDate="2024-04-01",
            udfs={
                "text": [{"udfId": 2, "value": "hello"}],
                "multiSelectList": [{"udfId": 10, "values": [1001, 1002]}],
            },
        )
        assert issue["issueType"]["iid"] == 1 and issue["issueType"]["name"] == "Hardware"
        assert issue["priority"] == {"name": "High", "id": 3, "iid": 3}
        assert (
            issue["assignedToUser"]["iid"] == 2 and issue["assignedDate"] == "2024-03-15T08:30:00"
        )
        assert (
            issue["isOpen"] is True
            and issue["submissionMethod"] == "API"
            and issue["targetDate"] == "2024-04-01"
        )
        assert issue["udfs"]["text"] == [
            {"udfId": 2, "udfIid": 2, "name": "Text field", "value": "hello"}
        ]
        assert [v["iid"] for v in issue["udfs"]["multiSelectList"][0]["value"]] == [1001, 1002]
        assert issue["cause"]["iid"] is None  # not given: an empty reference, as Issuetrak sends it


def test_issue_patch_replaces_clears_adds_notes_and_edits_collections() -> None:
    clock = FrozenClock("2024-03-15T08:30:00")
    app = new_app(clock=clock, issues=5)
    with client(app) as c:
        issue = _issue(
            c,
            targetDate="2024-04-01",
            causeIid=1,
            udfs={"multiSelectList": [{"udfId": 10, "values": [1001, 1002]}]},
        )
        iid = issue["iid"]
        clock.advance(60)
        ops = [
            {"op": "Replace", "path": "/Subject", "value": "Printer fixed"},
            {"op": "Replace", "path": "/TargetDate", "value": None},
            {"op": "Replace", "path": "/Cause", "value": None},
            {"op": "Replace", "path": "/Solution", "value": ""},
            {"op": "Replace", "path": "/priority", "value": 4},
            {"op": "Add", "path": "/Note", "value": "Replaced the roller."},
            {"op": "Remove", "path": "/UserDefined/MultiSelect/10", "value": 1001},
            {"op": "Replace", "path": "/UserDefined/Number/6", "value": 42},
            {"op": "Add", "path": "/Asset", "value": 77},
        ]
        response = c.patch(f"/Issues/{iid}", json=ops)
        assert response.status_code == 200, response.text
        after = response.json()["values"]
        assert after["subject"] == "Printer fixed" and after["targetDate"] is None
        assert after["cause"]["iid"] is None and after["solution"] == ""
        assert after["priority"]["name"] == "Critical"
        assert [v["iid"] for v in after["udfs"]["multiSelectList"][0]["value"]] == [1002]
        assert next(u for u in after["udfs"]["number"] if u["udfIid"] == 6)["value"] == 42
        assert [a["iid"] for a in after["assets"]] == [77]
        assert after["lastActivityDate"] == "2024-03-15T08:31:00"
        assert c.get(f"/Issues/{iid}").json()["values"]["subject"] == "Printer fixed"
        history = c.post(
            "/IssueAuditHistory/Search",
            json={
                "filter": {
                    "issueIid": {"type": "MatchAny", "values": [iid]},
                    "type": {"type": "MatchAny", "values": ["Note"]},
                }
            },
        ).json()
        assert [h["newValue"] for h in history["values"]] == ["Replaced the roller."]


def test_issue_patch_refuses_what_the_documented_path_table_forbids() -> None:
    app = new_app(issues=5)
    with client(app) as c:
        iid = _issue(c)["iid"]
        cases = [
            [{"op": "Replace", "path": "/Subject", "value": ""}],  # Allows Empty Value: False
            [{"op": "Replace", "path": "/Priority", "value": None}],
            [{"op": "Add", "path": "/Subject", "value": "x"}],  # only Replace
            [{"op": "Replace", "path": "/NoSuchField", "value": 1}],
            [{"op": "Replace", "path": "/Cause", "value": 999}],  # missing reference
            [{"op": "Replace", "path": "/ShouldSuppressEmailNotifications", "value": "yes"}],
        ]
        for ops in cases:
            response = c.patch(f"/Issues/{iid}", json=ops)
            assert response.status_code == 400, ops
            assert response.json()["information"][0]["type"] == "Validation"
        # all-or-nothing: the failed batch changed nothing
        bad = [
            {"op": "Replace", "path": "/Subject", "value": "changed"},
            {"op": "Replace", "path": "/Nope", "value": 1},
        ]
        assert c.patch(f"/Issues/{iid}", json=bad).status_code == 400
        assert c.get(f"/Issues/{iid}").json()["values"]["subject"] == "Printer jam"


def test_organization_patch_replaces_a_writable_field() -> None:
    app = new_app(issues=5)
    with client(app) as c:
        response = c.patch(
            "/Organizations/2", json=[{"op": "Replace", "path": "/City", "value": "Tampa"}]
        )
        assert response.status_code == 200 and response.json()["values"]["city"] == "Tampa"
        assert (
            c.patch("/Organizations/2", json=[{"op": "Remove", "path": "/Name"}]).status_code == 400
        )


def test_user_group_memberships_add_list_and_remove() -> None:
    app = new_app(issues=5)
    with client(app) as c:
        assert (
            c.post(
                "/Users/5/Memberships/Groups", json=[{"groupIid": 1}, {"groupIid": 2}]
            ).status_code
            == 201
        )
        groups = {g["groupIid"] for g in c.get("/Users/5/Memberships/Groups").json()["values"]}
        assert {1, 2} <= groups
        assert (
            c.request("DELETE", "/Users/5/Memberships/Groups", json=[{"groupIid": 1}]).status_code
            == 200
        )
        assert 1 not in {
            g["groupIid"] for g in c.get("/Users/5/Memberships/Groups").json()["values"]
        }
        assert c.post("/Users/5/Memberships/Groups", json=[{"groupIid": 99}]).status_code == 400
        assert (
            c.request("DELETE", "/Users/5/Memberships/Groups", json=[{"groupIid": 1}]).status_code
            == 400
        )


def test_organization_memberships_follow_the_primary_organization_rules() -> None:
    app = new_app(issues=5)
    with client(app) as c:
        user = c.get("/Users/5").json()["values"]
        primary = user["primaryOrganizationIid"]
        other = next(o for o in (1, 2, 3, 4, 5) if o != primary)
        listing = c.get("/Users/5/Memberships/Organizations").json()
        assert [(m["organizationIid"], m["isPrimary"]) for m in listing["values"]] == [
            (primary, True)
        ]
        assert (
            c.post(
                "/Users/5/Memberships/Organizations",
                json=[{"organizationIid": other, "canViewUsers": True}],
            ).status_code
            == 201
        )
        assert (
            c.put(
                "/Users/5/Memberships/Organizations",
                json=[
                    {
                        "organizationIid": other,
                        "canViewUsers": False,
                        "allowIssueEditingWithEditPermissions": True,
                    }
                ],
            ).status_code
            == 201
        )
        member = next(
            m
            for m in c.get("/Users/5/Memberships/Organizations").json()["values"]
            if m["organizationIid"] == other
        )
        assert member == {
            "organizationIid": other,
            "allowIssueEditingWithEditPermissions": True,
            "canViewUsers": False,
            "isPrimary": False,
        }
        for method in ("POST", "PUT", "DELETE"):
            response = c.request(
                method, "/Users/5/Memberships/Organizations", json=[{"organizationIid": primary}]
            )
            assert response.status_code == 400, method
        assert (
            c.request(
                "DELETE", "/Users/5/Memberships/Organizations", json=[{"organizationIid": other}]
            ).status_code
            == 200
        )
        assert (
            c.put(
                "/Users/5/Memberships/Organizations", json=[{"organizationIid": other}]
            ).status_code
            == 400
        )  # no longer a member
        assert (
            c.post(
                "/Groups/1/Memberships/Organizations", json=[{"organizationIid": 999}]
            ).status_code
            == 400
        )


def test_attachments_upload_as_multipart_and_report_size_and_hash() -> None:
    app = new_app(issues=5)
    with client(app) as c:
        content = b"log line 1\nlog line 2\n"
        response = c.post(
            "/Issues/1/Attachments/Upload",
            files=[("File", ("server.log", content)), ("File", ("b.txt", b"x"))],
            data={"IsPrivate": "true"},
        )
        assert response.status_code == 200, response.text
        first, second = response.json()["values"]
        assert first["originalFileName"] == "server.log" and first["fileSize"] == len(content)
        assert (
            first["fileHash"] == hashlib.sha256(content).hexdigest() and first["isPrivate"] is True
        )
        assert second["iid"] == first["iid"] + 1 and first["issueId"] == 1
        assert (
            c.post(
                "/Issues/1/Attachments/Upload",
                data={"IsPrivate": "false"},
                files={"Other": ("x", b"")},
            ).status_code
            == 400
        )
        # the upload documents no 404, so an unknown issue is reported as invalid input
        missing = c.post("/Issues/999/Attachments/Upload", files={"File": ("a", b"a")})
        assert missing.status_code == 400 and "999" in missing.json()["information"][0]["message"]


def test_custom_record_tables_list_get_search_and_definitions() -> None:
    app = new_app(issues=5)
    with client(app) as c:
        listing = c.get("/CustomRecordTables", params={"pageSize": 5, "pageNumber": 2}).json()
        assert listing["pagingInformation"] == {"page": 2, "itemTotal": 20, "pageCount": 4}
        assert c.get("/CustomRecordTables/3").json()["values"]["field1"] == "R003-1"
        found = c.post(
            "/CustomRecordTables/Search", json={"field2": {"type": "EndsWith", "values": ["07-2"]}}
        ).json()
        assert [r["field2"] for r in found["values"]] == ["R007-2"]
        assert (
            c.get("/CustomRecordTables/Definitions").json()["values"]["tableLabel"] == "Asset tags"
        )


def test_history_searches_record_assignment_next_action_and_substatus_changes() -> None:
    app = new_app(issues=5)
    with client(app) as c:
        iid = _issue(c)["iid"]
        ops = [
            {"op": "Replace", "path": "/AssignedToUser", "value": 2},
            {"op": "Replace", "path": "/NextActionUser", "value": 2},
            {"op": "Replace", "path": "/Substatus", "value": 3},
        ]
        assert c.patch(f"/Issues/{iid}", json=ops).status_code == 200
        only_this = {"filter": {"issueIid": {"type": "MatchAny", "values": [iid]}}}
        agent_id = c.get("/Users/2").json()["values"]["id"]
        assignment = c.post("/IssueAssignmentHistory/Search", json=only_this).json()["values"]
        assert [a["assignedToId"] for a in assignment] == [agent_id]
        assert [
            a["assignedToId"]
            for a in c.post("/IssueNextActionHistory/Search", json=only_this).json()["values"]
        ] == [agent_id]
        assert [
            s["substatusIid"]
            for s in c.post("/IssueSubstatusHistory/Search", json=only_this).json()["values"]
        ] == [3]
        kinds = {
            h["type"] for h in c.post("/IssueAuditHistory/Search", json=only_this).json()["values"]
        }
        assert kinds == {"AssignedToUser", "NextActionUser", "Substatus"}


def test_close_duplicates_closes_the_duplicates_and_links_the_parent() -> None:
    app = new_app(issues=5)
    with client(app) as c:
        parent, dup = _issue(c), _issue(c)
        response = c.post(
            "/Issues/Close/Duplicate",
            json={
                "parentIssueNumber": parent["issueNumber"],
                "duplicateIssueNumbers": [dup["issueNumber"]],
            },
        )
        assert response.status_code == 200
        closed = c.get(f"/Issues/{dup['iid']}").json()["values"]
        assert closed["isOpen"] is False and closed["parentIssue"]["iid"] == parent["iid"]
        assert (
            c.post(
                "/Issues/Close/Duplicate",
                json={"parentIssueNumber": 9999, "duplicateIssueNumbers": [1]},
            ).status_code
            == 400
        )


def test_issue_tasks_are_created_under_their_issue_and_searchable() -> None:
    app = new_app(issues=5)
    with client(app) as c:
        created = c.post(
            "/Issues/2/Tasks/Create", json={"text": "Call back", "taskType": "Complete"}
        )
        assert created.status_code == 201, created.text
        assert created.json()["values"]["issueNumber"] == 2
        assert [t["text"] for t in c.post("/Issues/2/Tasks/Search", json={}).json()["values"]] == [
            "Call back"
        ]
        assert c.post("/Issues/3/Tasks/Search", json={}).json()["values"] == []
        assert (
            c.post(
                "/Issues/999/Tasks/Create", json={"text": "x", "taskType": "Complete"}
            ).status_code
            == 400
        )


def test_nested_payload_objects_are_completed_to_the_read_schema(checker: Any) -> None:
    app = new_app(issues=5)
    with client(app) as c:
        body = {
            "firstName": "Pat",
            "lastName": "Doe",
            "displayName": "Pat Doe",
            "primaryOrganizationIid": 1,
            "timeZone": "AFT",
            "redirectAfterIssueSubmit": "IssueView",
            "homePage": "IssueHub",
            "udfs": {"textFields": [{"iid": 2, "value": "BADGE-9"}], "ignored": []},
        }
        created = c.post("/Users", json=body)
        assert created.status_code == 201, created.text
        assert created.json()["values"]["udfs"] == {
            "textFields": [{"iid": 2, "value": "BADGE-9"}],
            "dateFields": [],
            "listFields": [],
        }
        assert checker.errors("SingleUserResponse", created.json()) == []


def test_searching_children_of_a_missing_parent_finds_nothing_when_no_404_is_documented() -> None:
    app = new_app(issues=5)
    with client(app) as c:
        response = c.post("/Issues/9999/Tasks/Search", json={})
        assert response.status_code == 200 and response.json()["values"] == []
