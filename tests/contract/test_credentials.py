from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from issuetrak._contract.runner import credentials_for
from schemathesis.core.parameters import ParameterLocation

TOKEN = {"X-Api-Key": "secret"}


def _case(*negative: ParameterLocation) -> Any:
    meta = SimpleNamespace(is_negative_at=lambda location: location in negative)
    return SimpleNamespace(meta=meta, headers={})


def test_cases_get_the_token_unless_their_headers_are_negated() -> None:
    assert credentials_for(_case(), TOKEN) == TOKEN
    assert credentials_for(_case(ParameterLocation.QUERY, ParameterLocation.BODY), TOKEN) == TOKEN
    assert credentials_for(SimpleNamespace(meta=None, headers={}), TOKEN) == TOKEN


def test_a_case_with_negated_headers_is_sent_without_the_token() -> None:
    assert credentials_for(_case(ParameterLocation.HEADER), TOKEN) == {}
