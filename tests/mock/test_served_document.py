"""A document the mock cannot serve (another vendor's API pinned under a label) is refused in
one line that names what is missing, by the app, the ``issuetrak-mock`` command and
``issuetrak contract`` alike; never a crash while seeding."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from issuetrak import ConfigurationError
from issuetrak_mock import __main__ as mock_command
from issuetrak_mock import create_app
from issuetrak_tools.cli import contract

from .conftest import document


def other_vendors_document() -> dict[str, Any]:
    ok = {"description": "OK", "content": {"application/json": {"schema": {"type": "string"}}}}
    return {
        "openapi": "3.0.1",
        "info": {"title": "Parcel tracking", "version": "v1"},
        "paths": {
            "/api/Parcels": {"get": {"operationId": "ListParcels", "responses": {"200": ok}}}
        },
    }


def without_users(source: dict[str, Any]) -> dict[str, Any]:
    derived = copy.deepcopy(source)
    derived["paths"] = {p: v for p, v in derived["paths"].items() if not p.startswith("/Users")}
    return derived


class _Version:
    def __init__(self, served: dict[str, Any]) -> None:
        self.served = served

    def document(self) -> dict[str, Any]:
        return copy.deepcopy(self.served)


def test_another_vendors_document_is_refused_naming_the_entities_it_lacks() -> None:
    with pytest.raises(ConfigurationError) as caught:
        create_app(document=other_vendors_document())
    message = str(caught.value)
    assert "\n" not in message and "'Parcel tracking'" in message
    assert "User (GET /Users/{iid})" in message and "Issue (GET /Issues/{iid})" in message


def test_an_issuetrak_document_without_users_names_only_users() -> None:
    with pytest.raises(ConfigurationError, match=r"needs: User \(GET /Users/\{iid\}\);"):
        create_app(document=without_users(document()))


def test_mock_command_exits_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        "issuetrak.versions.resolve", lambda label: _Version(other_vendors_document())
    )
    assert mock_command.main(["--spec-label", "parcels", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("issuetrak-mock: the mock cannot serve")
    assert "randrange" not in err


def test_contract_on_the_mock_exits_2_with_one_line_before_pytest_starts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(contract, "load_document", lambda label: other_vendors_document())
    monkeypatch.setattr(contract, "resolve", lambda label: _Version(other_vendors_document()))
    started: list[Any] = []
    monkeypatch.setattr(contract.subprocess, "run", lambda *a, **k: started.append(a))
    code = contract.main(["--spec-label", "parcels", f"--report-dir={tmp_path}"])
    err = capsys.readouterr().err
    assert (code, started) == (2, [])
    assert err.count("\n") == 1 and "cannot serve 'Parcel tracking'" in err
    assert "User (GET /Users/{iid})" in err
