"""Point 4: tokens map to users; 401 without a valid token, 403 without permission, 404 if invisible."""

from __future__ import annotations

from typing import Any

from issuetrak_mock import FrozenClock

from .conftest import client, new_app


def test_missing_unknown_and_expired_tokens_get_401_with_no_body(shared_app: Any) -> None:
    for token in (None, "not-a-token", shared_app.state.expired_token):
        with client(shared_app, role=None, token=token) as c:
            response = c.get("/Issues/1")
            assert response.status_code == 401
            assert response.content == b""


def test_a_user_without_the_api_permission_cannot_authenticate(shared_app: Any) -> None:
    with client(shared_app, "no_api") as no_api:
        for path in ("/Authenticate/test", "/Issues/1"):
            response = no_api.get(path)
            assert response.status_code == 401 and response.content == b""


def test_nobody_can_lock_themselves_out() -> None:
    app = new_app(issues=2)
    with client(app) as admin:
        me = admin.get("/Users/1").json()["values"]
        body = {
            k: me[k]
            for k in (
                "firstName",
                "lastName",
                "displayName",
                "primaryOrganizationIid",
                "timeZone",
                "redirectAfterIssueSubmit",
                "homePage",
            )
        }
        for change in ({"isSysAdmin": False}, {"isActive": False}):
            response = admin.put("/Users/1", json={**body, **change})
            assert (
                response.status_code == 400
                and "themselves" in response.json()["information"][0]["message"]
            )
        assert admin.get("/Authenticate/test").status_code == 200


def test_each_seeded_role_authenticates_as_its_own_user(shared_app: Any) -> None:
    tokens = shared_app.state.tokens
    assert set(tokens) >= {"admin", "agent", "end_user"} and len(set(tokens.values())) == len(
        tokens
    )
    for role in ("admin", "agent", "end_user"):
        with client(shared_app, role) as c:
            assert c.get("/Authenticate/test").status_code == 200


def test_a_token_stops_working_when_the_deactivated_user_is_gone() -> None:
    app = new_app(issues=5)
    with client(app) as admin, client(app, "agent") as agent:
        user = admin.get("/Users/2").json()["values"]
        assert agent.get("/Issues/1").status_code == 200
        body = {
            k: user[k]
            for k in (
                "firstName",
                "lastName",
                "displayName",
                "primaryOrganizationIid",
                "timeZone",
                "redirectAfterIssueSubmit",
                "homePage",
            )
        }
        assert admin.put("/Users/2", json={**body, "isActive": False}).status_code == 200
        assert agent.get("/Issues/1").status_code == 401


def test_a_token_expires_when_the_clock_passes_its_expiry() -> None:
    clock = FrozenClock("2024-03-15T08:30:00")
    app = new_app(clock=clock, issues=5)
    site = app.state.site
    token = site.issue_token(2, expires=clock.now().replace(hour=9))
    with client(app, token=token) as c:
        assert c.get("/Issues/1").status_code == 200
        clock.advance(3600)
        assert c.get("/Issues/1").status_code == 401


def test_users_without_permission_get_403_with_an_api_response(shared_app: Any) -> None:
    with client(shared_app, "end_user") as end_user, client(shared_app, "agent") as agent:
        for response in (
            end_user.get("/Departments"),
            end_user.post("/Causes", json={"name": "x"}),
            agent.post("/Causes", json={"name": "x"}),
            agent.put("/Organizations/1", json={"name": "x"}),
            end_user.patch("/Issues/1", json=[{"op": "Add", "path": "/Note", "value": "x"}]),
        ):
            assert response.status_code == 403
            info = response.json()["information"][0]
            assert info["type"] == "Authorization" and "permission" in info["message"]
        assert agent.get("/Departments").status_code == 200


def test_end_users_see_only_their_own_issues_and_others_answer_404(shared_app: Any) -> None:
    with client(shared_app, "end_user") as end_user, client(shared_app) as admin:
        me = end_user.get("/Users/3").json()["values"]["iid"]
        mine = admin.post(
            "/Issues/Search",
            json={
                "pageSize": 100,
                "filter": {"submittedByUser": {"iid": {"type": "MatchAny", "values": [me]}}},
            },
        ).json()
        theirs = admin.post(
            "/Issues/Search",
            json={
                "pageSize": 5,
                "filter": {
                    "negateAll": True,
                    "submittedByUser": {"iid": {"type": "MatchAny", "values": [me]}},
                },
            },
        ).json()
        assert mine["values"] and theirs["values"]
        assert end_user.get(f"/Issues/{mine['values'][0]['iid']}").status_code == 200
        assert end_user.get(f"/Issues/{theirs['values'][0]['iid']}").status_code == 404
        seen = end_user.post("/Issues/Search", json={"pageSize": 100}).json()
        assert seen["pagingInformation"]["itemTotal"] == mine["pagingInformation"]["itemTotal"]
        assert {i["iid"] for i in seen["values"]} == {i["iid"] for i in mine["values"]}
        assert end_user.get("/Users/1").status_code == 404
