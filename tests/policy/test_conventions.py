from __future__ import annotations

import subprocess
import sys

import pytest
from issuetrak import conventions


def test_the_conventions_import_nothing_beyond_the_standard_library() -> None:
    code = (
        "import sys, issuetrak.conventions\n"
        "ours = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('httpx', 'attrs', 'dateutil', 'anyio', 'issuetrak_client')"
        " or (m.startswith('issuetrak.') and not m.startswith('issuetrak.conventions')"
        " and m != 'issuetrak._version'))\n"
        "print(ours)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("method", "path", "write"),
    [
        ("POST", "/Issues", True),
        ("post", "/Issues/Search/", False),
        ("POST", "/Users/search", False),
        ("PATCH", "/Issues/3", True),
        ("DELETE", "/Notes/1", True),
        ("GET", "/Issues/3", False),
    ],
)
def test_a_search_is_a_read_and_other_posts_are_writes(method: str, path: str, write: bool) -> None:
    assert conventions.is_write(method, path) is write


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Example.com:443/api/v2", "https://example.com"),
        ("http://example.com:80", "http://example.com"),
        ("http://example.com:8080/x", "http://example.com:8080"),
        ("http://[::1]:9000/", "http://[::1]:9000"),
        (" example.com/ ", "example.com"),
    ],
)
def test_an_origin_is_scheme_host_and_a_port_other_than_the_default(
    url: str, expected: str
) -> None:
    assert conventions.origin(url) == expected


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("127.0.0.9", True),
        ("[::1]", True),
        ("x.localhost", False),
        ("10.0.0.1", False),
    ],
)
def test_only_names_no_lookup_can_redirect_count_as_loopback(host: str, loopback: bool) -> None:
    assert conventions.is_loopback(host) is loopback


def test_references_resolve_through_escaped_pointers() -> None:
    document = {
        "paths": {
            "/Users/{id}": {"get": {"operationId": "GetUser", "tags": ["Users"]}, "parameters": []}
        },
        "components": {
            "schemas": {"A/B": {"type": "string"}, "Cause": {"$ref": "#/components/schemas/A~1B"}}
        },
    }
    assert conventions.resolve_ref(document, "#/components/schemas/A~1B") == {"type": "string"}
    assert conventions.resolve_ref(document, "other.json#/x") is None
    assert conventions.deref_node(document, {"$ref": "#/components/schemas/Nope"}) == {
        "$ref": "#/components/schemas/Nope"
    }
    assert (
        conventions.value_at(
            document, conventions.pointer("paths", "/Users/{id}", "get", "tags", "0")
        )
        == "Users"
    )


def test_a_ref_name_comes_from_a_reference_or_a_schema_that_wraps_one() -> None:
    assert conventions.ref_name("#/components/schemas/Cause") == "Cause"
    assert conventions.ref_name({"$ref": "#/components/schemas/A~1B"}) == "A/B"
    assert (
        conventions.ref_name(
            {"allOf": [{"$ref": "#/components/schemas/Cause"}], "description": "x"}
        )
        == "Cause"
    )
    assert conventions.ref_name({"type": "string"}) is None


def test_every_reference_inside_a_node_is_listed_without_being_followed() -> None:
    node = {
        "allOf": [{"$ref": "#/components/schemas/A"}, {"properties": {"b": {"$ref": "#/B"}}}],
        "items": [{"$ref": "#/C"}, {"$ref": 3}],
    }
    assert sorted(conventions.refs_in(node)) == ["#/B", "#/C", "#/components/schemas/A"]
    assert list(conventions.refs_in({"type": "string"})) == []


def test_operations_come_in_document_order_with_shared_parameters_first() -> None:
    document = {
        "paths": {
            "/Users/{id}": {
                "parameters": [{"name": "id"}],
                "get": {"operationId": "GetUser", "parameters": [{"name": "expand"}]},
                "x-extension": {"not": "an operation"},
            },
            "/Users": {"post": {"operationId": "CreateUser", "tags": ["Users"]}},
            "/broken": "not a path item",
        }
    }
    ops = list(conventions.iter_operations(document))
    assert [op.key for op in ops] == ["GET /Users/{id}", "POST /Users"]
    assert ops[1].tags == ("Users",)
    assert [p["name"] for p in ops[0].parameters(document)] == ["id", "expand"]


@pytest.mark.parametrize(
    ("content", "trace"),
    [
        (b'{"traceId": "00-ab-01", "data": 1}', "00-ab-01"),
        ('{"traceId": ""}', None),
        (b"[1, 2]", None),
        (b"not json", None),
        (b"\xff\xfe", None),
        (None, None),
    ],
)
def test_a_trace_id_is_read_from_a_json_object_body_only(
    content: bytes | str | None, trace: str | None
) -> None:
    assert conventions.trace_id_in(content) == trace


@pytest.mark.parametrize(
    ("content_type", "json"),
    [
        ("application/json; charset=utf-8", True),
        ("application/problem+json", True),
        ("Text/JSON", True),
        ("text/plain", False),
        (None, False),
    ],
)
def test_json_is_recognised_by_its_content_type(content_type: str | None, json: bool) -> None:
    assert conventions.is_json_content_type(content_type) is json


def test_arity_bounds_and_their_words() -> None:
    assert conventions.arity("RangeInclusive") == (2, 2)
    assert conventions.arity("SomethingNew") == (0, None)
    assert conventions.describe_arity(conventions.arity("MatchAny")) == "at least 1 value"
    assert conventions.describe_arity(conventions.arity("IsBlank")) == "no values"


def test_the_patch_table_is_read_once_per_path_and_round_trips_through_rows() -> None:
    text = (
        "| `/Subject` | `Replace` | `string` | `False` | `False` |\n"
        "| `/UserDefined/Text/{index}` | `Add, Replace, Remove` | `string` | `True` | `True` |\n"
        "| `/Subject` | `Replace` | `string` | `False` | `False` |\n"
    )
    rules = conventions.parse_patch_table(text)
    assert [r.path for r in rules] == ["/Subject", "/UserDefined/Text/{index}"]
    assert rules[1].matches("/userdefined/text/3") and not rules[1].matches("/UserDefined/Text/0")
    assert conventions.rules_from_rows(conventions.rule_rows(rules)) == rules
