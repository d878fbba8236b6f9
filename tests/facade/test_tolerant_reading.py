"""Replies the pinned document did not foresee: read, kept and logged once; strict on request."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from issuetrak import Issuetrak
from issuetrak._facade_errors import UnexpectedResponseError, UsageError
from issuetrak._reading import reported_oddities
from issuetrak_client.types import Unset

from .conftest import BASE, FacadeClient, Recorder, record

MODELS = __import__("issuetrak_client.models", fromlist=["User"])


def odd_user(doc: dict[str, Any], iid: int = 1, **changes: Any) -> dict[str, Any]:
    user = record(doc, "User", iid=iid)
    for key, value in changes.items():
        if value is _DROP:
            user.pop(key)
        else:
            user[key] = value
    return user


_DROP = object()


def one(user: dict[str, Any]) -> dict[str, Any]:
    return {"traceId": "0HM:0001", "values": user}


@pytest.fixture
def strict_client(recorder: Recorder) -> Iterator[FacadeClient]:
    c = Issuetrak(
        BASE,
        token="t0ken",
        transport=httpx.MockTransport(recorder),
        rate_limits=None,
        max_retries=0,
        strict=True,
    )
    yield c
    c.close()


def test_an_enum_value_the_document_does_not_list_is_kept_and_compares_as_its_string(
    client: FacadeClient, recorder: Recorder, doc: dict[str, Any]
) -> None:
    recorder.on("GET", "/Users/1", one(odd_user(doc, authenticationType="SAML", timeZone="UTC+14")))
    user = client.users.get(1)
    kinds = MODELS.UserAuthenticationType
    assert user.authentication_type == "SAML"
    assert isinstance(user.authentication_type, kinds)
    assert all(user.authentication_type != member for member in kinds)
    assert user.time_zone == "UTC+14" and user.time_zone.value == "UTC+14"
    assert user.to_dict()["authenticationType"] == "SAML"  # and it goes back as it came
    assert kinds("LDAP") is kinds.LDAP  # the listed members are untouched
    with pytest.raises(ValueError):
        kinds("SAML")  # outside a reply, the enum is as strict as ever


def test_a_required_property_left_out_reads_as_unset(
    client: FacadeClient, recorder: Recorder, doc: dict[str, Any]
) -> None:
    recorder.on("GET", "/Users/1", one(odd_user(doc, sms=_DROP)))
    user = client.users.get(1)
    assert isinstance(user.sms, Unset) and not user.sms
    assert "sms" not in user.to_dict()  # left out again, not sent as a placeholder
    assert user.first_name  # everything else is read as usual


def test_properties_the_document_does_not_declare_stay_in_additional_properties(
    client: FacadeClient, recorder: Recorder, doc: dict[str, Any]
) -> None:
    recorder.on("GET", "/Users/1", one(odd_user(doc, mfaEnabled=True, pronouns="they")))
    user = client.users.get(1)
    assert user.additional_properties == {"mfaEnabled": True, "pronouns": "they"}


def test_one_odd_record_never_fails_a_page(
    client: FacadeClient, recorder: Recorder, doc: dict[str, Any]
) -> None:
    users = [
        odd_user(doc, 1),
        odd_user(doc, 2, createdDate="last tuesday"),  # not a date-time
        odd_user(doc, 3, udfs=None),  # a nested record that is null
        odd_user(doc, 4, homePage="Dashboard", sms=_DROP),
        odd_user(doc, 5),
    ]
    page = {
        "traceId": "0HM:0002",
        "values": users,
        "pagingInformation": {"page": 1, "itemTotal": 5, "pageCount": 1},
    }
    recorder.on("GET", "/Users", page)
    got = client.users.list().to_list()
    assert [u.iid for u in got] == [1, 2, 3, 4, 5]
    assert got[1].created_date == "last tuesday" and got[2].udfs is None
    assert got[3].home_page == "Dashboard" and isinstance(got[3].sms, Unset)


def test_an_item_of_a_list_that_is_not_a_record_costs_only_itself(
    client: FacadeClient, recorder: Recorder, doc: dict[str, Any]
) -> None:
    page = {
        "traceId": "t",
        "values": [odd_user(doc, 1), "garbage", odd_user(doc, 3)],
        "pagingInformation": {"page": 1, "itemTotal": 3, "pageCount": 1},
    }
    recorder.on("GET", "/Users", page)
    got = client.users.list(page_size=3).to_list()
    assert [getattr(u, "iid", u) for u in got] == [1, "garbage", 3]


def test_each_oddity_is_logged_once_at_warning_with_what_was_seen(
    client: FacadeClient, recorder: Recorder, doc: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    user = odd_user(doc, authenticationType="Kerberos-v9", loginAttempts=1, country=_DROP)
    recorder.on("GET", "/Users/1", one(user))
    with caplog.at_level(logging.WARNING, logger="issuetrak"):
        client.users.get(1)
        client.users.get(1)
    lines = [r.getMessage() for r in caplog.records if r.name == "issuetrak"]
    assert len([line for line in lines if "'Kerberos-v9'" in line]) == 1
    assert len([line for line in lines if "User.country" in line]) == 1
    assert (
        "reply oddity: 'Kerberos-v9' is not a UserAuthenticationType value in the cloud-2026.07 "
        "document; kept as UserAuthenticationType('Kerberos-v9')" in lines
    )
    assert (
        "reply oddity: User.country is required by the cloud-2026.07 document but the reply "
        "left it out; it reads as UNSET" in lines
    )
    assert ("User", "country") in reported_oddities()


@pytest.mark.parametrize(
    "changes",
    [{"authenticationType": "SAML"}, {"sms": _DROP}, {"createdDate": "soon"}, {"udfs": None}],
    ids=["enum", "missing", "odd value", "null record"],
)
def test_strict_mode_keeps_the_document_strict(
    strict_client: FacadeClient, recorder: Recorder, doc: dict[str, Any], changes: dict[str, Any]
) -> None:
    recorder.on("GET", "/Users/1", one(odd_user(doc, **changes)))
    with pytest.raises(UnexpectedResponseError, match=r"users\.get_user: reply does not match"):
        strict_client.users.get(1)


def test_a_merge_update_sends_back_what_the_site_sent_and_checks_what_the_caller_sends(
    client: FacadeClient, recorder: Recorder, doc: dict[str, Any]
) -> None:
    stored = odd_user(doc, authenticationType="SAML", timeZone="UTC+14")
    recorder.on("GET", "/Users/1", one(stored))
    recorder.on("PUT", "/Users/1", one(stored))
    client.users.update(1, first_name="Ada")
    sent = json.loads(recorder.requests[-1].content)
    assert sent["firstName"] == "Ada" and sent["timeZone"] == "UTC+14"
    before = len(recorder.requests)
    with pytest.raises(UsageError, match="UTC\\+15"):
        client.users.update(1, time_zone="UTC+15")
    assert len(recorder.requests) == before  # refused before any request


def test_a_create_with_a_value_the_document_does_not_list_is_refused_before_sending(
    client: FacadeClient, recorder: Recorder
) -> None:
    with pytest.raises(UsageError, match=r"UTC\+14"):
        client.users.create(first_name="A", last_name="B", email="a@b.example", time_zone="UTC+14")
    assert recorder.requests == []
