"""Fixtures every test folder may use: work done once per test run and shared by the xdist workers."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass(frozen=True)
class RunShared:
    """A folder of this test run that every xdist worker sees, and file locks in it.

    Expensive results (a regenerated package, a derived project) are built under a lock by the
    first worker that needs them and read from disk by the others, so each is built once a run.
    """

    folder: Path

    @contextlib.contextmanager
    def locked(self, name: str) -> Iterator[Path]:
        """Hold the run-wide lock called ``name``; yields ``folder / name`` (created by the caller)."""
        lock = self.folder / f"{name}.lock"
        lock.parent.mkdir(parents=True, exist_ok=True)
        with lock.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield self.folder / name
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def once(self, name: str, make: Callable[[Path], Any]) -> Any:
        """``make(folder)``'s result (JSON), computed by the first worker that asks for ``name``
        (in ``folder``, which it creates) and read back by every later caller."""
        with self.locked(name) as folder:
            done = folder.with_name(f"{folder.name}.json")
            if not done.is_file():
                folder.mkdir(parents=True, exist_ok=True)
                done.write_text(json.dumps(make(folder)), encoding="utf-8")
            return json.loads(done.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def run_shared(tmp_path_factory: pytest.TempPathFactory) -> RunShared:
    base = tmp_path_factory.getbasetemp()
    # under xdist every worker has its own basetemp below one folder of this run
    return RunShared(base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base)


@pytest.fixture(scope="session", autouse=True)
def shared_contract_cases(run_shared: RunShared) -> Iterator[Path]:
    """A folder of this run where every contract run (in a worker, or an ``issuetrak contract``
    process a test starts) writes the cases it draws and finds those drawn before it.

    Drawing cases is most of a contract run's work, and the suite's runs check one document
    with the same seeds over and over: shared, each case is drawn once a run, not once a process.
    The folder is new each run, so a change to how cases are drawn is seen by the next run.
    """
    from issuetrak_tools._contract.suite_location import SHARED_CASES_VARIABLE

    folder = run_shared.folder / "contract-cases"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SHARED_CASES_VARIABLE, str(folder))
        yield folder


def pytest_configure(config: pytest.Config) -> None:
    """Bytecode is cached for this run and the next, under the pytest cache, never in the tree.

    With ``PYTHONDONTWRITEBYTECODE`` set, every pytest process (each xdist worker, each contract
    run and pytest example the tests start) compiled and assertion-rewrote every module of the
    plugins' distributions (schemathesis, hypothesis, this project) again: about 5 CPU-seconds a
    contract run. The xdist workers and the child processes inherit the environment set here.
    """
    cache = getattr(config, "cache", None)  # absent under -p no:cacheprovider
    if cache is None or not os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return
    prefix = str(cache.mkdir("bytecode"))
    os.environ.pop("PYTHONDONTWRITEBYTECODE")
    os.environ["PYTHONPYCACHEPREFIX"] = prefix
    sys.dont_write_bytecode = False
    sys.pycache_prefix = prefix


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Modules with a test marked ``slow`` first, each module's tests kept together and in order.

    xdist hands tests out in this order (``--dist loadgroup``: groups first, the largest first):
    the long tests start while there is still short work to even out the workers' ends, instead
    of one worker starting a two-minute test when the other has nothing left to do.
    """
    slow = {item.path for item in items if item.get_closest_marker("slow") is not None}
    items.sort(key=lambda item: item.path not in slow)
    if os.environ.get("PYTEST_XDIST_WORKER") and config.getvalue("loadgroup"):
        _group_suffixes(items)


def _group_suffixes(items: list[pytest.Item]) -> None:
    """``--dist loadgroup`` on pytest 9.2: give each ``xdist_group`` test its ``@group`` id suffix.

    xdist 3.8 tells the scheduler a test's group through that suffix, written to ``item._nodeid``,
    which pytest 9.2 no longer reads (its ids are structured: pytest-xdist#1386). Without it the
    groups are silently ignored: a derived version's tests or the regenerated package's land on
    both workers, and one waits on the other's build instead of running tests.
    """
    from _pytest.nodeid import coerce_node_id

    for item in items:
        groups = sorted(
            {
                str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                for mark in item.iter_markers("xdist_group")
            }
        )
        if groups and "@" not in item.nodeid.rpartition("]")[2]:
            item._id = coerce_node_id(f"{item.nodeid}@{'_'.join(groups)}")  # type: ignore[attr-defined]
