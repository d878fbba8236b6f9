"""The one contract run of this process, for test modules that need it at collection time.

``schema.parametrize()`` must see the schema when pytest imports the test module (so that each
operation becomes its own test item and JUnit entry); the conftest builds it in
``pytest_sessionstart`` from the command-line options and publishes it here.
"""

from __future__ import annotations

from typing import Any

__all__ = ["current", "publish"]

_CURRENT: dict[str, Any] = {}


def publish(state: dict[str, Any]) -> None:
    _CURRENT.clear()
    _CURRENT.update(state)


def current() -> dict[str, Any]:
    if not _CURRENT:
        raise RuntimeError("no contract run is active: run the suite with `pytest contract_tests`")
    return _CURRENT
