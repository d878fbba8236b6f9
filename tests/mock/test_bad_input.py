"""Bad input never breaks the mock: the 400, 413 or 415 an ASP.NET site gives, nothing unservable
stored, every body JSON, oversize bodies refused before they are read in full."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from issuetrak_mock import FrozenClock, create_app
from issuetrak_mock import app as app_module
from issuetrak_mock.validation import MAX_DEPTH

from .conftest import client, document, serve

SMALL_LIMIT = 64 * 1024
JSON = {"Content-Type": "application/json"}


def _strict_json(data: bytes) -> Any:
    """Parse as a strict client does: UTF-8, no NaN/Infinity, no lone surrogates."""

    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    value = json.loads(data.decode("utf-8"), parse_constant=refuse)
    json.dumps(value, ensure_ascii=False).encode("utf-8")  # a lone surrogate fails here
    return value


def _problem(response: httpx.Response, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = _strict_json(response.content)
    assert body["status"] == status and body["traceId"] and body["title"]
    return body


@pytest.fixture(scope="module")
def app() -> Any:
    return create_app(
        document=document(),
        clock=FrozenClock(),
        rate_limits=None,
        issues=30,
        max_body_bytes=SMALL_LIMIT,
    )


@pytest.fixture(scope="module")
def c(app: Any) -> Iterator[httpx.Client]:
    with client(app) as c:
        yield c


def _count(c: httpx.Client, path: str) -> int:
    if path == "/Issues":
        response = c.post("/Issues/Search", json={"pageSize": 1})
    else:
        response = c.get(path, params={"PageSize": 1})
    total: int = response.json()["pagingInformation"]["itemTotal"]
    return total


def _everything_servable(c: httpx.Client) -> None:
    """Every stored priority, cause and issue can be sent again as JSON."""
    for path in ("/Priorities", "/Causes"):
        _strict_json(c.get(path, params={"PageSize": 100}).content)
    pages = c.post("/Issues/Search", json={"pageSize": 100}).json()["pagingInformation"]
    for page in range(1, pages["pageCount"] + 1):
        response = c.post("/Issues/Search", json={"pageSize": 100, "pageNumber": page})
        assert response.status_code == 200
        _strict_json(response.content)


# -- what the site refuses, case by case -------------------------------------------------------


def _nested(depth: int, inner: bytes = b"1") -> bytes:
    return b'{"name":"deep","x":' + b"[" * (depth - 1) + inner + b"]" * (depth - 1) + b"}"


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 990, 30_000])
def test_json_nested_deeper_than_64_is_a_problem_details(c: httpx.Client, depth: int) -> None:
    before = _count(c, "/Causes")
    body = _problem(c.post("/Causes", content=_nested(depth), headers=JSON))
    assert "maximum configured depth of 64" in body["errors"]["$"][0]
    assert _count(c, "/Causes") == before


def test_json_nested_64_deep_is_read(c: httpx.Client) -> None:
    # the unknown field is ignored, as the site ignores it; only the depth is the point
    assert c.post("/Causes", content=_nested(MAX_DEPTH), headers=JSON).status_code == 201


@pytest.mark.parametrize(
    ("path", "content", "where"),
    [
        ("/Issues/Search", b'{"pageSize": ' + b"9" * 5000 + b"}", "$.pageSize"),
        ("/Priorities", b'{"name": "p", "displayOrder": 1' + b"0" * 5000 + b"}", "$.displayOrder"),
        ("/Priorities", b'{"name": "p", "displayOrder": 1e999}', "$.displayOrder"),
        ("/Priorities", b'{"name": "p", "displayOrder": -1' + b"0" * 400 + b"}", "$.displayOrder"),
    ],
)
def test_numbers_beyond_a_double_are_a_problem_details(
    c: httpx.Client, path: str, content: bytes, where: str
) -> None:
    before = _count(c, "/Priorities")
    assert where in _problem(c.post(path, content=content, headers=JSON))["errors"]
    assert _count(c, "/Priorities") == before


def test_an_integer_too_long_for_int32_does_not_bind_to_an_integer_field(c: httpx.Client) -> None:
    body = _problem(
        c.post("/Issues/Search", content=b'{"pageSize": 1' + b"0" * 30 + b"}", headers=JSON)
    )
    assert "System.Int32" in body["errors"]["$.pageSize"][0]
    assert (
        "System.Int32"
        in _problem(c.post("/Issues/Search", json={"pageSize": 2.0}))["errors"]["$.pageSize"][0]
    )


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_and_infinity_are_not_json(c: httpx.Client, literal: bytes) -> None:
    content = b'{"name": "p", "displayOrder": ' + literal + b"}"
    body = _problem(c.post("/Priorities", content=content, headers=JSON))
    assert "invalid start of a value" in body["errors"]["$"][0]
    _everything_servable(c)


@pytest.mark.parametrize(
    "content",
    [
        b'{"subject": "bad \\ud800 x", "description": "d", "issueTypeIid": 1}',
        b'{"subject": "bad \\udfff", "description": "d", "issueTypeIid": 1}',
        b'{"subject": "s", "description": "d", "issueTypeIid": 1, "\\ud800": 1}',
    ],
)
def test_a_lone_surrogate_is_refused_and_nothing_is_stored(c: httpx.Client, content: bytes) -> None:
    before = _count(c, "/Issues")
    body = _problem(c.post("/Issues/Create", content=content, headers=JSON))
    assert "Invalid surrogate value" in next(iter(body["errors"].values()))[0]
    assert _count(c, "/Issues") == before
    _everything_servable(c)


def test_a_surrogate_pair_is_a_character_and_is_kept(c: httpx.Client) -> None:
    content = b'{"subject": "clef \\ud834\\udd1e", "description": "d", "issueTypeIid": 1}'
    created = c.post("/Issues/Create", content=content, headers=JSON)
    assert created.status_code == 201
    assert _strict_json(created.content)["values"]["subject"] == "clef \U0001d11e"


def test_bytes_that_are_not_utf8_are_a_problem_details(c: httpx.Client) -> None:
    body = _problem(c.post("/Causes", content=b'{"name": "caf\xe9"}', headers=JSON))
    assert "0xE9" in body["errors"]["$"][0]


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "", "application/x-www-form-urlencoded", "multipart/form-data; boundary=b"],
)
def test_a_body_that_is_not_declared_json_is_415(c: httpx.Client, content_type: str) -> None:
    before = _count(c, "/Causes")
    headers = {"Content-Type": content_type} if content_type else {}
    body = _problem(c.post("/Causes", content=b'{"name": "x"}', headers=headers), 415)
    assert body["title"] == "Unsupported Media Type"
    assert _count(c, "/Causes") == before


def test_json_media_types_and_utf16_are_read(c: httpx.Client) -> None:
    for content_type in (
        "text/json",
        "application/merge-patch+json",
        "application/json; charset=UTF-8",
    ):
        response = c.post(
            "/Causes", content=b'{"name": "ok"}', headers={"Content-Type": content_type}
        )
        assert response.status_code == 201, content_type
    text = '{"name": "caf\u00e9"}'
    for codec in ("utf-16", "utf-8-sig"):
        charset = "utf-16" if codec == "utf-16" else "utf-8"
        response = c.post(
            "/Causes",
            content=text.encode(codec),
            headers={"Content-Type": f"application/json; charset={charset}"},
        )
        assert response.status_code == 201 and response.json()["values"]["name"] == "caf\u00e9"


def test_a_charset_the_site_does_not_read_is_415(c: httpx.Client) -> None:
    response = c.post(
        "/Causes",
        content=b'{"name": "x"}',
        headers={"Content-Type": "application/json; charset=latin1"},
    )
    assert "latin1" in _problem(response, 415)["detail"]


def test_an_upload_that_is_not_multipart_is_415(c: httpx.Client) -> None:
    _problem(c.post("/Issues/1/Attachments/Upload", json={"file": "x"}), 415)


def test_multipart_fields_that_are_not_utf8_are_read_as_text_that_can_be_sent_back(
    c: httpx.Client,
) -> None:
    def upload(*parts: bytes) -> httpx.Response:
        content = b"".join(b"--b0undary\r\n" + part + b"\r\n" for part in parts)
        return c.post(
            "/Issues/1/Attachments/Upload",
            content=content + b"--b0undary--\r\n",
            headers={"Content-Type": "multipart/form-data; boundary=b0undary"},
        )

    file = (
        b'Content-Disposition: form-data; name="File"; filename="r\xe9sum\xc3\xa9.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nhello"
    )
    flag = b'Content-Disposition: form-data; name="IsPrivate"\r\n\r\n\xff'
    assert "IsPrivate" in _problem(upload(file, flag))["errors"]
    response = upload(file)
    assert response.is_success, response.text
    names = [a["originalFileName"] for a in _strict_json(response.content)["values"]]
    assert names == ["r\ufffdsum\u00e9.txt"]  # the stray byte is replaced, the UTF-8 kept


# -- oversize bodies: refused before they are read in full ------------------------------------


async def _asgi(
    app: Any, headers: list[tuple[bytes, bytes]], chunks: AsyncIterator[bytes]
) -> tuple[int, bytes, int]:
    """Call the app directly: (status, body, how many body chunks it pulled)."""
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": await anext(chunks), "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v2/Causes",
        "raw_path": b"/api/v2/Causes",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"mock"), (b"content-type", b"application/json"), *headers],
        "server": ("mock", 80),
        "client": ("127.0.0.1", 1),
    }
    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body, pulled


async def _endless(chunk: bytes = b" " * 8192) -> AsyncIterator[bytes]:
    while True:
        yield chunk


def _token_header(app: Any) -> tuple[bytes, bytes]:
    return (b"x-api-key", app.state.tokens["admin"].encode())


def test_a_declared_length_over_the_limit_is_413_before_any_byte_is_read(app: Any) -> None:
    headers = [_token_header(app), (b"content-length", str(10 * 1024 * 1024).encode())]
    status, body, pulled = asyncio.run(_asgi(app, headers, _endless()))
    assert status == 413 and pulled == 0
    assert _strict_json(body)["title"] == "Payload Too Large"


def test_an_endless_body_is_413_once_the_limit_is_passed(app: Any) -> None:
    status, body, pulled = asyncio.run(_asgi(app, [_token_header(app)], _endless()))
    assert status == 413 and _strict_json(body)["status"] == 413
    assert pulled == SMALL_LIMIT // 8192 + 1  # stopped at the first chunk past the limit


def test_the_body_limit_is_checked_after_auth(app: Any) -> None:
    headers = [(b"content-length", str(10 * 1024 * 1024).encode())]
    status, _, pulled = asyncio.run(_asgi(app, headers, _endless()))
    assert status == 401 and pulled == 0


def test_the_body_limit_is_configurable_and_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="max_body_bytes"):
        create_app(document=document(), issues=1, max_body_bytes=-1)


@pytest.mark.network
def test_a_slow_oversize_body_blocks_no_other_request(app: Any) -> None:
    token = app.state.tokens["admin"]
    with serve(app) as (_, port), socket.create_connection(("127.0.0.1", port), timeout=10) as slow:
        slow.sendall(
            b"POST /api/v2/Causes HTTP/1.1\r\nHost: mock\r\nContent-Type: application/json\r\n"
            + f"X-Api-Key: {token}\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
            + b"1000\r\n"
            + b" " * 0x1000
            + b"\r\n"
        )
        # the first upload is half sent and stays so: another client is served meanwhile
        other = httpx.get(
            f"http://127.0.0.1:{port}/api/v2/Issues/1",
            headers={"X-Api-Key": token},
            timeout=10,
        )
        assert other.status_code == 200
        chunk = b"1000\r\n" + b" " * 0x1000 + b"\r\n"
        answer = b""
        try:
            for _ in range(SMALL_LIMIT // 0x1000 + 8):
                slow.sendall(chunk)
        except OSError:
            pass  # the server may close once it has answered
        while b"\r\n\r\n" not in answer:
            got = slow.recv(65536)
            if not got:
                break
            answer += got
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


# -- an error in the mock itself is still answered in JSON -------------------------------------


def test_an_unexpected_error_is_a_json_500_and_is_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, app: Any
) -> None:
    def broken(*_: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(app_module, "dispatch", broken)
    fresh = create_app(document=document(), issues=2, rate_limits=None)
    with client(fresh) as c:
        body = _problem(c.get("/Issues/1"), 500)
    assert body["title"] == "An error occurred while processing your request."
    assert "boom" in caplog.text


# -- a fuzzer's view: bytes, JSON shapes, depths, sizes, encodings, content types --------------

_CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/json; charset=utf-16",
        'application/json;charset="UTF-8"',
        "text/json",
        "application/problem+json",
        "application/json; charset=latin1",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz",
        "multipart/form-data",
        "",
        "application/",
        ";;;=",
    ]
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
_JSON_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "name",
                    "subject",
                    "description",
                    "issueTypeIid",
                    "displayOrder",
                    "filter",
                    "pageSize",
                    "pageNumber",
                    "sortField",
                    "values",
                    "type",
                    "iid",
                    "op",
                    "path",
                    "value",
                    "isActive",
                    "udfs",
                    "nestedFilters",
                    "queryOperator",
                    "negateAll",
                ]
            )
            | st.text(max_size=8),
            inner,
            max_size=5,
        ),
    ),
    max_leaves=12,
)
_ODD_TOKENS = st.sampled_from(
    [
        b"NaN",
        b"Infinity",
        b"-Infinity",
        b"1e999",
        b"-1e999",
        b"9" * 5000,
        b"0." + b"0" * 400 + b"1",
        b'"\\ud800"',
        b'"\\udc00x"',
        b'"\\ud800\\ud800"',
        b'"\\u0000"',
        b'"\xff\xfe"',
        b"tru",
        b"nul",
        b"[",
        b"{",
        b'{"a":}',
        b"01",
        b"-",
        b'"' + b"x" * 3000 + b'"',
    ]
)


_VALID_FIELDS = {
    b"name": b'"n"',
    b"subject": b'"s"',
    b"description": b'"d"',
    b"issueTypeIid": b"1",
    b"displayOrder": b"2",
    b"pageSize": b"10",
}


@st.composite
def _bodies(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["json", "odd", "deep", "bytes", "big", "encoded"]))
    if kind == "json":
        return json.dumps(draw(_JSON_VALUES)).encode()
    if kind == "odd":
        # a body the routes accept, with odd tokens in some of its fields
        fields = []
        for key, valid in _VALID_FIELDS.items():
            value = draw(st.one_of(st.just(valid), _ODD_TOKENS))
            fields.append(b'"' + key + b'": ' + value)
        if draw(st.booleans()):
            odd = draw(_ODD_TOKENS)
            return b'[{"op": "Replace", "path": "/Subject", "value": ' + odd + b"}]"
        return b"{" + b", ".join(fields) + b"}"
    if kind == "deep":
        depth = draw(st.integers(MAX_DEPTH - 2, 2000))
        opener, closer = draw(st.sampled_from([(b"[", b"]"), (b'{"a":', b"}")]))
        return opener * depth + b"1" + closer * depth
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "big":
        return b'{"name": "' + b"x" * draw(st.integers(SMALL_LIMIT - 20, SMALL_LIMIT + 50)) + b'"}'
    text = json.dumps(draw(_JSON_VALUES), ensure_ascii=draw(st.booleans()))
    codec = draw(st.sampled_from(["utf-16", "utf-16-le", "utf-32", "latin-1", "utf-8-sig"]))
    return text.encode(codec, "replace")


_PATHS = st.sampled_from(
    [
        ("POST", "/Causes"),
        ("POST", "/Priorities"),
        ("PUT", "/Causes/1"),
        ("POST", "/Causes/Search"),
        ("POST", "/Issues/Search"),
        ("POST", "/Issues/Create"),
        ("PATCH", "/Issues/1"),
        ("PUT", "/Users/3"),
        ("POST", "/Users/3/Memberships/Groups"),
        ("POST", "/Issues/1/Attachments/Upload"),
        ("POST", "/Issues/Close/Duplicate"),
        ("POST", "/Organizations/Search"),
        ("GET", "/Issues/1"),
    ]
)


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(route=_PATHS, content_type=_CONTENT_TYPES, body=_bodies())
def test_no_malformed_request_gets_a_5xx_or_a_body_that_is_not_json(
    c: httpx.Client, route: tuple[str, str], content_type: str, body: bytes
) -> None:
    method, path = route
    headers = {"Content-Type": content_type} if content_type else {}
    response = c.request(method, path, content=body, headers=headers)
    assert response.status_code < 500, response.text
    if response.content:
        _strict_json(response.content)
    if response.is_success and method != "GET":
        # what was accepted can be read back: the newest records are on the last page
        for read in (c.get("/Causes"), c.get("/Priorities"), c.get("/Issues/1"), c.get("/Users/3")):
            assert read.status_code == 200
            _strict_json(read.content)
        last = c.post("/Issues/Search", json={"pageSize": 100}).json()["pagingInformation"]
        page = c.post("/Issues/Search", json={"pageSize": 100, "pageNumber": last["pageCount"]})
        _strict_json(page.content)


def test_after_the_fuzzing_everything_stored_is_servable(c: httpx.Client) -> None:
    _everything_servable(c)
