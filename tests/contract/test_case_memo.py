"""A drawn case is drawn once a process, or once for every process sharing a folder: asked again
(by another run, over another schema of the same document) it comes back equal, bound to the
asking schema, and free to change."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from issuetrak_tools._contract.case_memo import CaseMemo, document_fingerprint, generation_key
from issuetrak_tools._contract.steps import draw_case
from issuetrak_tools._contract.suite_location import SHARED_CASES_VARIABLE
from schemathesis import GenerationMode
from schemathesis.core import NOT_SET

# a small document of one search, as the contract's are shaped
DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.1",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/Causes/Search": {
            "post": {
                "parameters": [{"name": "PageSize", "in": "query", "schema": {"type": "integer"}}],
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["name", "pageNumber"],
                                "properties": {
                                    "name": {"type": "string", "maxLength": 5},
                                    "pageNumber": {"type": "integer", "minimum": 1},
                                },
                            }
                        }
                    }
                },
                "responses": {"200": {"description": "found"}},
            }
        }
    },
}


@pytest.fixture
def in_memory_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the tests' shared folder: what one process remembers by itself."""
    monkeypatch.delenv(SHARED_CASES_VARIABLE, raising=False)


def _operation(base_url: str) -> Any:
    schema = schemathesis.openapi.from_dict({**DOCUMENT, "servers": [{"url": base_url}]})
    return schema["/Causes/Search"]["POST"]


@pytest.mark.usefixtures("in_memory_only")
def test_a_remembered_case_is_the_drawn_one_rebound_and_a_copy() -> None:
    memo = CaseMemo()
    first, second = _operation("http://a.test"), _operation("http://b.test")
    assert generation_key(first) == generation_key(second)
    key = (document_fingerprint(DOCUMENT), "POST /Causes/Search", 7, "negative")
    mode = GenerationMode.NEGATIVE
    drawn = memo.case(key, first, lambda: draw_case(first.as_strategy(mode), 7))
    again = memo.case(key, second, lambda: (_ for _ in ()).throw(AssertionError("drawn twice")))
    assert drawn is not None and again is not None
    assert (memo.draws, memo.hits) == (1, 1)
    assert again.operation is second and again.operation is not drawn.operation
    assert (again.body, again.query, dict(again.headers)) == (
        drawn.body,
        drawn.query,
        dict(drawn.headers),
    )
    assert again.meta is not None and again.meta.generation.mode is mode  # still a negative case
    assert isinstance(again.body, dict)
    again.body["changed"] = True  # a step completing the body changes its own copy only
    third = memo.case(key, first, lambda: None)
    assert third is not None and "changed" not in third.body and third.body == drawn.body


@pytest.mark.usefixtures("in_memory_only")
def test_a_case_that_cannot_be_drawn_is_remembered_as_none() -> None:
    memo = CaseMemo()
    assert memo.case(("k",), None, lambda: None) is None
    assert memo.case(("k",), None, lambda: None) is None
    assert (memo.draws, memo.hits) == (1, 1)


@pytest.mark.usefixtures("in_memory_only")
def test_the_oldest_case_is_forgotten_past_the_size() -> None:
    memo = CaseMemo(size=2)
    for key in ("a", "b", "c"):
        memo.case((key,), None, lambda: None)
    memo.case(("a",), None, lambda: None)
    assert memo.draws == 4  # "a" was forgotten and drawn again


def test_the_fingerprint_changes_with_the_document() -> None:
    changed = {**DOCUMENT, "info": {**DOCUMENT["info"], "version": "other"}}
    assert document_fingerprint(DOCUMENT) == document_fingerprint(dict(DOCUMENT))
    assert document_fingerprint(changed) != document_fingerprint(DOCUMENT)


def test_a_case_drawn_by_one_process_is_read_back_by_another_through_the_shared_folder(
    tmp_path: Path,
) -> None:
    """Two memos sharing a folder stand for two processes: the second draws nothing."""
    first, second = _operation("http://a.test"), _operation("http://b.test")
    key = (document_fingerprint(DOCUMENT), "POST /Causes/Search", 3, "positive")
    mode = GenerationMode.POSITIVE
    drawn = CaseMemo(folder=tmp_path).case(
        key, first, lambda: draw_case(first.as_strategy(mode), 3)
    )
    later = CaseMemo(folder=tmp_path)
    again = later.case(key, second, lambda: (_ for _ in ()).throw(AssertionError("drawn twice")))
    assert drawn is not None and again is not None
    assert (later.draws, later.loads) == (0, 1)
    assert again.operation is second
    assert (again.body, again.query, again.path_parameters) == (
        drawn.body,
        drawn.query,
        drawn.path_parameters,
    )
    assert again.meta is not None and again.meta.generation.mode is mode
    assert [p.suffix for p in tmp_path.iterdir()] == [".pickle"]  # no half-written file is left


def test_a_case_without_a_body_and_a_case_never_drawn_come_back_as_such(tmp_path: Path) -> None:
    schema = schemathesis.openapi.from_dict(
        {
            "openapi": "3.0.1",
            "info": {"title": "t", "version": "1"},
            "servers": [{"url": "http://a.test"}],
            "paths": {"/Causes": {"get": {"responses": {"200": {"description": "all"}}}}},
        }
    )
    operation = schema["/Causes"]["GET"]
    CaseMemo(folder=tmp_path).case(
        ("get",), operation, lambda: draw_case(operation.as_strategy(), 1)
    )
    CaseMemo(folder=tmp_path).case(("none",), operation, lambda: None)
    later = CaseMemo(folder=tmp_path)
    again = later.case(("get",), operation, lambda: None)
    assert again is not None and again.body is NOT_SET  # "no body" is compared by identity
    assert later.case(("none",), operation, lambda: draw_case(operation.as_strategy(), 1)) is None
    assert (later.draws, later.loads) == (0, 2)


def test_the_tests_share_drawn_cases_through_a_folder_of_the_run(
    shared_contract_cases: Path,
) -> None:
    assert os.environ[SHARED_CASES_VARIABLE] == str(shared_contract_cases)
    assert CaseMemo()._shared_file(("k",)) is not None
