"""``with_raw_response``, trace ids of successful calls, and per-call options."""

from __future__ import annotations

import asyncio
import inspect
import json
from typing import Any

import httpx
import pytest
from issuetrak import ConfigurationError, NotFoundError, Page, RawResponse, trace_id_of

from .conftest import AsyncFacadeClient, FacadeClient, Recorder, record


def _user_reply(doc: dict[str, Any], trace: str = "0HM:0007") -> dict[str, Any]:
    return {"traceId": trace, "values": record(doc, "User", iid=7)}


def _page_reply(doc: dict[str, Any], trace: str = "0HM:0008") -> dict[str, Any]:
    return {
        "traceId": trace,
        "values": [record(doc, "User", iid=i) for i in (1, 2)],
        "pagingInformation": {"page": 1, "itemTotal": 2, "pageCount": 1},
    }


def test_raw_response_has_status_headers_trace_and_parses_to_the_plain_result(
    client: FacadeClient, recorder: Recorder, doc: dict[str, Any]
) -> None:
    recorder.on("GET", "/Users/7", _user_reply(doc))
    raw = client.with_raw_response.users.get(7)
    assert isinstance(raw, RawResponse)
    assert raw.status_code == 200 and raw.trace_id == "0HM:0007"
    assert raw.headers["content-type"] == "application/json"
    assert isinstance(raw.http_response, httpx.Response) and raw.attempts == 1
    assert raw.parse() is raw.parse()  # parsed once
    assert raw.parse() == client.users.get(7)
    assert "X-Api-Key" not in raw.http_response.request.headers


def test_raw_response_of_a_paged_operation_is_one_page(
    client: FacadeClient, recorder: Recorder, doc: dict[str, Any]
) -> None:
    recorder.on("GET", "/Users", _page_reply(doc))
    raw = client.with_raw_response.users.list(page_size=2)
    page = raw.parse()
    assert isinstance(page, Page) and [u.iid for u in page.items] == [1, 2]
    assert page.trace_id == raw.trace_id == "0HM:0008"
    assert len(recorder.requests) == 1


def test_raw_response_errors_like_the_plain_call_and_the_error_has_the_response(
    client: FacadeClient, recorder: Recorder
) -> None:
    recorder.on("GET", "/Users/8", {"traceId": "0HM:9", "information": []}, status=404)
    with pytest.raises(NotFoundError) as info:
        client.with_raw_response.users.get(8)
    assert info.value.response is not None and info.value.response.status_code == 404
    assert info.value.request is not None and info.value.request.url.path == "/api/v2/Users/8"


def test_the_trace_id_of_a_successful_call_is_on_the_record_and_on_every_page(
    client: FacadeClient, recorder: Recorder, doc: dict[str, Any]
) -> None:
    recorder.on("GET", "/Users/7", _user_reply(doc, "0HM:0011"))
    recorder.on("GET", "/Users", _page_reply(doc, "0HM:0012"))
    assert trace_id_of(client.users.get(7)) == "0HM:0011"
    pager = client.users.list()
    [page] = list(pager.pages())
    assert page.trace_id == "0HM:0012"
    assert trace_id_of(page) == trace_id_of(page.items[0]) == "0HM:0012"
    assert trace_id_of(object()) is None


def test_merge_update_through_raw_response_gives_the_puts_reply(
    client: FacadeClient, recorder: Recorder, doc: dict[str, Any]
) -> None:
    recorder.on("GET", "/Users/7", _user_reply(doc, "0HM:get"))
    recorder.on("PUT", "/Users/7", _user_reply(doc, "0HM:put"))
    raw = client.with_raw_response.users.update(7, first_name="Ada")
    assert raw.http_response.request.method == "PUT" and raw.trace_id == "0HM:put"


def test_async_raw_response(recorder: Recorder, async_client: AsyncFacadeClient, doc) -> None:
    recorder.on("GET", "/Users/7", _user_reply(doc))

    async def run() -> Any:
        async with async_client:
            raw = await async_client.with_raw_response.users.get(7)
            return raw.trace_id, raw.parse().iid

    assert asyncio.run(run()) == ("0HM:0007", 7)


