"""Which lines of the mutated package a run executes: loaded by ``bench_detection.py``'s reach run.

Python imports ``sitecustomize`` at start-up from the first folder on ``sys.path`` that holds one;
the benchmark puts this folder on ``PYTHONPATH`` for one faithful run only, with
``DETECTION_REACH_ROOT`` (the package copy) and ``DETECTION_REACH_OUT`` (a file prefix) set, so
the CLI and the pytest process it starts each write the lines they ran under the copy. Frames of
any other file are not traced line by line, which keeps the run about as fast as a plain one.

Each line is kept with the context it ran in: the node id of the test running (set through
:func:`set_context` by the ``detection_items`` pytest plugin), or ``""`` outside any test.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
import threading
from types import FrameType
from typing import Any

_ROOT = os.environ.get("DETECTION_REACH_ROOT")
_OUT = os.environ.get("DETECTION_REACH_OUT")
_CONTEXT = [""]


def set_context(name: str) -> None:
    """Attribute the lines run from now on to ``name`` (a test's node id; ``""``: no test)."""
    _CONTEXT[0] = name


def _install(root: str, out: str) -> None:
    executed: set[tuple[str, str, int]] = set()
    context = _CONTEXT

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            executed.add((context[0], frame.f_code.co_filename, frame.f_lineno))
        return local

    def call(frame: FrameType, event: str, arg: Any) -> Any:
        if not frame.f_code.co_filename.startswith(root):
            return None
        executed.add((context[0], frame.f_code.co_filename, frame.f_lineno))
        return local

    def save() -> None:  # {context: {file: [lines]}}
        lines: dict[str, dict[str, list[int]]] = {}
        for name, filename, line in executed:
            lines.setdefault(name, {}).setdefault(filename, []).append(line)
        with open(f"{out}.{os.getpid()}.json", "w", encoding="utf-8") as handle:
            json.dump(lines, handle)

    atexit.register(save)
    sys.settrace(call)
    threading.settrace(call)


if _ROOT and _OUT:
    _install(_ROOT, _OUT)
