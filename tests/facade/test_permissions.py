from __future__ import annotations

from typing import Any

import pytest
from issuetrak._facade_errors import UsageError
from issuetrak.permissions import RULES, PermissionConflictError, normalize_permissions
from issuetrak_tools.spec import load_document

from .conftest import FacadeClient, Recorder, sample, success_response

DOC = load_document()
VIEW = "CanViewAssignmentInformationInIssuesAndEmailNotifications"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["IsAdmin", "IsReadOnlyAdmin"], ["IsAdmin"]),
        (["ReadOnlyAccessToAssets", "CanManageAssets"], ["CanManageAssets"]),
        (["CanManageUsersInOrganization", "IsReadOnlyAdmin"], ["IsReadOnlyAdmin"]),
        (["CanManageUsersInOrganization", "IsAdmin"], ["IsAdmin"]),
        (["CanBeAssignedIssues"], ["CanBeAssignedIssues", VIEW]),
        (["CanEditIssues", "CanEditIssues"], ["CanEditIssues"]),
        (
            ["CanManageUsersInOrganization", "CanEditIssues"],
            ["CanManageUsersInOrganization", "CanEditIssues"],
        ),
    ],
)
def test_normalize_resolves_toward_greater_access_and_adds_prerequisites(
    given: list[str], expected: list[str]
) -> None:
    assert normalize_permissions(given) == expected


def test_normalizing_twice_changes_nothing() -> None:
    once = normalize_permissions(
        ["IsAdmin", "IsReadOnlyAdmin", "CanManageUsersInOrganization", "CanBeAssignedIssues"]
    )
    assert normalize_permissions(once) == once
    assert normalize_permissions(once, strict=True) == once


def test_strict_mode_names_the_broken_rule() -> None:
    with pytest.raises(PermissionConflictError, match=r"admin_vs_readonly_admin.*normalize=True"):
        normalize_permissions(["IsAdmin", "IsReadOnlyAdmin"], strict=True)


def test_unknown_permission_names_are_refused() -> None:
    with pytest.raises(UsageError, match="unknown permission 'CanFly'"):
        normalize_permissions(["CanFly"])


def test_every_rule_names_permissions_the_document_has() -> None:
    known = set(DOC["components"]["schemas"]["Permissions"]["enum"])
    for rule in RULES:
        assert set(rule.keep) | set(rule.drop) | set(rule.needs) <= known, rule.name


def _group_routes(recorder: Recorder) -> None:
    group = sample(DOC, {"$ref": "#/components/schemas/Group"}) | {
        "iid": 4,
        "permissions": ["IsAdmin", "IsReadOnlyAdmin"],
    }
    recorder.on(
        "POST",
        "/Groups",
        {"traceId": "t", "values": group},
        status=success_response(DOC, "POST", "/Groups")[0],
    )
    recorder.on("GET", "/Groups/4", {"traceId": "t", "values": group})
    recorder.on(
        "PUT",
        "/Groups/4",
        {"traceId": "t", "values": group},
        status=success_response(DOC, "PUT", "/Groups/{iid}")[0],
    )


def test_group_create_is_strict_by_default(client: FacadeClient, recorder: Recorder) -> None:
    _group_routes(recorder)
    with pytest.raises(PermissionConflictError):
        client.groups.create(
            name="Agents", primary_organization_iid=1, permissions=["IsAdmin", "IsReadOnlyAdmin"]
        )
    assert recorder.requests == []


def test_group_create_normalizes_when_asked(client: FacadeClient, recorder: Recorder) -> None:
    _group_routes(recorder)
    client.groups.create(
        name="Agents",
        primary_organization_iid=1,
        permissions=["CanBeAssignedIssues"],
        normalize=True,
    )
    assert recorder.bodies()[0]["permissions"] == ["CanBeAssignedIssues", VIEW]


def test_group_update_leaves_stored_permissions_alone_unless_asked(
    client: FacadeClient, recorder: Recorder
) -> None:
    _group_routes(recorder)
    client.groups.update(4, name="Renamed")
    assert recorder.bodies()[1]["permissions"] == ["IsAdmin", "IsReadOnlyAdmin"]
    client.groups.update(4, name="Renamed", normalize=True)
    assert recorder.bodies()[3]["permissions"] == ["IsAdmin"]


def test_group_update_checks_new_permissions_strictly(
    client: FacadeClient, recorder: Recorder
) -> Any:
    _group_routes(recorder)
    with pytest.raises(PermissionConflictError, match="assets_vs_readonly"):
        client.groups.update(4, permissions=["CanManageAssets", "ReadOnlyAccessToAssets"])
    assert recorder.requests == []


def test_a_group_update_may_only_normalize_the_stored_permissions(
    client: FacadeClient, recorder: Recorder
) -> None:
    _group_routes(recorder)
    client.groups.update(4, normalize=True)
    assert recorder.bodies()[1]["permissions"] == ["IsAdmin"]