def test_per_call_options_reach_the_request(
    client: FacadeClient, recorder: Recorder, doc: dict[str, Any]
) -> None:
    recorder.on("GET", "/Users/7", _user_reply(doc))
    client.users.get(7, timeout=5, extra_headers={"X-Correlation-Id": "job-42"})
    sent = recorder.requests[-1]
    assert sent.headers["X-Correlation-Id"] == "job-42"
    assert sent.extensions["timeout"]["read"] == 5


def test_per_call_max_retries_and_deadline_override_the_clients(
    recorder: Recorder, doc: dict[str, Any]
) -> None:
    from issuetrak import InternalServerError, Issuetrak

    calls: list[int] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503, headers={"Retry-After": "0"})

    with Issuetrak(
        "https://site.example",
        token="t0ken",
        transport=httpx.MockTransport(flaky),
        rate_limits=None,
        max_retries=3,
    ) as c:
        with pytest.raises(InternalServerError):
            c.users.get(7, max_retries=0)
        assert len(calls) == 1
        with pytest.raises(InternalServerError):
            c.users.get(7, max_retries=1)
        assert len(calls) == 3


def test_per_call_options_apply_to_every_page_of_a_pager(
    client: FacadeClient, recorder: Recorder, doc: dict[str, Any]
) -> None:
    def pages(request: httpx.Request) -> dict[str, Any]:
        number = int(request.url.params["PageNumber"])
        return {
            "traceId": "t",
            "values": [record(doc, "User", iid=number)],
            "pagingInformation": {"page": number, "itemTotal": 3, "pageCount": 3},
        }

    recorder.on("GET", "/Users", pages)
    assert len(client.users.list(page_size=1, extra_headers={"X-Job": "7"}).to_list()) == 3
    assert [r.headers["X-Job"] for r in recorder.requests] == ["7", "7", "7"]


def test_per_call_options_on_the_patch_builder_and_on_create(
    client: FacadeClient, recorder: Recorder, doc: dict[str, Any]
) -> None:
    recorder.on("PATCH", "/Issues/3", {"traceId": "t", "values": record(doc, "Issue", iid=3)})
    client.issues.patch(3).add_note("hello").send(extra_headers={"X-Job": "p"})
    assert recorder.requests[-1].headers["X-Job"] == "p"
    client.issues.patch(3, timeout=4).add_note("again").send()
    assert recorder.requests[-1].extensions["timeout"]["read"] == 4
    created = {"traceId": "t", "values": record(doc, "Priority")}
    recorder.on("POST", "/Priorities", created, status=201)
    client.priorities.create(name="High", timeout=2)
    assert recorder.requests[-1].extensions["timeout"]["connect"] == 2
    assert json.loads(recorder.requests[-1].content)["name"] == "High"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timeout": "5"}, "timeout must be seconds"),
        ({"max_retries": -1}, "max_retries must be an int >= 0"),
        ({"deadline": 0}, "deadline must be > 0"),
        ({"extra_headers": {"X-Api-Key": "other"}}, "must not set X-Api-Key"),
        ({"extra_headers": {"X-N": 5}}, "must map strings to strings"),
    ],
)
def test_bad_per_call_options_fail_before_sending(
    client: FacadeClient, recorder: Recorder, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        client.users.get(7, **options)
    assert recorder.requests == []


def test_help_shows_the_facade_signature_with_fields_and_options(client: FacadeClient) -> None:
    create = inspect.signature(client.users.create)
    assert list(create.parameters)[:3] == ["body", "first_name", "last_name"]
    assert create.parameters["first_name"].annotation == "str"  # required unless body= is given
    assert create.parameters["time_zone"].annotation == "TimeZones | str"
    assert {"timeout", "max_retries", "deadline", "extra_headers"} <= set(create.parameters)
    get = inspect.signature(client.users.get)
    assert list(get.parameters) == [
        "iid",
        "timeout",
        "max_retries",
        "deadline",
        "extra_headers",
        "unknown",  # **unknown: a misspelt keyword gets a "did you mean" at run time
    ]
    update = inspect.signature(client.users.update)
    assert update.parameters["iid"].kind is inspect.Parameter.POSITIONAL_ONLY
    assert repr(update.parameters["email"].default) == "NOT_GIVEN"  # None would be sent
