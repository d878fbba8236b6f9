from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from issuetrak_tools._contract.target import credentials_for
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


def test_the_state_machine_sends_credentials_as_single_cases_do() -> None:
    # the link-driven phase once sent the token with every case, so a case generated without the
    # key header (a negative one) became a valid request and was reported as accepted
    import schemathesis
    from issuetrak_tools._contract.cases import state_machine
    from issuetrak_tools._contract.document import load_contract_document

    schema = schemathesis.openapi.from_dict(load_contract_document())
    target = SimpleNamespace(base_url="http://mock/api/v2", session=None, headers=TOKEN, checks=[])
    machine = state_machine(schema, target, recorder=SimpleNamespace())  # type: ignore[arg-type]
    instance = machine.__new__(machine)
    assert instance.get_call_kwargs(_case(ParameterLocation.HEADER))["headers"] == {}
    assert instance.get_call_kwargs(_case())["headers"] == TOKEN


def test_a_restricted_token_is_sent_only_when_asked_for_and_redacted_like_the_first() -> None:
    import issuetrak_mock
    from issuetrak_tools._contract.credentials import redact
    from issuetrak_tools._contract.target import open_target

    app = issuetrak_mock.create_app(None, seed=0, rate_limits=None, issues=5)
    admin, user = str(app.state.tokens["admin"]), str(app.state.tokens["end_user"])
    target = open_target(app=app, token=admin, restricted_token=user)
    try:
        assert dict(target.headers) == {"X-Api-Key": admin}
        assert dict(target.restricted_headers or {}) == {"X-Api-Key": user}
        assert user not in repr(target)
        assert (
            redact(f"sent {user} and {admin}", target.secrets) == "sent [REDACTED] and [REDACTED]"
        )
    finally:
        target.close()
    plain = open_target(app=app, token=admin)
    assert plain.restricted_headers is None
    plain.close()
