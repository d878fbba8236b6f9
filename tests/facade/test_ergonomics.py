"""What a user notices beyond "it works": error messages that say what to do, readable reprs,
arguments checked before anything is sent."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx
import pytest
from issuetrak import filters as f
from issuetrak.errors import (
    ArityError,
    InvalidPatchError,
    IssuetrakError,
    NotFoundError,
    PermissionConflictError,
    UnknownFieldError,
    UsageError,
)
from issuetrak.permissions import RULES
from issuetrak_tools.spec import load_document

from .conftest import FacadeClient, Recorder, sample

DOC = load_document()
ISSUE = sample(DOC, {"$ref": "#/components/schemas/Issue"}) | {"iid": 77}


def _paged(values: list[Any]) -> dict[str, Any]:
    paging = {"page": 1, "itemTotal": len(values), "pageCount": 1}
    return {"traceId": "t", "values": values, "pagingInformation": paging}


def test_every_error_is_importable_from_issuetrak_errors_and_shares_one_base() -> None:
    for cls in (ArityError, InvalidPatchError, NotFoundError, PermissionConflictError):
        assert issubclass(cls, IssuetrakError)
    assert issubclass(UnknownFieldError, ValueError)  # UsageErrors are ValueErrors too


def test_search_takes_criteria_as_keywords_like_where(
    client: FacadeClient, recorder: Recorder
) -> None:
    user = sample(DOC, {"$ref": "#/components/schemas/User"})
    recorder.on("POST", "/Users/Search", _paged([user]))
    found = list(client.users.search(first_name=f.starts_with("S"), sort_field="LastName"))
    assert len(found) == 1
    sent = recorder.bodies()[0]
    assert sent["firstName"] == {"type": "StartsWith", "values": ["S"]}
    assert sent["sortField"] == "LastName"


def test_issue_search_keywords_put_criteria_under_filter_and_options_on_the_body(
    client: FacadeClient, recorder: Recorder
) -> None:
    recorder.on("POST", "/Issues/Search", _paged([ISSUE]))
    list(client.issues.search(subject=f.contains("jam"), is_open=f.is_true()))
    sent = recorder.bodies()[0]
    assert sent["filter"] == {
        "subject": {"type": "Contains", "values": ["jam"]},
        "isOpen": {"type": "IsTrue"},
    }


def test_a_typo_in_a_field_name_suggests_the_field_meant(client: FacadeClient) -> None:
    with pytest.raises(UnknownFieldError, match=r"'frist_name' \(did you mean 'first_name'\?\)"):
        f.where(frist_name=f.match_any("Susan")).to_dict("UserFilter")
    with pytest.raises(UnknownFieldError, match=r"did you mean 'email'"):
        client.users.update(1, emial="a@b.example")
    with pytest.raises(InvalidPatchError, match=r"did you mean 'subject'"):
        client.issues.patch(1).replace("subjcet", "x")


def test_combining_filters_of_an_entity_without_nested_filters_says_so() -> None:
    either = f.where(is_active=f.is_true()) | f.where(first_name=f.contains("x"))
    with pytest.raises(UnknownFieldError, match=r"only filters with nested filters \(issues\)"):
        either.to_dict("UserFilter")


def test_a_plain_value_is_the_match_any_criterion_and_a_bool_is_true_or_false() -> None:
    assert f.where(first_name="Susan", is_active=False).to_dict("UserFilter") == f.where(
        first_name=f.match_any("Susan"), is_active=f.is_false()
    ).to_dict("UserFilter")
    assert f.where(first_name=["Ada", "Grace"]).to_dict("UserFilter") == f.where(
        first_name=f.match_any("Ada", "Grace")
    ).to_dict("UserFilter")


def test_every_missing_required_field_is_named_at_once(client: FacadeClient) -> None:
    with pytest.raises(
        UsageError, match=r"missing required fields 'description', 'issue_type_iid'"
    ):
        client.issues.create(subject="Printer jam")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda c: c.priorities.create(name="x", display_order="high"),
            "display_order must be a number",
        ),
        (lambda c: c.users.update(3, is_active="yes"), "is_active must be True or False"),
        (lambda c: c.users.update(3, first_name=None), "first_name cannot be None"),
        (lambda c: c.groups.update(3, permissions="IsAdmin"), "permissions must be a list"),
    ],
)
def test_values_of_the_wrong_type_are_refused_before_any_request(
    client: FacadeClient, recorder: Recorder, call: Any, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        call(client)
    assert recorder.requests == []


def test_a_date_for_a_date_time_patch_path_is_sent_as_midnight() -> None:
    patch = FacadeClient("https://s.example", token="t").issues.patch(5)
    patch.replace("target_date", dt.date(2024, 5, 1))
    assert patch.operations == [
        {"op": "Replace", "path": "/TargetDate", "value": "2024-05-01T00:00:00"}
    ]


def test_a_filter_repr_is_the_code_that_builds_it() -> None:
    built = f.where(
        f.udf("text", 4, f.contains("VIP")),
        first_name=f.match_any("Susan", "John"),
        assets=f.any_entity(name=f.starts_with("PC-")),
        is_active=f.is_true(),
    )
    namespace = {name: getattr(f, name) for name in f.__all__}
    assert eval(repr(built), namespace) == built  # our own repr, evaluated back


def test_pages_and_pagers_print_short(client: FacadeClient, recorder: Recorder) -> None:
    users = [sample(DOC, {"$ref": "#/components/schemas/User"}) for _ in range(3)]
    recorder.on("GET", "/Users", _paged(users))
    pager = client.users.list()
    assert repr(pager) == "<SyncPager users.get_users page_size=100>"
    page = next(iter(pager.pages()))
    assert repr(page) == "<Page 1/1: 3 items, item_total=3>"
    assert repr(pager) == "<SyncPager users.get_users page_size=100 total=3>"


def test_every_permission_rule_states_its_source() -> None:
    assert all(rule.source for rule in RULES)


def test_namespace_and_client_reprs_name_what_they_hold(client: FacadeClient) -> None:
    assert repr(client) == (
        f"Issuetrak(base_url='https://site.example/api/v2', version={client.version.label!r})"
    )
    text = repr(client.users)
    assert text.startswith("<Users users: ")
    assert "search" in text and "update" in text


def test_a_merge_update_sends_the_changed_field_as_the_document_names_it(
    client: FacadeClient, recorder: Recorder
) -> None:
    stored = sample(DOC, {"$ref": "#/components/schemas/User"}) | {"iid": 3}
    recorder.on("GET", "/Users/3", {"traceId": "t", "values": stored})
    recorder.on(
        "PUT", "/Users/3", lambda r: {"traceId": "t", "values": stored | json.loads(r.content)}
    )
    client.users.update(3, should_honor_daylight_savings_time=False)
    assert recorder.bodies()[1]["shouldHonorDaylightSavingsTime"] is False


def test_a_transport_error_is_not_swallowed(recorder: Recorder) -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = FacadeClient(
        "https://s.example",
        token="t",
        transport=httpx.MockTransport(broken),
        max_retries=0,
        rate_limits=None,
    )
    with pytest.raises(IssuetrakError):
        client.users.get(1)


def test_a_misspelt_namespace_or_method_suggests_the_name_meant(client: FacadeClient) -> None:
    with pytest.raises(AttributeError, match=r"'user'.*did you mean 'users'"):
        client.user  # noqa: B018
    with pytest.raises(AttributeError, match=r"'serach'.*did you mean 'search'"):
        client.users.serach  # noqa: B018


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"page_size": 500}, r"users.get_users: page_size must be between 1 and 100"),
        ({"page_size": "50"}, r"page_size must be an int, got '50'"),
        ({"page_number": 0}, r"page_number must be 1 or larger"),
    ],
)
def test_bad_paging_arguments_are_usage_errors_naming_the_operation(
    client: FacadeClient, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        client.users.list(**kwargs)


def test_a_misspelt_filter_model_name_suggests_the_model() -> None:
    with pytest.raises(UsageError, match=r"no model 'UserFiltr' \(did you mean 'UserFilter'\?\)"):
        f.where().to_dict("UserFiltr")
