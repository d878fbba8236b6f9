"""Fixtures the contract tests share: the pinned contract document and its conventions."""

from __future__ import annotations

from typing import Any

import pytest
from issuetrak_tools._contract.document import load_contract_document
from issuetrak_tools._contract.entities import Conventions


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return load_contract_document()


@pytest.fixture(scope="module")
def conventions(document: dict[str, Any]) -> Conventions:
    return Conventions(document)
