"""Import one generated model without importing all of them.

``issuetrak_client/models/__init__.py`` (generated) imports every model module, about half a
second for the pinned document. Python runs a package's ``__init__`` before any of its
submodules, so the first import of a single model (``issuetrak_client.models.user``, which every
generated operation module does) would pay for all of them, and with it the first facade call.

:func:`install` puts a stand-in for the package into ``sys.modules`` before that happens: the
same name, spec and ``__path__`` (so ``issuetrak_client.models.user`` imports as usual), but its
``__init__`` is not run. Names imported from the package itself (``from issuetrak_client.models
import User``, ``import *``) still work: a module ``__getattr__`` imports the one module that
defines the name, found in the name -> module table that the real ``__init__``'s
``from .<module> import <Name>`` lines state (read as text, not run). If the package was already
imported, or its ``__init__`` is lazy itself (no top-level ``from .<module> import`` lines, as
``spec/templates/models_init.py.jinja`` writes it), nothing changes.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import threading
import types
from pathlib import Path
from typing import Any

__all__ = ["PACKAGE", "install", "names"]

PACKAGE = "issuetrak_client.models"
# `from .user import User` or `from .x import (\n    Name,\n)`
_IMPORT = re.compile(r"^from \.(\w+) import (?:\(([^)]*)\)|([^\n]+))", re.MULTILINE)
_lock = threading.Lock()


def _table(init_file: str) -> dict[str, str]:
    text = Path(init_file).read_text(encoding="utf-8")
    table: dict[str, str] = {}
    for match in _IMPORT.finditer(text):
        listed = match[2] if match[2] is not None else match[3]
        for name in listed.split(","):
            name = name.strip().split(" as ")[-1].strip()
            if name.isidentifier():
                table[name] = match[1]
    return table


def _is_eager(init_file: str) -> bool:
    """True when the ``__init__`` imports model modules at its top level."""
    try:
        text = Path(init_file).read_text(encoding="utf-8")
    except OSError:
        return False
    return _IMPORT.search(text) is not None


def _stand_in(spec: importlib.machinery.ModuleSpec, package: str) -> types.ModuleType:
    module = importlib.util.module_from_spec(spec)  # not executed: no eager imports
    assert spec.origin is not None
    table: dict[str, str] | None = None

    def lookup() -> dict[str, str]:
        nonlocal table
        if table is None:
            table = _table(str(spec.origin))
        return table

    def __getattr__(name: str) -> Any:
        if name == "__all__":
            return tuple(lookup())
        where = lookup().get(name)
        if where is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{where}"), name)
        setattr(module, name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*module.__dict__, *lookup()})

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    module.__dir__ = __dir__  # type: ignore[method-assign]
    module.__doc__ = "Generated models, imported one module at a time on first use."
    return module


def install(package: str = PACKAGE) -> None:
    """Make ``package`` (the generated models) import its modules one at a time (idempotent)."""
    if package in sys.modules:
        return
    with _lock:
        if package in sys.modules:
            return
        spec = importlib.util.find_spec(package)  # imports the parent package only
        if spec is None or spec.origin is None or not spec.submodule_search_locations:
            return
        if not _is_eager(spec.origin):
            return  # the generated __init__ already imports each model on first use
        module = _stand_in(spec, package)
        sys.modules[package] = module
        parent = sys.modules.get(package.rpartition(".")[0])
        if parent is not None:
            setattr(parent, package.rpartition(".")[2], module)


def names() -> tuple[str, ...]:
    """Every model and enum name the generated package defines."""
    install()
    found: tuple[str, ...] = importlib.import_module(PACKAGE).__all__
    return found
