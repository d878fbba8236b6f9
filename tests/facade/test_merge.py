from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from issuetrak._facade_errors import RecordNotFoundError, UnknownFieldError
from issuetrak._models import snake
from issuetrak_tools import _describe as _catalog
from issuetrak_tools.spec import iter_operations, load_document

from .conftest import (
    BASE,
    AsyncFacadeClient,
    FacadeClient,
    Recorder,
    resolve,
    sample,
    success_response,
)

DOC = load_document()


def _merge_entities() -> list[tuple[str, str, str]]:
    """(tag, GET path, PUT path) for every tag with GET and PUT by iid, from the document."""
    by_path: dict[str, dict[str, Any]] = {}
    for op in iter_operations(DOC):
        by_path.setdefault(op.path, {})[op.method] = op
    out = []
    for path, methods in sorted(by_path.items()):
        if path.endswith("/{iid}") and path.count("/") == 2 and {"GET", "PUT"} <= set(methods):
            op_id = methods["PUT"].operation_id
            tag = next(t for t in _catalog.tags() if snake(op_id) in _catalog.operation_names(t))
            out.append((tag, path, path))
    return out


ENTITIES = _merge_entities()
PRIO_PUT = success_response(DOC, "PUT", "/Priorities/{iid}")[0]


def _schema(path: str, method: str, part: str) -> dict[str, Any]:
    op = DOC["paths"][path][method]
    if part == "request":
        return resolve(DOC, op["requestBody"]["content"]["application/json"]["schema"])
    status = next(s for s in op["responses"] if s.startswith("2"))
    envelope = resolve(DOC, op["responses"][status]["content"]["application/json"]["schema"])
    return resolve(DOC, envelope["properties"]["values"])


def _project(value: Any, schema: dict[str, Any]) -> Any:
    """Keep what ``schema`` declares (an independent statement of 'read -> update mapping')."""
    schema = resolve(DOC, schema)
    if isinstance(value, dict) and "properties" in schema:
        return {
            k: _project(v, schema["properties"][k])
            for k, v in value.items()
            if k in schema["properties"]
        }
    if isinstance(value, list) and "items" in schema:
        return [_project(v, schema["items"]) for v in value]
    return value


def _changeable(update: dict[str, Any], read: dict[str, Any]) -> str:
    for name, prop in update["properties"].items():
        prop = resolve(DOC, prop)
        if (
            name in read["properties"]
            and prop.get("type") == "string"
            and "enum" not in prop
            and "format" not in prop
        ):
            return name
    raise AssertionError("no plain string field to change")


def test_the_document_has_merge_updatable_entities() -> None:
    assert {"users", "groups", "priorities", "organizations"} <= {t for t, _, _ in ENTITIES}


@pytest.mark.parametrize(("tag", "get_path", "put_path"), ENTITIES, ids=[e[0] for e in ENTITIES])
def test_update_puts_the_stored_record_with_only_the_named_field_changed(
    tag: str, get_path: str, put_path: str
) -> None:
    read = _schema(get_path, "get", "response")
    update = _schema(put_path, "put", "request")
    stored = sample(DOC, read) | {"iid": 31}
    field = _changeable(update, read)
    seen: list[httpx.Request] = []
    put_status, _ = success_response(DOC, "PUT", put_path)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path = request.url.path.removeprefix("/api/v2")
        assert path == get_path.replace("{iid}", "31"), path
        if request.method == "GET":
            return httpx.Response(200, json={"traceId": "t", "values": stored})
        assert request.method == "PUT"
        written = sample(DOC, _schema(put_path, "put", "response")) | json.loads(request.content)
        return httpx.Response(put_status, json={"traceId": "t", "values": written})

    client = FacadeClient(
        BASE, token="t0ken", transport=httpx.MockTransport(handler), rate_limits=None, max_retries=0
    )
    python_name = snake(field)
    result = getattr(client, tag).update(31, **{python_name: "changed value"})
    assert [r.method for r in seen] == ["GET", "PUT"]
    sent = json.loads(seen[1].content)
    expected = _project(stored, update) | {field: "changed value"}
    assert sent == expected
    assert not set(sent) - set(update["properties"])  # read-only fields dropped
    assert getattr(result, python_name) == "changed value"


def test_user_email_update_leaves_every_other_field_as_stored(
    client: FacadeClient, recorder: Recorder
) -> None:
    user = sample(DOC, {"$ref": "#/components/schemas/User"}) | {
        "iid": 8,
        "firstName": "Ada",
        "email": "old@x.example",
    }
    recorder.on("GET", "/Users/8", {"traceId": "t", "values": user})
    recorder.on(
        "PUT", "/Users/8", lambda r: {"traceId": "t", "values": {**user, **json.loads(r.content)}}
    )
    updated = client.users.update(8, email="new@x.example")
    sent = recorder.bodies()[1]
    assert sent["email"] == "new@x.example"
    assert sent["firstName"] == "Ada"
    assert "iid" not in sent and "createdDate" not in sent
    assert updated.email == "new@x.example"


