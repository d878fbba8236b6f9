"""Operations are classified from the document, and a run sends only what it is allowed."""

from __future__ import annotations

import pytest
from issuetrak_tools._contract.classify import (
    OperationKind,
    WritePolicy,
    classify,
    classify_document,
)
from issuetrak_tools._contract.schema import filter_document
from issuetrak_tools.spec import load_document


def test_every_operation_of_the_pinned_document_gets_a_kind() -> None:
    kinds = classify_document(load_document())
    assert len(kinds) == 127
    counts = {kind: sum(1 for k in kinds.values() if k is kind) for kind in OperationKind}
    # 51 GETs + the POST searches are reads; PUT 18 + PATCH 2 modify; DELETE 3
    assert counts[OperationKind.MODIFY] == 20
    assert counts[OperationKind.DESTRUCTIVE] == 3
    assert counts[OperationKind.READ] > 51
    assert counts[OperationKind.READ] + counts[OperationKind.CREATE] == 51 + 53


@pytest.mark.parametrize(
    ("method", "path", "kind"),
    [
        ("GET", "/Users/{iid}", OperationKind.READ),
        ("POST", "/Issues/Search", OperationKind.READ),
        ("POST", "/Issues/{issueIid}/Tasks/Search", OperationKind.READ),
        ("POST", "/Issues/Create", OperationKind.CREATE),
        ("POST", "/Issues/Close/Duplicate", OperationKind.CREATE),
        ("PATCH", "/Issues/{iid}", OperationKind.MODIFY),
        ("PUT", "/Users/{iid}/Memberships/Organizations", OperationKind.MODIFY),
        ("DELETE", "/Users/{iid}/Memberships/Groups", OperationKind.DESTRUCTIVE),
    ],
)
def test_operation_kind_follows_method_and_search_suffix(
    method: str, path: str, kind: OperationKind
) -> None:
    assert classify(method, path) is kind


def test_live_default_is_read_only_and_mock_gets_everything() -> None:
    assert WritePolicy.for_target(
        live=True, allow_writes=False, allow_destructive=False
    ).allowed_kinds == {OperationKind.READ}
    assert WritePolicy.for_target(
        live=False, allow_writes=False, allow_destructive=False
    ).allowed_kinds == set(OperationKind)
    writes = WritePolicy.for_target(live=True, allow_writes=True, allow_destructive=False)
    assert OperationKind.DESTRUCTIVE not in writes.allowed_kinds


def test_destructive_without_writes_is_a_usage_error() -> None:
    with pytest.raises(ValueError, match="--allow-destructive needs --allow-writes"):
        WritePolicy.for_target(live=True, allow_writes=False, allow_destructive=True)


def test_read_only_contract_document_contains_no_write_and_no_link_to_one() -> None:
    document, skipped = filter_document(
        load_document(), WritePolicy(), "https://example.invalid/api/v2"
    )
    methods = {
        m
        for item in document["paths"].values()
        for m in item
        if m in ("put", "patch", "delete", "post")
    }
    posts = [p for p, item in document["paths"].items() if "post" in item]
    assert methods <= {"post"}
    assert all(p.lower().endswith("/search") for p in posts)
    assert len(skipped) == 127 - sum(
        len([m for m in item if m in ("get", "post")]) for item in document["paths"].values()
    )
    assert document["servers"] == [{"url": "https://example.invalid/api/v2"}]
