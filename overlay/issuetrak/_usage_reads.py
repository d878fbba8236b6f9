"""Recording which properties of returned models the caller reads.

While a usage recorder is active, every generated model class of the recorded label gets a
``__getattribute__`` that notes ``(schema, wire property)`` for reads of its fields, nested models
and models inside lists included; :func:`unwatch` puts the classes back as they were, so with
recording off the models are untouched (no cost, ``isinstance`` and typing unchanged).

Reads made by the SDK itself (serialising, unwrapping envelopes, paging, merge-updates) are not
the integration's: a read is noted only when the code reading is outside ``issuetrak`` and the
generated package.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["unwatch", "watch"]

_OURS = ("issuetrak.", "issuetrak_client.", "attr.", "attrs.")
_fields: dict[type, dict[str, tuple[str, str]]] = {}  # class -> attribute -> (schema, property)
_watched: set[str] = set()
_notes: list[Callable[[str, str], None]] = []  # where reads go (set by watch())
_lock = threading.Lock()


def _squash(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


def _schema_names(package: str) -> dict[str, str]:
    """Squashed generated class name -> schema name, from the label's document."""
    from ._versions import version_of_package

    document = version_of_package(package).document()
    schemas = (document.get("components") or {}).get("schemas") or {}
    return {_squash(name): name for name in schemas}


def _schema_of(cls: type, names: dict[str, str]) -> str | None:
    squashed = _squash(cls.__name__)
    if squashed in names:
        return names[squashed]
    if squashed.endswith("type0") and squashed[:-5] in names:  # a nullable schema's class
        return names[squashed[:-5]]
    return None


def _recording_getattribute(self: Any, name: str) -> Any:
    value = object.__getattribute__(self, name)
    fields = _fields.get(type(self))
    if fields is not None and name in fields:
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if not (caller + ".").startswith(_OURS) and caller not in ("issuetrak", "attr", "attrs"):
            for note in _notes:
                note(*fields[name])
    return value


def watch(label: str, note: Callable[[str, str], None]) -> None:
    """Install the read hook on the generated models of ``label`` (once per label); each read
    of a field is passed to ``note(schema, wire property)``."""
    from ._models import field_names, wire_names
    from ._versions import resolve

    package = resolve(label).package
    with _lock:
        _notes[:] = [note]
        if package in _watched:
            return
        _watched.add(package)
        models = importlib.import_module(f"{package}.models")
        names = _schema_names(package)
        classes: list[Any] = [c for _, c in inspect.getmembers(models, inspect.isclass)]
        for cls in classes:
            schema = _schema_of(cls, names)
            if schema is None or not hasattr(cls, "__attrs_attrs__"):
                continue
            wire = wire_names(cls)
            _fields[cls] = {f: (schema, wire[f]) for f in field_names(cls)}
            cls.__getattribute__ = _recording_getattribute


def unwatch() -> None:
    """Remove every read hook: the models are plain generated classes again."""
    with _lock:
        for cls in _fields:
            if cls.__dict__.get("__getattribute__") is _recording_getattribute:
                del cls.__getattribute__
        _fields.clear()
        _watched.clear()