def test_unknown_field_names_fail_before_any_request(
    client: FacadeClient, recorder: Recorder
) -> None:
    with pytest.raises(UnknownFieldError, match=r"no field 'e_mail'.*email"):
        client.users.update(8, e_mail="new@x.example")
    assert recorder.requests == []


def test_async_update_merges_the_same_way(
    async_client: AsyncFacadeClient, recorder: Recorder
) -> None:
    prio = sample(DOC, {"$ref": "#/components/schemas/Priority"}) | {"iid": 2, "name": "Low"}
    recorder.on("GET", "/Priorities/2", {"traceId": "t", "values": prio})
    recorder.on(
        "PUT",
        "/Priorities/2",
        lambda r: {"traceId": "t", "values": {**prio, **json.loads(r.content)}},
        status=PRIO_PUT,
    )
    with pytest.raises(UnknownFieldError):
        async_client.priorities.update(2, colour="red")  # raised at call time, before awaiting
    result = asyncio.run(async_client.priorities.update(2, name="High"))
    assert result.name == "High"
    assert [r.method for r in recorder.requests] == ["GET", "PUT"]


def test_update_with_a_full_body_puts_it_as_is(client: FacadeClient, recorder: Recorder) -> None:
    prio = sample(DOC, {"$ref": "#/components/schemas/Priority"}) | {"iid": 2}
    body = sample(DOC, {"$ref": "#/components/schemas/UpdatePriority"})
    recorder.on("PUT", "/Priorities/2", {"traceId": "t", "values": prio}, status=PRIO_PUT)
    client.priorities.update(2, body=body)
    assert recorder.bodies() == [body]


def test_create_takes_snake_case_fields(client: FacadeClient, recorder: Recorder) -> None:
    prio = sample(DOC, {"$ref": "#/components/schemas/Priority"})
    recorder.on(
        "POST",
        "/Priorities",
        {"traceId": "t", "values": prio},
        status=success_response(DOC, "POST", "/Priorities")[0],
    )
    client.priorities.create(name="Urgent", display_order=1.0)
    assert recorder.bodies()[0]["name"] == "Urgent"


def _put_without_get() -> list[tuple[str, str]]:
    """(tag, PUT path) for records the document lets you PUT by iid but not GET by iid."""
    by_path: dict[str, set[str]] = {}
    ids: dict[str, str] = {}
    for op in iter_operations(DOC):
        by_path.setdefault(op.path, set()).add(op.method)
        if op.method == "PUT":
            ids[op.path] = op.operation_id or ""
    out = []
    for path, methods in sorted(by_path.items()):
        if path.endswith("/{iid}") and path.count("/") == 2 and methods == {"PUT"}:
            tag = next(
                t for t in _catalog.tags() if snake(ids[path]) in _catalog.operation_names(t)
            )
            out.append((tag, path))
    return out


def test_a_record_without_get_by_iid_is_read_through_search_before_the_put() -> None:
    tag, put_path = _put_without_get()[0]  # departments in the pinned document
    base = put_path.removesuffix("/{iid}")
    search = _catalog.load(tag, _catalog.friendly_names(tag)["search"])
    read_name = search.success[0].__name__.removeprefix("Paged").removesuffix("Response")
    stored = sample(DOC, {"$ref": f"#/components/schemas/{read_name}"}) | {"iid": 6}
    other = stored | {"iid": 60}
    update = _schema(put_path, "put", "request")
    field = _changeable(update, _schema(put_path, "put", "response"))
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path = request.url.path.removeprefix("/api/v2")
        if request.method == "POST" and path == f"{base}/Search":
            envelope = {"page": 1, "itemTotal": 2, "pageCount": 1}
            return httpx.Response(
                200, json={"traceId": "t", "values": [other, stored], "pagingInformation": envelope}
            )
        assert (request.method, path) == ("PUT", put_path.replace("{iid}", "6"))
        return httpx.Response(
            success_response(DOC, "PUT", put_path)[0],
            json={"traceId": "t", "values": stored | json.loads(request.content)},
        )

    client = FacadeClient(
        BASE, token="t0ken", transport=httpx.MockTransport(handler), rate_limits=None, max_retries=0
    )
    result = getattr(client, tag).update(6, **{snake(field): "changed value"})
    criteria = json.loads(seen[0].content)
    assert criteria["iid"] == {"type": "MatchAny", "values": [6]}
    sent = json.loads(seen[1].content)
    assert sent == _project(stored, update) | {field: "changed value"}
    assert getattr(result, snake(field)) == "changed value"


def test_updating_a_record_search_cannot_find_raises_before_any_put() -> None:
    tag, put_path = _put_without_get()[0]
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        paging = {"page": 1, "itemTotal": 0, "pageCount": 0}
        return httpx.Response(200, json={"traceId": "t", "values": [], "pagingInformation": paging})

    client = FacadeClient(
        BASE, token="t0ken", transport=httpx.MockTransport(handler), rate_limits=None, max_retries=0
    )
    update = _schema(put_path, "put", "request")
    field = snake(_changeable(update, update))
    with pytest.raises(RecordNotFoundError, match=rf"{tag}.update: no record with iid 6"):
        getattr(client, tag).update(6, **{field: "x"})
    assert seen == ["POST"]
