"""Large request bodies: parsed without stopping the world, and their memory given back after.

Parsing a 4 MB body makes hundreds of thousands of objects. Each allocation burst can trigger a
full pass of CPython's cyclic garbage collector, which holds the interpreter lock while it walks
every object of the process: while a worker thread parses, the event loop would stall for
hundreds of milliseconds at a time. A parsed JSON body holds no reference cycles, so the collector
is paused while one is parsed (:func:`collector_paused`, counted so that overlapping parses
share one pause). Afterwards :func:`give_back_memory` returns the freed heap pages to the
operating system (glibc's ``malloc_trim``), so the resident memory falls back after a large
request instead of staying at its peak.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import threading
from collections.abc import Callable, Iterator

__all__ = ["collector_paused", "give_back_memory"]

_lock = threading.Lock()
_pauses = 0


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside (reference counting still frees everything acyclic)."""
    global _pauses
    with _lock:
        _pauses += 1
        was_enabled = _pauses > 1 or gc.isenabled()
        gc.disable()
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and was_enabled:
                gc.enable()


def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc (musl, macOS, Windows): nothing to trim
        return None
    return trim


_TRIM = _malloc_trim()


def give_back_memory() -> None:
    """Return the free pages at the top and in the middle of the C heap to the system."""
    if _TRIM is not None:
        _TRIM(0)  # ctypes lets go of the interpreter lock during the call
