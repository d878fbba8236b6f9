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


# A value of the wrong JSON type for a primitive property: ((wire, attribute, value), line logged).
WRONG_TYPES = {
    "nullable int": (
        ("locationIid", "location_iid", "abc"),
        "reply oddity: User.locationIid = 'abc' does not fit the cloud-2026.07 document "
        "(TypeError: 'expected int or None, got str'); kept as sent",
    ),
    "int": (
        ("loginAttempts", "login_attempts", "2"),
        "reply oddity: User.loginAttempts = '2' does not fit the cloud-2026.07 document "
        "(TypeError: 'expected int, got str'); kept as sent",
    ),
    "bool as int": (
        ("primaryOrganizationIid", "primary_organization_iid", True),
        "reply oddity: User.primaryOrganizationIid = True does not fit the cloud-2026.07 "
        "document (TypeError: 'expected int, got bool'); kept as sent",
    ),
    "bool": (
        ("isActive", "is_active", "yes"),
        "reply oddity: User.isActive = 'yes' does not fit the cloud-2026.07 document "
        "(TypeError: 'expected bool, got str'); kept as sent",
    ),
    "null string": (
        ("city", "city", None),
        "reply oddity: User.city = None does not fit the cloud-2026.07 document "
        "(TypeError: 'expected str, got NoneType'); kept as sent",
    ),
    "nullable string": (
        ("listFormat", "list_format", ["table"]),
        "reply oddity: User.listFormat = ['table'] does not fit the cloud-2026.07 document "
        "(TypeError: 'expected str or None, got list'); kept as sent",
    ),
}


@pytest.mark.parametrize("odd, line", WRONG_TYPES.values(), ids=WRONG_TYPES.keys())
def test_a_primitive_of_the_wrong_json_type_is_kept_and_logged(
    client: FacadeClient,
    recorder: Recorder,
    doc: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    odd: tuple[str, str, Any],
    line: str,
) -> None:
    wire, attribute, sent = odd
    recorder.on("GET", "/Users/1", one(odd_user(doc, **{wire: sent})))
    with caplog.at_level(logging.WARNING, logger="issuetrak"):
        user = client.users.get(1)
    assert getattr(user, attribute) == sent
    assert line in [r.getMessage() for r in caplog.records if r.name == "issuetrak"]


@pytest.mark.parametrize("odd", [odd for odd, _ in WRONG_TYPES.values()], ids=WRONG_TYPES.keys())
def test_strict_mode_refuses_a_primitive_of_the_wrong_json_type(
    strict_client: FacadeClient, recorder: Recorder, doc: dict[str, Any], odd: tuple[str, str, Any]
) -> None:
    wire, _, sent = odd
    recorder.on("GET", "/Users/1", one(odd_user(doc, **{wire: sent})))
    with pytest.raises(UnexpectedResponseError, match=r"users\.get_user: reply does not match"):
        strict_client.users.get(1)


def test_numbers_fit_number_properties_and_null_fits_nullable_ones(
    client: FacadeClient, recorder: Recorder, doc: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    # the document's own shapes are no oddity: an int where it says number, null where nullable
    decimal = MODELS.DecimalUdf
    with caplog.at_level(logging.WARNING, logger="issuetrak"):
        assert decimal.from_dict({"udfId": 1, "value": 3}).value == 3
        assert decimal.from_dict({"udfId": 1, "value": 2.5, "name": None}).name is None
        recorder.on("GET", "/Users/1", one(odd_user(doc, locationIid=None, listFormat=None)))
        user = client.users.get(1)
    assert user.location_iid is None and user.list_format is None
    assert [r.getMessage() for r in caplog.records if r.name == "issuetrak"] == []


def _tolerant() -> Any:
    from issuetrak._reading import reading, tolerant_policy

    return reading("issuetrak_client", tolerant_policy("issuetrak_client", "cloud-2026.07"))


def test_a_list_property_holding_something_else_is_kept_whole_not_iterated() -> None:
    criteria = MODELS.AuthenticationTypeCriteria
    with _tolerant():
        got = criteria.from_dict({"type": "MatchAny", "values": "SAML"})
    assert got.values == "SAML"  # not ["S", "A", "M", "L"]
    with pytest.raises(TypeError, match="expected list"):
        criteria.from_dict({"type": "MatchAny", "values": "SAML"})  # no policy: strict


def test_each_item_of_a_list_of_primitives_is_checked_on_its_own() -> None:
    close = MODELS.CloseDuplicateIssues
    body = {"parentIssueNumber": 1, "duplicateIssueNumbers": [2, "3", None, 4]}
    with _tolerant():
        got = close.from_dict(body)
    assert got.duplicate_issue_numbers == [2, "3", None, 4]
    assert ("CloseDuplicateIssues", "duplicateIssueNumbers[]") in reported_oddities()
    with pytest.raises(TypeError, match="expected int, got str"):
        close.from_dict(body)


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
