"""The response-schema check tolerates exactly Issuetrak's offset-less date-times."""

from __future__ import annotations

import datetime
from typing import Any

import httpx
import pytest
import schemathesis
from issuetrak_tools._contract.datetimes import is_tolerated_date_time

ACCEPTED = [
    "2024-03-15T08:30:00",  # the document's own form: no offset
    "2024-03-15T08:30:00.1234567",  # .NET writes up to seven fractional digits
    "2024-03-15T08:30:00Z",
    "2024-03-15T08:30:00+02:00",
    "2024-02-29T23:59:59",
]
REJECTED = [
    "yesterday",
    "2024-13-45T99:00:00",
    "2023-02-29T08:30:00",  # no such day
    "2024-03-15T24:00:00",
    "2024-03-15",
    "2024-03-15 08:30:00",
    "2024-03-15T08:30",
    "2024-03-15T08:30:00.12345678",
    "",
]


@pytest.mark.parametrize("value", ACCEPTED)
def test_offsetless_and_rfc3339_date_times_are_accepted(value: str) -> None:
    assert is_tolerated_date_time(value)


@pytest.mark.parametrize("value", REJECTED)
def test_real_format_errors_are_still_rejected(value: str) -> None:
    assert not is_tolerated_date_time(value)


def _document() -> dict[str, Any]:
    # a minimal document written for this test (not Issuetrak's): one read returning a date-time
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/thing": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["createdDate"],
                                        "properties": {
                                            "createdDate": {"type": "string", "format": "date-time"}
                                        },
                                    }
                                }
                            },
                        }
                    }
                }
            }
        },
    }


def _validate(value: str) -> list[str]:
    import issuetrak_tools._contract.checks  # noqa: F401  (installs the tolerance)

    schema = schemathesis.openapi.from_dict(_document())
    operation = schema["/thing"]["GET"]
    case = operation.Case()
    request = httpx.Request("GET", "http://127.0.0.1/thing")
    response = httpx.Response(200, json={"createdDate": value}, request=request)
    response.elapsed = datetime.timedelta(0)
    from schemathesis.specs.openapi.checks import response_schema_conformance

    try:
        case.validate_response(response, checks=[response_schema_conformance])
    except schemathesis.core.failures.FailureGroup as group:
        return [failure.title for failure in group.exceptions]
    return []


def test_response_schema_check_passes_an_offsetless_date_time() -> None:
    assert _validate("2024-03-15T08:30:00") == []


@pytest.mark.parametrize("value", ["yesterday", "2024-13-45T99:00:00"])
def test_response_schema_check_still_fails_a_malformed_date_time(value: str) -> None:
    assert _validate(value) == ["Response violates schema"]


def test_tolerance_is_not_a_blanket_pass_for_strings() -> None:
    assert not is_tolerated_date_time("2024-03-15T08:30:00 ")
    assert not is_tolerated_date_time("2024-03-15T08:30:00\n")
