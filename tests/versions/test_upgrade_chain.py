"""pin -> regen -> mock -> contract -> facade on next Issuetrak versions derived from the pinned one.

Each derived version (:mod:`.derive`: a new entity, a removed operation, a new optional query
parameter, a property type change, an optional request property made required, and all of them
together) is pinned with ``fetch-spec`` (the overrides carried over one by one) and built with
``regen`` in a project of its own (see ``conftest.py``), then served by the mock, checked by the
contract suite through ``issuetrak contract``, and called through the facade bound to it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from issuetrak import Issuetrak
from issuetrak._versions import resolve
from issuetrak.errors import OperationNotAvailableError, UsageError
from issuetrak_mock import create_app
from issuetrak_mock.transport import SyncASGITransport
from issuetrak_tools._evolution import diff_documents
from issuetrak_tools.spec import load_document, load_overrides

from . import derive
from .conftest import BASE_LABEL, Built, run_cli
from .test_mock_values import nonconforming

pytestmark = pytest.mark.slow

BASE_URL = "http://mock/api/v2"
CAUSE_UPDATE_429 = "/paths/~1Causes~1{iid}/put/responses/429"


def has(built: Built, change: str) -> bool:
    return change in derive.changes_of(built.kind)


# --- pin -----------------------------------------------------------------------------------------


def test_pinning_carries_every_override_that_still_applies_and_lists_the_one_that_does_not(
    built: Built,
) -> None:
    total = len(load_overrides(BASE_LABEL))
    carried = json.loads(
        (built.root / "spec" / built.label / "overrides.json").read_text(encoding="utf-8")
    )
    if has(built, "removed-operation"):
        assert f": {total - 1} kept, 1 vanished" in built.fetch_output, built.fetch_output
        (line,) = [line for line in built.fetch_output.splitlines() if " vanished: " in line]
        assert f"add {CAUSE_UPDATE_429} vanished" in line and "drop it" in line
        assert CAUSE_UPDATE_429 not in {op["path"] for op in carried}
        unapplied = json.loads(
            (built.root / "spec" / built.label / "overrides.unapplied.json").read_text()
        )
        assert [e["operation"]["path"] for e in unapplied["operations"]] == [CAUSE_UPDATE_429]
    else:
        assert f": {total} kept" in built.fetch_output, built.fetch_output
    assert len(carried) == total - has(built, "removed-operation")


# --- regen ---------------------------------------------------------------------------------------


def test_regen_builds_the_label_package_with_its_pin_document_and_typed_views(
    built: Built,
) -> None:
    operations = sum(
        1 for item in built.document()["paths"].values() for m in item if m != "parameters"
    )
    assert re.search(rf"\b{operations} of {operations} operations", built.regen_output)
    pin = (built.package / "_pin.py").read_text(encoding="utf-8")
    assert f'SPEC_LABEL = "{built.label}"' in pin
    namespaces = built.package / "namespaces"
    assert (namespaces / "outcomes.py").is_file() == has(built, "new-entity")
    served = json.loads((built.package / "_document.json").read_text(encoding="utf-8"))
    assert ("/Outcomes" in served["paths"]) == has(built, "new-entity")
    assert ("put" in served["paths"]["/Causes/{iid}"]) != has(built, "removed-operation")


# --- spec-diff ------------------------------------------------------------------------------------


EXPECTED_CHANGES: dict[str, set[tuple[str, str, str]]] = {
    "new-entity": {
        ("wire", "operation-added", "POST /Outcomes"),
        ("surface", "function-added", "issuetrak_client.api.outcomes.create_outcome"),
        ("surface", "model-added", "issuetrak_client.models.Outcome"),
    },
    "removed-operation": {
        ("wire", "operation-removed", "PUT /Causes/{iid}"),
        ("surface", "function-removed", "issuetrak_client.api.causes.update_cause"),
    },
    "new-query-parameter": {
        ("wire", "parameter-added", "GET /Causes query:IncludeInactive"),
        ("surface", "argument-added", "issuetrak_client.api.causes.get_causes(include_inactive=)"),
    },
    "type-change": {
        ("wire", "type-changed", "Priority.displayOrder"),
        ("surface", "field-type-changed", "issuetrak_client.models.Priority.display_order"),
        ("surface", "field-type-changed", "issuetrak_client.models.CreatePriority.display_order"),
    },
    "required-property": {
        ("wire", "property-became-required", "CreatePriority.color"),
        ("surface", "field-became-required", "issuetrak_client.models.CreatePriority.color"),
    },
}


def test_spec_diff_names_each_change_and_what_it_breaks(built: Built) -> None:
    new = json.loads((built.package / "_document.json").read_text(encoding="utf-8"))
    changes = diff_documents(load_document(BASE_LABEL), new).changes
    found = {(c.area, c.kind, c.location) for c in changes}
    for change in derive.changes_of(built.kind):
        assert EXPECTED_CHANGES[change] <= found, (change, sorted(found)[:20])
    breaking = {c.location for c in changes if c.breaking}
    if has(built, "type-change"):
        assert "issuetrak_client.models.Priority.display_order" in breaking
    if has(built, "required-property"):
        assert "issuetrak_client.models.CreatePriority.color" in breaking
    if built.kind in ("new-entity", "new-query-parameter"):
        assert not breaking, sorted(breaking)  # adding things breaks nobody


# --- mock ----------------------------------------------------------------------------------------


@pytest.fixture
def mock_of(on_path: None) -> Iterator[Any]:
    transports: list[SyncASGITransport] = []

    def make(label: str) -> tuple[Any, SyncASGITransport]:
        app = create_app(label, seed=0, rate_limits=None, issues=20)
        transports.append(SyncASGITransport(app))
        return app, transports[-1]

    yield make
    for transport in transports:
        transport.close()


def client_for(app: Any, transport: SyncASGITransport, version: str | None) -> Issuetrak:
    return Issuetrak(
        BASE_URL,
        app.state.tokens["admin"],
        transport=transport,
        version=version,
        rate_limits=None,
        allow_insecure_http=True,
    )


def test_the_mock_serves_the_label_with_values_of_its_types(built: Built, mock_of: Any) -> None:
    app, transport = mock_of(built.label)
    assert nonconforming(app) == {}
    site = app.state.site
    assert (site.find_store(derive.NEW[0]) is not None) == has(built, "new-entity")
    with client_for(app, transport, built.label) as client:
        check = client.check_version()
    assert check.matches, str(check)


# --- contract ------------------------------------------------------------------------------------


CONTRACT_OPERATIONS = {
    "new-entity": "/Outcomes",
    "removed-operation": "/Causes",
    "new-query-parameter": "^GET /Causes$",
    "type-change": "/Priorities",
    "required-property": "/Priorities",
    "combined": "/(Causes|Outcomes|Priorities)",
}


@pytest.mark.parametrize("kind", sorted(derive.VERSIONS))
def test_the_contract_suite_passes_against_the_mock_of_the_label(
    kind: str, build: Any, tmp_path: Any
) -> None:
    built: Built = build(kind)
    result = run_cli(
        "contract",
        "--spec-label",
        built.label,
        "--operations",
        CONTRACT_OPERATIONS[kind],
        "--max-examples",
        "2",
        "--coverage-budget",
        "2",
        "--report-dir",
        str(tmp_path),
        root=built.root,
        extra_path=built.generated,  # the project's generated packages, as an install has them
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert re.search(r"operations tested (\d+)/\1", output), output[-2000:]


# --- facade --------------------------------------------------------------------------------------


def test_the_facade_bound_to_the_label_calls_what_the_label_has(built: Built, mock_of: Any) -> None:
    app, transport = mock_of(built.label)
    with client_for(app, transport, built.label) as client:
        assert client.version == resolve(built.label)
        if has(built, "new-entity"):
            created = client.outcomes.create(name="Fixed by reboot")
            assert client.outcomes.get(created.iid).name == "Fixed by reboot"
            assert [o.name for o in client.outcomes.list()] == ["Fixed by reboot"]
        if has(built, "removed-operation"):
            with pytest.raises(AttributeError, match="'causes' has no operation 'update_cause'"):
                client.causes.update_cause  # noqa: B018
        if has(built, "new-query-parameter"):
            assert list(client.causes.list(include_inactive=True))
        if has(built, "type-change"):
            priority = next(iter(client.priorities.list()))
            assert isinstance(priority.display_order, int)
            created = client.priorities.create(name="P9", display_order=9, color="red")
            assert created.display_order == 9 and isinstance(created.display_order, int)
        if has(built, "required-property"):
            with pytest.raises((UsageError, TypeError), match="color"):
                client.priorities.create(name="No colour")
            assert client.priorities.create(name="Coloured", color="blue").color == "blue"


def test_a_client_of_the_old_version_is_told_what_the_new_site_lacks(
    built: Built, mock_of: Any
) -> None:
    app, transport = mock_of(built.label)
    with client_for(app, transport, BASE_LABEL) as old:
        check = old.check_version()
        assert check.known and not check.matches
        assert built.label in check.matching_labels
        assert f"version={built.label!r}" in str(check)
        if has(built, "removed-operation"):
            assert check.missing_at_site == ("PUT /Causes/{iid}",)
            with pytest.raises(OperationNotAvailableError) as caught:
                old.causes.update(1, name="Renamed")
            assert caught.value.operation == "PUT /Causes/{iid}"
            assert caught.value.status_code == 405
            assert f"it is the one of {built.label!r}" in str(caught.value)
        if has(built, "new-entity"):
            assert "POST /Outcomes" in check.new_at_site
            assert not hasattr(old, "outcomes")
        if has(built, "new-query-parameter"):
            assert "GET /Causes: query parameter 'IncludeInactive' added" in check.changed
        if not (has(built, "removed-operation") or has(built, "new-entity")):
            assert check.missing_at_site == () and check.new_at_site == ()
        assert check.same_operations == (built.kind in ("type-change", "required-property"))


def test_two_issuetrak_versions_serve_one_process(build: Any, mock_of: Any) -> None:
    built: Built = build("combined")
    old_app, old_transport = mock_of(BASE_LABEL)
    new_app, new_transport = mock_of(built.label)
    with (
        client_for(old_app, old_transport, BASE_LABEL) as old,
        client_for(new_app, new_transport, built.label) as new,
    ):
        # interleaved calls, each client with the operations and models of its own version
        updated = old.causes.update(1, name="Renamed on the old site")
        created = new.outcomes.create(name="Only on the new site")
        priority = new.priorities.create(name="P", display_order=3, color="red")
        assert updated.name == "Renamed on the old site"
        assert type(updated).__module__.startswith(f"{old.version.package}.models.")
        assert type(created).__module__.startswith(f"{new.version.package}.models.")
        assert isinstance(priority.display_order, int)
        assert isinstance(next(iter(old.priorities.list())).display_order, float)
        assert old.check_version().matches and new.check_version().matches
        assert not hasattr(old, "outcomes") and "update_cause" not in dir(new.causes)
