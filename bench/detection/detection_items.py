"""The pytest side of ``bench_detection.py``'s per-test reach and selection (a pytest plugin).

``bench_detection.py`` puts this folder on ``PYTHONPATH`` and loads the plugin through
``PYTEST_PLUGINS=detection_items``, so the contract command itself is run unchanged:

- in the reach run (``DETECTION_REACH_ROOT`` set, ``sitecustomize`` tracing), every line the
  tracer records is attributed to the test running it (its node id; lines run outside any test,
  during start-up and collection, to ``""``), and ``DETECTION_ITEMS_OUT`` receives every test in
  the order it ran, each with its family (a plan step's registered family; ``stateful`` and
  ``sweep`` for the two other kinds of test);
- in a mutant's run (``DETECTION_SELECT`` names a file of node ids, one a line), only those tests
  run, in the suite's own order; a test module none of them is in is not even collected (the
  schemathesis sweep's collection generates every operation's examples).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_SELECT = os.environ.get("DETECTION_SELECT")
_ITEMS_OUT = os.environ.get("DETECTION_ITEMS_OUT")
_SELECTED: set[str] | None = (
    {line for line in Path(_SELECT).read_text(encoding="utf-8").splitlines() if line}
    if _SELECT
    else None
)


def family_of(item: pytest.Item) -> str:
    """The family a test belongs to: its plan step's, else the kind of test it is."""
    callspec = getattr(item, "callspec", None)
    step = callspec.params.get("step") if callspec is not None else None
    family = getattr(step, "family", None)
    if family:
        return str(family)
    if step is not None:
        return f"step:{getattr(step, 'kind', '')}"
    return "stateful" if "stateful" in item.nodeid else "sweep"


def _file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0].rsplit("/", 1)[-1]


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if _SELECTED is None or not collection_path.name.startswith("test_"):
        return None
    wanted = {_file_of(nodeid) for nodeid in _SELECTED}
    return True if collection_path.name not in wanted else None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _SELECTED is None:
        return
    kept = [item for item in items if item.nodeid in _SELECTED]
    dropped = [item for item in items if item.nodeid not in _SELECTED]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = kept


_RAN: list[dict[str, str]] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: Any) -> Iterator[None]:
    tracer = sys.modules.get("sitecustomize")
    if tracer is not None and hasattr(tracer, "set_context"):
        tracer.set_context(item.nodeid)
    _RAN.append({"id": item.nodeid, "family": family_of(item)})
    try:
        yield
    finally:
        if tracer is not None and hasattr(tracer, "set_context"):
            tracer.set_context("")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _ITEMS_OUT:
        Path(_ITEMS_OUT).write_text(json.dumps(_RAN) + "\n", encoding="utf-8")
